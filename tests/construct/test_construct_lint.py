"""cfn-lint and every cdk-nag pack: zero open findings on the example app, the construct's variations and
templates/ (docs/design.md § Construct, "Compliance")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cdk_nag
import pytest
from aws_cdk import aws_connect as connect
from aws_cdk import aws_kms as kms
from cfnlint.api import lint_file
from connect_email_alias import EmailAddressAlias, EmailAddressAliasProvider

from tests.support.assembly import cdk_json_context, load_example_app
from tests.support.seed import CARE, INFO, INSTANCE, SALES

from .conftest import ARN_HEAD, REPO, alias_on_new_instance

PACKS = (
    cdk_nag.AwsSolutionsChecks,
    cdk_nag.HIPAASecurityChecks,
    cdk_nag.NIST80053R5Checks,
    cdk_nag.PCIDSS321Checks,
    cdk_nag.ServerlessChecks,
)
STACKS = [
    "ConnectEmailAliasProvider",
    "ConnectEmailAliasDemo",
    "Variations",
    "Agnostic",
    "Options",
    "Exporter",
]


def _variations(app: cdk.App) -> None:
    """Every way of wiring the construct, so a rule or a lint cannot hide behind the default path.

    The example app declares SUPPORT <- HELP; each variation uses addresses of its own (the app-wide
    conflict checks would refuse the same pair twice).
    """
    stack = cdk.Stack(app, "Variations", env=cdk.Environment(region="eu-west-2"))
    EmailAddressAlias(stack, "Ids", instance_id=INSTANCE, email_address_id=SALES, alias_email_address_id=INFO)
    EmailAddressAlias(
        stack,
        "Arns",
        instance_id=ARN_HEAD,
        email_address_id=f"{ARN_HEAD}/email-address/{CARE}",
        alias_email_address_id=f"{ARN_HEAD}/email-address/alias-of-care",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    EmailAddressAlias(
        stack,
        "Tokens",
        instance_id=cdk.Fn.import_value("ConnectInstanceId"),
        email_address_id=cdk.Fn.import_value("PrimaryId"),
        alias_email_address_id=cdk.Fn.import_value("AliasId"),
    )
    a = connect.CfnEmailAddress(stack, "Primary", instance_arn=ARN_HEAD, email_address="bills@example.com")
    b = connect.CfnEmailAddress(stack, "Secondary", instance_arn=ARN_HEAD, email_address="pay@example.com")
    EmailAddressAlias.from_email_addresses(stack, "FromCfn", primary=a, alias=b)
    alias_on_new_instance(stack, "FromNewInstance")

    agnostic = cdk.Stack(app, "Agnostic")  # no region: the grant takes AWS::Region
    EmailAddressAlias(
        agnostic, "Ids", instance_id="other-instance", email_address_id="p-1", alias_email_address_id="a-1"
    )

    options = cdk.Stack(app, "Options", env=cdk.Environment(region="eu-west-2"))
    key = kms.Key(options, "LogsKey", enable_key_rotation=True, description="provider log group")
    provider = EmailAddressAliasProvider(
        options, "Provider", log_group_encryption_key=key, reserved_concurrent_executions=2, tracing=True,
        connect_requests_per_second=20,
    )
    EmailAddressAlias(
        options,
        "WithOptions",
        instance_id=INSTANCE,
        email_address_id="options-primary",
        alias_email_address_id="options-alias",
        provider=provider,
    )

    exporter = cdk.Stack(app, "Exporter")
    EmailAddressAliasProvider(
        exporter, "Provider", export_name="VariationsToken", instance_ids=[INSTANCE, ARN_HEAD]
    )


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app plus the variations, synthesised once with every cdk-nag pack."""
    out = tmp_path_factory.mktemp("lint") / "cdk.out"
    app = cdk.App(outdir=str(out), context=cdk_json_context())
    load_example_app().build(app)
    _variations(app)
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS))
    app.synth()  # raises ValidationFailed on any finding that is not acknowledged with a reason
    return out


def _checkov() -> str | None:
    """checkov from `make setup` (own virtualenv: it pins a boto3 older than this project's), else PATH."""
    local = REPO / ".tools" / "checkov" / "bin" / "checkov"
    return str(local) if local.exists() else shutil.which("checkov")


@pytest.mark.slow
@pytest.mark.skipif(_checkov() is None, reason="no checkov: `make setup` installs it in .tools/checkov")
def test_checkov_has_no_failed_checks(outdir: Path) -> None:
    """Every check passes or is skipped in the resource's Metadata with its reason."""
    result = subprocess.run(
        [str(_checkov()), "-d", str(outdir), "--framework", "cloudformation", "--skip-download", "-ojson"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
    )
    summary = json.loads(result.stdout)["summary"]
    assert summary["failed"] == 0 and summary["parsing_errors"] == 0, result.stdout[:4000]
    assert summary["passed"] > 0 and summary["resource_count"] > 0


def _findings(path: Path) -> list[str]:
    return [f"{m.rule.id} {m.linenumber}: {m.message}" for m in lint_file(path)]


TEMPLATES = sorted((REPO / "templates").glob("*.y*ml")) + sorted((REPO / "templates").glob("*.json"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_cfn_lint_templates_dir(template: Path) -> None:
    assert _findings(template) == []


def test_templates_dir_is_not_empty() -> None:
    assert TEMPLATES


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_synthesised(outdir: Path, stack: str) -> None:
    assert _findings(outdir / f"{stack}.template.json") == []


def test_every_cdk_nag_pack_has_no_open_findings(outdir: Path) -> None:
    """The packs ran (the report exists; each pack is shown live below) and no plugin reported anything."""
    report: dict[str, Any] = json.loads((outdir / "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_options_fix_findings_instead_of_acknowledging_them(outdir: Path) -> None:
    """With a key, reserved concurrency and tracing, the function and log group meet those rules."""
    template = json.loads((outdir / "Options.template.json").read_text())
    (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}
    assert function["Properties"]["ReservedConcurrentExecutions"] == 2
    (log_group,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert "Fn::GetAtt" in log_group["Properties"]["KmsKeyId"]
    (key,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    logs_use = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert logs_use and "kms:EncryptionContext:aws:logs:arn" in json.dumps(logs_use)


@pytest.mark.parametrize("pack", PACKS, ids=[p.__name__ for p in PACKS])
def test_each_pack_is_live(tmp_path: Path, pack: type) -> None:
    """The check above can fail: a function without the provider's acknowledgements has findings."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "S")
    cdk.aws_lambda.Function(
        stack,
        "Bare",
        runtime=cdk.aws_lambda.Runtime.PYTHON_3_12,
        handler="index.handler",
        code=cdk.aws_lambda.Code.from_inline("def handler(event, context): pass"),
    )
    cdk.Validations.of(app).add_plugins(pack(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_cdk_nag_reports_an_unacknowledged_wildcard(tmp_path: Path) -> None:
    """Acknowledgements are per finding: a wildcard nobody acknowledged still fails synthesis."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    provider = EmailAddressAliasProvider(cdk.Stack(app, "S"), "P")
    provider.role.add_to_principal_policy(
        cdk.aws_iam.PolicyStatement(actions=["connect:DescribeEmailAddress"], resources=["*"])
    )
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match=r"ValidationFailed: (?s:.*)AwsSolutions-IAM5\[Resource::\*\]"):
        app.synth()

