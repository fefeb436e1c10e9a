"""Contract §1 (where the calls go) and §1b (addresses named by their email address), played through the
synthesised function of app.py's cdk.out: what Connect holds afterwards, what CloudFormation was told, and
which calls were made. No function log may hold an address string (§4), whatever the template named."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from connect_email_alias.local import ConnectEmulator, ManualClock, ReadLag

from tests.support.answers import addresses_in
from tests.support.calls import alias_calls, mutating, ops
from tests.support.resources import named, pair_id, properties
from tests.support.seed import ACCOUNT, CARE, HELP, INFO, INSTANCE, SALES, SUPPORT
from tests.support.stack_bed import StackBed

pytestmark = pytest.mark.slow

SEED = {SALES: INFO}
SEARCH = "SearchEmailAddresses"
BY_ADDRESS = {"emailAddress": "Support@Example.com", "aliasEmailAddress": "HELP@example.com"}
INSTANCE_ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{INSTANCE}"
LAG_S = 5.0


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[ConnectEmulator]:
    """The seed, with the emulator options a test names (`indirect=True`)."""
    with ConnectEmulator.from_seed(**getattr(request, "param", {})) as emu:
        yield emu


@pytest.fixture(autouse=True)
def no_address_reaches_a_log(stack_bed: StackBed) -> Iterator[None]:
    yield
    for result in stack_bed.results:
        assert addresses_in(result.logs) == [], result.logs


def searches(e2e: StackBed, result) -> list:
    return [c for c in e2e.calls(result) if c.operation == SEARCH]


def test_create_by_address_records_the_same_pair_as_by_ids(e2e):
    """The template's addresses differ in case from the instance's: the function compares ignoring case."""
    report = e2e.deploy(**BY_ADDRESS)

    assert report.status == "CREATE_COMPLETE", report
    (create,) = (s.result for s in report.steps)
    assert create.physical_resource_id == pair_id(SUPPORT, HELP)
    assert create.data["EmailAddressId"] == SUPPORT and create.data["AliasEmailAddressId"] == HELP
    assert create.data["EmailAddress"] == "support@example.com"
    assert create.event["ResourceProperties"]["EmailAddress"] == "Support@Example.com"
    calls = alias_calls(e2e.calls(create))
    assert [c.params.get("MaxResults") for c in searches(e2e, create)] == [100]  # both addresses, one page
    assert len(mutating(calls)) == 1 and len(calls) <= 3 + 1  # the budget plus one page
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_switching_from_ids_to_addresses_keeps_the_physical_id_and_changes_nothing(e2e):
    e2e.deploy()

    report = e2e.deploy(**BY_ADDRESS)

    assert report.status == "UPDATE_COMPLETE", report
    assert [(p, t) for p, t, _ in report.sequence()] == [("update", "Update")]  # no cleanup: same id
    (update,) = (s.result for s in report.steps)
    assert update.physical_resource_id == pair_id(SUPPORT, HELP)
    assert mutating(e2e.calls(update)) == []
    assert len(searches(e2e, update)) == 1 and len(alias_calls(e2e.calls(update))) <= 2 + 1
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_swap_by_address_and_its_cleanup_delete(e2e):
    """Old and new properties both name addresses by email: one scan resolves all of them; the cleanup
    Delete of the old pair acts on its PhysicalResourceId (no lookup) and never removes the new pair."""
    e2e.deploy(**BY_ADDRESS)

    report = e2e.deploy(**{**BY_ADDRESS, "aliasEmailAddress": "CustomerCare@example.com"})

    assert report.status == "UPDATE_COMPLETE", report
    update, cleanup = (s.result for s in report.steps)
    assert update.physical_resource_id == pair_id(SUPPORT, CARE)
    assert update.data["AliasEmailAddress"] == "customercare@example.com"
    assert ops(mutating(e2e.calls(update))) == [
        ("DisassociateEmailAddressAlias", SUPPORT, HELP),
        ("AssociateEmailAddressAlias", SUPPORT, CARE),
    ]
    assert len(searches(e2e, update)) == 1 and len(alias_calls(e2e.calls(update))) <= 5 + 1
    assert cleanup.request_type == "Delete" and cleanup.ok
    assert cleanup.physical_resource_id == pair_id(SUPPORT, HELP)
    assert mutating(e2e.calls(cleanup)) == [] and searches(e2e, cleanup) == []
    assert e2e.state() == {**SEED, SUPPORT: CARE}
    destroyed = e2e.destroy()
    assert destroyed.ok and e2e.state() == SEED
    assert searches(e2e, destroyed.steps[0].result) == []


def test_an_instance_of_150_addresses_resolves_within_two_search_pages(e2e):
    for n in range(145):
        e2e.emulator.create_email_address(INSTANCE, f"Agent{n:03}@Example.com")
    # Sorted by address, both come after the first 100: "agent144@" (stored with capitals) and "support@".
    result = e2e.send("Create", named("agent144@example.com", "support@example.com"))

    assert result.ok, result.reason
    agent = e2e.emulator.aliases_by_primary(INSTANCE)
    (primary,) = [p for p, a in agent.items() if a == SUPPORT]
    assert e2e.emulator.address(INSTANCE, primary).email_address == "Agent144@Example.com"
    pages = searches(e2e, result)
    assert len(pages) == 2 and all(c.params["MaxResults"] == 100 for c in pages)
    assert "NextToken" in pages[1].params
    assert len(mutating(e2e.calls(result))) == 1 and len(alias_calls(e2e.calls(result))) <= 3 + 2


@pytest.mark.parametrize(
    "emulator", [{"read_lag": ReadLag(new_address=LAG_S), "clock": ManualClock()}], indirect=True
)
def test_an_address_created_moments_ago_is_waited_for(stack_bed: StackBed):
    """Created over the wire just before: the first search does not list it yet; once the emulator's clock
    passes its read lag, the function's next search finds it."""
    client = stack_bed.emulator.client()
    created = client.create_email_address(InstanceId=INSTANCE, EmailAddress="orders@example.com")
    clock = stack_bed.emulator.clock
    assert isinstance(clock, ManualClock)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(stack_bed.send, "Create", named(SUPPORT, "orders@example.com"))
        stack_bed.wait_for_call(SEARCH, 1)
        clock.advance(LAG_S)
        result = pending.result()

    assert result.ok, result.reason
    assert stack_bed.state() == {**SEED, SUPPORT: created["EmailAddressId"]}
    assert len(searches(stack_bed, result)) >= 2


