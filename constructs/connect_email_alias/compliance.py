"""What the provider tells compliance checkers (cdk-nag's packs, checkov), each finding with a true reason.

A finding is acknowledged only while its option is off: passing ``log_group_encryption_key``,
``reserved_concurrent_executions`` or ``tracing=True`` fixes it instead; ``connect_requests_per_second``
brings the one finding of an environment variable, skipped with its reason. With an aws-cdk-lib that has no
``Validations.acknowledge`` yet (before about 2.252; cdk-nag 3 needs 2.257), the same acknowledgements go
into cdk-nag 2's ``cdk_nag`` resource metadata, which that cdk-nag reads. See docs/design.md § Construct
("Compliance", "Versions").
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk
from aws_cdk import CfnResource
from aws_cdk import aws_lambda as lambda_

from constructs import IConstruct

#: Pinned, not the newest CDK knows, so an aws-cdk-lib upgrade never changes a deployed function's runtime.
RUNTIME = lambda_.Runtime.PYTHON_3_13

_PACKS_HNP = ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
_PACKS_HN = ("HIPAA.Security", "NIST.800.53.R5")

RUNTIME_REASON = (
    f"{RUNTIME.name} is a supported Lambda runtime, pinned on purpose: upgrading aws-cdk-lib must not change"
    " the runtime of a deployed function. The function needs only the standard library and the runtime's"
    " SDK, and ships the Connect model it calls, so a newer runtime adds nothing to it."
)
DLQ_REASON = (
    "CloudFormation invokes the function asynchronously and the function answers CloudFormation itself, over"
    " the pre-signed response URL; a failure is a FAILED answer shown as a stack event. An event that never"
    " gets an answer fails the stack at the resource's ServiceTimeout, so a dead-letter queue would hold"
    " events that CloudFormation has already failed, with nobody to act on them."
)
VPC_REASON = (
    "The function calls only Amazon Connect's public API and the pre-signed S3 URL CloudFormation gives it;"
    " it reaches no resource inside a VPC. Attaching it to one would add network interfaces and a NAT"
    " gateway or endpoints without protecting any data path."
)
CONCURRENCY_REASON = (
    "Concurrency is not reserved by default: a reservation is taken from the account's unreserved pool and"
    " fails the deployment where that pool is small. Connect's own quota, not Lambda concurrency, bounds the"
    " work. Pass reserved_concurrent_executions to reserve some."
)
LOGS_KEY_REASON = (
    "CloudWatch Logs encrypts every log group at rest; the function never logs email-address strings,"
    " credentials or the response URL. Pass log_group_encryption_key to encrypt with your own KMS key."
)
TRACING_REASON = (
    "X-Ray tracing is off by default: the function logs every Connect call with its operation, outcome and"
    " latency. Pass tracing=True for active tracing."
)
ADDRESSES_REASON = (
    "Aliases are managed on email addresses created outside this stack, so the policy names the email"
    " addresses of each instance used (instance/<id>/email-address/*), never wider; tagging is limited to"
    " the owner tag key by condition. One entry per instance keeps the policy the same size however many"
    " aliases use it."
)
INLINE_POLICY_REASON = (
    "The policy belongs to this role alone: inline, it is created and deleted with the role, can never be"
    " attached to another principal or outlive the function, and costs none of the stack's 500 resources"
    " (a stack of 497 aliases fits); its statements are scoped to the instances this provider serves."
)
XRAY_REASON = "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions."
ENVIRONMENT_REASON = (
    "The function's environment variables are how many aliases its provider serves and the Connect request"
    " rate it was told: numbers, no secret; Lambda encrypts environment variables at rest with its own key."
)


_VALIDATIONS: Any = getattr(aws_cdk, "Validations", None)
_ACKNOWLEDGMENT: Any = getattr(aws_cdk, "Acknowledgment", None)
#: Whether this aws-cdk-lib records acknowledgements itself (cdk-nag 3 reads them from there).
HAS_VALIDATIONS = hasattr(_VALIDATIONS, "acknowledge") and _ACKNOWLEDGMENT is not None


def _acknowledge(scope: IConstruct, reason: str, *rule_ids: str) -> None:
    if HAS_VALIDATIONS:
        _VALIDATIONS.of(scope).acknowledge(*(_ACKNOWLEDGMENT(id=rule, reason=reason) for rule in rule_ids))
    else:
        _suppress_for_cdk_nag_2(scope, reason, rule_ids)


def _suppress_for_cdk_nag_2(scope: IConstruct, reason: str, rule_ids: tuple[str, ...]) -> None:
    """cdk-nag 2's form: ``cdk_nag: {rules_to_suppress: [{id, reason, applies_to?}]}`` on the resource,
    a finding (``Rule[finding]``) as the rule's ``applies_to``."""
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    assert isinstance(resource, CfnResource)
    rules = list((resource.get_metadata("cdk_nag") or {}).get("rules_to_suppress") or [])
    for rule in rule_ids:
        rule_id, bracket, finding = rule.partition("[")
        entry: dict[str, Any] = {"id": rule_id, "reason": reason}
        if bracket:
            entry["applies_to"] = [finding[:-1]]
        rules.append(entry)
    resource.add_metadata("cdk_nag", {"rules_to_suppress": rules})


