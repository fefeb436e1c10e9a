"""Contract §2 Create, played from app.py's cdk.out: what Connect holds afterwards, what CloudFormation was
told, and which calls were made. A failed Create must change nothing and leave a rollback Delete with nothing
to do."""

from __future__ import annotations

import pytest

from tests.support.calls import TAG_BUDGET, alias_calls, mutating, ops, tag_calls
from tests.support.resources import ATTRIBUTES, address_arn, pair_id, properties
from tests.support.seed import CARE, HELP, INFO, INSTANCE, MISSING_ADDRESS, MISSING_INSTANCE, SALES, SUPPORT
from tests.support.stack_bed import StackBed

SEED = {SALES: INFO}
LOGICAL_PREFIX = "ConnectEmailAliasDemo_Alias"


def assert_failed_create_changed_nothing(
    e2e: StackBed, report, before: dict[str, str], *, attempts: bool = False
):
    """A refused Create: FAILED with an ID we did not mint, no mutating call (with `attempts`: none that
    Connect accepted), and CloudFormation's rollback Delete of that ID makes no call at all (it must not act
    on a pair it never created)."""
    assert report.status == "ROLLBACK_COMPLETE", report
    assert report.sequence() == [
        ("create", "Create", report.steps[0].result.logical_id),
        ("rollback", "Delete", report.steps[0].result.logical_id),
    ]
    create, rollback = (s.result for s in report.steps)
    assert create.status == "FAILED"
    assert create.data == {}
    assert create.physical_resource_id.startswith(LOGICAL_PREFIX), create.physical_resource_id
    tried = mutating(e2e.calls(create))
    assert [c for c in tried if c.status == 200 or not attempts] == []
    assert rollback.ok and rollback.physical_resource_id == create.physical_resource_id
    assert e2e.calls(rollback) == []
    assert e2e.state() == before
    return create


def test_create_associates_and_returns_all_attributes(e2e):
    report = e2e.deploy()

    assert report.status == "CREATE_COMPLETE", report
    (step,) = report.steps
    result = step.result
    assert result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert result.data == {
        "InstanceId": INSTANCE,
        "EmailAddressId": SUPPORT,
        "AliasEmailAddressId": HELP,
        "EmailAddress": "support@example.com",
        "AliasEmailAddress": "help@example.com",
    }
    assert e2e.state() == {**SEED, SUPPORT: HELP}
    calls = e2e.calls(result)
    assert ops(mutating(calls)) == [("AssociateEmailAddressAlias", SUPPORT, HELP)]
    assert len(alias_calls(calls)) <= 3 and len(tag_calls(calls)) <= TAG_BUDGET
    assert len(mutating(calls)[0].client_token or "") == 64


def test_create_from_arns_records_the_same_pair_as_from_ids(e2e):
    """Instance, primary and alias given as ARNs: the same PhysicalResourceId and attributes as plain IDs,
    so a later switch between the two forms is not a replacement."""
    report = e2e.deploy(
        instanceId=f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}",
        emailAddressId=address_arn(SUPPORT),
        aliasEmailAddressId=address_arn(HELP),
    )

    assert report.status == "CREATE_COMPLETE", report
    result = report.steps[0].result
    assert result.event["ResourceProperties"]["InstanceId"].startswith("arn:aws:connect:")
    assert result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert (result.data["InstanceId"], result.data["EmailAddressId"]) == (INSTANCE, SUPPORT)
    assert ops(mutating(e2e.calls(result))) == [("AssociateEmailAddressAlias", SUPPORT, HELP)]
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_create_adopts_a_pair_that_already_exists(e2e):
    """Re-run or adoption: the pair made by hand is taken over without touching Connect."""
    e2e.emulator.associate(INSTANCE, SUPPORT, HELP)

    report = e2e.deploy()

    assert report.status == "CREATE_COMPLETE", report
    result = report.steps[0].result
    assert result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert set(result.data) == set(ATTRIBUTES)
    assert result.data["AliasEmailAddress"] == "help@example.com"
    assert mutating(e2e.calls(result)) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def test_create_refuses_a_primary_that_has_another_alias(e2e):
    """Never take over an alias this resource does not own: FAILED naming it, CARE stays."""
    e2e.emulator.associate(INSTANCE, SUPPORT, CARE)
    before = e2e.state()

    create = assert_failed_create_changed_nothing(e2e, e2e.deploy(), before)

    assert CARE in create.reason
    assert "already has alias" in create.reason


def test_create_refuses_an_alias_that_has_an_alias_itself(e2e):
    """Chaining: SALES already forwards from INFO, so it cannot become support@'s alias."""
    create = assert_failed_create_changed_nothing(
        e2e, e2e.deploy(aliasEmailAddressId=SALES), {**SEED}
    )

    assert SALES in create.reason
    assert "alias of its own" in create.reason and "chain" in create.reason


