"""Contract § 2: the create / update / delete decisions, over an in-memory Connect."""

from __future__ import annotations

import pytest
from lifecycle import LifecycleError, PortError, create, delete, update
from properties import mint_physical_id

from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

from .fakes import FakeConnect, pair

P_A = pair(SUPPORT, HELP)


def fails(fn, *args) -> LifecycleError:
    with pytest.raises(LifecycleError) as exc:
        fn(*args)
    assert 0 < len(exc.value.reason) <= 256
    return exc.value


# -- Create -------------------------------------------------------------------------------------------


def test_create_associates_and_returns_attributes():
    c = FakeConnect()
    out = create(P_A, c)
    assert (SUPPORT, HELP) in c.pairs()
    assert c.mutations() == [("associate", SUPPORT, HELP, "create")]
    assert out.physical_id == mint_physical_id(P_A)
    assert out.data == {
        "InstanceId": INSTANCE,
        "EmailAddressId": SUPPORT,
        "AliasEmailAddressId": HELP,
        "EmailAddress": "support@example.com",
        "AliasEmailAddress": "help@example.com",
    }


def test_create_adopts_an_identical_existing_pair_without_mutating():
    c = FakeConnect()
    out = create(pair(SALES, INFO), c)
    assert c.mutations() == [] and out.data["AliasEmailAddress"] == "info@example.com"


def test_create_refuses_when_primary_has_another_alias_and_names_it():
    c = FakeConnect()
    err = fails(create, pair(SALES, HELP), c)
    assert INFO in err.reason and "does not own" in err.reason
    assert c.mutations() == [] and c.pairs() == {(SALES, INFO)}


def test_create_refuses_chaining_when_alias_has_its_own_alias():
    c = FakeConnect()
    err = fails(create, pair(SUPPORT, SALES), c)
    assert "alias of its own" in err.reason and "chain" in err.reason and c.mutations() == []


def test_create_refuses_when_alias_is_already_an_alias_elsewhere():
    # DescribeEmailAddress cannot show it; Connect refuses the associate and the port reports it.
    c = FakeConnect()
    c.faults[("associate", INFO)] = PortError("alias may already forward to another primary", code="X")
    err = fails(create, pair(SUPPORT, INFO), c)
    assert "another primary" in err.reason and c.pairs() == {(SALES, INFO)}


@pytest.mark.parametrize(
    ("p", "words"),
    [
        (pair("missing-primary", HELP), "EmailAddressId missing-primary (primary) was not found"),
        (
            pair(SUPPORT, "missing-alias"),
            "AliasConfiguration.EmailAddressId missing-alias (alias) was not found",
        ),
        (pair(SUPPORT, HELP, instance="missing-instance"), "instance missing-instance was not found"),
    ],
)
def test_create_says_which_of_primary_alias_instance_does_not_exist(p, words):
    c = FakeConnect()
    assert words in fails(create, p, c).reason and c.mutations() == []


def test_create_failure_of_the_associate_is_not_marked_as_changed():
    c = FakeConnect()
    c.faults[("associate", HELP)] = PortError("denied", code="AccessDeniedException")
    assert fails(create, P_A, c).maybe_changed is False


def test_create_timeout_of_the_associate_is_marked_maybe_changed():
    c = FakeConnect()
    c.faults[("associate", HELP)] = PortError("timed out", code="ReadTimeoutError", maybe_changed=True)
    assert fails(create, P_A, c).maybe_changed is True


# -- Update -------------------------------------------------------------------------------------------


def test_update_same_pair_healthy_makes_no_mutating_call():
    c = FakeConnect(aliases={HELP: SUPPORT})
    out = update(P_A, P_A, P_A, c)
    assert c.mutations() == [] and out.physical_id == mint_physical_id(P_A)
    assert out.data["AliasEmailAddress"] == "help@example.com"


def test_update_same_pair_recreates_a_pair_an_interrupted_attempt_removed():
    c = FakeConnect(aliases={})
    update(P_A, P_A, P_A, c)
    assert c.pairs() == {(SUPPORT, HELP)} and c.mutations() == [
        ("associate", SUPPORT, HELP, "update-recreate")
    ]


def test_update_swap_alias_removes_old_and_associates_new():
    c = FakeConnect(aliases={HELP: SUPPORT})
    new = pair(SUPPORT, CARE)
    out = update(new, P_A, P_A, c)
    assert c.pairs() == {(SUPPORT, CARE)}
    assert [m[0] for m in c.mutations()] == ["disassociate", "associate"]
    assert out.physical_id == mint_physical_id(new) != mint_physical_id(P_A)


def test_update_swap_primary_and_alias_roles():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(pair(HELP, SUPPORT), P_A, P_A, c)
    assert c.pairs() == {(HELP, SUPPORT)}


