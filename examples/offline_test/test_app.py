"""Offline tests of app.py's stack: synthesised, then deployed and destroyed by a CloudFormation player
against a Connect emulator on 127.0.0.1, through the real function code.

    pip install 'connect-email-alias[local]' pytest
    python -m pytest

The fixtures ``connect_emulator`` and ``cloudformation`` come with the package (a pytest plugin); the
``connect_seed`` marker loads this project's instance and addresses (seed.json) instead of the demo's.
"""

from pathlib import Path

import aws_cdk as cdk
import pytest
from connect_email_alias.local import CloudAssembly, CloudFormationPlayer, ConnectEmulator

import app

pytestmark = pytest.mark.connect_seed(Path(__file__).with_name("seed.json"))
CARE_ID = "a1000000-0000-4000-8000-000000000003"  # care@mycompany.example in seed.json


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """app.py synthesised once for these tests (each test gets a fresh emulator and player)."""
    out = tmp_path_factory.mktemp("cdk.out")
    cdk_app = cdk.App(outdir=str(out))
    app.build(cdk_app)
    cdk_app.synth()
    return CloudAssembly(out)


def test_deploy_forwards_help_to_support_and_destroy_removes_it(
    assembly: CloudAssembly, connect_emulator: ConnectEmulator, cloudformation: CloudFormationPlayer
) -> None:
    report = cloudformation.deploy(assembly.stack(app.STACK_NAME))
    assert report.ok, report
    assert connect_emulator.forwards_to(app.INSTANCE_ID) == {app.HELP_ID: app.SUPPORT_ID}  # {alias: primary}

    report = cloudformation.destroy(app.STACK_NAME)
    assert report.ok, report
    assert connect_emulator.forwards_to(app.INSTANCE_ID) == {}


def test_a_primary_taken_by_someone_else_fails_the_stack_and_is_left_alone(
    assembly: CloudAssembly, connect_emulator: ConnectEmulator, cloudformation: CloudFormationPlayer
) -> None:
    connect_emulator.associate(app.INSTANCE_ID, app.SUPPORT_ID, CARE_ID)  # set up by hand, outside the stack

    report = cloudformation.deploy(assembly.stack(app.STACK_NAME))

    assert report.status == "ROLLBACK_COMPLETE", report
    (create, *_) = [step.result for step in report.steps if step.result.request_type == "Create"]
    assert "already has alias" in (create.reason or ""), create.reason
    assert connect_emulator.forwards_to(app.INSTANCE_ID) == {CARE_ID: app.SUPPORT_ID}
