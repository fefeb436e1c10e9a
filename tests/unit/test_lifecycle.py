"""The create / update / delete decisions (docs/design.md § Handler), over an in-memory Connect.

Every test asserts what a user cares about: the pairs in Connect, who owns them, the reason CloudFormation
gets, and the calls made. Time is a fake clock: nothing really sleeps.
"""

from __future__ import annotations

import pytest
from contract import OWNER_TAG_KEY
from errors import Conflict, Denied, Exhausted, LifecycleError, PortError
from lifecycle import LOCK_WAIT_MS, NOT_FOUND_WAIT_MS, create, delete, resolve, update
from properties import Declared, Named, mint_physical_id

from tests.support.seed import CARE, EMAILS, HELP, INFO, INSTANCE, REGION, SALES, SUPPORT

from .fakes import FakeClock, FakeConnect, owner, pair, request

OTHER_STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/other/0f0f0f0f-aaaa-bbbb-cccc-000000000000"

P_A = pair(SUPPORT, HELP)
REQ = request()


def fails(fn, *args) -> LifecycleError:
    with pytest.raises(LifecycleError) as exc:
        fn(*args)
    assert 0 < len(exc.value.reason) <= 256
    return exc.value


def conflict() -> Conflict:
    return Conflict("conflict", code="ResourceConflictException")


# -- Create -------------------------------------------------------------------------------------------


def test_create_associates_owns_and_returns_attributes():
    c = FakeConnect()
    out = create(P_A, c, REQ)
    assert c.pairs() == {(SALES, INFO), (SUPPORT, HELP)} and c.owner_of(HELP) == owner(P_A)
    assert c.mutations() == [("associate", SUPPORT, HELP, "create")]
    assert len(c.calls) == 4 and c.tag_calls() == [("tag", HELP)]  # 2 reads, 1 tag, 1 associate
    assert c.calls.index(("tag", HELP)) < c.calls.index(c.mutations()[0])  # claimed before associating
    assert out.physical_id == mint_physical_id(P_A)
    assert out.data == {
        "InstanceId": INSTANCE,
        "EmailAddressId": SUPPORT,
        "AliasEmailAddressId": HELP,
        "EmailAddress": "support@example.com",
        "AliasEmailAddress": "help@example.com",
    }


def test_create_adopts_an_existing_pair_and_becomes_its_owner():
    c = FakeConnect()  # sales <- info, owned by another resource
    out = create(pair(SALES, INFO), c, REQ)
    assert c.mutations() == [] and out.data["AliasEmailAddress"] == "info@example.com"
    assert c.owner_of(INFO) == owner(pair(SALES, INFO)) and c.tag_calls() == [("tag", INFO)]


def test_create_of_a_pair_already_ours_makes_no_tag_call():
    c = FakeConnect(aliases={HELP: SUPPORT})
    create(P_A, c, REQ)
    assert c.mutations() == [] and c.tag_calls() == [] and len(c.calls) == 2


def test_create_refuses_when_primary_has_another_alias_and_names_it():
    c = FakeConnect()
    err = fails(create, pair(SALES, HELP), c, REQ)
    assert INFO in err.reason and "does not own" in err.reason
    assert c.mutations() == [] and c.tag_calls() == [] and c.pairs() == {(SALES, INFO)}


def test_create_refuses_chaining_when_alias_has_its_own_alias():
    c = FakeConnect()
    err = fails(create, pair(SUPPORT, SALES), c, REQ)
    assert "alias of its own" in err.reason and "chain" in err.reason and c.mutations() == []


def test_create_of_the_reversed_pair_says_which_two_values_to_swap():
    c = FakeConnect()  # info@ forwards to sales@
    err = fails(create, pair(INFO, SALES), c, REQ)  # asked: sales@ forwards to info@
    assert f"Alias {SALES} is the primary of {INFO}: the pair exists the other way round" in err.reason
    assert "swap EmailAddressId and AliasConfiguration.EmailAddressId" in err.reason
    assert len(err.reason) <= 256 and c.mutations() == []