def test_update_failed_associate_restores_the_recorded_pair_and_says_so():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.faults[("associate", CARE)] = PortError("Connect rejected it", code="InvalidRequestException")
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c)
    assert "restored" in err.reason and c.pairs() == {(SUPPORT, HELP)}
    assert c.mutations()[-1] == ("associate", SUPPORT, HELP, "update-restore")


def test_update_failed_restore_says_it_failed():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.faults[("associate", CARE)] = PortError("first", code="InvalidRequestException")
    c.faults[("associate", HELP)] = PortError("second", code="ThrottlingException")
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c)
    assert "Restoring the old pair" in err.reason and "also failed: ThrottlingException" in err.reason


def test_a_long_cause_is_cut_but_the_restore_outcome_is_kept():
    long_cause = "AssociateEmailAddressAlias on " + "x" * 230 + " kept failing: retry the stack operation."
    for restore_fault, outcome in [
        (None, "The old pair was restored."),
        (PortError("second", code="ConnectionClosedError"), "CloudFormation's rollback re-creates it."),
    ]:
        c = FakeConnect(aliases={HELP: SUPPORT})
        c.faults[("associate", CARE)] = PortError(long_cause, code="InternalServiceException")
        if restore_fault is not None:
            c.faults[("associate", HELP)] = restore_fault
        err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c)
        assert err.reason.endswith(outcome) and len(err.reason) <= 256


def test_update_doomed_swap_changes_nothing():
    # New primary sales@ has info@ which we do not own: refuse before removing the old pair.
    c = FakeConnect(aliases={HELP: SUPPORT, INFO: SALES})
    err = fails(update, pair(SALES, CARE), P_A, P_A, c)
    assert INFO in err.reason and c.mutations() == [] and c.pairs() == {(SUPPORT, HELP), (SALES, INFO)}


def test_update_removes_both_old_pairs_after_an_interrupted_swap():
    # The recorded pair and the OldResourceProperties pair differ and both exist: both go, new one comes.
    c = FakeConnect(aliases={HELP: SUPPORT, INFO: CARE})
    update(pair(SALES, HELP), P_A, pair(CARE, INFO), c)
    assert c.pairs() == {(SALES, HELP)}


def test_update_rollback_converges_after_swap_that_timed_out_after_associating():
    # Swap P_A -> (support, care) associated care then timed out; FAILED with old id. Rollback: new = P_A.
    c = FakeConnect(aliases={CARE: SUPPORT})
    out = update(P_A, P_A, pair(SUPPORT, CARE), c)
    assert c.pairs() == {(SUPPORT, HELP)} and out.physical_id == mint_physical_id(P_A)


def test_update_rollback_after_restored_swap_succeeds_without_mutating():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(P_A, P_A, pair(SUPPORT, CARE), c)
    assert c.mutations() == [] and c.pairs() == {(SUPPORT, HELP)}


def test_update_from_a_foreign_physical_id_uses_old_properties():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(pair(SUPPORT, CARE), None, P_A, c)
    assert c.pairs() == {(SUPPORT, CARE)}


def test_update_never_removes_a_pair_it_does_not_own():
    c = FakeConnect()  # sales <- info, not ours
    fails(update, pair(SALES, HELP), P_A, P_A, c)
    assert (SALES, INFO) in c.pairs()


def test_update_failed_disassociate_reports_and_keeps_old():
    c = FakeConnect(aliases={HELP: SUPPORT})
    c.faults[("disassociate", HELP)] = PortError("denied", code="AccessDeniedException")
    err = fails(update, pair(SUPPORT, CARE), P_A, P_A, c)
    assert err.reason == "denied" and c.pairs() == {(SUPPORT, HELP)}


# -- Delete -------------------------------------------------------------------------------------------


def test_delete_removes_the_recorded_pair():
    c = FakeConnect(aliases={HELP: SUPPORT})
    delete(P_A, c)
    assert c.pairs() == set() and c.mutations() == [("disassociate", SUPPORT, HELP, "delete")]


def test_delete_of_a_foreign_id_makes_no_call():
    c = FakeConnect()
    delete(None, c)
    assert c.calls == []


@pytest.mark.parametrize(
    "state",
    [{}, {CARE: SUPPORT}],
    ids=["pair-absent", "primary-has-another-alias"],
)
def test_delete_of_an_absent_pair_makes_no_mutating_call(state):
    c = FakeConnect(aliases=dict(state))
    delete(P_A, c)
    assert c.mutations() == [] and c.aliases == state


@pytest.mark.parametrize("p", [pair("gone", HELP), pair(SUPPORT, HELP, instance="gone")])
def test_delete_when_primary_or_instance_is_gone_succeeds(p):
    c = FakeConnect()
    delete(p, c)
    assert c.mutations() == []


def test_cleanup_delete_after_swap_never_removes_the_new_pair():
    c = FakeConnect(aliases={HELP: SUPPORT})
    update(pair(SUPPORT, CARE), P_A, P_A, c)
    delete(P_A, c)  # CloudFormation's cleanup of the old physical id
    assert c.pairs() == {(SUPPORT, CARE)}
