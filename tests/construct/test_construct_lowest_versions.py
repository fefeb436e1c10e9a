"""Every lower bound the wheel declares is one a test has run: the wheel in an empty virtualenv with exactly
the lowest aws-cdk-lib, constructs, botocore (and the boto3 of the [local] extra) and the crhelper pin, on the
lowest Python it declares, synthesises an app and plays it offline; cdk-nag 2 (the one such a CDK can use)
then finds nothing open on the provider (docs/design.md § Construct, "Versions")."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.fixtures import BACKGROUND, OncePerSession
from tests.support.stranger import build as _build
from tests.support.stranger import empty_venv as _empty_venv
from tests.support.stranger import pip_install as _pip_install
from tests.support.stranger import run as _run

from .conftest import REPO

pytestmark = pytest.mark.slow

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
#: The bounds the test pins, from the wheel's own metadata (dependencies and the [local] extra).
PINNED = ("aws-cdk-lib", "constructs", "botocore", "crhelper", "boto3")
LOWEST_PYTHON = tuple(int(part) for part in PROJECT["requires-python"].removeprefix(">=").split("."))

PLAY = """
import json
import aws_cdk as cdk
from importlib.metadata import version
from connect_email_alias import EmailAddressAlias
from connect_email_alias.local import CloudAssembly, CloudFormationPlayer, ConnectEmulator, ResponseReceiver

INSTANCE = "00000000-0000-4000-8000-000000000001"
SUPPORT, HELP = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"

app = cdk.App(outdir="cdk.out")
stack = cdk.Stack(app, "Mail", env=cdk.Environment(account="123456789012", region="us-east-1"))
EmailAddressAlias(stack, "Help", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP)
app.synth()
with (
    ConnectEmulator.from_seed() as emulator,
    ResponseReceiver() as receiver,
    CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as player,
):
    created = player.deploy(CloudAssembly("cdk.out").stack("Mail"))
    forwards = emulator.aliases_by_primary(INSTANCE).get(SUPPORT)
    destroyed = player.destroy("Mail")
    left = emulator.aliases_by_primary(INSTANCE).get(SUPPORT)
print(json.dumps({
    "versions": {name: version(name) for name in %r},
    "created": repr(created), "forwards": forwards, "destroyed": destroyed.status, "left": left,
}))
"""

NAG = """
import json
from importlib.metadata import version
import aws_cdk as cdk
import cdk_nag
from aws_cdk import aws_s3 as s3
from connect_email_alias import EmailAddressAlias, EmailAddressAliasProvider

app = cdk.App(outdir="cdk.out.nag")
stack = cdk.Stack(app, "Mail", env=cdk.Environment(account="123456789012", region="us-east-1"))
EmailAddressAlias(stack, "Help", instance_id="i-1", email_address_id="p-1", alias_email_address_id="a-1")
shared = cdk.Stack(app, "Shared", env=cdk.Environment(account="123456789012", region="eu-west-2"))
EmailAddressAliasProvider(shared, "Provider", export_name="Token", instance_ids=["i-2"])
s3.Bucket(stack, "Control")  # a resource the packs must flag, so an empty answer means they ran
packs = (cdk_nag.AwsSolutionsChecks, cdk_nag.HIPAASecurityChecks, cdk_nag.NIST80053R5Checks,
         cdk_nag.PCIDSS321Checks, cdk_nag.ServerlessChecks)
for pack in packs:
    cdk.Aspects.of(app).add(pack())
flagged = sorted({
    path.split("/")[2]
    for artifact in app.synth().stacks
    for path, entries in artifact.manifest.metadata.items()
    for entry in entries
    if entry.type in ("aws:cdk:error", "aws:cdk:warning")
})
print(json.dumps({"cdk_nag": version("cdk-nag"), "flagged": flagged}))
"""


def lowest(name: str) -> str:
    """The version a dependency's (or the [local] extra's) lower bound, or pin, names."""
    for requirement in [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["local"]]:
        found = re.fullmatch(rf"{re.escape(name)}(?:>=|==)([\w.]+)(?:,.*)?", requirement.replace(" ", ""))
        if found:
            return found.group(1)
    raise AssertionError(f"{name} declares no lower bound in pyproject.toml")


def _make(folder: Path) -> None:
    """The wheel with exactly the lowest versions, an app played with them, then cdk-nag 2 on the provider;
    what each printed is kept for the test."""
    wheel = _build(folder)
    python = _empty_venv(folder / "venv")
    pins = {name: lowest(name) for name in PINNED}
    _pip_install(python, f"{wheel}[local]", *(f"{name}=={version}" for name, version in pins.items()))

    app = folder / "app"
    app.mkdir()
    (app / "play.py").write_text(PLAY % (PINNED,))
    (folder / "played.txt").write_text(_run([python, "play.py"], cwd=app, isolated=True))

    # Such a CDK cannot run cdk-nag 3 (it needs aws-cdk-lib 2.257): the acknowledgements reach cdk-nag 2.
    _pip_install(python, "cdk-nag>=2.37,<3", f"aws-cdk-lib=={pins['aws-cdk-lib']}")
    (app / "nag.py").write_text(NAG)
    (folder / "checked.txt").write_text(_run([python, "nag.py"], cwd=app, isolated=True))


def _lowest_versions(once_per_session: OncePerSession) -> Path:
    return once_per_session("lowest-versions", _make)


# A minute of installs, mostly waiting on the disk: made on a thread from the session's start.
BACKGROUND["lowest_versions"] = _lowest_versions


@pytest.fixture(scope="session")
def lowest_versions(once_per_session: OncePerSession) -> Path:
    return _lowest_versions(once_per_session)


@pytest.mark.skipif(
    sys.version_info[:2] != LOWEST_PYTHON[:2],
    reason=f"the lowest declared Python is {'.'.join(map(str, LOWEST_PYTHON))}; run this test with it",
)
def test_the_lowest_declared_versions_synthesise_and_play_offline(lowest_versions: Path) -> None:
    pins = {name: lowest(name) for name in PINNED}
    played = json.loads((lowest_versions / "played.txt").read_text().strip().splitlines()[-1])
    assert played["versions"] == pins
    assert played["created"] == "<PlayReport Mail CREATE_COMPLETE, events: 1>", played
    assert (played["forwards"], played["destroyed"], played["left"]) == (
        "22222222-2222-4222-8222-222222222222",
        "DELETE_COMPLETE",
        None,
    )

    # Such a CDK cannot run cdk-nag 3 (it needs aws-cdk-lib 2.257): the acknowledgements reach cdk-nag 2.
    checked = json.loads((lowest_versions / "checked.txt").read_text().strip().splitlines()[-1])
    assert checked["cdk_nag"].startswith("2.")
    assert checked["flagged"] == ["Control"], checked
