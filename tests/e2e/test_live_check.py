"""`make live-check` pointed at an emulator instead of a real instance (endpoint URL override): it plays the
lifecycle through the function's code and its probes, agrees with its own comparison emulator, touches
only the three addresses it was given, and leaves them (relations and tags) as it found them."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from connect_email_alias import live_check
from connect_email_alias.live_check import Target, main, run
from connect_email_alias.local import ConnectEmulator
from connect_email_alias.local.harness import InstantWaits

from tests.support.calls import MUTATING
from tests.support.seed import ACCOUNT, REGION

pytestmark = pytest.mark.slow

INSTANCE = "00000000-0000-4000-8000-00000000c4ec"
E1, E2, E3 = (f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-00000000c4ec" for n in "abc")
OUTSIDE_PRIMARY, OUTSIDE_ALIAS = (f"{n}{n}{n}{n}{n}{n}{n}{n}-0000-4000-8000-00000000c4ec" for n in "de")
THROTTLING_ROW = "10 Describes at once (throttling)"


def _seed(*aliases: tuple[str, str]) -> dict:
    ids = (E1, E2, E3, OUTSIDE_PRIMARY, OUTSIDE_ALIAS)
    return {
        "Region": REGION,
        "Account": ACCOUNT,
        "Instances": [
            {
                "InstanceId": INSTANCE,
                "EmailAddresses": [
                    {"EmailAddressId": a, "EmailAddress": f"spare{n}@example.com"} for n, a in enumerate(ids)
                ],
                "Aliases": [
                    {"EmailAddressId": p, "AliasConfiguration": {"EmailAddressId": a}} for p, a in aliases
                ],
            }
        ],
    }


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "live-check-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "live-check-test")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def instance(aws_env: None) -> Iterator[ConnectEmulator]:
    """E2 <- E3 among the three, an unrelated pair outside them, a tag on E1: all must survive the check."""
    with ConnectEmulator.from_seed(_seed((E2, E3), (OUTSIDE_PRIMARY, OUTSIDE_ALIAS))) as emu:
        emu.tag(INSTANCE, E1, {"team": "support"})
        yield emu


def _named(params: dict) -> set[str]:
    found = {params.get("EmailAddressId"), (params.get("AliasConfiguration") or {}).get("EmailAddressId")}
    found.add(str(params.get("resourceArn") or params.get("ResourceArn") or "").rpartition("/")[2] or None)
    return {f for f in found if f}


def test_live_check_agrees_with_the_emulator_and_restores_the_three_addresses(instance, capsys):
    environment, modules = dict(os.environ), set(sys.modules)
    # The function's backoff (the denied association's ~10 s) is not this test's subject: it passes at once.
    target = Target(INSTANCE, (E1, E2, E3), REGION, instance.endpoint_url)
    code = run(target, confirm=lambda _: True, waits=InstantWaits())
    out = capsys.readouterr().out
    assert code == 0, out
    # The function ran in this process: none of its modules or environment outlives the check.
    assert dict(os.environ) == environment
    assert {"index", "connect_api", "lifecycle", "crhelper"}.isdisjoint(set(sys.modules) - modules)
    table = [line for line in out.splitlines() if " | " in line][1:]
    assert len(table) >= 15, out
    differing = {line.split(" | ")[0].strip() for line in table if line.split(" | ")[1].strip() == "NO"}
    # The instance under test has no quota; the comparison emulator runs at Connect's default one.
    assert differing == {THROTTLING_ROW}, out
    assert "lifecycle: swap back to E1 <- E2, association denied" in out
    assert "FAILED (says restored); E1 <- E3" in out, out
    assert "Restored the starting state: yes." in out
    assert instance.aliases_by_primary(INSTANCE) == {E2: E3, OUTSIDE_PRIMARY: OUTSIDE_ALIAS}
    assert instance.tags(INSTANCE, E1) == {"team": "support"}
    assert instance.tags(INSTANCE, E2) == {} and instance.tags(INSTANCE, E3) == {}
    touched = set().union(*(_named(c.params) for c in instance.calls))
    assert touched <= {E1, E2, E3}, touched
    assert any(c.operation in MUTATING for c in instance.calls)


def test_live_check_runs_on_the_flags_operators_type_and_real_time(monkeypatch):
    seen: list[tuple[Target, dict]] = []
    monkeypatch.setattr(live_check, "run", lambda target, **kw: seen.append((target, kw)) or 0)
    argv = ["--instance-id", INSTANCE, "--addresses", E1, E2, E3, "--region", REGION,
            "--endpoint-url", "http://127.0.0.1:9", "--profile", "ops", "--yes"]
    monkeypatch.setenv("AWS_PROFILE", "ops")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setattr(live_check, "session", lambda region, profile: None)
    assert main(argv) == 0
    [(target, kw)] = seen
    assert target == Target(INSTANCE, (E1, E2, E3), REGION, "http://127.0.0.1:9", "ops")
    assert kw["confirm"]("Proceed? [y/N] ") is True and "waits" not in kw  # against Connect, time is real


def test_live_check_refuses_an_address_related_to_one_outside_the_three(aws_env, capsys):
    with ConnectEmulator.from_seed(_seed((E1, OUTSIDE_ALIAS))) as emu:
        code = run(Target(INSTANCE, (E1, E2, E3), REGION, emu.endpoint_url), confirm=lambda _: True)
        assert code == 2
        assert "only one of them is among the three" in capsys.readouterr().out
        assert [c for c in emu.calls if c.operation in MUTATING or c.operation == "TagResource"] == []
        assert emu.aliases_by_primary(INSTANCE) == {E1: OUTSIDE_ALIAS}


def test_live_check_changes_nothing_unless_confirmed(instance, capsys):
    prompts: list[str] = []
    code = run(
        Target(INSTANCE, (E1, E2, E3), REGION, instance.endpoint_url),
        confirm=lambda prompt: prompts.append(prompt) or False,
    )
    out = capsys.readouterr().out
    assert code == 2 and prompts == ["Proceed? [y/N] "]
    assert "It will:" in out and "Nothing changed." in out
    assert [c.operation for c in instance.calls if c.operation in MUTATING] == []
    assert instance.aliases_by_primary(INSTANCE) == {E2: E3, OUTSIDE_PRIMARY: OUTSIDE_ALIAS}


def test_live_check_without_credentials_says_so_in_one_line(monkeypatch, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code = main(["--instance-id", INSTANCE, "--addresses", E1, E2, E3, "--region", REGION, "--yes"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == "" and captured.err.count("\n") == 1, captured
    assert "No AWS credentials found" in captured.err and "--profile" in captured.err
