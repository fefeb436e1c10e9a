"""cfn-lint and cdk-nag: zero findings on the example app, the construct's variations and templates/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cdk_nag
import pytest
from aws_cdk import aws_connect as connect
from cfnlint.api import lint_file
from connect_email_alias import EmailAddressAlias, EmailAddressAliasProvider

from tests.support.seed import HELP, INSTANCE, SUPPORT

from .conftest import ARN_HEAD, REPO, cdk_json_context, load_example_app


def _variations(app: cdk.App) -> None:
    """Every way of wiring the construct, so a rule or a lint cannot hide behind the default path."""
    stack = cdk.Stack(app, "Variations", env=cdk.Environment(region="eu-west-2"))
    EmailAddressAlias(
        stack, "Ids", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP
    )
    EmailAddressAlias(
        stack,
        "Arns",
        instance_id=ARN_HEAD,
        email_address_id=f"{ARN_HEAD}/email-address/{SUPPORT}",
        alias_email_address_id=f"{ARN_HEAD}/email-address/{HELP}",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    EmailAddressAlias(
        stack,
        "Tokens",
        instance_id=cdk.Fn.import_value("ConnectInstanceId"),
        email_address_id=cdk.Fn.import_value("PrimaryId"),
        alias_email_address_id=cdk.Fn.import_value("AliasId"),
    )
    a = connect.CfnEmailAddress(stack, "Primary", instance_arn=ARN_HEAD, email_address="support@example.com")
    b = connect.CfnEmailAddress(stack, "Secondary", instance_arn=ARN_HEAD, email_address="help@example.com")
    EmailAddressAlias.from_email_addresses(stack, "FromCfn", primary=a, alias=b)
    exporter = cdk.Stack(app, "Exporter")
    EmailAddressAliasProvider(
        exporter, "Provider", export_name="VariationsToken", instance_ids=[INSTANCE, ARN_HEAD]
    )


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app plus the variations, synthesised once with cdk-nag's AwsSolutions pack."""
    out = tmp_path_factory.mktemp("lint") / "cdk.out"
    app = cdk.App(outdir=str(out), context=cdk_json_context())
    load_example_app().build(app)
    _variations(app)
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app))
    app.synth()  # raises ValidationFailed on any finding that is not acknowledged with a reason
    return out


def _findings(path: Path) -> list[str]:
    return [f"{m.rule.id} {m.linenumber}: {m.message}" for m in lint_file(path)]


TEMPLATES = sorted((REPO / "templates").glob("*.y*ml")) + sorted((REPO / "templates").glob("*.json"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_cfn_lint_templates_dir(template: Path) -> None:
    assert _findings(template) == []


def test_templates_dir_is_not_empty() -> None:
    assert TEMPLATES


@pytest.mark.parametrize(
    "stack", ["ConnectEmailAliasProvider", "ConnectEmailAliasDemo", "Variations", "Exporter"]
)
def test_cfn_lint_synthesised(outdir: Path, stack: str) -> None:
    assert _findings(outdir / f"{stack}.template.json") == []


def test_cdk_nag_has_no_unacknowledged_findings(outdir: Path) -> None:
    report: dict[str, Any] = json.loads((outdir / "validation-report.json").read_text())
    violations = [v for plugin in report.get("pluginReports", []) for v in plugin.get("violations", [])]
    assert violations == []


def test_cdk_nag_reports_an_unacknowledged_wildcard(tmp_path: Path) -> None:
    """The check above is live: a wildcard nobody acknowledged fails synthesis."""
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    provider = EmailAddressAliasProvider(cdk.Stack(app, "S"), "P")
    provider.role.add_to_principal_policy(
        cdk.aws_iam.PolicyStatement(actions=["connect:DescribeEmailAddress"], resources=["*"])
    )
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match=r"ValidationFailed: (?s:.*)AwsSolutions-IAM5\[Resource::\*\]"):
        app.synth()
