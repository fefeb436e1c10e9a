"""Packaging as a stranger meets it: the version read without aws-cdk-lib, and the built wheel installed
into an empty virtualenv from the package registry (once per session: tests/support/stranger.py), then its
extras. (The real CDK CLI on the example app: the README's bash blocks, tests/docs/test_readme.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from email.parser import Parser
from pathlib import Path

import pytest
from connect_email_alias.asset import MODEL_PATH

from tests.support.feature_flags import missing_flags
from tests.support.stranger import app_report, python, run
from tests.support.stranger import env as stranger_env

from .conftest import REPO


def test_version_is_read_without_importing_aws_cdk_lib() -> None:
    import connect_email_alias

    script = (
        "import sys; sys.modules['aws_cdk'] = sys.modules['constructs'] = None\n"
        "from setuptools.config.pyprojecttoml import read_configuration\n"
        "print(read_configuration('pyproject.toml')['project']['version'])\n"
    )
    assert run([sys.executable, "-c", script], cwd=REPO).strip() == connect_email_alias.__version__


def test_cdk_json_sets_the_feature_flags_cdk_init_sets() -> None:
    """Else every `make synth` prints "N feature flags are not configured" (the README's bash blocks run it:
    tests/docs/test_readme.py)."""
    assert missing_flags(REPO / "cdk.json") == {}


def test_changelog_names_the_current_version_first() -> None:
    import connect_email_alias

    headings = [line for line in (REPO / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]
    assert headings[0].startswith(f"## [{connect_email_alias.__version__}]"), headings
    assert any(line.startswith("## [0.1.0]") for line in headings), headings


def test_classifiers_are_known_to_the_package_index() -> None:
    from trove_classifiers import classifiers

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["classifiers"]
    assert [c for c in declared if c not in classifiers] == []


@pytest.mark.slow
def test_the_wheel_installs_into_an_empty_virtualenv_with_real_resolution(stranger: Path) -> None:
    import connect_email_alias

    assert "No broken requirements found" in (stranger / "pip-check.txt").read_text()
    # The package's metadata: one version, the license shipped, where to find the project.
    dist_info = next((stranger / "venv").rglob("connect_email_alias-*.dist-info"))
    metadata = Parser().parsestr((dist_info / "METADATA").read_text())
    assert metadata["Version"] == connect_email_alias.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"  # the README renders on the index page
    assert "Apache License" in (dist_info / "licenses" / "LICENSE").read_text()
    assert any(url.startswith("Source, https://") for url in metadata.get_all("Project-URL"))


@pytest.mark.slow
def test_a_stranger_synthesises_outside_the_repo_with_only_the_declared_dependencies(stranger: Path) -> None:
    """Its own app, run before any extra is installed; the asset is the one the checkout stages."""
    output = (stranger / "app-output.txt").read_text()
    assert "end-of-life" not in output, output
    report = app_report(stranger)
    assert Path(str(report["module"])).is_relative_to(stranger / "venv"), report["module"]
    metadata = report["metadata"]
    assert isinstance(metadata, dict)
    asset = stranger / "elsewhere" / "cdk.out" / metadata["aws:asset:path"]
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    handler = {p.name for p in (stranger / "clone" / "lambda").glob("*.py")}
    assert {"index.py", *handler, "crhelper/__init__.py", "crhelper/resource_helper.py", MODEL_PATH} <= files
    # Same content from the wheel as from the checkout it was built from: one asset, wherever synthesised.
    assert report["key"] == (stranger / "clone-key.txt").read_text()


@pytest.mark.slow
def test_the_local_extra_without_pytest_documents_the_fixtures(stranger: Path) -> None:
    """The `local` extra alone (no pytest yet): the stand-ins and the plugin's manual load, help() works.
    (Then pytest, and the users' projects run with it: tests/support/user_projects.py.)"""
    output = (stranger / "help-without-pytest.txt").read_text()
    fixtures = "connect_seed connect_emulator cloudformation"
    assert output.startswith(f"no pytest; fixtures documented: {fixtures}"), output


OPERATED_APP = """
import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

app = cdk.App()
stack = cdk.Stack(app, "Mail", env=cdk.Environment(account="123456789012", region="us-east-1"))
EmailAddressAlias(stack, "Help", instance_id="00000000-0000-4000-8000-000000000001",
                  email_address_id="11111111-1111-4111-8111-111111111111",
                  alias_email_address_id="22222222-2222-4222-8222-222222222222")
app.synth()
"""


@pytest.mark.slow
def test_the_wheels_console_script_lists_finds_drift_repairs_and_exports(stranger: Path, tmp_path: Path):
    """README, "Operate", from the wheel in an empty virtualenv: `connect-email-alias` (the [cli] extra,
    installed last by tests/support/stranger.py) against a played stack (the emulator for Connect, the
    player's read API for CloudFormation)."""
    from connect_email_alias.local import (
        CloudAssembly,
        CloudFormationPlayer,
        CloudFormationReadApi,
        ConnectEmulator,
        ResponseReceiver,
    )

    from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT

    script = python(stranger).with_name("connect-email-alias")
    assert "repair" in run([script, "--help"], isolated=True)

    def synth(app: str, name: str) -> CloudAssembly:
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(app)
        out = tmp_path / name / "cdk.out"
        run([python(stranger), "app.py"], cwd=tmp_path / name, isolated=True, CDK_OUTDIR=str(out))
        return CloudAssembly(out)

    with (
        ConnectEmulator.from_seed() as emulator,
        ResponseReceiver() as receiver,
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as player,
        CloudFormationReadApi(player) as api,
    ):
        assert player.deploy(synth(OPERATED_APP, "mail").stack("Mail")).ok
        env = {k: v for k, v in stranger_env().items() if k != "PYTHONPATH" and not k.startswith("AWS_")}
        env.update(emulator.env(), **api.env(), AWS_CONFIG_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

        def cli(*args: str, status: int = 0) -> str:
            result = subprocess.run(
                [script, *args], env=env, capture_output=True, text=True, timeout=300, check=False
            )
            assert result.returncode == status, f"{args}\n{result.stdout}\n{result.stderr}"
            return result.stdout

        def pairs() -> set[tuple[str, str, str | None]]:
            listed = json.loads(cli("list", "--instance-id", INSTANCE, "--output", "json"))
            return {(p["EmailAddressId"], p["AliasEmailAddressId"], (p["Owner"] or {}).get("StackName"))
                    for p in listed}

        assert pairs() == {(SUPPORT, HELP, "Mail"), (SALES, INFO, None)}
        emulator.disassociate(INSTANCE, SUPPORT, HELP)  # a change in the console
        (drifted,) = json.loads(cli("drift", "--stack", "Mail", "--output", "json", status=1))
        assert drifted["StackResourceDriftStatus"] == "DELETED"
        assert "restored" in cli("repair", "--stack", "Mail", "--yes")
        assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP
        cli("drift", "--stack", "Mail")
        adopting = synth(cli("export", "--instance-id", INSTANCE), "adopt")
        assert player.deploy(adopting.stack("ConnectEmailAliases")).ok
        assert pairs() == {(SUPPORT, HELP, "Mail"), (SALES, INFO, "ConnectEmailAliases")}
