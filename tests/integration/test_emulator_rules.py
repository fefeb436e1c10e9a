"""The Connect rules the emulator enforces (shared/seeds), and its ClientToken idempotency."""

from __future__ import annotations

import threading

import pytest

from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT


def associate(client, primary, alias, instance=INSTANCE, **kwargs):
    return client.associate_email_address_alias(
        InstanceId=instance, EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}, **kwargs
    )


def disassociate(client, primary, alias, **kwargs):
    return client.disassociate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}, **kwargs
    )


def test_associate_creates_the_forwarding(client, emulator):
    associate(client, SUPPORT, HELP)
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO, SUPPORT: HELP}


@pytest.mark.parametrize(
    ("instance", "primary", "alias", "named"),
    [
        ("no-such-instance", SUPPORT, HELP, "no-such-instance"),
        (INSTANCE, "missing-primary", HELP, "missing-primary"),
        (INSTANCE, SUPPORT, "missing-alias", "missing-alias"),
    ],
)
def test_unknown_instance_or_address_is_not_found(client, instance, primary, alias, named):
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=named):
        associate(client, primary, alias, instance=instance)


def test_an_address_cannot_alias_itself(client):
    with pytest.raises(client.exceptions.InvalidRequestException):
        associate(client, SUPPORT, SUPPORT)


@pytest.mark.parametrize(
    ("primary", "alias", "why"),
    [
        (SALES, HELP, INFO),  # at most one alias per address: names the existing one
        (SALES, INFO, "already an alias"),  # the pair exists already
        (SUPPORT, INFO, "already an alias of"),  # info@ is sales@'s alias
        (SUPPORT, SALES, "chained"),  # sales@ has an alias of its own
        (INFO, HELP, "chained"),  # info@ is an alias, so it cannot get one
    ],
)
def test_state_conflicts_are_refused_and_change_nothing(client, emulator, primary, alias, why):
    with pytest.raises(client.exceptions.ResourceConflictException, match=why):
        associate(client, primary, alias)
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}


def test_describe_shows_only_the_alias_forwarding_to_the_address(client):
    primary = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SALES)
    alias = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=INFO)
    assert primary["AliasConfigurations"] == [{"EmailAddressId": INFO}]
    assert "AliasConfigurations" not in alias


def test_disassociate_removes_the_pair_and_addresses_stay(client, emulator):
    disassociate(client, SALES, INFO)
    assert emulator.aliases_by_primary(INSTANCE) == {}
    assert emulator.address(INSTANCE, INFO).email_address == "info@example.com"
    associate(client, SUPPORT, INFO)  # immediately reusable


@pytest.mark.parametrize(("primary", "alias"), [(SALES, HELP), (SUPPORT, HELP), (INFO, SALES)])
def test_disassociate_of_a_missing_pair_is_not_found(client, emulator, primary, alias):
    with pytest.raises(client.exceptions.ResourceNotFoundException, match="is not an alias of"):
        disassociate(client, primary, alias)
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}


def test_deleting_an_address_removes_its_alias_relations(client, emulator):
    client.delete_email_address(InstanceId=INSTANCE, EmailAddressId=INFO)
    assert emulator.aliases_by_primary(INSTANCE) == {}
    associate(client, SUPPORT, HELP)
    client.delete_email_address(InstanceId=INSTANCE, EmailAddressId=SUPPORT)
    assert emulator.aliases_by_primary(INSTANCE) == {}


def test_deleted_instance_is_not_found_by_name(client, emulator):
    emulator.delete_instance(INSTANCE)
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=INSTANCE):
        client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SALES)


def test_duplicate_email_address_is_refused(client):
    with pytest.raises(client.exceptions.DuplicateResourceException):
        client.create_email_address(InstanceId=INSTANCE, EmailAddress="sales@example.com")


def test_out_of_band_changes_are_visible_to_clients(client, emulator):
    emulator.disassociate(INSTANCE, SALES, INFO)
    emulator.associate(INSTANCE, SALES, CARE)
    answer = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SALES)
    assert answer["AliasConfigurations"] == [{"EmailAddressId": CARE}]
    assert emulator.calls[-1].operation == "DescribeEmailAddress"  # seeding is not logged
    assert len(emulator.calls) == 1


# -- ClientToken idempotency ---------------------------------------------------------------------


def test_associate_replay_with_the_same_token_does_not_act_twice(client, emulator):
    associate(client, SUPPORT, HELP, ClientToken="tok")
    emulator.disassociate(INSTANCE, SUPPORT, HELP)  # changed behind the token's back
    associate(client, SUPPORT, HELP, ClientToken="tok")  # same answer, no new action
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}


def test_associate_token_reused_for_another_request_is_an_idempotency_error(client):
    associate(client, SUPPORT, HELP, ClientToken="tok")
    with pytest.raises(client.exceptions.IdempotencyException):
        associate(client, SUPPORT, CARE, ClientToken="tok")


def test_a_failed_call_does_not_consume_its_token(client, emulator):
    with pytest.raises(client.exceptions.ResourceConflictException):
        associate(client, SALES, HELP, ClientToken="tok")
    emulator.disassociate(INSTANCE, SALES, INFO)
    associate(client, SALES, HELP, ClientToken="tok")
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: HELP}


def test_disassociate_replay_and_token_misuse(client, emulator):
    disassociate(client, SALES, INFO, ClientToken="d")
    disassociate(client, SALES, INFO, ClientToken="d")  # replay: success, nothing to do
    emulator.associate(INSTANCE, SUPPORT, HELP)
    with pytest.raises(client.exceptions.InvalidRequestException, match="already used"):
        disassociate(client, SUPPORT, HELP, ClientToken="d")
    assert emulator.aliases_by_primary(INSTANCE) == {SUPPORT: HELP}


def test_tokens_are_scoped_per_operation(client, emulator):
    associate(client, SUPPORT, HELP, ClientToken="same")
    disassociate(client, SUPPORT, HELP, ClientToken="same")
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}


def test_concurrent_associates_for_one_primary_let_exactly_one_win(emulator):
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(alias: str) -> None:
        client = emulator.client(retries={"total_max_attempts": 1})
        try:
            associate(client, SUPPORT, alias)
            result = "ok"
        except client.exceptions.ResourceConflictException:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(a,)) for a in (HELP, CARE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] in (HELP, CARE)