def test_create_names_the_primary_an_alias_already_serves_without_waiting():
    # DescribeEmailAddress cannot show that info@ serves sales@; one search names it at once.
    clock = FakeClock()
    c = FakeConnect(foreign=set())
    c.tags.pop(INFO)  # no owner record, so the claim comes first and must be taken back
    err = fails(create, pair(SUPPORT, INFO), c, request(clock))
    assert f"already forwards to primary {SALES}" in err.reason and clock.sleeps == []
    assert c.pairs() == {(SALES, INFO)} and c.owner_of(INFO) is None
    assert [x[0] for x in c.calls].count("search") == 1


def test_create_names_at_once_an_alias_another_stack_holds():
    clock = FakeClock()
    c = FakeConnect()
    c.tags[INFO] = {OWNER_TAG_KEY: owner(pair(SALES, INFO), stack=OTHER_STACK)}
    err = fails(create, pair(SUPPORT, INFO), c, request(clock))
    assert f"already forwards to primary {SALES}" in err.reason and clock.sleeps == []
    assert c.pairs() == {(SALES, INFO)}


def test_create_waits_for_an_alias_a_sibling_resource_is_letting_go():
    # One stack update where two resources trade aliases: the sibling removes info@ from sales@ meanwhile.
    clock = FakeClock()
    c = FakeConnect()  # info@ -> sales@, recorded for resource "Other" of this stack
    c.on_call = lambda op: c.aliases.pop(INFO, None) if op == "search" else None
    create(pair(SUPPORT, INFO), c, request(clock))
    assert c.pairs() == {(SUPPORT, INFO)} and c.owner_of(INFO) == owner(pair(SUPPORT, INFO))
    assert len(clock.sleeps) == 1


def test_create_fails_naming_the_primary_a_sibling_never_lets_go():
    clock = FakeClock()
    c = FakeConnect()
    err = fails(create, pair(SUPPORT, INFO), c, request(clock))
    assert f"already forwards to primary {SALES}" in err.reason
    assert sum(clock.sleeps) * 1000 <= LOCK_WAIT_MS and len(clock.sleeps) >= 2
    assert c.pairs() == {(SALES, INFO)}


def test_create_never_overwrites_another_owners_record_before_connect_accepts():
    c = FakeConnect()  # info@ carries another resource's record and serves sales@
    before = c.owner_of(INFO)
    fails(create, pair(SUPPORT, INFO), c, REQ)
    assert c.owner_of(INFO) == before and c.tag_calls() == []


def test_create_waits_out_a_lock_the_search_does_not_explain_with_fresh_tokens():
    clock = FakeClock()
    c = FakeConnect()
    c.fail("associate", HELP, conflict(), conflict())
    create(P_A, c, request(clock))
    assert (SUPPORT, HELP) in c.pairs() and len(clock.sleeps) == 2
    assert [m[3] for m in c.mutations()] == ["create", "create#lock1", "create#lock2"]
    assert [x[0] for x in c.calls].count("search") == 1  # only on the failure path, once


def test_create_fails_after_the_lock_wait_and_takes_its_claim_back():
    clock = FakeClock()
    c = FakeConnect()
    c.fail("associate", HELP, *[conflict() for _ in range(50)])
    err = fails(create, P_A, c, request(clock))
    assert "another change held the lock" in err.reason and "retry" in err.reason
    assert 300_000 - clock.remaining <= LOCK_WAIT_MS
    assert c.owner_of(HELP) is None and c.pairs() == {(SALES, INFO)}


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (pair("missing-primary", HELP), "EmailAddressId missing-primary (primary) was not found"),
        (pair(SUPPORT, "missing-alias"), "EmailAddressId missing-alias (alias) was not found"),
        (pair(SUPPORT, HELP, instance="missing-instance"), "instance missing-instance was not found"),
    ],
)
def test_create_says_which_of_primary_alias_instance_does_not_exist(p, words):
    clock = FakeClock()
    c = FakeConnect()
    assert words in fails(create, p, c, request(clock)).reason and c.mutations() == []
    assert 300_000 - clock.remaining <= NOT_FOUND_WAIT_MS  # a missing address is re-read, boundedly


def test_create_finds_an_address_that_appears_within_the_wait():
    clock = FakeClock()
    c = FakeConnect(hidden={HELP: 2})  # created moments ago: not visible for two reads
    create(P_A, c, request(clock))
    assert (SUPPORT, HELP) in c.pairs() and len(clock.sleeps) == 2


