"""The real handler, driven with CloudFormation events; the answer is captured by replacing the sender.

Covers the answers (PhysicalResourceId, Data, Reason), faults (always an answer, never an empty id, timeouts,
the same event twice), logs and the API-call budget per event (docs/design.md § Handler).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import crhelper.resource_helper
import index
import pytest
from cfn_response import Responder
from errors import PortError
from properties import mint_physical_id, parse_physical_id

from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

from .fakes import FakeClock, FakeConnect, pair

SECRET = "X-Amz-Signature=deadbeefSECRET"
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/0f0f0f0f-aaaa-bbbb-cccc-123456789012"
P_A = pair(SUPPORT, HELP)
PID = mint_physical_id(P_A)


def props(primary: str = SUPPORT, alias: str = HELP) -> dict[str, Any]:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p",
        "InstanceId": INSTANCE,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }


def event(
    request_type: str,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    pid: str | None = None,
    request_id: str = "req-1",
) -> dict[str, Any]:
    e: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p",
        "ResponseURL": f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?{SECRET}",
        "StackId": STACK,
        "RequestId": request_id,
        "LogicalResourceId": "Alias",
        "ResourceType": "Custom::ConnectEmailAddressAlias",
        "ResourceProperties": new if new is not None else props(),
    }
    if old is not None:
        e["OldResourceProperties"] = old
    if pid is not None:
        e["PhysicalResourceId"] = pid
    return e


class Context:
    aws_request_id = "lambda-req"
    function_name = "provider"

    def __init__(self, remaining_ms: int = 300_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Harness:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, connect: FakeConnect) -> None:
        self.connect = connect
        self.responses: list[dict[str, Any]] = []
        self.answered = threading.Event()
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setattr(index, "_port", lambda e, c: connect)
        self.clock = FakeClock()  # waits (an address not visible yet, a lock) advance a fake clock
        monkeypatch.setattr(index, "_clock", lambda c: self.clock.clock())
        monkeypatch.setattr(index.helper, "_sender", self._capture)

    def _capture(self, url: str, body: dict[str, Any], ssl_verify: Any, *, remaining_ms: Any) -> bool:
        raw = json.dumps(body, ensure_ascii=False).encode()
        assert len(raw) < 4096 and len(body["Reason"]) <= 256 and body["PhysicalResourceId"]
        self.responses.append(body)
        self.answered.set()
        return True

    def run(self, e: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        before = len(self.responses)
        index.handler(e, context or Context())
        assert len(self.responses) == before + 1, "exactly one answer per invocation"
        return self.responses[-1]

    def budget(self) -> tuple[int, int]:
        """(mutating calls, all calls but tag calls); tag calls are budgeted apart (at most 2 per event)."""
        assert len(self.connect.tag_calls()) <= 2
        return len(self.connect.mutations()), len(self.connect.calls) - len(self.connect.tag_calls())


@pytest.fixture
def h(monkeypatch):
    return Harness(monkeypatch, FakeConnect())


def with_state(monkeypatch, aliases) -> Harness:
    return Harness(monkeypatch, FakeConnect(aliases=dict(aliases)))


# -- Create -------------------------------------------------------------------------------------------


def test_create_answers_success_with_minted_id_and_attributes(h):
    r = h.run(event("Create"))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID and r["Reason"] == ""
    assert r["Data"] == {
        "InstanceId": INSTANCE,
        "EmailAddressId": SUPPORT,
        "AliasEmailAddressId": HELP,
        "EmailAddress": "support@example.com",
        "AliasEmailAddress": "help@example.com",
    }
    assert r["StackId"] == STACK and r["RequestId"] == "req-1" and r["LogicalResourceId"] == "Alias"
    assert (SUPPORT, HELP) in h.connect.pairs()


def test_budget_create_one_mutating_at_most_three_calls(h):
    h.run(event("Create"))
    mutating, total = h.budget()
    assert mutating == 1 and total <= 3


def test_create_with_invalid_properties_fails_with_a_foreign_id_and_no_call(h):
    r = h.run(event("Create", new={**props(), "Typo": "x"}))
    assert r["Status"] == "FAILED" and "Unknown property 'Typo'" in r["Reason"]
    assert r["PhysicalResourceId"] and parse_physical_id(r["PhysicalResourceId"]) is None
    assert h.connect.calls == []


def test_failed_create_answers_a_foreign_id_that_delete_ignores(h):
    r = h.run(event("Create", new=props(SALES, HELP)))
    assert (
        r["Status"] == "FAILED" and INFO in r["Reason"] and parse_physical_id(r["PhysicalResourceId"]) is None
    )
    h.connect.calls.clear()
    d = h.run(event("Delete", new=props(SALES, HELP), pid=r["PhysicalResourceId"], request_id="req-2"))
    assert d["Status"] == "SUCCESS" and d["PhysicalResourceId"] == r["PhysicalResourceId"]
    assert h.connect.calls == [] and (SALES, INFO) in h.connect.pairs()


def test_create_whose_associate_may_have_applied_answers_the_minted_id(h):
    h.connect.fail("associate", HELP, PortError("timed out", code="ReadTimeoutError", maybe_changed=True))
    r = h.run(event("Create"))
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == PID


def test_create_refusing_chaining_and_missing_addresses(h):
    assert "chain" in h.run(event("Create", new=props(SUPPORT, SALES)))["Reason"]
    assert "(alias) was not found" in h.run(event("Create", new=props(SUPPORT, "nope")))["Reason"]
    assert "(primary) was not found" in h.run(event("Create", new=props("nope", HELP)))["Reason"]
    assert h.connect.mutations() == []


def test_create_with_too_long_ids_is_refused_with_a_clear_reason(h):
    arn = f"arn:aws:connect:us-east-1:123456789012:instance/{'i' * 100}/email-address/"
    new = {
        **props(),
        "InstanceId": "i" * 100,
        "EmailAddressId": arn + "p" * 500,
        "AliasConfiguration": {"EmailAddressId": arn + "a" * 500},
    }
    r = h.run(event("Create", new=new))
    assert r["Status"] == "FAILED" and "too long to record" in r["Reason"] and h.connect.calls == []


def test_same_create_event_twice_gives_the_same_outcome(h):
    first = h.run(event("Create"))
    second = h.run(event("Create"))
    assert first == second and len(h.connect.mutations()) == 1


def test_same_failed_create_event_twice_gives_the_same_answer(h):
    e = event("Create", new=props(SALES, HELP))
    assert h.run(e) == h.run(e)


# -- Update -------------------------------------------------------------------------------------------


def test_update_same_pair_keeps_the_id_and_makes_no_mutating_call(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Update", old=props(), pid=PID))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID
    assert r["Data"]["AliasEmailAddress"] == "help@example.com"
    mutating, total = h.budget()
    # The second read fetches AliasEmailAddress (docs/design.md § Handler).
    assert mutating == 0 and total <= 2


def test_update_same_pair_given_as_arns_keeps_the_id(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    base = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"
    new = {**props(), "InstanceId": base, "EmailAddressId": f"{base}/email-address/{SUPPORT}"}
    r = h.run(event("Update", new=new, old=props(), pid=PID))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID and h.connect.mutations() == []


def test_update_swap_answers_the_new_id_within_budget(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Update", new=props(SUPPORT, CARE), old=props(), pid=PID))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == mint_physical_id(pair(SUPPORT, CARE))
    assert r["Data"]["AliasEmailAddress"] == "customercare@example.com"
    assert h.connect.pairs() == {(SUPPORT, CARE)}
    mutating, total = h.budget()
    assert mutating == 2 and total <= 5


def test_update_swap_to_another_primary_within_budget(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    h.run(event("Update", new=props(CARE, HELP), old=props(), pid=PID))
    mutating, total = h.budget()
    assert h.connect.pairs() == {(CARE, HELP)} and mutating == 2 and total <= 5


def test_failed_update_answers_the_old_id_and_says_the_pair_was_restored(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    h.connect.fail("associate", CARE, PortError("Connect rejected it (InvalidRequestException)", code="X"))
    r = h.run(event("Update", new=props(SUPPORT, CARE), old=props(), pid=PID))
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == PID and "restored" in r["Reason"]
    assert h.connect.pairs() == {(SUPPORT, HELP)}


def test_update_with_invalid_new_properties_answers_the_old_id(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Update", new={**props(), "AliasConfiguration": [HELP]}, old=props(), pid=PID))
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == PID and h.connect.calls == []


def test_rollback_update_after_a_timed_out_swap_converges(monkeypatch):
    # The swap to care associated, then timed out (answered FAILED with PID). Rollback: back to help.
    h = with_state(monkeypatch, {CARE: SUPPORT})
    r = h.run(event("Update", new=props(), old=props(SUPPORT, CARE), pid=PID))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID
    assert h.connect.pairs() == {(SUPPORT, HELP)}


def test_rollback_update_with_invalid_old_properties_still_works(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Update", new=props(), old={**props(), "Typo": 1}, pid=PID))
    assert r["Status"] == "SUCCESS" and h.connect.mutations() == []


# -- Delete -------------------------------------------------------------------------------------------


def test_delete_removes_the_pair_within_budget(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Delete", pid=PID))
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID and h.connect.pairs() == set()
    mutating, total = h.budget()
    assert mutating <= 1 and total <= 2


def test_delete_uses_the_physical_id_not_the_properties(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT, CARE: SALES})
    h.run(event("Delete", new=props(SALES, CARE), pid=PID))
    assert h.connect.pairs() == {(SALES, CARE)}


def test_delete_of_absent_pair_succeeds_without_mutating(h):
    r = h.run(event("Delete", pid=PID))
    assert r["Status"] == "SUCCESS" and h.connect.mutations() == []


def test_delete_does_not_sleep(monkeypatch, h):
    def no_sleep(_s: float) -> None:
        raise AssertionError("crhelper's sleep_on_delete must be off")

    monkeypatch.setattr(crhelper.resource_helper, "sleep", no_sleep)
    assert h.run(event("Delete", pid=PID))["Status"] == "SUCCESS"


def test_same_delete_event_twice_gives_the_same_outcome(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    assert h.run(event("Delete", pid=PID)) == h.run(event("Delete", pid=PID))


# -- timeouts, unexpected errors, hygiene ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("e", "expected_pid"),
    [
        (event("Update", new=props(SUPPORT, CARE), old=props(), pid=PID), PID),
        (event("Create"), PID),
        (event("Delete", pid=PID), PID),
    ],
    ids=["update-old-id", "create-minted-id", "delete-same-id"],
)
def test_timeout_answer_carries_the_right_physical_id_and_only_one_answer(monkeypatch, e, expected_pid):
    h = with_state(monkeypatch, {HELP: SUPPORT} if e["RequestType"] != "Create" else {})

    def block(_op: str) -> None:  # Connect hangs until crhelper's timer has answered
        assert h.answered.wait(10)

    h.connect.on_call = block
    index.handler(e, Context(remaining_ms=600))  # crhelper's timer fires 0.5 s before the end
    assert len(h.responses) == 1
    r = h.responses[0]
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == expected_pid
    assert "ran out of time" in r["Reason"] and "retry" in r["Reason"]


def test_unexpected_error_answers_failed_with_an_actionable_reason(monkeypatch, h):
    def boom(*_a: Any) -> None:
        raise KeyError("x")

    monkeypatch.setattr(h.connect, "describe", boom)
    r = h.run(event("Update", new=props(SUPPORT, CARE), old=props(), pid=PID))
    assert r["Status"] == "FAILED" and r["PhysicalResourceId"] == PID
    assert "Internal error (KeyError)" in r["Reason"] and "req-1" in r["Reason"]


def test_unknown_request_type_answers_failed(h):
    r = h.run(event("Bogus", pid=PID))
    assert r["Status"] == "FAILED" and "Unsupported RequestType" in r["Reason"] and r["PhysicalResourceId"]


def test_logs_are_structured_info_and_never_carry_the_url_or_addresses(monkeypatch, caplog):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    with caplog.at_level(logging.DEBUG):
        h.run(event("Update", new=props(SUPPORT, CARE), old=props(), pid=PID))
    assert logging.getLogger().level == logging.INFO  # crhelper logs the whole event at DEBUG
    assert SECRET not in caplog.text and "example.com" not in caplog.text
    summaries = [json.loads(r.getMessage()) for r in caplog.records if r.name == "index"]
    assert summaries[-1]["request_type"] == "Update" and summaries[-1]["outcome"] == "SUCCESS"
    assert summaries[-1]["logical_id"] == "Alias" and summaries[-1]["alias_email_address_id"] == CARE
    assert "latency_ms" in summaries[-1]


# -- addresses named by email, and where the calls go (contract §1, §1b) ----------------------------------


def by_email(primary: str = "Support@Example.com", alias: str = "help@example.com") -> dict[str, Any]:
    base = {k: v for k, v in props().items() if k != "EmailAddressId"}
    return {**base, "EmailAddress": primary, "AliasConfiguration": {"EmailAddress": alias}}


class LambdaContext(Context):
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:provider"


def test_create_by_email_records_the_resolved_ids_within_budget_plus_one_search_page(h):
    r = h.run(event("Create", new=by_email()), LambdaContext())
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID
    assert r["Data"]["EmailAddressId"] == SUPPORT and r["Data"]["AliasEmailAddress"] == "help@example.com"
    mutating, total = h.budget()
    assert mutating == 1 and total <= 3 + 1 and h.connect.calls[0] == ("search", INSTANCE)


def test_update_from_ids_to_addresses_keeps_the_id_and_changes_nothing(monkeypatch):
    h = with_state(monkeypatch, {HELP: SUPPORT})
    r = h.run(event("Update", new=by_email(), old=props(), pid=PID), LambdaContext())
    assert r["Status"] == "SUCCESS" and r["PhysicalResourceId"] == PID
    assert h.connect.mutations() == [] and h.connect.tag_calls() == [] and h.budget()[1] <= 2 + 1


def test_an_unknown_address_fails_naming_it_and_no_log_holds_an_address(monkeypatch, caplog):
    h = with_state(monkeypatch, {})
    with caplog.at_level(logging.DEBUG):
        r = h.run(event("Create", new=by_email(alias="Nobody@Example.com")), LambdaContext())
        d = h.run(event("Update", new=by_email(alias="x@example.com"), old=props(), pid=PID, request_id="2"))
    assert r["Status"] == "FAILED" and "'Nobody@Example.com' was not found" in r["Reason"]
    assert parse_physical_id(r["PhysicalResourceId"]) is None and h.connect.mutations() == []
    assert d["Status"] == "FAILED" and d["PhysicalResourceId"] == PID
    assert "@" not in caplog.text and "example.com" not in caplog.text.lower()


def test_an_arn_in_a_region_without_connect_fails_at_once_naming_it(h):
    arn = f"arn:aws:connect:us-eats-1:123456789012:instance/{INSTANCE}"
    r = h.run(event("Create", new={**props(), "InstanceId": arn}), LambdaContext())
    assert r["Status"] == "FAILED" and "us-eats-1" in r["Reason"]
    assert "no Amazon Connect endpoint" in r["Reason"]
    assert h.connect.calls == [] and h.clock.sleeps == []


def test_an_arn_of_another_account_fails_naming_both_accounts_with_no_call(h):
    arn = f"arn:aws:connect:us-east-1:999999999999:instance/{INSTANCE}"
    r = h.run(event("Create", new={**props(), "InstanceId": arn}), LambdaContext())
    assert r["Status"] == "FAILED" and "999999999999" in r["Reason"] and "123456789012" in r["Reason"]
    assert h.connect.calls == []


def test_responder_builds_no_boto3_clients_and_keeps_crhelpers_attributes(monkeypatch):
    monkeypatch.setenv("AWS_SAM_LOCAL", "1")  # lets the real CfnResource skip its clients for comparison
    reference = set(vars(crhelper.CfnResource(log_level="INFO")))
    monkeypatch.delenv("AWS_SAM_LOCAL")

    def no_clients(*_a: Any, **_k: Any) -> None:
        raise AssertionError("no boto3 client at construction")

    monkeypatch.setattr(crhelper.resource_helper.boto3, "client", no_clients)
    responder = Responder()
    assert reference <= set(vars(responder)) and responder._sleep_on_delete == 0


def test_timeout_answer_is_scheduled_early_enough_for_the_sender_to_retry(h):
    h.run(event("Create"), Context(remaining_ms=120_000))
    assert index.helper._timer.interval == pytest.approx(117.0)
    h.run(event("Create"), Context(remaining_ms=2_000))
    assert index.helper._timer.interval == pytest.approx(1.5)
