"""EmailAddressAliasProvider: the one function and role behind every alias of a stack.

The function is the ``ServiceToken`` itself (crhelper answers CloudFormation), so there is no
``custom_resources.Provider`` framework function, state machine or extra role. See docs/design.md
("Construct").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, Aws, CfnOutput, CfnResource, Duration, Fn, Stack, Validations
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
    " email addresses of each instance used (instance/<id>/email-address/*), never wider: one statement per"
    " instance keeps the policy the same size however many aliases the stack holds."
)


def _flatten(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag writes it in a finding ID (its flattenCfnReference)."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return str(delimiter).join(_flatten(item) for item in items)
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        resource, attribute = node["Fn::GetAtt"]
        return f"<{_flatten(resource)}.{_flatten(attribute)}>"
    if isinstance(node, dict) and "Fn::ImportValue" in node:
        return _flatten(node["Fn::ImportValue"])
    if isinstance(node, dict) and "Ref" in node:
        return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"), ensure_ascii=False)


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
        # One inline policy, written here (no AWSLambdaBasicExecutionRole): logging to our own group,
        # then one statement per instance added by grant_instance().
        self._policy = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                )
            ]
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Manages Amazon Connect email-address aliases for Custom::ConnectEmailAddressAlias",
            inline_policies={"ConnectEmailAddressAlias": self._policy},
        )
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
        # The function reads the role (and so its inline policy) through GetAtt; CDK's extra
        # DependsOn on the role would only repeat that (cfn-lint W3005).
        function_resource = self.function.node.default_child
        assert isinstance(function_resource, CfnResource)
        function_resource.add_deletion_override("DependsOn")
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
        Validations.of(self.function).acknowledge(
            Acknowledgment(id="AwsSolutions-L1", reason=_RUNTIME_REASON)
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
        resource = f"arn:{partition}:connect:{region}:{account}:instance/{instance}/email-address/*"
        self._policy.add_statements(iam.PolicyStatement(actions=list(ACTIONS), resources=[resource]))
        # cdk-nag (v3) acknowledges each finding by its flattened resource; a token from another
        # stack resolves differently at synth and then needs the user's own acknowledgement.
        finding = f"AwsSolutions-IAM5[Resource::{_flatten(Stack.of(self).resolve(resource))}]"
        Validations.of(self.role).acknowledge(Acknowledgment(id=finding, reason=_WILDCARD_REASON))