def test_create_failure_of_the_associate_is_not_marked_as_changed():
    c = FakeConnect()
    c.fail("associate", HELP, Denied("denied", code="AccessDeniedException"))
    assert fails(create, P_A, c, REQ).maybe_changed is False
    assert c.owner_of(HELP) is None  # the claim is taken back


def test_create_timeout_of_the_associate_keeps_the_claim_for_the_rollback():
    c = FakeConnect()
    c.fail("associate", HELP, Exhausted("timed out", code="ReadTimeoutError", maybe_changed=True))
    assert fails(create, P_A, c, REQ).maybe_changed is True
    assert c.owner_of(HELP) == owner(P_A)  # so the rollback Delete removes the pair if it was made


def test_create_that_cannot_record_ownership_changes_nothing():
    c = FakeConnect()
    c.fail("tag", HELP, Denied("TagResource was denied: grant connect:TagResource", code="AccessDenied"))
    err = fails(create, P_A, c, REQ)
    assert "connect:TagResource" in err.reason and c.mutations() == [] and err.maybe_changed is False


# -- Update -------------------------------------------------------------------------------------------


def test_update_same_pair_healthy_makes_no_mutating_or_tag_call():
    c = FakeConnect(aliases={HELP: SUPPORT})
    out = update(P_A, P_A, P_A, c, REQ)
    assert c.mutations() == [] and c.tag_calls() == [] and out.physical_id == mint_physical_id(P_A)
    assert out.data["AliasEmailAddress"] == "help@example.com"


def test_update_same_pair_recreates_a_pair_an_interrupted_attempt_removed():
    c = FakeConnect(aliases={})
    update(P_A, P_A, P_A, c, REQ)
    assert c.pairs() == {(SUPPORT, HELP)}
    assert c.mutations() == [("associate", SUPPORT, HELP, "update-recreate")]


def test_update_swap_alias_moves_the_pair_and_its_owner_record():
    c = FakeConnect(aliases={HELP: SUPPORT})
    new = pair(SUPPORT, CARE)
    out = update(new, P_A, P_A, c, REQ)
    assert c.pairs() == {(SUPPORT, CARE)} and c.owner_of(CARE) == owner(new) and c.owner_of(HELP) is None
    assert [m[0] for m in c.mutations()] == ["disassociate", "associate"]
    assert len(c.calls) - len(c.tag_calls()) <= 5 and len(c.tag_calls()) == 2
    assert out.physical_id == mint_physical_id(new) != mint_physical_id(P_A)


def test_update_swap_primary_keeps_the_alias_and_rewrites_its_record():
    c = FakeConnect(aliases={HELP: SUPPORT})
    new = pair(CARE, HELP)
    update(new, P_A, P_A, c, REQ)
    assert c.pairs() == {(CARE, HELP)} and c.owner_of(HELP) == owner(new) and c.tag_calls() == [("tag", HELP)]


def test_update_swap_primary_claims_the_alias_before_associating_so_a_lost_answer_converges():
    c = FakeConnect(aliases={HELP: SUPPORT})
    new = pair(CARE, HELP)
    c.fail("associate", HELP, Exhausted("timed out", code="ReadTimeoutError", maybe_changed=True))
    # Connect applies the associate, but its answer is lost.
    c.on_call = lambda op: c.aliases.__setitem__(HELP, CARE) if op == "associate" else None
    fails(update, new, P_A, P_A, c, REQ)
    c.on_call = None
    update(P_A, P_A, new, c, REQ)  # CloudFormation's rollback
    assert c.pairs() == {(SUPPORT, HELP)} and c.owner_of(HELP) == owner(P_A)


def test_update_swap_primary_and_alias_roles():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(pair(HELP, SUPPORT), P_A, P_A, c, REQ)
    assert c.pairs() == {(HELP, SUPPORT)}


def test_update_failed_associate_restores_the_recorded_pair_and_says_so():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.fail("associate", CARE, PortError("Connect rejected it", code="InvalidRequestException"))
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c, REQ)
    assert "restored" in err.reason and c.pairs() == {(SUPPORT, HELP)} and c.owner_of(HELP) == owner(P_A)
    assert c.mutations()[-1] == ("associate", SUPPORT, HELP, "update-restore")


