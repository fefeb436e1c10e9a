"""EmailAddressAlias: one ``Custom::ConnectEmailAddressAlias`` resource, typed.

Thin on purpose: typed arguments become the resource's properties (names from the contract module)
and the stack's shared provider is wired in. Lifecycle rules live in the function, not here.
See docs/design.md § Construct.
"""

from __future__ import annotations

from aws_cdk import Annotations, CfnResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_connect as connect

from constructs import Construct

from . import checks
from ._contract import contract
from ._signature import constructor_signature
from .provider import EmailAddressAliasProvider
from .refs import (
    UPPER_CASE_WARNING,
    Ref,
    check_account,
    check_one_instance,
    is_token,
    parse,
    parse_address,
    upper_case_warnings,
)

RESOURCE_TYPE = contract.RESOURCE_TYPE
#: CloudFormation gives up on a silent function after this long (its default is one hour).
SERVICE_TIMEOUT = Duration.seconds(contract.SERVICE_TIMEOUT_S)
_SERVICE_TIMEOUT_TEXT = str(contract.SERVICE_TIMEOUT_S)  # as CloudFormation passes it on
_REMOVAL_POLICIES = (RemovalPolicy.DESTROY, RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE)


def _named(ref: Ref, id_key: str, email_key: str) -> dict[str, str]:
    """An address's property: under its ID key, or its email key when named by email."""
    return {email_key if ref.by_email else id_key: ref.value}


