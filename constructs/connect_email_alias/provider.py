"""EmailAddressAliasProvider: the one function and role behind every alias of a stack.

The function is the ``ServiceToken`` itself (crhelper answers CloudFormation), so there is no
``custom_resources.Provider`` framework function, state machine or extra role. See docs/design.md
("Construct").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, CfnOutput, CfnResource, Duration, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from constructs import Construct

from .asset import function_code
from .refs import parse_instance

#: The only Connect actions the function calls (contract §4).
ACTIONS = (
    "connect:AssociateEmailAddressAlias",
    "connect:DescribeEmailAddress",
    "connect:DisassociateEmailAddressAlias",
)
#: Fits the function's retry budget: a few backed-off retries of three calls, then an answer.
FUNCTION_TIMEOUT = Duration.seconds(120)
MEMORY_MB = 256
SINGLETON_ID = "ConnectEmailAddressAliasProvider"
_RUNTIME_REASON = (
    "python3.13 is a supported runtime; pinned so the asset is tested on the runtime it runs on."
)
_WILDCARD_REASON = (
    "Aliases are managed on email addresses created outside this stack, so the policy is scoped to the"
    " email addresses of each instance used (instance/<id>/email-address/*), never wider."
)


def _suppress(resource: Any, *rules: dict[str, Any]) -> None:
    """Record cdk-nag suppressions as plain metadata: no runtime dependency on cdk-nag."""
    cfn = resource.node.default_child if not isinstance(resource, CfnResource) else resource
    assert isinstance(cfn, CfnResource)
    existing = cfn.get_metadata("cdk_nag") or {"rules_to_suppress": []}
    existing["rules_to_suppress"].extend(rules)
    cfn.add_metadata("cdk_nag", existing)


def _instance_id_expression(token: str) -> str:
    """The instance ID inside ``token``, whether it resolves to an instance ID or an instance ARN.

    ``"<t>/<t>"`` split on ``/`` has the ID at index 1 in both cases: ``[id, id]`` for an ID,
    ``[arn-head, id, arn-head, id]`` for an ARN (which holds exactly one ``/``).
    """
    return Fn.select(1, Fn.split("/", Fn.join("/", [token, token])))


class EmailAddressAliasProvider(Construct):
    """Function, role and log group that serve every ``Custom::ConnectEmailAddressAlias`` of a stack.

    Use ``EmailAddressAliasProvider.of(stack)`` (what ``EmailAddressAlias`` does by default) to share
    one per stack; construct it directly with ``export_name`` to serve raw CloudFormation templates.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        export_name: str | None = None,
        instance_ids: Sequence[str] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        reserved_concurrent_executions: int | None = None,
    ) -> None:
        """``instance_ids`` grants instances up front (for templates this stack cannot see);
        aliases created through the construct grant their own instance."""
        super().__init__(scope, id)
        self._granted: set[tuple[str, ...]] = set()
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Manages Amazon Connect email-address aliases for Custom::ConnectEmailAddressAlias",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description="Custom::ConnectEmailAddressAlias: manages Amazon Connect email-address aliases",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=function_code(),
            memory_size=MEMORY_MB,
            timeout=FUNCTION_TIMEOUT,
            role=self.role,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrent_executions,
        )
        #: What a custom resource puts in ``ServiceToken``.
        self.service_token: str = self.function.function_arn
        for instance in instance_ids:
            self.grant_instance(instance)
        if export_name is not None:
            CfnOutput(
                self,
                "ServiceToken",
                value=self.service_token,
                export_name=export_name,
                description="ServiceToken for Custom::ConnectEmailAddressAlias in hand-written templates",
            )
        _suppress(
            self.function,
            {
                "id": "AwsSolutions-L1",
                "reason": _RUNTIME_REASON,
            },
        )
        _suppress(
            self.role.node.find_child("DefaultPolicy"),
            {
                "id": "AwsSolutions-IAM5",
                "reason": _WILDCARD_REASON,
                "applies_to": [{"regex": "/^Resource::arn:.*:connect:.*:instance/.*/email-address/\\*$/"}],
            },
        )

    @classmethod
    def of(cls, scope: Construct) -> EmailAddressAliasProvider:
        """The stack's shared provider, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(SINGLETON_ID)
        if existing is None:
            return cls(stack, SINGLETON_ID)
        if not isinstance(existing, cls):
            raise TypeError(f"{stack.node.path}/{SINGLETON_ID} exists and is not an {cls.__name__}")
        return existing

    def grant_instance(self, instance_id: str, *, region: str | None = None) -> None:
        """Allow the three alias actions on the email addresses of one instance (ID, ARN or token).

        One statement per distinct instance, however many aliases use it. ``region`` narrows a bare
        instance ID to one region (an instance ARN brings its own); otherwise any region.
        """
        ref = parse_instance("instance_id", instance_id)
        if ref.is_token:
            key: tuple[str, ...] = ("token", instance_id)
            instance = _instance_id_expression(instance_id)
            partition, account, region = Aws.PARTITION, Aws.ACCOUNT_ID, region or "*"
        else:
            assert ref.id is not None
            instance = ref.id
            partition = ref.partition or Aws.PARTITION
            account = ref.account or Aws.ACCOUNT_ID
            region = ref.region or region or "*"
            key = ("literal", ref.partition or "", region, ref.account or "", ref.id)
        if key in self._granted:
            return
        self._granted.add(key)
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=list(ACTIONS),
                resources=[f"arn:{partition}:connect:{region}:{account}:instance/{instance}/email-address/*"],
            )
        )