def test_update_failed_primary_swap_restores_the_pair_and_its_record():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.fail("associate", HELP, PortError("Connect rejected it", code="InvalidRequestException"))
    err = fails(update, pair(CARE, HELP), P_A, P_A, c, REQ)
    assert "restored" in err.reason and c.pairs() == {(SUPPORT, HELP)} and c.owner_of(HELP) == owner(P_A)


def test_update_failed_restore_says_it_failed():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.fail("associate", CARE, PortError("first", code="InvalidRequestException"))
    c.fail("associate", HELP, PortError("second", code="ThrottlingException"))
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c, REQ)
    assert "Restoring the old pair" in err.reason and "also failed: ThrottlingException" in err.reason


def test_a_long_cause_is_cut_but_the_restore_outcome_is_kept():
    long_cause = "AssociateEmailAddressAlias on " + "x" * 230 + " kept failing: retry the stack operation."
    for restore_fault, outcome in [
        (None, "The old pair was restored."),
        (PortError("second", code="ConnectionClosedError"), "CloudFormation's rollback re-creates it."),
    ]:
        c = FakeConnect(aliases={HELP: SUPPORT})
        c.fail("associate", CARE, PortError(long_cause, code="InternalServiceException"))
        if restore_fault is not None:
            c.fail("associate", HELP, restore_fault)
        err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c, REQ)
        assert err.reason.endswith(outcome) and len(err.reason) <= 256


def test_update_doomed_swap_changes_nothing():
    # New primary sales@ has info@ which we do not own: refuse before removing the old pair.
    c = FakeConnect(aliases={HELP: SUPPORT, INFO: SALES})
    err = fails(update, pair(SALES, CARE), P_A, P_A, c, REQ)
    assert INFO in err.reason and c.mutations() == [] and c.tag_calls() == []
    assert c.pairs() == {(SUPPORT, HELP), (SALES, INFO)}


def test_update_removes_both_old_pairs_after_an_interrupted_swap():
    # The recorded pair and the OldResourceProperties pair differ, both exist and are ours.
    c = FakeConnect(aliases={HELP: SUPPORT, INFO: CARE}, foreign=set())
    update(pair(SALES, HELP), P_A, pair(CARE, INFO), c, REQ)
    assert c.pairs() == {(SALES, HELP)}


def test_update_rollback_converges_after_swap_that_timed_out_after_associating():
    # Swap P_A -> (support, care) claimed and associated care, then timed out; FAILED with old id.
    c = FakeConnect(aliases={CARE: SUPPORT})
    out = update(P_A, P_A, pair(SUPPORT, CARE), c, REQ)
    assert c.pairs() == {(SUPPORT, HELP)} and out.physical_id == mint_physical_id(P_A)
    assert c.owner_of(HELP) == owner(P_A) and c.owner_of(CARE) is None


def test_update_rollback_after_restored_swap_succeeds_without_mutating():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(P_A, P_A, pair(SUPPORT, CARE), c, REQ)
    assert c.mutations() == [] and c.pairs() == {(SUPPORT, HELP)}


def test_update_from_a_foreign_physical_id_uses_old_properties():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(pair(SUPPORT, CARE), None, P_A, c, REQ)
    assert c.pairs() == {(SUPPORT, CARE)}


def test_update_never_removes_a_pair_another_resource_owns():
    c = FakeConnect(aliases={HELP: SUPPORT}, foreign={HELP})
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c, REQ)
    assert HELP in err.reason and "does not own" in err.reason and c.pairs() == {(SUPPORT, HELP)}
    assert c.mutations() == []


def test_update_removes_an_owned_pair_even_when_a_lagging_read_hides_it():
    # Just after a change Describe may not list it yet: the removal is attempted anyway ("not found" = done).
    old = pair(SUPPORT, CARE)
    c = FakeConnect(aliases={}, foreign=set())
    c.tags[CARE] = {OWNER_TAG_KEY: owner(old)}
    update(P_A, old, old, c, REQ)
    assert c.mutations()[0] == ("disassociate", SUPPORT, CARE, "update-remove-0")
    assert c.pairs() == {(SUPPORT, HELP)} and c.owner_of(CARE) is None


def test_update_failed_disassociate_reports_and_keeps_old():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.fail("disassociate", HELP, Denied("denied", code="AccessDeniedException"))
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c, REQ)
    assert err.reason == "denied" and c.pairs() == {(SUPPORT, HELP)}


# -- Delete -------------------------------------------------------------------------------------------


def test_delete_removes_an_owned_pair_and_its_record_within_budget():
    c = FakeConnect(aliases={HELP: SUPPORT})
    assert delete(P_A, c, REQ) == "removed"
    assert c.pairs() == set() and c.owner_of(HELP) is None
    assert c.mutations() == [("disassociate", SUPPORT, HELP, "delete")]
    assert len(c.calls) - len(c.tag_calls()) == 2 and c.tag_calls() == [("untag", HELP)]


def test_delete_of_a_foreign_id_makes_no_call():
    c = FakeConnect()
    delete(None, c, REQ)
    assert c.calls == []


@pytest.mark.parametrize(
    ("logical", "stack", "primary"),
    [("Renamed", None, SUPPORT), ("Alias", "arn:aws:cloudformation:us-east-1:1:stack/other/1", SUPPORT),
     ("Alias", None, CARE)],
    ids=["renamed-resource", "other-stack", "same-resource-other-primary"],
)
def test_delete_keeps_a_pair_another_resource_owns_now(logical, stack, primary):
    # A rename, a move to another stack, or this resource's own later swap to (care, help) re-owned it.
    c = FakeConnect(aliases={HELP: SUPPORT})
    where = {"stack": stack} if stack else {}
    c.tags[HELP][OWNER_TAG_KEY] = owner(pair(primary, HELP), logical=logical, **where)
    note = delete(P_A, c, REQ)
    assert "another resource" in note and c.pairs() == {(SUPPORT, HELP)} and c.mutations() == []


def test_delete_keeps_a_pair_whose_owner_record_was_removed_and_says_so():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.tags.pop(HELP)
    note = delete(P_A, c, REQ)
    assert "no owner record" in note and c.pairs() == {(SUPPORT, HELP)} and c.mutations() == []


def test_delete_never_skips_a_removal_because_a_read_says_absent():
    # The pair is ours by its record; a lagging read of the primary does not matter: Disassociate is called.
    c = FakeConnect(aliases={}, foreign=set())
    c.tags[HELP] = {OWNER_TAG_KEY: owner(P_A)}
    assert delete(P_A, c, REQ) == "removed" and c.mutations() == [("disassociate", SUPPORT, HELP, "delete")]


@pytest.mark.parametrize("p", [pair(SUPPORT, "gone"), pair(SUPPORT, HELP, instance="gone")])
def test_delete_when_alias_or_instance_is_gone_succeeds(p):
    c = FakeConnect()
    delete(p, c, request())
    assert c.mutations() == []


def test_delete_waits_out_a_lock():
    clock = FakeClock()
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.fail("disassociate", HELP, conflict())
    delete(P_A, c, request(clock))
    assert c.pairs() == set() and len(clock.sleeps) == 1


def test_cleanup_delete_after_swap_never_removes_the_new_pair():
    for new in (pair(SUPPORT, CARE), pair(CARE, HELP)):
        c = FakeConnect(aliases={HELP: SUPPORT})
        update(new, P_A, P_A, c, REQ)
        delete(P_A, c, REQ)  # CloudFormation's cleanup of the old physical id
        assert c.pairs() == {(new.primary_id, new.alias_id)} and c.owner_of(new.alias_id) == owner(new)


def test_rename_keeps_the_live_alias():
    # v1 declares X1 = P_A; v2 renames it X2: CloudFormation creates X2 (adopts), then deletes X1.
    c = FakeConnect(aliases={}, foreign=set())
    create(P_A, c, request(logical="X1"))
    create(P_A, c, request(logical="X2"))
    delete(P_A, c, request(logical="X1"))
    assert c.pairs() == {(SUPPORT, HELP)} and c.owner_of(HELP) == owner(P_A, logical="X2")
    delete(P_A, c, request(logical="X2"))
    assert c.pairs() == set()


