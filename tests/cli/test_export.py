"""``export`` writes what adopts the pairs no resource owns: a CDK app that synthesises as printed, or a raw
template for the shared provider; played offline, either makes its resources the pairs' owners."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import lint_file
from connect_email_alias.local import CloudAssembly, StackSource

from tests.cli.conftest import BY_HAND, DECLARED, P3, STACK, Operator, python_synth
from tests.support.seed import INSTANCE

pytestmark = pytest.mark.slow


def owners(operator: Operator) -> dict[tuple[str, str], str | None]:
    listed = operator.run("list", "--instance-id", INSTANCE, "--output", "json")
    assert listed.returncode == 0, listed.stderr
    return {
        (p["EmailAddressId"], p["AliasEmailAddressId"]): p["Owner"] and p["Owner"]["StackName"]
        for p in json.loads(listed.stdout)
    }


def test_the_exported_app_synthesises_as_printed_and_adopts_the_pair_made_by_hand(
    operator: Operator, tmp_path: Path
):
    exported = operator.run("export", "--instance-id", INSTANCE, "--stack-name", "Adopted")
    assert exported.returncode == 0, exported.stderr
    assert "# contracts@example.com forwards to legal@example.com" in exported.stdout
    # Named as people know them (contract §1b), so the same app serves an instance whose IDs differ.
    assert 'email_address="legal@example.com"' in exported.stdout
    assert 'alias_email_address="contracts@example.com"' in exported.stdout
    assert exported.stdout.count("EmailAddressAlias(") == 1  # only the pair no resource owns
    app_py = tmp_path / "app.py"
    app_py.write_text(exported.stdout)
    assembly = python_synth(app_py, tmp_path)
    report = operator.player.deploy(assembly.stack("Adopted"))
    assert report.ok, report
    assert owners(operator) == {**dict.fromkeys(DECLARED.values(), STACK), BY_HAND: "Adopted"}

    every = operator.run("export", "--instance-id", INSTANCE, "--all")
    assert every.returncode == 0 and every.stdout.count("EmailAddressAlias(") == len(DECLARED) + 1


def test_the_exported_template_lints_and_the_shared_provider_adopts_its_pairs(
    operator: Operator, app: CloudAssembly, tmp_path: Path
):
    operator.emulator.untag(INSTANCE, DECLARED["Alias3"][1], ["connect-email-alias:owner"])  # now no one's
    exported = operator.run("export", "--instance-id", INSTANCE, "--format", "yaml")
    assert exported.returncode == 0, exported.stderr
    template = tmp_path / "aliases.yaml"
    template.write_text(exported.stdout)
    assert [str(f) for f in lint_file(template)] == []
    assert "ServiceToken: !ImportValue ConnectEmailAliasServiceToken" in exported.stdout
    assert 'EmailAddress: "legal@example.com"' in exported.stdout
    # The Provider stack of the app exports that service token, as a shared provider does.
    report = operator.player.deploy(StackSource.from_file(template, name="Adopted", assembly=app))
    assert report.ok, report
    adopted = {pair: "Adopted" for pair in (BY_HAND, DECLARED["Alias3"])}
    assert owners(operator) == {**dict.fromkeys(DECLARED.values(), STACK), **adopted}
    assert P3 in operator.emulator.aliases_by_primary(INSTANCE)
