"""EmailAddressAliasProvider: the one function and role behind every alias of a stack.

The function is the ``ServiceToken`` itself (crhelper answers CloudFormation), so there is no
``custom_resources.Provider`` framework function, state machine or extra role. See docs/design.md
("Construct").
"""

from __future__ import annotations

import functools
import json
import math
import weakref
from collections.abc import Sequence

from aws_cdk import Aws, CfnOutput, Duration, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.region_info import RegionInfo

from constructs import Construct

from . import compliance
from ._contract import contract
from ._signature import constructor_signature
from .asset import function_code
from .refs import Ref, is_token, parse

#: Fits the function's retry budget at Connect's default quota, then the answer (docs/design.md § Handler).
FUNCTION_TIMEOUT = Duration.seconds(contract.FUNCTION_TIMEOUT_S)
MEMORY_MB = 256
SINGLETON_ID = "ConnectEmailAddressAliasProvider"
_TAG_ACTIONS = tuple(
    a for a in contract.IAM_ADDRESS_ACTIONS if a.endswith(("TagResource", "UntagResource"))
)
_ALIAS_ACTIONS = tuple(a for a in contract.IAM_ADDRESS_ACTIONS if a not in _TAG_ACTIONS)
#: X-Ray's write actions support no resource-level permissions, so they take ``*``.
_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_LOGS_KEY_ACTIONS = (
    "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"
)


@functools.cache
def _partition_of(region: str) -> str:
    """The partition of a literal region (``aws-cn`` for ``cn-north-1``), else the stack's token.

    Cached: the answer never changes, and each look-up is several round trips to jsii's node process.
    """
    if is_token(region):
        return Aws.PARTITION
    return RegionInfo.get(region).partition or Aws.PARTITION


#: Each scope's shared provider, once found: ``of()`` runs once per alias, and finding it asks jsii three
#: times. Weak keys, so a dropped app's constructs are not kept.
_SHARED: weakref.WeakKeyDictionary[Construct, EmailAddressAliasProvider] = weakref.WeakKeyDictionary()


def _checked_rate(path: str, value: float) -> float:
    """``connect_requests_per_second`` as the function will read it; ``ValueError`` naming the provider, the
    value's problem and the fix."""
    argument = "connect_requests_per_second"
    try:
        return contract.parse_requests_per_second(value, argument)
    except contract.GrammarError as error:
        problem = str(error)
        # A number token is a huge negative float: say what it is instead (NaN would break jsii's JSON).
        if isinstance(value, float) and math.isfinite(value) and is_token(value):
            problem = (
                f"{argument} is a token: give the rate as a literal number (the function's environment "
                "holds it, checked at synth)."
            )
        raise ValueError(f"EmailAddressAliasProvider {path}: {problem}") from None


