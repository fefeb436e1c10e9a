"""Users' own pytest projects, as they use the pytest plugin: run by ONE nested pytest per test session.

Each project is a folder of a temporary directory outside this repository (so none of its conftests apply),
next to the others: a project using the fixtures bare (`plugin`), examples/offline_test as a user keeps it
(`offline_test`), and the README's pytest blocks (`readme`). One `python -m pytest` over the three folders,
with the stranger's virtualenv (the wheel, its `local` extra and pytest: tests/support/stranger.py), plays
them all: its start-up, the plugin's loading and the CDK's Node.js are paid once. Each test that asks for a
project asserts its own outcomes from the run's JUnit report.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from tests.docs.markdown import blocks
from tests.support.assembly import REPO

PLUGIN_TESTS = """
import pytest
from connect_email_alias.local import StackSource

INSTANCE = "00000000-0000-4000-8000-000000000001"
SALES, INFO = "44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555"
MINE = {"Instances": [{"InstanceId": "my-instance", "EmailAddresses": [
    {"EmailAddress": "a@example.org", "EmailAddressId": "a"},
    {"EmailAddress": "b@example.org", "EmailAddressId": "b"}],
    "Aliases": [{"EmailAddressId": "a", "AliasConfiguration": {"EmailAddressId": "b"}}]}]}


def test_the_default_seed_is_the_demo_seed(connect_emulator):
    assert connect_emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}


@pytest.mark.connect_seed(MINE)
def test_a_marker_gives_my_own_seed(connect_emulator):
    assert connect_emulator.primary_of_alias("my-instance", "b") == "a"


def test_cloudformation_plays_a_stack_against_the_emulator(cloudformation, connect_emulator):
    arn = "arn:aws:connect:us-east-1:123456789012:instance/" + INSTANCE
    template = {"Resources": {
        "Alias": {"Type": "AWS::Connect::EmailAddress",
                  "Properties": {"InstanceArn": arn, "EmailAddress": "new-alias@example.com"}},
        "Primary": {"Type": "AWS::Connect::EmailAddress",
                    "Properties": {"InstanceArn": arn, "EmailAddress": "new-primary@example.com",
                                   "AliasConfigurations": [{"EmailAddressArn": {"Ref": "Alias"}}]}}}}
    report = cloudformation.deploy(StackSource("Mine", template))
    assert report.status == "CREATE_COMPLETE", str(report)
    held = {k: r.physical_id.rsplit("/", 1)[1] for k, r in cloudformation.resources("Mine").items()}
    assert connect_emulator.aliases_by_primary(INSTANCE) == {SALES: INFO, held["Primary"]: held["Alias"]}
    assert cloudformation.destroy("Mine").ok
    assert connect_emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}
"""
README = REPO / "README.md"
QUIET = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_CLI_NOTICES": "false"}


def readme_test_file(line: int) -> str:
    """The file a README pytest block (opening at `line`) is kept in, as a user would save it."""
    return f"test_readme_snippet_l{line}.py"


def write_projects(folder: Path) -> None:
    (folder / "plugin").mkdir()
    (folder / "plugin" / "test_mine.py").write_text(PLUGIN_TESTS)
    example = REPO / "examples" / "offline_test"
    shutil.copytree(example, folder / "offline_test", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "readme").mkdir()
    for block in blocks(README):
        if block.is_pytest:
            (folder / "readme" / readme_test_file(block.line)).write_text(block.code)


def run(folder: Path, python: Path) -> None:
    """Write the projects and run them in one pytest, as a user would (`python -m pytest`), with `python`
    and nothing of this repository on its path."""
    write_projects(folder)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers",
         "--junitxml", "report.xml", "plugin", "offline_test", "readme"],
        cwd=folder, env={**environment, **QUIET}, capture_output=True, text=True, timeout=600, check=False,
    )
    (folder / "output.txt").write_text(result.stdout + result.stderr)


@dataclass(frozen=True)
class Outcomes:
    """What the nested run said about one project: each test's outcome, and the run's output."""

    tests: dict[str, str]  # "<file>::<test>" -> passed | failed | error | skipped
    output: str

    def of(self, test_file: str) -> dict[str, str]:
        return {k.split("::", 1)[1]: v for k, v in self.tests.items() if k.split("::", 1)[0] == test_file}


def outcomes(folder: Path, project: str) -> Outcomes:
    """The outcomes of `project`'s tests in the run made in `folder` (files by name, tests by function)."""
    output = (folder / "output.txt").read_text()
    report = folder / "report.xml"
    assert report.exists(), output
    tests = {}
    for case in ElementTree.parse(report).iter("testcase"):
        module = case.get("classname", "")
        if module.split(".")[0] != project:
            continue
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        name = f"{module.split('.')[-1]}.py::{case.get('name')}"
        tests[name] = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(
            kinds[0] if kinds else "", "passed"
        )
    return Outcomes(tests, output)
