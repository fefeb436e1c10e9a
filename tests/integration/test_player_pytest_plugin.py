"""The pytest plugin, as a user gets it: installed by the entry point, run in a project of their own.

A real pytest run in a temporary folder (outside this repository, so none of its conftests apply) uses
the ``connect_emulator`` and ``cloudformation`` fixtures without importing or registering anything.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

USER_TESTS = """
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


def test_the_fixtures_come_with_the_installed_package(tmp_path):
    (tmp_path / "test_mine.py").write_text(USER_TESTS)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers", "test_mine.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