class EmailAddressAlias(Construct):
    """Makes the alias address forward to the primary address in one instance: mail sent to the alias
    reaches the primary, e.g. help@ forwards to support@.

    Each address is named by its ID or ARN (``email_address_id``, ``alias_email_address_id``) or by its
    email address (``email_address``, ``alias_email_address``: the function looks it up at deploy time, so
    one app serves instances whose IDs differ). Every argument accepts a CDK token. Literals are checked at
    synth with the function's own grammar; declarations that Connect must refuse (the same pair twice, two
    aliases on one primary, one alias under two primaries, chains) fail ``cdk synth`` across the whole app.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        instance_id: str,
        email_address_id: str | None = None,
        alias_email_address_id: str | None = None,
        email_address: str | None = None,
        alias_email_address: str | None = None,
        provider: EmailAddressAliasProvider | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """Declare one alias. Name each address one way: by ID or ARN, or by its email address.

        :param scope: where to add the resource (a stack or a construct in one).
        :param id: the construct ID.
        :param instance_id: the Connect instance: its ID or its ARN. An ARN's account must be the stack's
            (when the stack's ``env`` names one); its region may differ (the calls go there).
        :param email_address_id: the primary email address (the one that receives the mail): its ID or
            its ARN. :default: none; give this or ``email_address``.
        :param alias_email_address_id: the alias email address (mail to it reaches the primary): its ID
            or its ARN. :default: none; give this or ``alias_email_address``.
        :param email_address: the primary named by its email address, e.g. ``support@example.com``
            (compared ignoring case; looked up in the instance at deploy time, one search page per 100
            addresses there). :default: none; give this or ``email_address_id``.
        :param alias_email_address: the alias named by its email address, e.g. ``help@example.com``.
            :default: none; give this or ``alias_email_address_id``.
        :param provider: the provider function to use. :default: ``EmailAddressAliasProvider.of(stack)``,
            one per stack, created on first use.
        :param removal_policy: ``RemovalPolicy.RETAIN`` keeps the alias in Connect when the resource leaves
            the stack (CloudFormation sends no Delete). :default: ``RemovalPolicy.DESTROY``: deleting the
            resource removes the alias, if this resource owns it.
        :raises ValueError: a literal that the function would refuse, an address named both ways or neither,
            or an ARN of another account than the stack's, naming the argument and the fix.
        """
        super().__init__(scope, id)
        instance, primary, alias = self._validate(
            instance_id, (email_address_id, email_address), (alias_email_address_id, alias_email_address),
            removal_policy,
        )
        # Of ``scope``, not ``self``: the same stack, and a scope that holds many aliases is looked up once.
        self.provider = provider or EmailAddressAliasProvider.of(scope)
        arn = next((r.parsed for r in (primary, alias) if r.parsed is not None and r.parsed.is_arn), None)
        self.provider._grant(instance, address_arn=arn)
        self.provider._serve_alias()
        # A CfnResource where CustomResource would wrap one: two calls to jsii instead of five, as the wrapper
        # sets both Delete policies (CloudFormation's default), which then had to be taken out again (~50
        # bytes per alias). Under a plain ``Resource`` scope, so the construct path, and with it the logical
        # ID and the ``aws:cdk:path`` metadata the CLI writes, are the wrapper's ``Resource/Default``.
        #: The ``Custom::ConnectEmailAddressAlias`` resource.
        self.resource = CfnResource(
            Construct(self, "Resource"),
            "Default",
            type=RESOURCE_TYPE,
            properties={
                "ServiceToken": self.provider.service_token,
                "ServiceTimeout": _SERVICE_TIMEOUT_TEXT,
                contract.INSTANCE_ID: instance.value,
                **_named(primary, contract.EMAIL_ADDRESS_ID, contract.EMAIL_ADDRESS),
                contract.ALIAS_CONFIGURATION: _named(
                    alias, contract.ALIAS_EMAIL_ADDRESS_ID, contract.ALIAS_EMAIL_ADDRESS
                ),
            },
        )
        if removal_policy not in (None, RemovalPolicy.DESTROY):
            self.resource.apply_removal_policy(removal_policy)
        checks.register(scope, checks.declaration(self, instance, primary, alias))
        for warning in upper_case_warnings(instance, primary, alias):
            Annotations.of(self).add_warning_v2(UPPER_CASE_WARNING, warning)

    #: What ``help()`` and ``inspect.signature`` show first (jsii's metaclass would show ``*args, **kwargs``).
    __signature__ = constructor_signature(__init__)

    def _validate(
        self,
        instance_id: str,
        primary_forms: tuple[str | None, str | None],
        alias_forms: tuple[str | None, str | None],
        removal_policy: RemovalPolicy | None,
    ) -> tuple[Ref, Ref, Ref]:
        try:
            if removal_policy is not None and removal_policy not in _REMOVAL_POLICIES:
                raise ValueError(
                    f"removal_policy {removal_policy} is not supported: use DESTROY (default) or RETAIN"
                )
            instance = parse("instance_id", instance_id, "instance")
            primary = parse_address("email_address_id", primary_forms[0], "email_address", primary_forms[1])
            alias = parse_address(
                "alias_email_address_id", alias_forms[0], "alias_email_address", alias_forms[1]
            )
            check_one_instance(instance, primary, alias)
            # Only an ARN names an account; asking the stack costs jsii round trips, so only then.
            account = Stack.of(self).account if any(r.is_arn for r in (instance, primary, alias)) else None
            if account is not None and not is_token(account):
                check_account(
                    account, instance_id=instance, email_address_id=primary, alias_email_address_id=alias
                )
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
        if instance_id is None and arns[0] != arns[1] and not any(map(is_token, arns)):
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
        return Token.as_string(self.resource.get_att(contract.ATTR_INSTANCE_ID))

    @property
    def email_address_id(self) -> str:
        """The primary's email-address ID (``Fn::GetAtt EmailAddressId``)."""
        return Token.as_string(self.resource.get_att(contract.ATTR_EMAIL_ADDRESS_ID))

    @property
    def alias_email_address_id(self) -> str:
        """The alias's email-address ID (``Fn::GetAtt AliasEmailAddressId``)."""
        return Token.as_string(self.resource.get_att(contract.ATTR_ALIAS_EMAIL_ADDRESS_ID))

    @property
    def email_address(self) -> str:
        """The primary's address, e.g. ``support@example.com`` (``Fn::GetAtt EmailAddress``)."""
        return Token.as_string(self.resource.get_att(contract.ATTR_EMAIL_ADDRESS))

    @property
    def alias_email_address(self) -> str:
        """The alias's address, e.g. ``help@example.com`` (``Fn::GetAtt AliasEmailAddress``)."""
        return Token.as_string(self.resource.get_att(contract.ATTR_ALIAS_EMAIL_ADDRESS))

    @property
    def physical_id(self) -> str:
        """The PhysicalResourceId (``Ref``): names the (region, instance, primary, alias) pair."""
        return self.resource.ref
