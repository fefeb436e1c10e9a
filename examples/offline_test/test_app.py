"""Offline tests of app.py's stack: synthesised, then deployed and destroyed by a CloudFormation player
against a Connect emulator on 127.0.0.1, through the real function code.

    pip install 'connect-email-alias[local]' pytest
    python -m pytest
"""

from collections.abc import Iterator

import aws_cdk as cdk
import pytest
from connect_email_alias.local import CloudAssembly, CloudFormationPlayer, ConnectEmulator, ResponseReceiver

import app

CUSTOMER_CARE_ID = "33333333-3333-4333-8333-333333333333"  # customercare@example.com in the seed


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """app.py synthesised once for these tests (each test gets a fresh emulator and player)."""
    out = tmp_path_factory.mktemp("cdk.out")
    cdk_app = cdk.App(outdir=str(out))
    app.build(cdk_app)
    cdk_app.synth()
    return CloudAssembly(out)


@pytest.fixture
def connect_emulator() -> Iterator[ConnectEmulator]:
    with ConnectEmulator.from_seed() as emulator:
        yield emulator


@pytest.fixture
def cloudformation(connect_emulator: ConnectEmulator) -> Iterator[CloudFormationPlayer]:
    with (
        ResponseReceiver() as answers,
        CloudFormationPlayer(answers, connect_endpoint=connect_emulator.endpoint_url) as player,
    ):
        yield player


def test_deploy_forwards_help_to_support_and_destroy_removes_it(
    assembly: CloudAssembly, connect_emulator: ConnectEmulator, cloudformation: CloudFormationPlayer
) -> None:
    report = cloudformation.deploy(assembly.stack(app.STACK_NAME))
    assert report.ok, report
    assert connect_emulator.aliases_by_primary(app.INSTANCE_ID)[app.SUPPORT_ID] == app.HELP_ID

    report = cloudformation.destroy(app.STACK_NAME)
    assert report.ok, report
    assert app.SUPPORT_ID not in connect_emulator.aliases_by_primary(app.INSTANCE_ID)


def test_a_primary_taken_by_someone_else_fails_the_stack_and_is_left_alone(
    assembly: CloudAssembly, connect_emulator: ConnectEmulator, cloudformation: CloudFormationPlayer
) -> None:
    connect_emulator.associate(app.INSTANCE_ID, app.SUPPORT_ID, CUSTOMER_CARE_ID)  # set up by hand, outside

    report = cloudformation.deploy(assembly.stack(app.STACK_NAME))

    assert report.status == "ROLLBACK_COMPLETE", report
    (create, *_) = [step.result for step in report.steps if step.result.request_type == "Create"]
    assert "already has alias" in (create.reason or ""), create.reason
    assert connect_emulator.aliases_by_primary(app.INSTANCE_ID)[app.SUPPORT_ID] == CUSTOMER_CARE_ID