class EmailAddressAliasProvider(Construct):
    """Function, role and log group that serve every ``Custom::ConnectEmailAddressAlias`` of a stack.

    Use ``EmailAddressAliasProvider.of(stack)`` (what ``EmailAddressAlias`` does by default) to share
    one per stack; construct it directly with ``export_name`` to serve raw CloudFormation templates, or
    to set the options below.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        export_name: str | None = None,
        instance_ids: Sequence[str] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_group_encryption_key: kms.IKey | None = None,
        reserved_concurrent_executions: int | None = None,
        tracing: bool = False,
        connect_requests_per_second: float | None = None,
    ) -> None:
        """Create the function, its role and its log group.

        :param scope: where to add the provider (usually a stack).
        :param id: the construct ID.
        :param export_name: export the ``ServiceToken`` under this name (``Fn::ImportValue``) for
            hand-written templates; as it cannot count their aliases, its function's throttling waits are
            sized for the largest stack. :default: no export.
        :param instance_ids: Connect instances (IDs, ARNs or tokens) to grant up front, for templates this
            stack cannot see; aliases created through ``EmailAddressAlias`` grant their own instance.
            :default: none.
        :param log_retention: how long the function's logs are kept. :default: ``RetentionDays.ONE_MONTH``.
        :param log_group_encryption_key: a KMS key for the log group; when the key's policy can be edited
            from here, CloudWatch Logs of this account and region is allowed to use it.
            :default: CloudWatch Logs' own encryption at rest.
        :param reserved_concurrent_executions: concurrency reserved for the function (taken from the
            account's unreserved pool). :default: none reserved.
        :param tracing: ``True`` turns on active X-Ray tracing (and grants the two X-Ray write actions).
            :default: ``False``.
        :param connect_requests_per_second: the per-API request rate your account's Connect quota allows
            for these operations (Service Quotas → Amazon Connect), from 1 to 1000: the function's waits
            after a throttled call are scaled to it, so a raised quota is used fully. Keep it true: a value
            above the real quota costs more throttled attempts (the calls still succeed). Sets the
            function's ``CONNECT_REQUESTS_PER_SECOND`` variable. :default: Connect's default, 2.
        :raises ValueError: ``connect_requests_per_second`` is not a number from 1 to 1000.
        """
        rate = None
        if connect_requests_per_second is not None:  # checked before anything is added to the tree
            rate = _checked_rate(f"{scope.node.path}/{id}".lstrip("/"), connect_requests_per_second)
        super().__init__(scope, id)
        self._stack = Stack.of(self)
        self._granted: set[str] = set()  # the resolved email-address patterns granted
        self._asked: set[tuple[str, str, str, str, bool]] = set()  # the grants asked for, as given
        self._stack_env: tuple[str, str] | None = None  # the stack's (region, account), read once
        self._requests_per_second: float | None = None  # the rate told, if any
        # The EmailAddressAlias resources this provider serves; an exported provider also serves templates it
        # cannot count, so its function is told nothing and waits as for the largest stack.
        self._aliases_served: int | None = 0 if export_name is None else None
        self._has_variables = False  # whether the function has an environment variable yet
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, encryption_key=log_group_encryption_key
        )
        if log_group_encryption_key is not None:
            self._allow_logs_to_use(log_group_encryption_key)
        self._policy = self._inline_policy()
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Manages Amazon Connect email-address aliases for Custom::ConnectEmailAddressAlias",
            inline_policies={"ConnectEmailAddressAlias": self._policy},
        )
        self.function = self._function(reserved_concurrent_executions, tracing=tracing)
        #: What a custom resource puts in ``ServiceToken``.
        self.service_token: str = self.function.function_arn
        if rate is not None:
            self._use_rate(rate)
        for instance in instance_ids:
            self.grant_instance(instance)
        if export_name is not None:
            self._export(export_name)
        compliance.acknowledge_provider(
            self.function,
            self.role,
            self.log_group,
            encrypted_logs=log_group_encryption_key is not None,
            reserved_concurrency=reserved_concurrent_executions is not None,
            tracing=tracing,
        )

    def _inline_policy(self) -> iam.PolicyDocument:
        """The role's one inline policy (no AWSLambdaBasicExecutionRole): it costs none of the stack's 500
        resources and is in place before the function (docs/design.md § Construct, "IAM"). It starts with
        the log statement; ``_grant()`` adds the Connect statements prepared here with the first instance
        (a statement needs a resource), then a resource per instance."""
        self._on_addresses = iam.PolicyStatement(actions=list(_ALIAS_ACTIONS))
        self._on_instances = iam.PolicyStatement(actions=list(contract.IAM_INSTANCE_ACTIONS))
        self._tagging = iam.PolicyStatement(
            actions=list(_TAG_ACTIONS),
            conditions={
                "ForAllValues:StringEquals": {"aws:TagKeys": [contract.OWNER_TAG_KEY]},
                "Null": {"aws:TagKeys": "false"},
            },
        )
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                )
            ]
        )

    def _function(self, reserved_concurrent_executions: int | None, *, tracing: bool) -> lambda_.Function:
        """The function, reading its role through GetAtt only, with tracing set on the resource."""
        function = lambda_.Function(
            self,
            "Function",
            description="Custom::ConnectEmailAddressAlias: manages Amazon Connect email-address aliases",
            runtime=compliance.RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=function_code(),
            memory_size=MEMORY_MB,
            timeout=FUNCTION_TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrent_executions,
        )
        function_resource = function.node.default_child
        assert isinstance(function_resource, lambda_.CfnFunction)
        # The function reads the role through GetAtt; CDK's extra DependsOn on the role would only
        # repeat that (cfn-lint W3005).
        function_resource.add_deletion_override("DependsOn")
        if tracing:
            # Set on the resource: Function(tracing=...) would add a second policy (AWS::IAM::Policy).
            function_resource.tracing_config = lambda_.CfnFunction.TracingConfigProperty(mode="Active")
            self._policy.add_statements(iam.PolicyStatement(actions=list(_XRAY_ACTIONS), resources=["*"]))
        return function

    def _export(self, export_name: str) -> None:
        CfnOutput(
            self,
            "ServiceToken",
            value=self.service_token,
            export_name=export_name,
            description="ServiceToken for Custom::ConnectEmailAddressAlias in hand-written templates",
        )

    #: What ``help()`` and ``inspect.signature`` show first (jsii's metaclass would show ``*args, **kwargs``).
    __signature__ = constructor_signature(__init__)

    @classmethod
    def of(
        cls, scope: Construct, *, connect_requests_per_second: float | None = None
    ) -> EmailAddressAliasProvider:
        """The stack's shared provider, created on first use with the default options.

        :param scope: any construct in the stack.
        :param connect_requests_per_second: as for the constructor, set on the shared provider (the one
            every ``EmailAddressAlias`` without ``provider`` uses), before or after the stack's aliases are
            declared. :default: the shared provider's own (Connect's default, 2, unless set).
        :raises ValueError: a rate that is not a number from 1 to 1000, or that differs from one set before.
        """
        provider = _SHARED.get(scope)
        if isinstance(provider, cls) and connect_requests_per_second is None:
            return provider
        stack = Stack.of(scope)
        rate = None
        if connect_requests_per_second is not None:  # checked before a provider is created or changed
            rate = _checked_rate(f"{stack.node.path}/{SINGLETON_ID}", connect_requests_per_second)
        found = provider if isinstance(provider, cls) else stack.node.try_find_child(SINGLETON_ID)
        if found is None:
            found = cls(stack, SINGLETON_ID)
        if not isinstance(found, cls):
            raise TypeError(f"{stack.node.path}/{SINGLETON_ID} exists and is not an {cls.__name__}")
        _SHARED[scope] = found
        if rate is not None:
            found._use_rate(rate)
        return found

    def _use_rate(self, rate: float) -> None:
        """Tell the function its quota's rate: an environment variable, once per provider (an alias's template
        does not change). A second, different rate is refused: one function, one account's quota."""
        if self._requests_per_second == rate:
            return
        if self._requests_per_second is not None:
            raise ValueError(
                f"EmailAddressAliasProvider {self.node.path}: connect_requests_per_second {rate:g} differs "
                f"from the {self._requests_per_second:g} set before: a provider has one rate, its account's "
                "quota; give the same value everywhere."
            )
        self._requests_per_second = rate
        self._set_variable(contract.REQUESTS_PER_SECOND_ENV, f"{rate:g}")

    def _serve_alias(self) -> None:
        """Count one more alias served: the function sizes its longest throttling wait by how many events
        may contend at once. Its variable changes only every ``ALIASES_SERVED_STEP`` aliases (one jsii call
        then, none per alias in between)."""
        if self._aliases_served is None:
            return
        self._aliases_served += 1
        count = self._aliases_served
        if (count - 1) % contract.ALIASES_SERVED_STEP == 0:  # the first past a multiple: rounds up anew
            self._set_variable(contract.ALIASES_SERVED_ENV, contract.aliases_served_text(count))

    def _set_variable(self, name: str, value: str) -> None:
        """One of the function's environment variables; checkov's skip for them comes with the first."""
        if not self._has_variables:
            compliance.acknowledge_environment(self.function)
            self._has_variables = True
        self.function.add_environment(name, value)

    def grant_instance(self, instance_id: str, *, region: str | None = None) -> None:
        """Allow the function's Connect actions on one instance (an ID, an ARN or a token).

        :param instance_id: the instance ID or instance ARN.
        :param region: the region of a bare instance ID, for templates that name its email addresses by
            ARN in another region. :default: an instance ARN's own region, else this stack's region (the
            region the function calls for bare IDs).
        """
        self._grant(parse("instance_id", instance_id, "instance"), region=region)

    def _grant(
        self, instance: Ref, *, address_arn: contract.IdOrArn | None = None, region: str | None = None
    ) -> None:
        """Grant ``instance``. Partition, region and account come from the instance ARN, else from an
        email-address ARN of the same alias (``address_arn``), else ``region`` and this stack. Granting the
        same instance again, by ID, ARN or an identical token, adds nothing (and, asked the same way,
        costs no call to jsii: every alias asks)."""
        where = instance.parsed if instance.is_arn else address_arn
        if where is not None and where.is_arn:
            partition, region, account = str(where.partition), str(where.region), str(where.account)
        else:
            stack_region, account = self._env()
            region = region or stack_region
            partition = _partition_of(region)
        asked = (instance.id or instance.value, partition, region, account, where is None)
        if asked in self._asked:
            return
        self._asked.add(asked)
        instance_id = instance.id
        if instance_id is None:
            # A token: an instance ID or an instance ARN, unknown until deploy. Appending the defaults
            # puts partition, region and account at indices 1, 3 and 4 after splitting on ':' either way.
            parts = Fn.split(":", Fn.join(":", [instance.value, partition, "connect", region, account]))
            if where is None:
                partition, region, account = (Fn.select(i, parts) for i in (1, 3, 4))
            instance_id = Fn.select(1, Fn.split("/", Fn.join("/", [instance.value, instance.value])))
        instance_arn = f"arn:{partition}:connect:{region}:{account}:instance/{instance_id}"
        addresses = f"{instance_arn}/email-address/*"
        resolved = self._stack.resolve(addresses)
        key = json.dumps(resolved, sort_keys=True)
        if key in self._granted:
            return
        if not self._granted:
            self._policy.add_statements(self._on_addresses, self._on_instances, self._tagging)
        self._granted.add(key)
        self._on_addresses.add_resources(addresses)
        self._on_instances.add_resources(instance_arn)
        self._tagging.add_resources(addresses)
        compliance.acknowledge_addresses(self.role, resolved)

    def _env(self) -> tuple[str, str]:
        """The stack's region and account (tokens when environment-agnostic), read from jsii once."""
        if self._stack_env is None:
            self._stack_env = (self._stack.region, self._stack.account)
        return self._stack_env

    def _allow_logs_to_use(self, key: kms.IKey) -> None:
        """Let CloudWatch Logs of this account and region use ``key`` for this stack's log groups."""
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=list(_LOGS_KEY_ACTIONS),
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )

