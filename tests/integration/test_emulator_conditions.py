"""Real AWS conditions the emulator can impose (all off by default): Connect's rate quota, read lag
after a change, and IAM denials while a grant propagates or when it is missing. A manual clock moves
time, so no test sleeps or asserts on timing."""

from __future__ import annotations

import pytest
from connect_email_alias.local import ConnectEmulator, ManualClock, Quota, ReadLag

from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def started(clock, **options):
    emulator = ConnectEmulator.from_seed(clock=clock, **options).start()
    return emulator, emulator.client(retries={"total_max_attempts": 1})


@pytest.fixture
def bed(request, clock):
    """(emulator, client) with the options the test is parametrised or marked with."""
    emulator, client = started(clock, **getattr(request, "param", {}))
    yield emulator, client
    emulator.stop()


def describe(client, address=SALES):
    return client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=address)


def associate(client, primary, alias):
    client.associate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}
    )


def outcomes(emulator):
    return [c.error_code or c.status for c in emulator.calls]


# -- quota ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bed", [{"quota": Quota.DEFAULT}], indirect=True)
def test_default_quota_admits_a_burst_of_five_then_two_a_second_per_operation(bed, clock):
    emulator, client = bed
    for _ in range(5):
        describe(client)
    with pytest.raises(client.exceptions.ThrottlingException) as caught:
        describe(client)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    client.search_email_addresses(InstanceId=INSTANCE)  # another operation has its own bucket
    clock.advance(0.5)  # one token at 2/s
    describe(client)
    with pytest.raises(client.exceptions.ThrottlingException):
        describe(client)
    assert outcomes(emulator).count("ThrottlingException") == 2


@pytest.mark.parametrize(
    "bed", [{"quota": Quota(rate=2, burst=5, per_operation={"DescribeEmailAddress": (1, 1)})}], indirect=True
)
def test_a_per_operation_quota_overrides_the_default(bed):
    _, client = bed
    describe(client)
    with pytest.raises(client.exceptions.ThrottlingException):
        describe(client)
    associate(client, SUPPORT, HELP)  # other operations keep 2/s, burst 5


def test_quota_is_off_by_default_and_can_be_set_later(bed):
    emulator, client = bed
    for _ in range(20):
        describe(client)
    emulator.set_quota(Quota(rate=1, burst=2))
    describe(client)
    describe(client)
    with pytest.raises(client.exceptions.ThrottlingException):
        describe(client)
    emulator.set_quota(None)
    describe(client)


def test_a_quota_needs_a_positive_rate_and_burst():
    with pytest.raises(ValueError, match="rate > 0"):
        Quota(rate=0)


# -- read lag ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bed", [{"read_lag": ReadLag(new_address=5)}], indirect=True)
def test_a_new_address_is_not_found_until_the_lag_passes_but_writes_see_it(bed, clock):
    emulator, client = bed
    created = client.create_email_address(InstanceId=INSTANCE, EmailAddress="new@example.com")
    new = created["EmailAddressId"]
    with pytest.raises(client.exceptions.ResourceNotFoundException, match=new):
        describe(client, new)
    found = client.search_email_addresses(InstanceId=INSTANCE)["EmailAddresses"]
    assert new not in {a["EmailAddressId"] for a in found}
    associate(client, SUPPORT, new)  # writes act on the true state at once
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == new
    clock.advance(5)
    assert describe(client, new)["EmailAddressArn"] == created["EmailAddressArn"]


@pytest.mark.parametrize("bed", [{"read_lag": ReadLag(alias_change=3)}], indirect=True)
def test_describe_shows_the_previous_alias_until_the_lag_passes(bed, clock):
    emulator, client = bed
    client.disassociate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": INFO}
    )
    assert emulator.aliases_by_primary(INSTANCE) == {}  # the truth changed at once
    assert describe(client)["AliasConfigurations"] == [{"EmailAddressId": INFO}]
    clock.advance(2)
    associate(client, SALES, HELP)  # a second change while the first is still hidden
    assert describe(client)["AliasConfigurations"] == [{"EmailAddressId": INFO}]
    clock.advance(1)  # the first change is visible, the second not yet
    assert "AliasConfigurations" not in describe(client)
    hits = client.search_email_addresses(InstanceId=INSTANCE)["EmailAddresses"]
    assert "AliasConfigurations" not in next(a for a in hits if a["EmailAddressId"] == SALES)
    clock.advance(2)
    assert describe(client)["AliasConfigurations"] == [{"EmailAddressId": HELP}]


