"""examples/: each app synthesises as the CDK CLI runs it (outside the repo; once per test session, shared
by the tests that play it), the raw template lints and is served by the shared provider, and the offline
example's own tests pass."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from connect_email_alias.local import (
    CloudAssembly,
    CloudFormationPlayer,
    ConnectEmulator,
    StackSource,
)

from tests.support.feature_flags import missing_flags
from tests.support.seed import HELP, INSTANCE, SUPPORT

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ALIAS = "Custom::ConnectEmailAddressAlias"
#: Per example: its stacks, with how many aliases and CfnEmailAddress resources each holds.
EXPECTED = {
    "ids": {"SupportAlias": (1, 0)},
    "by_address": {"MailDev": (2, 0), "MailProd": (2, 0)},
    "arns_and_cfn_email_address": {"SalesMail": (2, 2)},
    "shared_provider": {"ConnectEmailAliasProvider": (0, 0)},
    "cross_stack": {"ConnectAddresses": (0, 2), "ConnectAliases": (1, 0)},
    "offline_test": {"Mail": (1, 0)},
}
QUIET = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true"}


def _run(args: list[str | Path], cwd: Path, **extra: str) -> str:
    env = {**os.environ, **QUIET, **extra}
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


Synthesised = Callable[[str], Path]


@pytest.fixture(scope="session")
def synthesised(once_per_session) -> Synthesised:
    """`synthesised(example)`: its cdk.out from ``python app.py`` as ``cdk synth`` runs it (CDK_OUTDIR set,
    the example's cdk.json context in CDK_CONTEXT_JSON), from a directory outside the repo."""

    def get(example: str) -> Path:
        def synth(workdir: Path) -> None:
            context = json.loads((EXAMPLES / example / "cdk.json").read_text()).get("context", {})
            _run(
                [sys.executable, EXAMPLES / example / "app.py"],
                cwd=workdir,
                CDK_OUTDIR=str(workdir / "cdk.out"),
                CDK_CONTEXT_JSON=json.dumps(context),
            )

        return once_per_session(f"example-{example}", synth) / "cdk.out"

    return get


def _templates(out: Path) -> dict[str, dict[str, Any]]:
    return {p.name.split(".")[0]: json.loads(p.read_text()) for p in out.glob("*.template.json")}


def _count(template: dict[str, Any], type_: str) -> int:
    return sum(r["Type"] == type_ for r in template["Resources"].values())


def test_every_example_is_tested_and_runs_with_the_cdk_cli() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(EXPECTED)
    for example in EXPECTED:
        assert json.loads((EXAMPLES / example / "cdk.json").read_text())["app"] == "python3 app.py"


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_every_example_sets_the_feature_flags_cdk_init_sets(example: str) -> None:
    """Else the CDK CLI prints "N feature flags are not configured" on each synth of the example."""
    assert missing_flags(EXAMPLES / example / "cdk.json") == {}


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_example_synthesises(example: str, synthesised: Synthesised) -> None:
    templates = _templates(synthesised(example))
    assert sorted(templates) == sorted(EXPECTED[example])
    for stack, (aliases, addresses) in EXPECTED[example].items():
        assert _count(templates[stack], ALIAS) == aliases, stack
        assert _count(templates[stack], "AWS::Connect::EmailAddress") == addresses, stack


def test_shared_provider_template_is_cfn_lint_clean() -> None:
    findings = lint_file(EXAMPLES / "shared_provider" / "aliases.yaml")
    assert not findings, [str(f) for f in findings]


@pytest.mark.slow
def test_shared_provider_serves_the_raw_template(
    synthesised: Synthesised, cloudformation: CloudFormationPlayer, connect_emulator: ConnectEmulator
) -> None:
    assembly = CloudAssembly(synthesised("shared_provider"))
    template = EXAMPLES / "shared_provider" / "aliases.yaml"
    raw = StackSource.from_file(template, name="Aliases", assembly=assembly)
    report = cloudformation.deploy(raw)
    assert report.ok, report
    assert connect_emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP
    report = cloudformation.destroy("Aliases")
    assert report.ok, report
    assert SUPPORT not in connect_emulator.aliases_by_primary(INSTANCE)


@pytest.mark.slow
def test_shared_provider_serves_the_raw_template_by_address(
    synthesised: Synthesised, cloudformation: CloudFormationPlayer, connect_emulator: ConnectEmulator
) -> None:
    """templates/connect-email-alias-by-address.yaml: both addresses named by email, served the same way."""
    assembly = CloudAssembly(synthesised("shared_provider"))
    template = REPO / "templates" / "connect-email-alias-by-address.yaml"
    report = cloudformation.deploy(StackSource.from_file(template, name="ByAddress", assembly=assembly))
    assert report.ok, report
    assert connect_emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP
    assert cloudformation.destroy("ByAddress").ok
    assert SUPPORT not in connect_emulator.aliases_by_primary(INSTANCE)


def _forwarding(connect: ConnectEmulator, instance: str = INSTANCE) -> dict[str, str]:
    """An instance's aliases by address (the seed instance's by default): primary's email -> its alias's."""
    def email(address_id: str) -> str:
        return connect.address(instance, address_id).email_address

    return {email(p): email(a) for p, a in connect.aliases_by_primary(instance).items()}


@pytest.mark.slow
def test_by_address_example_deploys_the_same_aliases_to_dev_and_prod(
    synthesised: Synthesised, cloudformation: CloudFormationPlayer, connect_emulator: ConnectEmulator
) -> None:
    """Dev is the seed instance; prod is another instance whose addresses have other IDs (and other case)."""
    prod = "00000000-0000-4000-8000-000000000002"
    connect_emulator.create_instance(prod)
    for address in ("Support@Example.com", "help@example.com", "orders@example.com", "Shop@Example.com"):
        connect_emulator.create_email_address(prod, address)
    for address in ("orders@example.com", "shop@example.com"):
        connect_emulator.create_email_address(INSTANCE, address)
    assembly = CloudAssembly(synthesised("by_address"))
    for stack in ("MailDev", "MailProd"):
        report = cloudformation.deploy(assembly.stack(stack))
        assert report.ok, report
    expected = {"support@example.com": "help@example.com", "orders@example.com": "shop@example.com"}
    assert _forwarding(connect_emulator) == {**expected, "sales@example.com": "info@example.com"}
    assert {p.lower(): a.lower() for p, a in _forwarding(connect_emulator, prod).items()} == expected
    primaries = [set(connect_emulator.aliases_by_primary(i)) for i in (INSTANCE, prod)]
    assert not primaries[0] & primaries[1]  # the same addresses, other IDs in each instance
    for stack in ("MailDev", "MailProd"):
        assert cloudformation.destroy(stack).ok
    assert _forwarding(connect_emulator) == {"sales@example.com": "info@example.com"}
    assert _forwarding(connect_emulator, prod) == {}


@pytest.mark.slow
def test_cfn_email_address_example_plays_offline(
    synthesised: Synthesised, cloudformation: CloudFormationPlayer, connect_emulator: ConnectEmulator
) -> None:
    assembly = CloudAssembly(synthesised("arns_and_cfn_email_address"))
    report = cloudformation.deploy(assembly.stack("SalesMail"))
    assert report.ok, report
    forwarding = _forwarding(connect_emulator)
    assert forwarding["sales-team@example.com"] == "orders@example.com"
    assert forwarding["support@example.com"] == "help@example.com"
    report = cloudformation.destroy("SalesMail")
    assert report.ok, report
    assert _forwarding(connect_emulator) == {"sales@example.com": "info@example.com"}  # the seed's own alias


@pytest.mark.slow
def test_cross_stack_example_plays_offline(
    synthesised: Synthesised, cloudformation: CloudFormationPlayer, connect_emulator: ConnectEmulator
) -> None:
    assembly = CloudAssembly(synthesised("cross_stack"))
    for stack in ("ConnectAddresses", "ConnectAliases"):
        report = cloudformation.deploy(assembly.stack(stack))
        assert report.ok, report
    assert _forwarding(connect_emulator)["billing@example.com"] == "invoices@example.com"
    report = cloudformation.destroy("ConnectAliases")
    assert report.ok, report
    assert "billing@example.com" not in _forwarding(connect_emulator)


@pytest.mark.slow
def test_offline_example_tests_pass_where_a_user_keeps_them(users_pytest) -> None:
    """Copied out of the repository and run with pytest, as its docstring says (the session's nested run of
    users' projects: tests/support/user_projects.py)."""
    source = (EXAMPLES / "offline_test" / "test_app.py").read_text()
    tests = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    run = users_pytest("offline_test")
    assert run.of("test_app.py") == dict.fromkeys({t for t in tests if t.startswith("test_")}, "passed"), (
        run.output
    )
