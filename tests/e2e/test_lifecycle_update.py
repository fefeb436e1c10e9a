"""Contract §2 Update, played from app.py's cdk.out: afterwards exactly the new pair exists, a failed swap
answers with the old PhysicalResourceId and is restored, and CloudFormation's rollback and cleanup converge
from whatever an interrupted attempt left behind."""

from __future__ import annotations

from connect_email_alias._function.contract import OWNER_TAG_KEY, owner_tag_value

from tests.support.assembly import synth_aliases
from tests.support.calls import mutating, ops
from tests.support.resources import ATTRIBUTES, address_arn, pair_id, properties
from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

SEED = {SALES: INFO}
# A second instance the seed lacks; created out of band for the instance swap.
INSTANCE_2 = "00000000-0000-4000-8000-000000000002"
SUPPORT_2 = "11111111-1111-4111-8111-000000000002"
HELP_2 = "22222222-2222-4222-8222-000000000002"


def test_same_pair_given_as_arn_keeps_the_physical_id_and_changes_nothing(e2e):
    """ID → ARN is the same pair once normalised: no replacement, no cleanup Delete, no mutating call."""
    e2e.deploy()

    report = e2e.deploy(emailAddressId=address_arn(SUPPORT))

    assert report.status == "UPDATE_COMPLETE", report
    assert [(p, t) for p, t, _ in report.sequence()] == [("update", "Update")]
    result = report.steps[0].result
    assert result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert result.data["EmailAddressId"] == SUPPORT and result.data["AliasEmailAddress"] == "help@example.com"
    assert set(result.data) == set(ATTRIBUTES)
    assert mutating(e2e.calls(result)) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_same_pair_is_recreated_after_an_out_of_band_removal(e2e):
    e2e.deploy()
    e2e.emulator.disassociate(INSTANCE, SUPPORT, HELP)

    report = e2e.deploy(emailAddressId=address_arn(SUPPORT))

    assert report.status == "UPDATE_COMPLETE", report
    result = report.steps[0].result
    assert result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert ops(mutating(e2e.calls(result))) == [("AssociateEmailAddressAlias", SUPPORT, HELP)]
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_swap_alias_replaces_the_pair_and_cleanup_keeps_the_new_one(e2e):
    """support@ ← help@ becomes support@ ← customercare@. The cleanup Delete of the old ID sees that support@
    now forwards from CARE and must not remove that (also when CloudFormation re-delivers it)."""
    e2e.deploy()

    report = e2e.deploy(aliasEmailAddressId=CARE)

    assert report.status == "UPDATE_COMPLETE", report
    update, cleanup = (s.result for s in report.steps)
    assert [s.phase for s in report.steps] == ["update", "cleanup"]
    assert update.physical_resource_id == pair_id(SUPPORT, CARE)
    assert update.data["AliasEmailAddressId"] == CARE
    assert update.data["AliasEmailAddress"] == "customercare@example.com"
    assert ops(mutating(e2e.calls(update))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, HELP),
        ("AssociateEmailAddressAlias", SUPPORT, CARE),
    ]
    assert cleanup.request_type == "Delete" and cleanup.ok
    assert cleanup.physical_resource_id == pair_id(SUPPORT, HELP)
    assert mutating(e2e.calls(cleanup)) == []
    again = e2e.invoke(cleanup.event)
    assert again.ok and mutating(e2e.calls(again)) == []
    assert e2e.state() == {**SEED, SUPPORT: CARE}
    assert e2e.held_id() == pair_id(SUPPORT, CARE)


def test_swap_primary_moves_the_alias(e2e):
    """support@ ← help@ becomes customercare@ ← help@: help@ is released from support@ before it is
    associated to customercare@, and the cleanup Delete leaves the new pair alone."""
    e2e.deploy()

    report = e2e.deploy(emailAddressId=CARE)

    assert report.status == "UPDATE_COMPLETE", report
    update, cleanup = (s.result for s in report.steps)
    assert update.physical_resource_id == pair_id(CARE, HELP)
    assert update.data["EmailAddress"] == "customercare@example.com"
    assert ops(mutating(e2e.calls(update))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, HELP),
        ("AssociateEmailAddressAlias", CARE, HELP),
    ]
    assert cleanup.ok and mutating(e2e.calls(cleanup)) == []
    assert e2e.state() == {**SEED, CARE: HELP}


def test_swap_reversing_the_pair_and_its_cleanup(e2e):
    """support@ ← help@ becomes help@ ← support@: the old primary turns alias. The cleanup Delete of the old
    ID finds support@ with no alias of its own and leaves the reversed pair alone; destroy then removes it."""
    e2e.deploy()

    report = e2e.deploy(emailAddressId=HELP, aliasEmailAddressId=SUPPORT)

    assert report.status == "UPDATE_COMPLETE", report
    update, cleanup = (s.result for s in report.steps)
    assert update.physical_resource_id == pair_id(HELP, SUPPORT)
    assert ops(mutating(e2e.calls(update))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, HELP),
        ("AssociateEmailAddressAlias", HELP, SUPPORT),
    ]
    assert cleanup.ok and mutating(e2e.calls(cleanup)) == []
    assert e2e.state() == {**SEED, HELP: SUPPORT}
    assert e2e.destroy().ok
    assert e2e.state() == SEED


