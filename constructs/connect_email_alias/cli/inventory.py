"""An instance's email addresses and alias pairs as Connect reports them, and each alias's owner record.

One ``SearchEmailAddresses`` scan (100 addresses a page) gives every address with the alias that forwards
to it; the owner record is a tag on the alias address, which only ``DescribeEmailAddress`` returns (one
read per pair). Calls go through clients with adaptive retries (:mod:`.aws`), so a large instance is read
at the pace Connect's quota allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .._contract import contract
from .output import Progress

PAGE = 100
_NOT_FOUND = "ResourceNotFoundException"


class InstanceGone(Exception):
    """The instance does not exist (in this region)."""


@dataclass(frozen=True)
class Address:
    """One email address: its ID, its address string, and the aliases that forward to it (at most one)."""

    address_id: str
    email: str
    alias_ids: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """How reasons and tables name it: the address string, else the ID."""
        return self.email or self.address_id


@dataclass(frozen=True)
class Instance:
    """Every address of one instance, by ID."""

    region: str
    instance_id: str
    addresses: dict[str, Address]

    def address(self, address_id: str) -> Address:
        """The address, or one that names only its ID when the scan did not show it."""
        return self.addresses.get(address_id) or Address(address_id, "")

    def pairs(self) -> list[tuple[Address, Address]]:
        """(primary, alias) of every pair, sorted by the primary's address string."""
        found = [(p, self.address(a)) for p in self.addresses.values() for a in p.alias_ids]
        return sorted(found, key=lambda pair: (pair[0].email.lower(), pair[0].address_id))

    def primary_of(self, alias_id: str) -> Address | None:
        """The primary `alias_id` forwards to, if any."""
        return next((p for p in self.addresses.values() if alias_id in p.alias_ids), None)


def read_instance(connect: Any, region: str, instance_id: str, progress: Progress) -> Instance:
    """Every address of the instance, page by page; `InstanceGone` when Connect does not know it."""
    addresses: dict[str, Address] = {}
    params: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": PAGE}
    while True:
        try:
            page = connect.search_email_addresses(**params)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == _NOT_FOUND:
                raise InstanceGone(f"Connect instance {instance_id} was not found in {region}") from err
            raise
        for item in page.get("EmailAddresses") or ():
            aliases = tuple(str(c["EmailAddressId"]) for c in item.get("AliasConfigurations") or ())
            address_id = str(item["EmailAddressId"])
            addresses[address_id] = Address(address_id, str(item.get("EmailAddress") or ""), aliases)
        progress.note(f"read {len(addresses)} addresses of instance {instance_id}")
        if not page.get("NextToken"):
            return Instance(region, instance_id, addresses)
        params["NextToken"] = page["NextToken"]


def owner_record(connect: Any, instance_id: str, alias_id: str) -> str | None:
    """The owner record on the alias address (docs/design.md, "Ownership"); None when it has none."""
    try:
        described = connect.describe_email_address(InstanceId=instance_id, EmailAddressId=alias_id)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == _NOT_FOUND:
            return None
        raise
    record = (described.get("Tags") or {}).get(contract.OWNER_TAG_KEY)
    return None if record is None else str(record)


def owner(record: str | None) -> dict[str, str | None] | None:
    """The owner record for JSON: the stack and logical resource ID it names (None when the record is not
    one the function writes), and the record itself."""
    if record is None:
        return None
    parsed = contract.parse_owner_record(record)
    return {
        "StackName": parsed.stack_name if parsed else None,
        "LogicalResourceId": parsed.logical_id if parsed else None,
        "Record": record,
    }


def owner_text(record: str | None) -> str:
    """The owner record for people: ``<stack>/<logical id>``."""
    if record is None:
        return "-"
    parsed = contract.parse_owner_record(record)
    return f"{parsed.stack_name}/{parsed.logical_id}" if parsed else f"(not the function's: {record[:40]})"
