"""Properties and PhysicalResourceIds (docs/design.md § Handler)."""

from __future__ import annotations

import pytest
from contract import PHYSICAL_ID_PREFIX
from hypothesis import given
from hypothesis import strategies as st
from properties import (
    Pair,
    PropertyError,
    mint_physical_id,
    parse_physical_id,
    parse_properties,
)

from tests.support.seed import HELP, INSTANCE, SUPPORT

ARN_BASE = f"arn:aws:connect:eu-west-2:123456789012:instance/{INSTANCE}"


def props(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
        "InstanceId": INSTANCE,
        "EmailAddressId": SUPPORT,
        "AliasConfiguration": {"EmailAddressId": HELP},
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def error_of(p: object, region: str | None = "us-east-1") -> str:
    with pytest.raises(PropertyError) as exc:
        parse_properties(p, region)
    reason = str(exc.value)
    assert 0 < len(reason) <= 256
    return reason


def test_plain_ids_use_the_functions_region():
    assert parse_properties(props(), "us-east-1") == Pair("us-east-1", INSTANCE, SUPPORT, HELP)


def test_service_timeout_and_service_token_are_ignored():
    assert parse_properties(props(ServiceTimeout="300"), "us-east-1").alias_id == HELP


def test_arns_are_normalised_and_calls_go_to_the_arns_region():
    p = props(
        InstanceId=ARN_BASE,
        EmailAddressId=f"{ARN_BASE}/email-address/{SUPPORT}",
        AliasConfiguration={"EmailAddressId": f"{ARN_BASE}/email-address/{HELP}"},
    )
    assert parse_properties(p, "us-east-1") == Pair("eu-west-2", INSTANCE, SUPPORT, HELP)


def test_address_arn_with_plain_instance_id_sets_region():
    p = props(EmailAddressId=f"{ARN_BASE}/email-address/{SUPPORT}")
    assert parse_properties(p, "us-east-1").region == "eu-west-2"


def test_id_and_arn_spellings_of_one_pair_give_the_same_physical_id():
    arn = props(InstanceId=ARN_BASE.replace("eu-west-2", "us-east-1"))
    assert mint_physical_id(parse_properties(arn, None)) == mint_physical_id(
        parse_properties(props(), "us-east-1")
    )


def test_unknown_key_is_named_with_the_allowed_keys():
    reason = error_of(props(EmailAdressId="x"))
    assert "EmailAdressId" in reason and "Allowed: InstanceId, EmailAddressId, AliasConfiguration" in reason


def test_unknown_key_inside_alias_configuration_is_named():
    reason = error_of(props(AliasConfiguration={"EmailAddressId": HELP, "Extra": "1"}))
    assert "AliasConfiguration.'Extra'" in reason


@pytest.mark.parametrize("missing", ["InstanceId", "EmailAddressId", "AliasConfiguration"])
def test_missing_property_is_named(missing):
    assert f"{missing} is required" in error_of(props(**{missing: ...}))


def test_missing_alias_id_is_named():
    assert "AliasConfiguration.EmailAddressId is required" in error_of(props(AliasConfiguration={}))


def test_alias_equal_to_primary_is_refused():
    reason = error_of(props(AliasConfiguration={"EmailAddressId": SUPPORT}))
    assert "equals EmailAddressId" in reason and "choose a different alias" in reason


def test_alias_equal_to_primary_after_normalising_arn_is_refused():
    arn = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/{SUPPORT}"
    assert "cannot be its own alias" in error_of(props(AliasConfiguration={"EmailAddressId": arn}))


def test_list_where_an_object_belongs_is_refused():
    assert "AliasConfiguration must be an object" in error_of(
        props(AliasConfiguration=[{"EmailAddressId": HELP}])
    )


def test_properties_that_are_not_an_object_are_refused():
    assert "ResourceProperties must be an object" in error_of(None)


@pytest.mark.parametrize("value", [5, True, ["a"], {"a": 1}])
def test_non_string_ids_are_refused(value):
    assert "EmailAddressId must be a string" in error_of(props(EmailAddressId=value))


@pytest.mark.parametrize("value", [f" {SUPPORT}", f"{SUPPORT}\n", ""])
def test_padded_or_empty_ids_are_refused(value):
    reason = error_of(props(EmailAddressId=value))
    assert "EmailAddressId" in reason and ("whitespace" in reason or "empty" in reason)


@pytest.mark.parametrize("value", ["a\x00b", "a b", "a/b", "a:b", "é"])
def test_control_space_slash_and_non_ascii_are_refused(value):
    assert "contains whitespace, control" in error_of(props(EmailAddressId=value))


def test_overlong_ids_are_refused_without_echoing_them():
    huge = "x" * 100_000
    reason = error_of(props(EmailAddressId=huge))
    assert "more than 500" in reason and huge[:60] not in reason
    assert "more than 100" in error_of(props(InstanceId="i" * 101))


def test_huge_unknown_key_is_not_echoed():
    reason = error_of(props(**{"K" * 5000: "v"}))
    assert "K" * 60 not in reason


def test_arn_of_another_instance_is_refused():
    other = "arn:aws:connect:us-east-1:123456789012:instance/other/email-address/" + HELP
    reason = error_of(props(AliasConfiguration={"EmailAddressId": other}))
    assert "AliasConfiguration.EmailAddressId is an ARN in instance 'other'" in reason


def test_arns_in_different_regions_are_refused():
    a = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/{SUPPORT}"
    b = f"arn:aws:connect:us-west-2:123456789012:instance/{INSTANCE}/email-address/{HELP}"
    assert "are ARNs in different regions (us-east-1, us-west-2): use ARNs of one instance" in error_of(
        props(EmailAddressId=a, AliasConfiguration={"EmailAddressId": b})
    )


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:connect:us-east-1:123456789012:instance/x",  # instance ARN where an address belongs
        "arn:aws:s3:us-east-1:123456789012:instance/x/email-address/y",
        "arn:aws:connect:nowhere:123456789012:instance/x/email-address/y",
        "arn:aws:connect:us-east-1:12:instance/x/email-address/y",
    ],
)
def test_malformed_arns_are_refused_with_the_expected_shape(value):
    reason = error_of(props(EmailAddressId=value))
    assert "EmailAddressId" in reason and "email-address/<emailAddressId>" in reason


