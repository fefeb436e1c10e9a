"""``connect-email-alias`` as an operator meets it, installed (the console script of this virtualenv) and
pointed at the emulator and the player's CloudFormation read API: list shows the owners, a console change
shows as drift, repair restores what the stack owns and leaves the rest, saying why."""

from __future__ import annotations

import json
import re

import pytest
from connect_email_alias._function.contract import OWNER_TAG_KEY, owner_tag_value
from connect_email_alias.local.cloudformation.template import stack_id_for

from tests.cli.conftest import A1, A2, A3, A4, BY_HAND, DECLARED, P1, P2, P3, P4, SPARE, STACK, Operator
from tests.support.calls import MUTATING, TAGGING
from tests.support.seed import INSTANCE

pytestmark = pytest.mark.slow


def by_hand(operator: Operator) -> None:
    """What someone does in the console: removes a pair, gives a primary another alias, deletes an owner
    record (the pair stays)."""
    emulator = operator.emulator
    emulator.disassociate(INSTANCE, P1, A1)
    emulator.disassociate(INSTANCE, P2, A2)
    emulator.associate(INSTANCE, P2, SPARE)
    emulator.untag(INSTANCE, A3, [OWNER_TAG_KEY])


def drift_by_resource(operator: Operator) -> tuple[int, dict[str, tuple[str, str]]]:
    result = operator.run("drift", "--stack", STACK, "--output", "json")
    ids = {v: k for k, v in operator.logical_ids().items()}
    rows = json.loads(result.stdout)
    assert {r["PhysicalResourceId"] for r in rows} == {
        r.physical_id for r in operator.player.resources(STACK).values() if r.spec.function is not None
    }
    found = {ids[r["LogicalResourceId"]]: (r["StackResourceDriftStatus"], r["Reason"]) for r in rows}
    return result.returncode, found


def test_list_shows_every_pair_and_the_resource_that_owns_it(operator: Operator):
    ids = operator.logical_ids()
    listed = operator.run("list", "--instance-id", INSTANCE, "--output", "json")
    assert listed.returncode == 0, listed.stderr
    pairs = {(p["EmailAddressId"], p["AliasEmailAddressId"]): p for p in json.loads(listed.stdout)}
    assert set(pairs) == {*DECLARED.values(), BY_HAND}
    for construct_id, pair in DECLARED.items():
        assert pairs[pair]["Owner"]["StackName"] == STACK
        assert pairs[pair]["Owner"]["LogicalResourceId"] == ids[construct_id]
    assert pairs[BY_HAND]["Owner"] is None
    support = pairs[(P1, A1)]
    assert support["EmailAddress"] == "support@example.com"
    assert support["AliasEmailAddress"] == "help@example.com"

    table = operator.run("list", "--instance-id", INSTANCE)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["EMAIL", "ADDRESS", "ALIAS", "OWNER", "EMAIL", "ADDRESS", "ID", "ALIAS", "ID"]
    owned = rf"support@example\.com +help@example\.com +Mail/{ids['Alias1']} +{P1} +{A1}"
    unowned = rf"legal@example\.com +contracts@example\.com +- +{BY_HAND[0]} +{BY_HAND[1]}"
    for row in (owned, unowned):
        assert any(re.fullmatch(row, line) for line in lines), table.stdout