def test_swap_instance_moves_the_pair_to_the_other_instance(e2e):
    """The seed has one instance; a second one is made out of band (the emulator's API, not the seed file)."""
    e2e.emulator.create_instance(INSTANCE_2)
    e2e.emulator.create_email_address(INSTANCE_2, "support@example.org", email_address_id=SUPPORT_2)
    e2e.emulator.create_email_address(INSTANCE_2, "help@example.org", email_address_id=HELP_2)
    e2e.deploy()

    report = e2e.deploy(instanceId=INSTANCE_2, emailAddressId=SUPPORT_2, aliasEmailAddressId=HELP_2)

    assert report.status == "UPDATE_COMPLETE", report
    update, cleanup = (s.result for s in report.steps)
    assert update.physical_resource_id == pair_id(SUPPORT_2, HELP_2, INSTANCE_2)
    assert update.data["InstanceId"] == INSTANCE_2
    assert update.data["AliasEmailAddress"] == "help@example.org"
    assert [(c.operation, c.params["InstanceId"]) for c in mutating(e2e.calls(update))] == [
        ("DisassociateEmailAddressAlias", INSTANCE),
        ("AssociateEmailAddressAlias", INSTANCE_2),
    ]
    assert cleanup.ok and mutating(e2e.calls(cleanup)) == []
    assert e2e.state() == SEED
    assert e2e.emulator.aliases_by_primary(INSTANCE_2) == {SUPPORT_2: HELP_2}


def test_failed_swap_restores_the_old_pair_and_rollback_converges(e2e):
    """Connect refuses the new association (not retryable): the function puts the old pair back and answers
    FAILED with the old PhysicalResourceId; CloudFormation's rollback Update (new → old) then succeeds with
    nothing left to change."""
    e2e.deploy()
    e2e.emulator.faults.fail_next(
        "AssociateEmailAddressAlias", 1, error="InvalidParameterException", message="Injected refusal"
    )

    report = e2e.deploy(aliasEmailAddressId=CARE)

    assert report.status == "UPDATE_ROLLBACK_COMPLETE", report
    assert [(s.phase, s.result.request_type) for s in report.steps] == [
        ("update", "Update"),
        ("rollback", "Update"),
    ]
    failed, rollback = (s.result for s in report.steps)
    assert failed.status == "FAILED"
    assert failed.physical_resource_id == pair_id(SUPPORT, HELP)
    assert "The old pair was restored." in failed.reason, failed.reason
    assert "AssociateEmailAddressAlias" in failed.reason, failed.reason
    assert ops(mutating(e2e.calls(failed))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, HELP),
        ("AssociateEmailAddressAlias", SUPPORT, CARE),
        ("AssociateEmailAddressAlias", SUPPORT, HELP),
    ]
    assert rollback.ok and rollback.physical_resource_id == pair_id(SUPPORT, HELP)
    assert rollback.event["OldResourceProperties"]["AliasConfiguration"]["EmailAddressId"] == CARE
    assert mutating(e2e.calls(rollback)) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}
    assert e2e.held_id() == pair_id(SUPPORT, HELP)


def test_swap_to_a_primary_with_an_alias_we_do_not_own_changes_nothing(e2e):
    """sales@ already forwards from info@: the swap is refused before anything is removed (the old pair stays,
    info@ stays), FAILED names info@ with the old PhysicalResourceId, and the rollback Update has nothing to
    do."""
    e2e.deploy()

    report = e2e.deploy(emailAddressId=SALES)

    assert report.status == "UPDATE_ROLLBACK_COMPLETE", report
    failed, rollback = (s.result for s in report.steps)
    assert failed.status == "FAILED" and failed.physical_resource_id == pair_id(SUPPORT, HELP)
    assert INFO in failed.reason and "already has alias" in failed.reason, failed.reason
    assert mutating(e2e.calls(failed)) == []
    assert rollback.ok and rollback.physical_resource_id == pair_id(SUPPORT, HELP)
    assert mutating(e2e.calls(rollback)) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}
    assert e2e.held_id() == pair_id(SUPPORT, HELP)


def _rollback_after_interrupted_swap(e2e):
    """CloudFormation's rollback Update after the swap help@ → customercare@ timed out (answered FAILED with
    the old ID): ResourceProperties = old, OldResourceProperties = attempted, PhysicalResourceId = old."""
    return e2e.send(
        "Update",
        properties(SUPPORT, HELP),
        physical_id=pair_id(SUPPORT, HELP),
        old=properties(SUPPORT, CARE),
    )