def test_create_of_a_pair_that_exists_the_other_way_round_says_what_to_swap(e2e):
    """support@ forwards to help@ (a seed written the wrong way round); the stack wants help@ -> support@."""
    e2e.emulator.associate(INSTANCE, HELP, SUPPORT)
    before = e2e.state()

    create = assert_failed_create_changed_nothing(e2e, e2e.deploy(), before)

    assert create.reason == (
        f"Alias {HELP} is the primary of {SUPPORT}: the pair exists the other way round. If you meant that "
        "pair, swap EmailAddressId and AliasConfiguration.EmailAddressId; else remove that alias first."
    )


@pytest.mark.slow
def test_create_refuses_an_alias_that_is_already_an_alias_elsewhere(e2e):
    """INFO already forwards to SALES. DescribeEmailAddress cannot show that, so after Connect's 409 the
    function searches the instance's addresses and names the primary the alias serves, at once."""
    create = assert_failed_create_changed_nothing(
        e2e, e2e.deploy(aliasEmailAddressId=INFO), {**SEED}, attempts=True
    )

    assert INFO in create.reason and SALES in create.reason, create.reason
    assert all(c.status != 200 for c in mutating(e2e.calls(create)))


@pytest.mark.parametrize(
    ("context", "names"),
    [
        pytest.param(
            {"emailAddressId": MISSING_ADDRESS}, ["EmailAddressId", MISSING_ADDRESS, "primary"], id="P"
        ),
        pytest.param(
            {"aliasEmailAddressId": MISSING_ADDRESS},
            ["AliasConfiguration.EmailAddressId", MISSING_ADDRESS, "alias"],
            id="A",
        ),
        pytest.param({"instanceId": MISSING_INSTANCE}, ["instance", MISSING_INSTANCE], id="I"),
    ],
)
def test_create_says_which_part_does_not_exist(e2e, context, names):
    create = assert_failed_create_changed_nothing(e2e, e2e.deploy(**context), {**SEED})

    for name in names:
        assert name in create.reason, create.reason
    assert "not found" in create.reason.lower() or "does not exist" in create.reason.lower()


@pytest.mark.parametrize(
    ("props", "names"),
    [
        pytest.param(
            properties(SUPPORT, SUPPORT), ["AliasConfiguration.EmailAddressId", "equals"], id="A==P"
        ),
        pytest.param(properties("support/../x", HELP), ["EmailAddressId", "'/'"], id="slash-in-id"),
        pytest.param(
            {**properties(SUPPORT, HELP), "AliasEmailAddressId": HELP}, ["Unknown property"], id="typo"
        ),
    ],
)
def test_create_refuses_what_the_construct_refuses_at_synth(e2e, props, names):
    """A hand-written template can send what the construct refuses at synth: the function refuses it too,
    before any call, and CloudFormation's rollback Delete of the ID it answered makes no call."""
    create = e2e.send("Create", props)

    assert create.status == "FAILED"
    for name in names:
        assert name in create.reason, create.reason
    assert e2e.calls(create) == []
    rollback = e2e.send("Delete", props, physical_id=create.physical_resource_id)
    assert rollback.ok and rollback.physical_resource_id == create.physical_resource_id
    assert e2e.calls(rollback) == []
    assert e2e.state() == SEED


UPPER_INSTANCE = "5e6f0000-0000-4000-8000-0000000000ab"
UPPER_ADDRESS = "aaaa0000-0000-4000-8000-0000000000cd"


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        pytest.param(
            {"instanceId": UPPER_INSTANCE.upper()},
            f"Connect instance {UPPER_INSTANCE.upper()} was not found in us-east-1: Connect's IDs are "
            "lower-case UUIDs; write InstanceId in lower case (and check the region).",
            id="I",
        ),
        pytest.param(
            {"instanceId": INSTANCE, "emailAddressId": UPPER_ADDRESS.upper()},
            f"EmailAddressId {UPPER_ADDRESS.upper()} (primary) was not found in Connect instance {INSTANCE} "
            "(us-east-1): check the ID (Connect's IDs are lower-case UUIDs; use lower case).",
            id="P",
        ),
    ],
)
def test_an_id_in_upper_case_fails_saying_that_connect_ids_are_lower_case(e2e, context, reason):
    """Accepted, as the contract's grammar accepts it (cdk synth warns); Connect does not know the ID."""
    e2e.emulator.create_instance(UPPER_INSTANCE)
    e2e.emulator.create_email_address(INSTANCE, "upper@example.com", email_address_id=UPPER_ADDRESS)
    before = e2e.state()

    create = assert_failed_create_changed_nothing(e2e, e2e.deploy(**context), before)

    assert create.reason == reason