# -- addresses named by their email (resolve) ------------------------------------------------------------


def by_email(primary: str | None = None, alias: str | None = None, **ids: str) -> Declared:
    """Properties naming the primary/alias by email where given, else by the ID in `ids` (or the seed's)."""
    return Declared(
        REGION,
        ids.get("instance", INSTANCE),
        Named(email=primary) if primary else Named(ids.get("primary_id", SUPPORT)),
        Named(email=alias) if alias else Named(ids.get("alias_id", HELP)),
    )


def searches(c: FakeConnect) -> int:
    return sum(call[0] == "search" for call in c.calls)


def test_addresses_by_email_resolve_in_one_scan_ignoring_case():
    c = FakeConnect()
    new, old = resolve(c, REQ, by_email("Support@Example.COM", "HELP@example.com"))
    assert new == P_A and old is None
    assert c.calls == [("search", INSTANCE)]  # both addresses, one page: no describe, no change


def test_properties_by_id_need_no_lookup():
    c = FakeConnect()
    assert resolve(c, REQ, by_email(), by_email(alias_id=CARE)) == (P_A, pair(SUPPORT, CARE))
    assert c.calls == []


def test_an_instance_of_150_addresses_resolves_within_two_pages_for_both():
    emails = {**EMAILS, **{f"id-{n:03}": f"agent{n:03}@example.com" for n in range(145)}}
    c = FakeConnect(emails=emails)
    # Sorted by address, customercare@ is on the first page and support@ on the second.
    new, _ = resolve(c, REQ, by_email("support@example.com", "customercare@example.com"))
    assert new == pair(SUPPORT, CARE) and searches(c) == 2
    c.calls.clear()
    resolve(c, REQ, by_email("agent000@example.com", "agent001@example.com"))
    assert searches(c) == 1  # the scan stops once both are found


def test_an_address_that_appears_late_is_waited_for():
    clock = FakeClock()
    c = FakeConnect(late={HELP: 2})  # left out of the first two scans: created moments ago
    new, _ = resolve(c, request(clock), by_email(alias="help@example.com"))
    assert new == P_A and searches(c) == 3 and len(clock.sleeps) == 2


def test_an_unknown_address_fails_naming_it_as_given_after_a_bounded_wait():
    clock = FakeClock()
    c = FakeConnect()
    err = fails(resolve, c, request(clock), by_email(alias="Nobody@Example.com"))
    assert "AliasConfiguration.EmailAddress 'Nobody@Example.com' was not found" in err.reason
    assert INSTANCE in err.reason and "by ID" in err.reason
    assert 0 < 300_000 - clock.remaining <= NOT_FOUND_WAIT_MS and searches(c) > 1
    assert c.mutations() == [] and c.tag_calls() == []


def test_a_missing_instance_fails_at_once():
    err = fails(resolve, FakeConnect(), REQ, by_email("support@example.com", instance="gone"))
    assert "gone" in err.reason


def test_an_id_and_an_email_of_one_address_are_refused_as_its_own_alias():
    err = fails(resolve, FakeConnect(), REQ, by_email(alias="support@example.com"))
    assert "same address" in err.reason and "own alias" in err.reason


def test_old_properties_by_email_are_resolved_in_the_same_scan():
    c = FakeConnect()
    new, old = resolve(c, REQ, by_email("support@example.com", "customercare@example.com"), by_email(
        "support@example.com", "help@example.com"
    ))
    assert (new, old) == (pair(SUPPORT, CARE), P_A) and searches(c) == 1


def test_old_properties_naming_an_address_that_is_gone_give_no_old_pair():
    c = FakeConnect()
    new, old = resolve(c, REQ, by_email(), by_email(alias="gone@example.com"))
    assert (new, old) == (P_A, None) and searches(c) == 1  # no wait for an old address


def test_switching_from_ids_to_addresses_is_a_same_pair_update_without_a_change():
    c = FakeConnect(aliases={HELP: SUPPORT})
    new, old = resolve(c, REQ, by_email("support@example.com", "help@example.com"), by_email())
    out = update(new, P_A, old, c, REQ)
    assert out.physical_id == mint_physical_id(P_A) and c.mutations() == [] and c.tag_calls() == []
