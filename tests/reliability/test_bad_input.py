"""Bad-input matrix: malformed ResourceProperties played as the FIRST event (Create) through the real
function. Each must answer FAILED before the deadline with a short reason naming the property and the fix,
make no mutating call and leave Connect as it was. `raw` cases put non-string JSON values in the event
(a hand-written invoke); the others go through CloudFormation's stringification, as in real life."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from connect_email_alias.local import CloudFormationPlayer, ConnectEmulator, ResponseReceiver
from connect_email_alias.local.cloudformation.template import Resolver
from connect_email_alias.local.runtime.runner import LambdaRunner
from connect_email_alias.local.runtime.virtual_time import VirtualClock
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reliability.conftest import LOGS, leaks
from tests.support.assembly import DEMO_STACK, REPO
from tests.support.calls import MUTATING
from tests.support.seed import CARE, INSTANCE, SUPPORT

INST, P, A = INSTANCE, SUPPORT, CARE
ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INST}"
OTHER = "99999999-9999-4999-8999-999999999999"


def good(**over):
    props = {"InstanceId": INST, "EmailAddressId": P, "AliasConfiguration": {"EmailAddressId": A}}
    props.update(over)
    return {k: v for k, v in props.items() if v is not _DROP}


_DROP = object()
FIX_WORDS = ("use", "set", "remove", "choose", "check", "pass", "fix", "must be", "of the form")

# (case, properties, raw (not stringified), a word the reason must contain)
CASES = [
    ("InstanceId missing", good(InstanceId=_DROP), False, "InstanceId"),
    ("EmailAddressId missing", good(EmailAddressId=_DROP), False, "EmailAddressId"),
    ("AliasConfiguration missing", good(AliasConfiguration=_DROP), False, "AliasConfiguration"),
    (
        "AliasConfiguration empty object",
        good(AliasConfiguration={}),
        False,
        "AliasConfiguration.EmailAddressId",
    ),
    ("InstanceId empty", good(InstanceId=""), False, "InstanceId"),
    (
        "alias id empty",
        good(AliasConfiguration={"EmailAddressId": ""}),
        False,
        "AliasConfiguration.EmailAddressId",
    ),
    ("InstanceId null (raw)", good(InstanceId=None), True, "InstanceId"),
    ("InstanceId null (stringified to '')", good(InstanceId=None), False, "InstanceId"),
    ("InstanceId a number (raw)", good(InstanceId=12345), True, "InstanceId"),
    ("InstanceId a number (stringified: no such instance)", good(InstanceId=12345), False, "InstanceId"),
    ("EmailAddressId a boolean (raw)", good(EmailAddressId=True), True, "EmailAddressId"),
    ("EmailAddressId a list", good(EmailAddressId=[P]), False, "EmailAddressId"),
    (
        "AliasConfiguration a list of objects",
        good(AliasConfiguration=[{"EmailAddressId": A}]),
        False,
        "AliasConfiguration",
    ),
    ("AliasConfiguration a string", good(AliasConfiguration=A), False, "AliasConfiguration"),
    (
        "alias id a nested object",
        good(AliasConfiguration={"EmailAddressId": {"Id": A}}),
        False,
        "AliasConfiguration.EmailAddressId",
    ),
    ("ResourceProperties a list (raw)", [good()], True, "ResourceProperties"),
    ("InstanceId 101 characters", good(InstanceId="a" * 101), False, "InstanceId"),
    ("EmailAddressId 501 characters", good(EmailAddressId="b" * 501), False, "EmailAddressId"),
    (
        "alias ARN 800 characters",
        good(AliasConfiguration={"EmailAddressId": f"{ARN}/email-address/{'c' * 740}"}),
        False,
        "AliasConfiguration.EmailAddressId",
    ),
    (
        "InstanceId ARN without the instance id",
        good(InstanceId="arn:aws:connect:us-east-1:123456789012:instance"),
        False,
        "InstanceId",
    ),
    ("InstanceId is an email-address ARN", good(InstanceId=f"{ARN}/email-address/{P}"), False, "InstanceId"),
    ("EmailAddressId is an instance ARN", good(EmailAddressId=ARN), False, "EmailAddressId"),
    (
        "EmailAddressId ARN of another instance",
        good(EmailAddressId=f"arn:aws:connect:us-east-1:123456789012:instance/{OTHER}/email-address/{P}"),
        False,
        "instance",
    ),
    (
        "ARNs in different partitions",
        good(
            InstanceId=ARN,
            EmailAddressId=f"arn:aws-cn:connect:us-east-1:123456789012:instance/{INST}/email-address/{P}",
        ),
        False,
        "partitions",
    ),
    (
        "ARNs in different regions",
        good(
            InstanceId=ARN,
            EmailAddressId=f"arn:aws:connect:eu-west-2:123456789012:instance/{INST}/email-address/{P}",
        ),
        False,
        "regions",
    ),
    (
        "ARN with a 5-digit account",
        good(InstanceId="arn:aws:connect:us-east-1:12345:instance/" + INST),
        False,
        "account",
    ),
    (
        "ARN of another service",
        good(InstanceId=f"arn:aws:s3:us-east-1:123456789012:instance/{INST}"),
        False,
        "InstanceId",
    ),
    ("alias == primary", good(AliasConfiguration={"EmailAddressId": P}), False, "own alias"),
    (
        "alias ARN == primary id",
        good(AliasConfiguration={"EmailAddressId": f"{ARN}/email-address/{P}"}),
        False,
        "own alias",
    ),
    ("unknown key (typo Alias)", {**good(), "Alias": A}, False, "Unknown property"),
    ("wrong case key instanceId", {**good(InstanceId=_DROP), "instanceId": INST}, False, "instanceId"),
    (
        "unknown nested key",
        good(AliasConfiguration={"EmailAddressId": A, "Enabled": "true"}),
        False,
        "AliasConfiguration",
    ),
    ("leading/trailing whitespace", good(EmailAddressId=f" {P} "), False, "whitespace"),
    ("zero-width space inside an ID", good(EmailAddressId=P[:8] + "\u200b" + P[8:]), False, "non-ASCII"),
    ("fullwidth digits (unicode lookalike)", good(EmailAddressId="\uff11" * 8 + P[8:]), False, "non-ASCII"),
    ("newline inside an ID", good(InstanceId=INST[:10] + "\n" + INST[10:]), False, "InstanceId"),
    ("'/' inside an ID (path injection)", good(EmailAddressId=f"{P}/../{A}"), False, "'/'"),
    # addresses named by their email address (contract §1b)
    (
        "EmailAddress and EmailAddressId both",
        good(EmailAddress="support@example.com"),
        False,
        "EmailAddressId and EmailAddress are both set",
    ),
    (
        "AliasConfiguration names the alias both ways",
        good(AliasConfiguration={"EmailAddressId": A, "EmailAddress": "care@example.com"}),
        False,
        "AliasConfiguration.EmailAddress",
    ),
    ("EmailAddress not an email address", good(EmailAddressId=_DROP, EmailAddress=P), False, "EmailAddress"),
    (
        "AliasConfiguration.EmailAddress not an email address",
        good(AliasConfiguration={"EmailAddress": "care@"}),
        False,
        "AliasConfiguration.EmailAddress",
    ),
    ("EmailAddress empty", good(EmailAddressId=_DROP, EmailAddress=""), False, "EmailAddress"),
    ("email address given as the ID", good(EmailAddressId="support@example.com"), False, "EmailAddress"),
    (
        "alias == primary by email, other case",
        good(
            EmailAddressId=_DROP,
            EmailAddress="support@example.com",
            AliasConfiguration={"EmailAddress": "SUPPORT@example.com"},
        ),
        False,
        "own alias",
    ),
    # where the calls go (contract §1)
    ("ARN with a misspelt region", good(InstanceId=ARN.replace("us-east-", "us-eats-")), False, "us-eats-1"),
    ("ARN of another account", good(InstanceId=ARN.replace("123456789012", "9" * 12)), False, "account"),
]


@pytest.fixture(scope="module")
def world(demo_stack) -> Iterator[tuple[CloudFormationPlayer, ConnectEmulator, ResponseReceiver, object]]:
    """One emulator and player for every case (on virtual time, the function's process kept warm)."""
    with (
        VirtualClock() as clock,
        ConnectEmulator.from_seed(clock=clock) as emu,
        ResponseReceiver() as rcv,
        LambdaRunner(warm=True, clock=clock) as runner,
        CloudFormationPlayer(rcv, connect_endpoint=emu.endpoint_url, runner=runner) as player,
    ):
        source = demo_stack()
        (spec,) = source.custom_resources(Resolver(source.template, source.name, player.env))
        yield player, emu, rcv, spec


@pytest.mark.slow
@pytest.mark.parametrize(("case", "properties", "raw", "word"), CASES, ids=[c[0] for c in CASES])
def test_bad_properties_fail_the_first_event_cleanly(world, case, properties, raw, word):
    player, emu, rcv, spec = world
    before = emu.aliases_by_primary(INSTANCE)
    emu.clear_calls()
    event = player.event("Create", spec, good(), stack_name=DEMO_STACK)
    if raw:
        event["ResourceProperties"] = (
            properties
            if not isinstance(properties, dict)
            else {**properties, "ServiceToken": spec.function.arn}
        )
    else:
        event = player.event(
            "Create", spec, properties if isinstance(properties, dict) else {}, stack_name=DEMO_STACK
        )
    result = player.invoke(event, spec.function, timeout_s=15)
    LOGS.append(result.logs)
    assert result.status == "FAILED", (case, result.reason)
    assert result.answered_before_deadline and result.responses == 1 and not result.validation_errors
    reason = result.reason or ""
    assert len(reason) <= 256
    assert word.lower() in reason.lower(), reason
    assert any(w in reason.lower() for w in FIX_WORDS), reason
    assert not (result.physical_resource_id or "").startswith("connect-email-alias:v1:")
    assert [c.operation for c in emu.calls if c.operation in MUTATING] == []
    assert emu.aliases_by_primary(INSTANCE) == before
    assert leaks(result.logs, rcv.url_secret) == []
    assert rcv.violations() == []


def test_bad_input_matrix_is_large_enough():
    assert len(CASES) >= 25


# -- Hypothesis: the parser itself ------------------------------------------------------------------

sys.path.insert(0, str(REPO / "lambda"))
import properties as parser  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=10,
)
keys = st.sampled_from(
    ["InstanceId", "EmailAddressId", "EmailAddress", "AliasConfiguration", "ServiceToken", "Other"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.dictionaries(keys, json_values, max_size=5)))
