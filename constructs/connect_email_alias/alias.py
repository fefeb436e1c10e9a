"""EmailAddressAlias: one ``Custom::ConnectEmailAddressAlias`` resource, typed.

Thin on purpose: typed arguments become the resource's properties (names from the contract module)
and the stack's shared provider is wired in. Lifecycle rules live in the function, not here.
See docs/design.md § Construct.
"""

from __future__ import annotations

from typing import cast

from aws_cdk import Annotations, CfnResource, CustomResource, Duration, RemovalPolicy, Token
from aws_cdk import aws_connect as connect

from constructs import Construct

from . import checks
from ._contract import contract
from ._signature import constructor_signature
from .provider import EmailAddressAliasProvider
from .refs import UPPER_CASE_WARNING, Ref, check_one_instance, parse, upper_case_warnings

RESOURCE_TYPE = contract.RESOURCE_TYPE
#: CloudFormation gives up on a silent function after this long (its default is one hour).
SERVICE_TIMEOUT = Duration.seconds(contract.SERVICE_TIMEOUT_S)
_REMOVAL_POLICIES = (RemovalPolicy.DESTROY, RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)


class EmailAddressAlias(Construct):
    """Makes ``alias_email_address_id`` (the alias) forward to ``email_address_id`` (the primary): mail sent
    to the alias reaches the primary, e.g. help@ forwards to support@.

    Each of the three accepts an ID, an ARN or a CDK token. Literals are checked at synth with the
    function's own grammar; declarations that Connect must refuse (the same pair twice, two aliases on
    one primary, one alias under two primaries, chains) fail ``cdk synth`` across the whole app.
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
        """Declare one alias.

        :param scope: where to add the resource (a stack or a construct in one).
        :param id: the construct ID.
        :param instance_id: the Connect instance: its ID or its ARN.
        :param email_address_id: the primary email address (the one that receives the mail): its ID or
            its ARN. Not the address string (``support@example.com``).
        :param alias_email_address_id: the alias email address (mail to it reaches the primary): its ID
            or its ARN.
        :param provider: the provider function to use. :default: ``EmailAddressAliasProvider.of(stack)``,
            one per stack, created on first use.
        :param removal_policy: ``RemovalPolicy.RETAIN`` keeps the alias in Connect when the resource leaves
            the stack (CloudFormation sends no Delete). :default: ``RemovalPolicy.DESTROY``: deleting the
            resource removes the alias, if this resource owns it.
        :raises ValueError: a literal that the function would refuse, naming the argument and the fix.
        """
        super().__init__(scope, id)
        instance, primary, alias = self._validate(
            instance_id, email_address_id, alias_email_address_id, removal_policy
        )
        self.provider = provider or EmailAddressAliasProvider.of(self)
        arn = next((r.parsed for r in (primary, alias) if r.parsed is not None and r.parsed.is_arn), None)
        self.provider._grant(instance, address_arn=arn)
        self.resource = CustomResource(
            self,
            "Resource",
            resource_type=RESOURCE_TYPE,
            service_token=self.provider.service_token,
            service_timeout=SERVICE_TIMEOUT,
            removal_policy=removal_policy,
            properties={
                contract.INSTANCE_ID: instance.value,
                contract.EMAIL_ADDRESS_ID: primary.value,
                contract.ALIAS_CONFIGURATION: {contract.ALIAS_EMAIL_ADDRESS_ID: alias.value},
            },
        )
        if removal_policy in (None, RemovalPolicy.DESTROY):
            # Delete is CloudFormation's default for both: leaving them out saves ~50 bytes per alias.
            cfn = cast(CfnResource, self.resource.node.default_child)
            cfn.add_deletion_override("DeletionPolicy")
            cfn.add_deletion_override("UpdateReplacePolicy")
        checks.register(self, checks.declaration(self.node.path, instance, primary, alias))
        for warning in upper_case_warnings(instance, primary, alias):
            Annotations.of(self).add_warning_v2(UPPER_CASE_WARNING, warning)

    #: What ``help()`` and ``inspect.signature`` show first (jsii's metaclass would show ``*args, **kwargs``).
    __signature__ = constructor_signature(__init__)

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
            instance = parse("instance_id", instance_id, "instance")
            primary = parse("email_address_id", email_address_id, "email-address")
            alias = parse("alias_email_address_id", alias_email_address_id, "email-address")
            check_one_instance(instance, primary, alias)
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

        :param scope: where to add the resource.
        :param id: the construct ID.
        :param primary: the primary, the address the mail is forwarded to (the constructor's
            ``email_address_id``).
        :param alias: the alias, the address that forwards to ``primary`` (the constructor's
            ``alias_email_address_id``).
        :param instance_id: the instance (ID or ARN). :default: ``primary.instance_arn``; both addresses
            must belong to it.
        :param provider: as for ``EmailAddressAlias``. :default: the stack's shared provider.
        :param removal_policy: as for ``EmailAddressAlias``. :default: ``RemovalPolicy.DESTROY``.
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
        return self.resource.get_att_string(contract.ATTR_INSTANCE_ID)

    @property
    def email_address_id(self) -> str:
        """The primary's email-address ID (``Fn::GetAtt EmailAddressId``)."""
        return self.resource.get_att_string(contract.ATTR_EMAIL_ADDRESS_ID)

    @property
    def alias_email_address_id(self) -> str:
        """The alias's email-address ID (``Fn::GetAtt AliasEmailAddressId``)."""
        return self.resource.get_att_string(contract.ATTR_ALIAS_EMAIL_ADDRESS_ID)

    @property
    def email_address(self) -> str:
        """The primary's address, e.g. ``support@example.com`` (``Fn::GetAtt EmailAddress``)."""
        return self.resource.get_att_string(contract.ATTR_EMAIL_ADDRESS)

    @property
    def alias_email_address(self) -> str:
        """The alias's address, e.g. ``help@example.com`` (``Fn::GetAtt AliasEmailAddress``)."""
        return self.resource.get_att_string(contract.ATTR_ALIAS_EMAIL_ADDRESS)

    @property
    def physical_id(self) -> str:
        """The PhysicalResourceId (``Ref``): names the (region, instance, primary, alias) pair."""
        return self.resource.ref
