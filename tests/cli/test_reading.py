"""What an operator meets beyond the happy path: no credentials, a large instance read at Connect's pace,
an instance without aliases (the console script against the emulator alone)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from connect_email_alias.local import ConnectEmulator, Quota

from tests.cli.conftest import SCRIPT, address_id, aws_env
from tests.support.seed import ACCOUNT, INSTANCE, REGION

pytestmark = pytest.mark.slow


def instance_with(pairs: int, free: int = 0) -> dict:
    """A seed of `pairs` pairs made by hand (no owner record) and `free` addresses without an alias."""
    primaries = [address_id("e", n) for n in range(pairs)]
    aliases = [address_id("f", n) for n in range(pairs)]
    spare = [address_id("c", n) for n in range(free)]
    ids = [*primaries, *aliases, *spare]
    return {
        "Region": REGION,
        "Account": ACCOUNT,
        "Instances": [{
            "InstanceId": INSTANCE,
            "EmailAddresses": [{"EmailAddressId": i, "EmailAddress": f"mail{n:04d}@example.com"}
                               for n, i in enumerate(ids)],
            "Aliases": [{"EmailAddressId": p, "AliasConfiguration": {"EmailAddressId": a}}
                        for p, a in zip(primaries, aliases, strict=True)],
        }],
    }


def run(emulator: ConnectEmulator, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=aws_env(f"AWS_ENDPOINT_URL_CONNECT={emulator.endpoint_url}", **env),
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL, check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["list", "--instance-id", INSTANCE],
        ["drift", "--stack", "Mail"],
        ["repair", "--stack", "Mail", "--yes"],
        ["export", "--instance-id", INSTANCE],
        ["live-check", "--instance-id", INSTANCE, "--addresses", "e1", "e2", "e3", "--yes"],
    ],
    ids=lambda args: args[0],
)
def test_without_credentials_each_subcommand_says_so_in_one_line(args):
    result = subprocess.run(
        [str(SCRIPT), *args],
        env={k: v for k, v in aws_env().items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                             "AWS_SESSION_TOKEN")},
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
    )
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
    assert "No AWS credentials found: pass --profile or set AWS_PROFILE" in result.stderr


def test_list_pages_through_more_than_a_hundred_addresses():
    with ConnectEmulator.from_seed(instance_with(60, free=5)) as emulator:
        listed = run(emulator, "list", "--instance-id", INSTANCE, "--output", "json")
        searches = emulator.calls_to("SearchEmailAddresses")
    assert listed.returncode == 0, listed.stderr
    pairs = json.loads(listed.stdout)
    assert len(pairs) == 60 and {p["Owner"] for p in pairs} == {None}
    assert {p["EmailAddressId"] for p in pairs} == {address_id("e", n) for n in range(60)}
    assert len(searches) == 2  # 125 addresses, 100 a page


def test_list_keeps_to_connects_default_quota_and_shows_progress():
    """Connect throttles at 2 requests/s with a burst of 5: 17 calls need about 6 s, so the command paces
    itself (adaptive retries), succeeds, and says on stderr how far it got."""
    with ConnectEmulator.from_seed(instance_with(16), quota=Quota.DEFAULT) as emulator:
        listed = run(emulator, "list", "--instance-id", INSTANCE, "--output", "json")
        throttled = [c for c in emulator.calls if c.error_code == "ThrottlingException"]
        served = [c for c in emulator.calls if c.status == 200]
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 16
    assert len(served) == 17 and throttled, "the quota was never reached: the test proves nothing"
    assert "connect-email-alias list: read" in listed.stderr and "owner records" in listed.stderr


def test_an_instance_without_aliases_lists_none_and_exports_nothing():
    with ConnectEmulator.from_seed(instance_with(0, free=2)) as emulator:
        listed = run(emulator, "list", "--instance-id", INSTANCE)
        as_json = run(emulator, "list", "--instance-id", INSTANCE, "--output", "json")
        exported = run(emulator, "export", "--instance-id", INSTANCE, "--all")
    assert (listed.returncode, listed.stdout) == (0, f"No aliases in Connect instance {INSTANCE}.\n")
    assert (as_json.returncode, json.loads(as_json.stdout)) == (0, [])
    assert (exported.returncode, exported.stdout) == (1, "")
    assert f"Connect instance {INSTANCE} has no aliases" in exported.stderr


def test_an_unknown_instance_is_one_line_naming_it():
    with ConnectEmulator.from_seed(instance_with(1)) as emulator:
        listed = run(emulator, "list", "--instance-id", "not-an-instance")
    assert listed.returncode == 2 and listed.stdout == ""
    assert listed.stderr == (
        "connect-email-alias list: Connect instance not-an-instance was not found in us-east-1: check "
        "--instance-id and --region.\n"
    )


@pytest.mark.parametrize(
    "args",
    [["list", "--instance-id", "i"], ["live-check", "--instance-id", "i", "--addresses", "a", "b", "c"]],
    ids=lambda args: args[0],
)
def test_without_the_cli_extra_the_script_names_it(args):
    """The console script is in the base package; boto3 comes with [cli]."""
    command = args[0]
    code = (
        "import sys; sys.modules['boto3'] = None\n"
        f"from connect_email_alias.cli.main import main\nsys.exit(main({args!r}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        f"connect-email-alias {command}: boto3 is missing: pip install 'connect-email-alias[cli]'\n"
    )
