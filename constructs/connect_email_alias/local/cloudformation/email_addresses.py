"""Plays ``AWS::Connect::EmailAddress`` as CloudFormation does: through Connect's API (boto3, the emulator).

Physical ID, ``Ref`` and ``Fn::GetAtt EmailAddressArn`` are the address's ARN. Create is CreateEmailAddress,
then one AssociateEmailAddressAlias per ``AliasConfigurations`` entry; Delete is DeleteEmailAddress (an
address already gone is success). A new ``EmailAddress`` or ``InstanceArn`` replaces the address; new
``AliasConfigurations`` or ``Tags`` are applied in place; ``DisplayName`` and ``Description`` changes are
recorded without a call (the emulator does not model UpdateEmailAddressMetadata).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..arns import ConnectArn
from ..environment import Environment
from .assembly import EMAIL_ADDRESS_TYPE
from .report import ServiceResult

ARN_ATTRIBUTE = "EmailAddressArn"
_REPLACING = ("EmailAddress", "InstanceArn")


class EmailAddresses:
    """Creates, updates and deletes email addresses in Connect for the player."""

    def __init__(self, endpoint_url: str, env: Environment) -> None:
        # boto3 is in the [local] extra: imported here, so the package and its pytest plugin load without it.
        import boto3
        from botocore.config import Config

        self._client: Any = boto3.client(
            "connect",
            endpoint_url=endpoint_url,
            region_name=env.region,
            aws_access_key_id="AKIDLOCALPLAYER00000",
            aws_secret_access_key="local-player-secret-not-a-credential",
            # CloudFormation retries throttled calls itself; so does the player (standard mode, backoff).
            config=Config(retries={"mode": "standard", "max_attempts": 10}),
        )

    def apply(
        self,
        request_type: str,
        logical_id: str,
        properties: Mapping[str, Any],
        physical_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
    ) -> ServiceResult:
        """One Create, Update or Delete; Connect's refusal becomes a FAILED result naming its error."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if request_type == "Create":
                arn = self._create(properties)
            elif request_type == "Update" and physical_id is not None and old_properties is not None:
                arn = self._update(properties, physical_id, old_properties)
            elif request_type == "Delete" and physical_id is not None:
                arn = self._delete(physical_id)
            else:
                raise ValueError(f"{request_type} of {logical_id} needs its physical ID and old properties")
        except ClientError as error:
            problem = error.response.get("Error", {})
            failure = f"{problem.get('Code')}: {problem.get('Message')}"
        except (BotoCoreError, _NotAnArn) as error:
            failure = str(error)
        else:
            data = {ARN_ATTRIBUTE: arn} if request_type != "Delete" else {}
            return ServiceResult(request_type, logical_id, EMAIL_ADDRESS_TYPE, "SUCCESS", arn, data=data)
        return ServiceResult(request_type, logical_id, EMAIL_ADDRESS_TYPE, "FAILED", physical_id, failure)

    def _create(self, properties: Mapping[str, Any]) -> str:
        instance = _arn(properties["InstanceArn"], "InstanceArn").instance_id
        request: dict[str, Any] = {"InstanceId": instance, "EmailAddress": properties["EmailAddress"]}
        for key in ("DisplayName", "Description"):
            if properties.get(key):
                request[key] = properties[key]
        if properties.get("Tags"):
            request["Tags"] = _tags(properties["Tags"])
        created = self._client.create_email_address(**request)
        for alias in _aliases(properties):
            self._alias("associate", instance, created["EmailAddressId"], alias)
        return str(created["EmailAddressArn"])

    def _update(self, properties: Mapping[str, Any], arn: str, old: Mapping[str, Any]) -> str:
        if any(properties.get(k) != old.get(k) for k in _REPLACING):
            return self._create(properties)
        instance, address = _address(arn)
        before, after = set(_aliases(old)), set(_aliases(properties))
        for alias in sorted(before - after):
            self._alias("disassociate", instance, address, alias)
        for alias in sorted(after - before):
            self._alias("associate", instance, address, alias)
        old_tags, new_tags = _tags(old.get("Tags") or []), _tags(properties.get("Tags") or [])
        if gone := sorted(set(old_tags) - set(new_tags)):
            self._client.untag_resource(resourceArn=arn, tagKeys=gone)
        if new_tags and new_tags != old_tags:
            self._client.tag_resource(resourceArn=arn, tags=new_tags)
        return arn

    def _delete(self, arn: str) -> str:
        from botocore.exceptions import ClientError

        try:
            instance, address = _address(arn)
            self._client.delete_email_address(InstanceId=instance, EmailAddressId=address)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
        return arn

    def _alias(self, verb: str, instance: str, primary: str, alias: str) -> None:
        call = getattr(self._client, f"{verb}_email_address_alias")
        call(InstanceId=instance, EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias})


class _NotAnArn(ValueError):
    """A property that should hold a Connect ARN does not: the resource fails, as CloudFormation's would."""


def _arn(value: Any, name: str) -> ConnectArn:
    parsed = ConnectArn.parse(str(value))
    if parsed is None:
        raise _NotAnArn(f"{name} {str(value)[:80]!r} is not a Connect ARN (arn:...:connect:...:instance/...)")
    return parsed


def _address(value: Any, name: str = "EmailAddressArn") -> tuple[str, str]:
    """(instance ID, address ID) of an email-address ARN."""
    parsed = _arn(value, name)
    if parsed.email_address_id is None:
        raise _NotAnArn(f"{name} {str(value)[:80]!r} is not an email-address ARN")
    return parsed.instance_id, parsed.email_address_id


def _aliases(properties: Mapping[str, Any]) -> list[str]:
    return [_address(entry["EmailAddressArn"])[1] for entry in properties.get("AliasConfigurations") or []]


def _tags(tags: Any) -> dict[str, str]:
    return {str(tag["Key"]): str(tag["Value"]) for tag in tags}
