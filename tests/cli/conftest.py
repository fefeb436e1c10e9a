"""The operators' CLI against the offline stand-ins: a synthesised app deployed by the player, Connect changed
"by hand" in the emulator, and ``connect-email-alias`` run against both endpoints (the emulator for Connect,
the player's read API for CloudFormation) with dummy credentials."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from connect_email_alias.local import (
    CloudAssembly,
    CloudFormationPlayer,
    CloudFormationReadApi,
    ConnectEmulator,
)
from connect_email_alias.local.connect.emulator import DUMMY_CREDENTIALS

from tests.support.seed import ACCOUNT, INSTANCE, REGION

SCRIPT = Path(sys.executable).with_name("connect-email-alias")
STACK = "Mail"
PROVIDER = "Provider"
EXPORT = "ConnectEmailAliasServiceToken"


def address_id(kind: str, n: int) -> str:
    return f"{kind * 8}-0000-4000-8000-{n:012d}"


# Four pairs the Mail stack declares, a spare address, and a pair made by hand before any stack.
PRIMARIES = {address_id("a", n): f"{name}@example.com" for n, name in
             enumerate(("support", "sales", "billing", "orders"), 1)}
ALIASES = {address_id("b", n): f"{name}@example.com" for n, name in
           enumerate(("help", "info", "invoices", "shop"), 1)}
(P1, P2, P3, P4), (A1, A2, A3, A4) = list(PRIMARIES), list(ALIASES)
SPARE = address_id("c", 1)
BY_HAND = (address_id("d", 1), address_id("d", 2))
DECLARED = {"Alias1": (P1, A1), "Alias2": (P2, A2), "Alias3": (P3, A3), "Alias4": (P4, A4)}
EMAILS = {**PRIMARIES, **ALIASES, SPARE: "other@example.com", BY_HAND[0]: "legal@example.com",
          BY_HAND[1]: "contracts@example.com"}
SEED: dict[str, Any] = {
    "Region": REGION,
    "Account": ACCOUNT,
    "Instances": [
        {
            "InstanceId": INSTANCE,
            "EmailAddresses": [{"EmailAddressId": i, "EmailAddress": e} for i, e in EMAILS.items()],
            "Aliases": [{"EmailAddressId": BY_HAND[0], "AliasConfiguration": {"EmailAddressId": BY_HAND[1]}}],
        }
    ],
}


@pytest.fixture
def connect_seed() -> dict[str, Any]:
    """The pytest plugin's emulator starts from SEED in this folder."""
    return SEED


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> CloudAssembly:
    """One CDK app, synthesised once: stack Mail (the four aliases and their provider) and stack Provider
    (a shared provider exporting its service token, and no alias resource)."""
    import aws_cdk as cdk
    from connect_email_alias import EmailAddressAlias, EmailAddressAliasProvider

    outdir = tmp_path_factory.mktemp("cli-app") / "cdk.out"
    app = cdk.App(outdir=str(outdir), analytics_reporting=False)
    env = cdk.Environment(account=ACCOUNT, region=REGION)
    mail = cdk.Stack(app, STACK, env=env)
    for construct_id, (primary, alias) in DECLARED.items():
        EmailAddressAlias(
            mail, construct_id, instance_id=INSTANCE, email_address_id=primary, alias_email_address_id=alias
        )
    provider = cdk.Stack(app, PROVIDER, env=env)
    EmailAddressAliasProvider(provider, "Provider", export_name=EXPORT, instance_ids=[INSTANCE])
    app.synth()
    return CloudAssembly(outdir)


def aws_env(*endpoints: str, **extra: str) -> dict[str, str]:
    """The process environment of an operator pointed at the stand-ins: dummy keys, no config files."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        **DUMMY_CREDENTIALS,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **dict(e.split("=", 1) for e in endpoints),
        **extra,
    }


@dataclass
class Operator:
    """Runs the installed console script against the emulator and the player's read API."""

    emulator: ConnectEmulator
    player: CloudFormationPlayer
    api: CloudFormationReadApi

    @property
    def env(self) -> dict[str, str]:
        return aws_env(
            f"AWS_ENDPOINT_URL_CONNECT={self.emulator.endpoint_url}",
            f"AWS_ENDPOINT_URL_CLOUDFORMATION={self.api.endpoint_url}",
        )

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        assert SCRIPT.exists(), f"{SCRIPT} is missing: pip install -e '.[dev]' installs the console script"
        return subprocess.run(
            [str(SCRIPT), *args], env=env or self.env, capture_output=True, text=True, timeout=300,
            stdin=subprocess.DEVNULL, check=False,
        )

    def logical_ids(self, stack: str = STACK) -> dict[str, str]:
        """construct id -> the logical ID CloudFormation holds (the CDK adds a hash)."""
        held = self.player.resources(stack)
        return {c: next(k for k in held if k.startswith(c)) for c in DECLARED}


@pytest.fixture
def operator(
    connect_emulator: ConnectEmulator,
    cloudformation: CloudFormationPlayer,
    cloudformation_api: CloudFormationReadApi,
    app: CloudAssembly,
) -> Iterator[Operator]:
    """The Mail and Provider stacks deployed (the pytest plugin's fixtures, seeded with SEED)."""
    for stack in (PROVIDER, STACK):
        report = cloudformation.deploy(app.stack(stack))
        assert report.ok, report
    yield Operator(connect_emulator, cloudformation, cloudformation_api)


def python_synth(app_py: Path, workdir: Path) -> CloudAssembly:
    """``python app.py`` as ``cdk synth`` runs it, outside the repository."""
    out = workdir / "cdk.out"
    env = {**os.environ, "CDK_OUTDIR": str(out), "CDK_DISABLE_VERSION_CHECK": "1"}
    result = subprocess.run(
        [sys.executable, str(app_py)], cwd=workdir, env=env, capture_output=True, text=True, timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return CloudAssembly(out)

