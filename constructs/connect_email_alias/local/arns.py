"""Connect ARNs as the stand-ins read and write them: one parser for the emulator and the player.

``arn:<partition>:connect:<region>:<account>:instance/<instance id>[/<resource>]``. Deliberately loose
(any partition, region and account text): the stand-ins decide what a well-formed ARN names, and the
function's own stricter grammar (``lambda/contract.py``) is not shared, so a misreading in one is caught
by the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARN = re.compile(r"arn:([^:]+):connect:([^:]*):([^:]*):instance/([^/]+)(?:/(.*))?")
_EMAIL_ADDRESS = "email-address/"


@dataclass(frozen=True)
class ConnectArn:
    """A parsed Connect ARN; ``resource`` is what follows the instance ID (``""`` for the instance)."""

    partition: str
    region: str
    account: str
    instance_id: str
    resource: str = ""

    @classmethod
    def parse(cls, text: str) -> ConnectArn | None:
        """The ARN's parts, or None when ``text`` is no Connect instance (or instance resource) ARN."""
        match = _ARN.fullmatch(text)
        if match is None:
            return None
        partition, region, account, instance_id, resource = match.groups()
        return cls(partition, region, account, instance_id, resource or "")

    @property
    def email_address_id(self) -> str | None:
        """The address an ``.../email-address/<id>`` ARN names; None for any other resource."""
        address_id = self.resource.removeprefix(_EMAIL_ADDRESS)
        if address_id == self.resource or "/" in address_id:
            return None
        return address_id

    def email_address(self, email_address_id: str) -> ConnectArn:
        """The ARN of an address of this ARN's instance."""
        return ConnectArn(
            self.partition, self.region, self.account, self.instance_id, _EMAIL_ADDRESS + email_address_id
        )

    def __str__(self) -> str:
        head = f"arn:{self.partition}:connect:{self.region}:{self.account}:instance/{self.instance_id}"
        return f"{head}/{self.resource}" if self.resource else head