def test_no_region_anywhere_is_refused():
    assert "AWS_REGION" in error_of(props(), None)


# -- PhysicalResourceId ------------------------------------------------------------------------------


def test_physical_id_round_trips_and_has_the_prefix():
    p = Pair("us-east-1", INSTANCE, SUPPORT, HELP)
    pid = mint_physical_id(p)
    assert pid.startswith(PHYSICAL_ID_PREFIX) and parse_physical_id(pid) == p


@pytest.mark.parametrize(
    "pid",
    [
        "",
        None,
        7,
        "mystack_Alias_ABCDEFGH",
        PHYSICAL_ID_PREFIX + "us-east-1:a:b",
        PHYSICAL_ID_PREFIX + "x:a:b:c",
        PHYSICAL_ID_PREFIX + "us-east-1:a:b:b",
        PHYSICAL_ID_PREFIX + "us-east-1:a:b:%63",
    ],
)
def test_ids_we_did_not_mint_are_not_ours(pid):
    assert parse_physical_id(pid) is None


def test_ids_too_long_for_a_physical_id_are_refused_at_mint():
    p = Pair("us-east-1", "i" * 100, "p" * 500, "a" * 500)
    with pytest.raises(PropertyError) as exc:
        mint_physical_id(p)
    assert "too long to record" in str(exc.value) and len(str(exc.value)) <= 256


_id = st.text(
    st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="/:@"), min_size=1, max_size=60
)


@given(
    instance=_id,
    primary=_id,
    alias=_id,
    region=st.sampled_from(["us-east-1", "eu-central-1", "us-gov-west-1"]),
)
def test_physical_id_round_trip_property(instance, primary, alias, region):
    if primary == alias:
        return
    p = Pair(region, instance, primary, alias)
    pid = mint_physical_id(p)
    assert len(pid.encode()) <= 1024 and parse_physical_id(pid) == p


@given(a=st.tuples(_id, _id, _id), b=st.tuples(_id, _id, _id))
def test_different_pairs_give_different_ids(a, b):
    if a == b or a[1] == a[2] or b[1] == b[2]:
        return
    assert mint_physical_id(Pair("us-east-1", *a)) != mint_physical_id(Pair("us-east-1", *b))


@given(st.text(max_size=300))
def test_parse_physical_id_never_raises(text):
    parse_physical_id(PHYSICAL_ID_PREFIX + text)
    parse_physical_id(text)


@given(
    st.dictionaries(
        st.text(max_size=20), st.one_of(st.text(max_size=50), st.integers(), st.none()), max_size=5
    )
)
def test_parse_properties_only_raises_property_error_with_short_reason(d):
    try:
        parse_properties(d, "us-east-1")
    except PropertyError as err:
        assert len(str(err)) <= 256
