"""EmailAddressAlias: one ``Custom::ConnectEmailAddressAlias`` resource, typed.

Thin on purpose: typed arguments become the contract's properties (§1) and the stack's shared
provider is wired in. Lifecycle rules live in the function, not here.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import CfnResource, CustomResource, Duration, RemovalPolicy, Token
from aws_cdk import aws_connect as connect

from constructs import Construct

from .provider import EmailAddressAliasProvider
from .refs import Ref, check_distinct, check_same_instance, parse_email_address, parse_instance

RESOURCE_TYPE = "Custom::ConnectEmailAddressAlias"
#: CloudFormation gives up on a silent function after this long (its default is one hour).
SERVICE_TIMEOUT = Duration.seconds(300)
_REMOVAL_POLICIES = (RemovalPolicy.DESTROY, RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)


class EmailAddressAlias(Construct):
    """Makes ``email_address_id`` (the primary) forward from ``alias_email_address_id`` in one instance.

    Each of the three accepts an ID, an ARN or a CDK token. ``removal_policy=RemovalPolicy.RETAIN``
    keeps the alias in Connect when the resource leaves the stack.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_id: str,
        email_address_id: str,
        alias_email_address_id: str,
        provider: EmailAddressAliasProvider | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        super().__init__(scope, id)
        instance, primary, alias = self._validate(
            instance_id, email_address_id, alias_email_address_id, removal_policy
        )
        self.provider = provider or EmailAddressAliasProvider.of(self)
        self.provider.grant_instance(
            instance_id, region=next((r.region for r in (primary, alias) if r.region), None)
        )
        self.resource = CustomResource(
            self,
            "Resource",
            resource_type=RESOURCE_TYPE,
            service_token=self.provider.service_token,
            service_timeout=SERVICE_TIMEOUT,
            removal_policy=removal_policy,
            properties={
                "InstanceId": instance.value,
                "EmailAddressId": primary.value,
                "AliasConfiguration": {"EmailAddressId": alias.value},
            },
        )
        if removal_policy in (None, RemovalPolicy.DESTROY):
            # Delete is CloudFormation's default for both: leaving them out saves ~50 bytes per alias.
            cfn = cast(CfnResource, self.resource.node.default_child)
            cfn.add_deletion_override("DeletionPolicy")
            cfn.add_deletion_override("UpdateReplacePolicy")

    def _validate(
        self,
        instance_id: str,
        email_address_id: str,
        alias_email_address_id: str,
        removal_policy: RemovalPolicy | None,
    ) -> tuple[Ref, Ref, Ref]:
        try:
            if removal_policy is not None and removal_policy not in _REMOVAL_POLICIES:
                raise ValueError(
                    f"removal_policy {removal_policy} is not supported: use DESTROY (default) or RETAIN"
                )
            instance = parse_instance("instance_id", instance_id)
            primary = parse_email_address("email_address_id", email_address_id)
            alias = parse_email_address("alias_email_address_id", alias_email_address_id)
            check_same_instance(instance, ("email_address_id", primary), ("alias_email_address_id", alias))
            check_distinct(primary, alias)
        except ValueError as error:
            raise ValueError(f"EmailAddressAlias {self.node.path}: {error}") from None
        return instance, primary, alias

    @classmethod
    def from_email_addresses(
        cls,
        scope: Construct,
        id: str,
        *,
        primary: connect.CfnEmailAddress,
        alias: connect.CfnEmailAddress,
        instance_id: str | None = None,
        provider: EmailAddressAliasProvider | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> EmailAddressAlias:
        """An alias between two ``CfnEmailAddress`` resources (by their ARNs).

        The instance defaults to the primary's ``instance_arn``; both must belong to it.
        """
        arns = (primary.instance_arn, alias.instance_arn)
        if instance_id is None and arns[0] != arns[1] and not any(map(Token.is_unresolved, arns)):
            raise ValueError(
                f"EmailAddressAlias {scope.node.path}/{id}: primary and alias are in different instances"
                f" ({arns[0]!r}, {arns[1]!r}): an alias must be in the primary's instance"
            )
        return cls(
            scope,
            id,
            instance_id=instance_id or primary.instance_arn,
            email_address_id=primary.attr_email_address_arn,
            alias_email_address_id=alias.attr_email_address_arn,
            provider=provider,
            removal_policy=removal_policy,
        )

    @property
    def instance_id(self) -> str:
        """The instance ID (``Fn::GetAtt InstanceId``)."""
        return self.resource.get_att_string("InstanceId")

    @property
    def email_address_id(self) -> str:
        """The primary's email-address ID (``Fn::GetAtt EmailAddressId``)."""
        return self.resource.get_att_string("EmailAddressId")

    @property
    def alias_email_address_id(self) -> str:
        """The alias's email-address ID (``Fn::GetAtt AliasEmailAddressId``)."""
        return self.resource.get_att_string("AliasEmailAddressId")

    @property
    def email_address(self) -> str:
        """The primary's address, e.g. ``support@example.com`` (``Fn::GetAtt EmailAddress``)."""
        return self.resource.get_att_string("EmailAddress")

    @property
    def alias_email_address(self) -> str:
        """The alias's address, e.g. ``help@example.com`` (``Fn::GetAtt AliasEmailAddress``)."""
        return self.resource.get_att_string("AliasEmailAddress")

    @property
    def physical_id(self) -> str:
        """The PhysicalResourceId (``Ref``): names the (region, instance, primary, alias) pair."""
        return self.resource.ref