@pytest.mark.parametrize("bed", [{"read_lag": ReadLag(tags=2)}], indirect=True)
def test_tags_lag_like_alias_changes(bed, clock):
    emulator, client = bed
    arn = describe(client, HELP)["EmailAddressArn"]
    client.tag_resource(resourceArn=arn, tags={"owner": "x"})
    assert "Tags" not in describe(client, HELP)
    assert emulator.tags(INSTANCE, HELP) == {"owner": "x"}
    clock.advance(2)
    assert describe(client, HELP)["Tags"] == {"owner": "x"}


@pytest.mark.parametrize("bed", [{"read_lag": ReadLag(new_address=5, alias_change=5)}], indirect=True)
def test_out_of_band_changes_and_deletes_never_lag(bed):
    emulator, client = bed
    new = emulator.create_email_address(INSTANCE, "setup@example.com")
    emulator.associate(INSTANCE, SUPPORT, new)
    assert describe(client, SUPPORT)["AliasConfigurations"] == [{"EmailAddressId": new}]
    client.delete_email_address(InstanceId=INSTANCE, EmailAddressId=HELP)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        describe(client, HELP)


def test_read_lag_can_be_set_and_lifted_while_running(bed, clock):
    emulator, client = bed
    emulator.set_read_lag(ReadLag(alias_change=10))
    assert emulator.read_lag.alias_change == 10
    associate(client, SUPPORT, HELP)
    assert "AliasConfigurations" not in describe(client, SUPPORT)
    emulator.set_read_lag(None)  # reads see every change at once again
    assert describe(client, SUPPORT)["AliasConfigurations"] == [{"EmailAddressId": HELP}]


def test_read_lag_with_the_real_clock_ends():
    """Scaled down to 0.2 s: the address appears once the lag has passed (no bound on when)."""
    with ConnectEmulator.from_seed(read_lag=ReadLag(new_address=0.2)) as emulator:
        client = emulator.client(retries={"total_max_attempts": 1})
        new = client.create_email_address(InstanceId=INSTANCE, EmailAddress="new@example.com")[
            "EmailAddressId"
        ]
        statuses = []
        while not statuses or statuses[-1] != 200:
            try:
                statuses.append(describe(client, new)["ResponseMetadata"]["HTTPStatusCode"])
            except client.exceptions.ResourceNotFoundException:
                statuses.append(404)
        assert statuses[0] == 404


def test_a_lag_beyond_the_horizon_is_refused():
    with pytest.raises(ValueError, match="alias_change"):
        ReadLag(alias_change=-1)


# -- IAM -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bed", [{"iam_propagation": 8}], indirect=True)
def test_a_fresh_grant_is_denied_until_it_propagates(bed, clock):
    _, client = bed
    with pytest.raises(client.exceptions.AccessDeniedException) as caught:
        describe(client)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = caught.value.response["Error"]["Message"]
    assert "connect:DescribeEmailAddress" in message
    assert f"instance/{INSTANCE}/email-address/{SALES}" in message
    clock.advance(8)
    assert describe(client)["EmailAddressId"] == SALES


def test_denials_scoped_to_operations_and_instances(bed):
    emulator, client = bed
    emulator.create_instance("fresh-instance")
    emulator.iam.deny_for(5, operations=["AssociateEmailAddressAlias"], instances=["fresh-instance"])
    associate(client, SUPPORT, HELP)  # another instance: allowed
    with pytest.raises(client.exceptions.AccessDeniedException, match="connect:AssociateEmailAddressAlias"):
        client.associate_email_address_alias(
            InstanceId="fresh-instance", EmailAddressId="x", AliasConfiguration={"EmailAddressId": "y"}
        )
    with pytest.raises(client.exceptions.ResourceNotFoundException):  # other operations: allowed
        client.describe_email_address(InstanceId="fresh-instance", EmailAddressId="x")
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP


def test_a_permanent_denial_lasts_until_cleared_and_changes_nothing(bed, clock):
    emulator, client = bed
    emulator.iam.deny(operations=["DisassociateEmailAddressAlias"])
    clock.advance(3600)
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.disassociate_email_address_alias(
            InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": INFO}
        )
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}
    emulator.iam.clear()
    client.disassociate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": INFO}
    )


@pytest.mark.parametrize("bed", [{"iam_propagation": 5, "quota": Quota(rate=1, burst=1)}], indirect=True)
def test_denied_calls_still_spend_the_quota(bed):
    _, client = bed
    with pytest.raises(client.exceptions.AccessDeniedException):
        describe(client)
    with pytest.raises(client.exceptions.ThrottlingException):
        describe(client)
