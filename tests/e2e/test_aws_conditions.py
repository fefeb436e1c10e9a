"""Real AWS conditions Connect's documentation warns about, played through the demo stack's real function
against the emulator's options (scaled down to seconds): reads that lag writes (an address created moments
ago is not found; a primary's alias shows as it was), IAM denying while a fresh grant propagates, and
Connect's quota. These run on real time (`real_time`): each proves one waiting mechanism of the function
with real sleeps and real windows, which every other test passes on the virtual clock."""

from __future__ import annotations

import pytest
from connect_email_alias.local import Quota, ReadLag

from tests.support.calls import mutating
from tests.support.resources import properties
from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT
from tests.support.stack_bed import StackBed

pytestmark = pytest.mark.slow

SEED = {SALES: INFO}
LAG_S = 1.5


@pytest.mark.real_time
@pytest.mark.parametrize("emulator", [{"read_lag": ReadLag(new_address=LAG_S)}], indirect=True)
def test_create_between_addresses_created_moments_ago_succeeds(stack_bed: StackBed):
    """As with `from_email_addresses`: both addresses come from CreateEmailAddress in the same deployment."""
    client = stack_bed.emulator.client()
    primary, alias = (
        client.create_email_address(InstanceId=INSTANCE, EmailAddress=f"{name}@example.com")["EmailAddressId"]
        for name in ("orders", "shop")
    )
    result = stack_bed.send("Create", properties(primary, alias))
    assert result.ok, result.reason
    assert stack_bed.state() == {primary: alias, **SEED}


@pytest.mark.parametrize("emulator", [{"read_lag": ReadLag(alias_change=LAG_S)}], indirect=True)
def test_a_rollback_delete_seconds_after_create_does_not_leak_the_pair(stack_bed: StackBed):
    """The Delete's read still shows support@ without its alias; the pair must go anyway."""
    created = stack_bed.send("Create", properties(SUPPORT, HELP))
    assert created.ok, created.reason
    deleted = stack_bed.send("Delete", properties(SUPPORT, HELP), physical_id=created.physical_resource_id)
    assert deleted.ok, deleted.reason
    assert stack_bed.state() == SEED
    assert [c.operation for c in mutating(stack_bed.calls(deleted)) if c.status == 200] == [
        "DisassociateEmailAddressAlias"
    ]


@pytest.mark.real_time
def test_a_fresh_grant_that_propagates_within_seconds_succeeds(stack_bed: StackBed):
    stack_bed.emulator.iam.deny_for(LAG_S)
    result = stack_bed.send("Create", properties(SUPPORT, HELP))
    assert result.ok, result.reason
    assert stack_bed.state() == {SUPPORT: HELP, **SEED}


@pytest.mark.real_time
def test_a_permanent_denial_fails_naming_the_action(stack_bed: StackBed):
    """Retried only briefly (a fresh grant's window), then FAILED with the IAM action to grant."""
    stack_bed.emulator.iam.deny(operations=["AssociateEmailAddressAlias"])
    result = stack_bed.send("Create", properties(SUPPORT, HELP))
    assert result.status == "FAILED"
    assert "connect:AssociateEmailAddressAlias" in (result.reason or ""), result.reason
    assert stack_bed.state() == SEED


@pytest.mark.real_time
@pytest.mark.parametrize(
    "emulator", [{"quota": Quota(per_operation={"DescribeEmailAddress": (1.0, 1)})}], indirect=True
)
def test_a_throttled_read_is_retried_and_the_next_call_waits(stack_bed: StackBed):
    """Connect throttles the second read (one token a second): it is retried after a backoff, and the call
    after it first pauses (the 2 s after a throttled call), so the Create still goes through."""
    result = stack_bed.send("Create", properties(SUPPORT, HELP))
    assert result.ok, result.reason
    assert stack_bed.state() == {SUPPORT: HELP, **SEED}
    reads = [c.status for c in stack_bed.calls(result) if c.operation == "DescribeEmailAddress"]
    assert reads == [200, 429, 200]