def test_drift_reports_console_changes_and_repair_restores_what_the_stack_owns(operator: Operator):
    code, found = drift_by_resource(operator)
    assert code == 0 and {status for status, _ in found.values()} == {"IN_SYNC"}
    assert sorted(found) == sorted(DECLARED)  # the provider's function, role and log group are not aliases

    by_hand(operator)
    code, found = drift_by_resource(operator)
    assert code == 1
    assert found["Alias1"] == ("DELETED", "the pair is gone: support@example.com has no alias")
    assert found["Alias2"] == (
        "MODIFIED", "sales@example.com now forwards from other@example.com instead of info@example.com"
    )
    assert found["Alias3"] == ("MODIFIED", "the owner record on invoices@example.com is missing")
    assert found["Alias4"][0] == "IN_SYNC"
    table = operator.run("drift", "--stack", STACK)
    assert table.returncode == 1
    assert re.search(r"^Mail +Alias1\w+ +DELETED +the pair is gone", table.stdout, re.M), table.stdout

    operator.emulator.clear_calls()
    repaired = operator.run("repair", "--stack", STACK, "--yes")
    assert repaired.returncode == 1, repaired.stdout + repaired.stderr  # Alias2 is left: it is not ours
    ids = operator.logical_ids()
    out = repaired.stdout
    assert re.search(rf"restore +Mail/{ids['Alias1']}: the pair is gone", out), out
    assert re.search(rf"adopt +Mail/{ids['Alias3']}: the owner record", out), out
    assert re.search(
        rf"leave +Mail/{ids['Alias2']}: sales@example.com now forwards from other@example.com .*; "
        "left as is: repair never removes or takes over a pair this resource does not own", out
    ), out
    assert f"Mail/{ids['Alias1']}: restored" in out and f"Mail/{ids['Alias3']}: adopted" in out
    restored = {P1: A1, P2: SPARE, P3: A3, P4: A4, BY_HAND[0]: BY_HAND[1]}
    assert operator.emulator.aliases_by_primary(INSTANCE) == restored
    stack_id = stack_id_for(STACK, operator.player.env)
    assert operator.emulator.tags(INSTANCE, A3)[OWNER_TAG_KEY] == owner_tag_value(stack_id, ids["Alias3"], P3)
    changes = [(c.operation, c.params.get("EmailAddressId")) for c in operator.emulator.calls
               if c.operation in MUTATING]
    assert changes == [("AssociateEmailAddressAlias", P1)]  # nothing removed; sales@ keeps other@
    # help@ kept its owner record when the pair was removed by hand, so only invoices@ needs one again.
    tagged = [c.params["resourceArn"].rsplit("/", 1)[1] for c in operator.emulator.calls
              if c.operation in TAGGING]
    assert tagged == [A3]

    code, found = drift_by_resource(operator)
    assert code == 1
    assert {k: status for k, (status, _) in found.items()} == {
        "Alias1": "IN_SYNC", "Alias2": "MODIFIED", "Alias3": "IN_SYNC", "Alias4": "IN_SYNC"
    }


def test_repair_asks_first_and_refuses_to_guess_without_a_terminal(operator: Operator):
    by_hand(operator)
    before = operator.emulator.aliases_by_primary(INSTANCE)
    operator.emulator.clear_calls()
    refused = operator.run("repair", "--stack", STACK)  # stdin is not a terminal, and no --yes
    assert refused.returncode == 2
    assert "Repair of Mail: 2 to repair through the function, 1 left:" in refused.stdout
    assert refused.stderr.strip() == (
        "connect-email-alias repair: stdin is not a terminal, so repair cannot ask before it changes "
        "Connect: run it in a terminal, or pass --yes."
    )
    assert operator.emulator.aliases_by_primary(INSTANCE) == before
    assert [c for c in operator.emulator.calls if c.operation in (*MUTATING, *TAGGING)] == []


def test_repair_changes_nothing_when_the_answer_is_no(operator: Operator, monkeypatch, capsys):
    from connect_email_alias.cli.main import main

    by_hand(operator)
    before = operator.emulator.aliases_by_primary(INSTANCE)
    for name, value in operator.env.items():
        monkeypatch.setenv(name, value)
    prompts: list[str] = []
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "n")
    assert main(["repair", "--stack", STACK]) == 2
    assert prompts == ["Proceed? [y/N] "]
    assert capsys.readouterr().out.endswith("Nothing changed.\n")
    assert operator.emulator.aliases_by_primary(INSTANCE) == before


def test_an_unknown_stack_cannot_be_checked_and_a_stack_without_aliases_has_no_drift(operator: Operator):
    unknown = operator.run("drift", "--stack", "Nope", STACK, "--output", "json")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "connect-email-alias drift: Stack Nope does not exist in us-east-1: check --stack and --region."
    )
    assert len(json.loads(unknown.stdout)) == len(DECLARED)  # the stack that exists is still reported

    empty = operator.run("drift", "--stack", "Provider", "--output", "json")
    assert (empty.returncode, json.loads(empty.stdout)) == (0, [])
    assert "stack Provider has no Custom::ConnectEmailAddressAlias resources" in empty.stderr
    nothing = operator.run("repair", "--stack", "Provider")
    assert nothing.returncode == 0 and "nothing to repair" in nothing.stdout