def test_rollback_converges_after_a_swap_cut_off_between_remove_and_associate(e2e):
    """The attempt removed support@ ← help@ and ran out of time before associating customercare@."""
    e2e.deploy()
    e2e.emulator.disassociate(INSTANCE, SUPPORT, HELP)

    rollback = _rollback_after_interrupted_swap(e2e)

    assert rollback.ok, rollback.reason
    assert rollback.physical_resource_id == pair_id(SUPPORT, HELP)
    assert rollback.data["AliasEmailAddress"] == "help@example.com"
    assert ops(mutating(e2e.calls(rollback))) == [("AssociateEmailAddressAlias", SUPPORT, HELP)]
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_rollback_converges_after_a_swap_whose_answer_was_lost(e2e):
    """The attempt completed the swap (support@ ← customercare@, recorded as this resource's) but its answer
    never arrived: the rollback removes the attempted pair it finds in OldResourceProperties and puts the old
    one back."""
    created = e2e.deploy().steps[0].result.event
    e2e.emulator.disassociate(INSTANCE, SUPPORT, HELP)
    e2e.emulator.associate(INSTANCE, SUPPORT, CARE)
    owner = owner_tag_value(created["StackId"], created["LogicalResourceId"], SUPPORT)
    e2e.emulator.tag(INSTANCE, CARE, {OWNER_TAG_KEY: owner})

    rollback = _rollback_after_interrupted_swap(e2e)

    assert rollback.ok, rollback.reason
    assert rollback.physical_resource_id == pair_id(SUPPORT, HELP)
    assert ops(mutating(e2e.calls(rollback))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, CARE),
        ("AssociateEmailAddressAlias", SUPPORT, HELP),
    ]
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_cleanup_delete_of_the_old_id_never_removes_the_new_pair(e2e):
    """Swap primary support@ → customercare@ keeping help@: the old ID names help@, which now forwards to
    customercare@. The cleanup Delete, delivered twice, must leave customercare@ ← help@ in place."""
    e2e.deploy()
    report = e2e.deploy(emailAddressId=CARE)
    assert report.status == "UPDATE_COMPLETE", report
    cleanup = report.steps[-1].result
    assert cleanup.request_type == "Delete" and cleanup.physical_resource_id == pair_id(SUPPORT, HELP)

    again = e2e.invoke(cleanup.event)
    late = e2e.send("Delete", properties(SUPPORT, HELP), physical_id=pair_id(SUPPORT, HELP))

    for result in (cleanup, again, late):
        assert result.ok and mutating(e2e.calls(result)) == []
    assert e2e.state() == {**SEED, CARE: HELP}


def test_update_to_invalid_properties_fails_with_the_old_id_and_rollback_ignores_them(e2e):
    """A hand-written template can update to what the construct refuses (alias == primary): FAILED before any
    call, with the old PhysicalResourceId; CloudFormation's rollback Update then carries those properties as
    OldResourceProperties, which were never created and must not be acted on."""
    e2e.deploy()
    valid, invalid, held = properties(SUPPORT, HELP), properties(SUPPORT, SUPPORT), pair_id(SUPPORT, HELP)

    failed = e2e.send("Update", invalid, physical_id=held, old=valid)
    rollback = e2e.send("Update", valid, physical_id=held, old=invalid)

    assert failed.status == "FAILED" and failed.physical_resource_id == held
    assert "own alias" in failed.reason, failed.reason
    assert e2e.calls(failed) == []
    assert rollback.ok and rollback.physical_resource_id == held
    assert mutating(e2e.calls(rollback)) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_two_aliases_trading_primaries_in_one_update_both_succeed(e2e, tmp_path):
    """help@ forwards to support@ and info@ to sales@; one update makes them trade primaries. CloudFormation
    updates the two resources at once and each waits out the other's hold on its new alias; the player
    plays them at once too, so the trade completes instead of timing out and rolling back."""
    v1 = synth_aliases(tmp_path / "v1", {"Mail": {"A": (SUPPORT, HELP), "B": (SALES, INFO)}})
    assert e2e.deploy(v1.stack("Mail")).ok  # B adopts the seed's info@ -> sales@

    v2 = synth_aliases(tmp_path / "v2", {"Mail": {"A": (SUPPORT, INFO), "B": (SALES, HELP)}})
    report = e2e.deploy(v2.stack("Mail"))

    assert report.status == "UPDATE_COMPLETE", report
    phases = [(phase, request) for phase, request, _ in report.sequence()]
    assert phases == [("update", "Update")] * 2 + [("cleanup", "Delete")] * 2
    ids = [logical_id for _, _, logical_id in report.sequence()]
    assert ids[:2] == ids[2:] and [i[0] for i in ids[:2]] == ["A", "B"]  # template order, whoever ends first
    assert e2e.state() == {SUPPORT: INFO, SALES: HELP}
    first, second = (s.result.invocation for s in report.steps[:2])
    assert first.started < second.ended and second.started < first.ended  # both in flight at once

    # Deletes of independent resources go at once too; each removes the pair it owns now.
    assert e2e.destroy("Mail").ok
    assert e2e.state() == {}