def _skip_checkov(scope: IConstruct, *checks: tuple[str, str]) -> None:
    """checkov reads skips from the resource's ``Metadata`` (``checkov: skip: [{id, comment}]``); added to
    the skips already there."""
    resource = scope.node.default_child
    assert isinstance(resource, CfnResource)
    skips = list((resource.get_metadata("checkov") or {}).get("skip", []))
    skips += [{"id": id, "comment": reason} for id, reason in checks]
    resource.add_metadata("checkov", {"skip": skips})


def acknowledge_provider(
    function: IConstruct,
    role: IConstruct,
    log_group: IConstruct,
    *,
    encrypted_logs: bool,
    reserved_concurrency: bool,
    tracing: bool,
) -> None:
    """The provider's standing acknowledgements (cdk-nag) and skips (checkov), given its options."""
    _acknowledge(function, RUNTIME_REASON, "AwsSolutions-L1", "Serverless-LambdaLatestVersion")
    _acknowledge(function, DLQ_REASON, *(f"{p}-LambdaDLQ" for p in _PACKS_HN), "Serverless-LambdaDLQ")
    _acknowledge(function, VPC_REASON, *(f"{p}-LambdaInsideVPC" for p in _PACKS_HNP))
    _acknowledge(role, INLINE_POLICY_REASON, *(f"{p}-IAMNoInlinePolicy" for p in _PACKS_HNP))
    function_skips = [("CKV_AWS_116", DLQ_REASON), ("CKV_AWS_117", VPC_REASON)]
    if not reserved_concurrency:
        _acknowledge(function, CONCURRENCY_REASON, *(f"{p}-LambdaConcurrency" for p in _PACKS_HN))
        function_skips.append(("CKV_AWS_115", CONCURRENCY_REASON))
    _skip_checkov(function, *function_skips)
    if not tracing:
        _acknowledge(function, TRACING_REASON, "Serverless-LambdaTracing")
    else:
        _acknowledge(
            role, XRAY_REASON, "AwsSolutions-IAM5[Resource::*]", "Serverless-LambdaStarPermissions"
        )
    if not encrypted_logs:
        _acknowledge(log_group, LOGS_KEY_REASON, *(f"{p}-CloudWatchLogGroupEncrypted" for p in _PACKS_HNP))
        _skip_checkov(log_group, ("CKV_AWS_158", LOGS_KEY_REASON))


def acknowledge_environment(function: IConstruct) -> None:
    """The function's environment variables (aliases served, the told rate), not under a key of its own."""
    _skip_checkov(function, ("CKV_AWS_173", ENVIRONMENT_REASON))


def acknowledge_addresses(role: IConstruct, resolved_resource: object) -> None:
    """The ``email-address/*`` wildcard of one instance (as ``Stack.resolve`` gives it), as cdk-nag names
    its finding.

    A rule ID must nest its brackets and braces, so an instance ID that breaks the nesting (never a real,
    UUID-shaped one) is left for the user to acknowledge.
    """
    flattened = _flatten(resolved_resource)
    if _nested(flattened):
        _acknowledge(role, ADDRESSES_REASON, f"AwsSolutions-IAM5[Resource::{flattened}]")


def _nested(text: str) -> bool:
    """Whether every bracket and brace in ``text`` closes in order."""
    pairs, stack = {"]": "[", "}": "{"}, []
    for char in text:
        if char in "[{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


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