def test_an_unknown_address_fails_naming_it_after_a_short_wait_and_changes_nothing(e2e):
    result = e2e.send("Create", named(SUPPORT, "Nobody@Example.com"))

    assert result.status == "FAILED"
    assert "AliasConfiguration.EmailAddress 'Nobody@Example.com' was not found" in result.reason
    assert INSTANCE in result.reason
    assert mutating(e2e.calls(result)) == [] and len(searches(e2e, result)) > 1
    assert not (result.physical_resource_id or "").startswith("connect-email-alias:v1:")
    assert e2e.state() == SEED


def test_a_misspelt_region_fails_at_once_naming_it_with_no_call(e2e):
    """Before, the function retried a connection that never opens until its time ran out (114 s of 120 s);
    with 30 s to live it must answer, having made no call."""
    arn = INSTANCE_ARN.replace("us-east-1", "us-eats-1")
    result = e2e.send("Create", properties(SUPPORT, HELP, instance=arn), timeout_s=30)

    assert result.status == "FAILED" and "us-eats-1" in result.reason, result.reason
    assert "no Amazon Connect endpoint" in result.reason
    assert e2e.calls(result) == [] and e2e.state() == SEED


def test_an_arn_of_another_connect_region_is_not_found_there(e2e):
    """eu-west-2 has Connect, but none of the seeded instances: the calls go there and find nothing."""
    arn = INSTANCE_ARN.replace("us-east-1", "eu-west-2")
    by_id = e2e.send("Create", properties(SUPPORT, HELP, instance=arn))
    by_email = e2e.send("Create", named("support@example.com", HELP, instance=arn))

    for result in (by_id, by_email):
        assert result.status == "FAILED" and "was not found in eu-west-2" in result.reason, result.reason
        assert mutating(e2e.calls(result)) == []
    assert [c.operation for c in e2e.calls(by_email)] == [SEARCH]
    assert e2e.state() == SEED


def test_an_arn_of_another_account_fails_naming_both_accounts_with_no_call(e2e):
    arn = INSTANCE_ARN.replace(ACCOUNT, "999999999999")
    result = e2e.send("Create", named("support@example.com", HELP, instance=arn))

    assert result.status == "FAILED", result.reason
    assert "999999999999" in result.reason and ACCOUNT in result.reason
    assert e2e.calls(result) == [] and e2e.state() == SEED