def test_parser_never_crashes_and_reasons_are_short(value):
    """Any JSON ResourceProperties: a Pair, or a PropertyError with a reason of at most 256 characters."""
    try:
        declared = parser.parse_properties(value, "us-east-1")
    except parser.PropertyError as err:
        assert 0 < len(err.reason) <= 256
    else:
        assert declared.primary != declared.alias


ids = st.text(
    # '@' is refused: an ID containing it is an email address given instead of its ID.
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="/:@"), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(ids, ids, ids)
def test_plain_ids_and_arns_give_the_same_pair_and_a_parseable_id(instance, primary, alias):
    """An ID and its ARN are the same address; the PhysicalResourceId parses back to the pair."""
    if primary == alias or instance.startswith("arn") or primary.startswith("arn") or alias.startswith("arn"):
        return
    plain = {
        "InstanceId": instance,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }
    arn = f"arn:aws:connect:us-east-1:123456789012:instance/{instance}"
    as_arns = {
        "InstanceId": arn,
        "EmailAddressId": f"{arn}/email-address/{primary}",
        "AliasConfiguration": {"EmailAddressId": f"{arn}/email-address/{alias}"},
    }
    pair = parser.parse_properties(plain, "us-east-1").pair
    assert pair is not None and parser.parse_properties(as_arns, "eu-west-1").pair == pair
    assert parser.parse_physical_id(parser.mint_physical_id(pair)) == pair
