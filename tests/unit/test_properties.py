"""Properties and PhysicalResourceIds (docs/design.md § Handler)."""

from __future__ import annotations

from typing import Any

import pytest
from contract import PHYSICAL_ID_PREFIX
from hypothesis import given
from hypothesis import strategies as st
from properties import (
    Named,
    Pair,
    PropertyError,
    check_where,
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


def _pair(p: object, region: str | None) -> Pair:
    pair = parse_properties(p, region).pair
    assert pair is not None
    return pair


def error_of(p: object, region: str | None = "us-east-1") -> str:
    with pytest.raises(PropertyError) as exc:
        parse_properties(p, region)
    reason = str(exc.value)
    assert 0 < len(reason) <= 256
    return reason


def test_plain_ids_use_the_functions_region():
    assert parse_properties(props(), "us-east-1").pair == Pair("us-east-1", INSTANCE, SUPPORT, HELP)


def test_service_timeout_and_service_token_are_ignored():
    assert parse_properties(props(ServiceTimeout="300"), "us-east-1").alias.id == HELP


def test_arns_are_normalised_and_calls_go_to_the_arns_region():
    p = props(
        InstanceId=ARN_BASE,
        EmailAddressId=f"{ARN_BASE}/email-address/{SUPPORT}",
        AliasConfiguration={"EmailAddressId": f"{ARN_BASE}/email-address/{HELP}"},
    )
    assert parse_properties(p, "us-east-1").pair == Pair("eu-west-2", INSTANCE, SUPPORT, HELP)


def test_address_arn_with_plain_instance_id_sets_region():
    p = props(EmailAddressId=f"{ARN_BASE}/email-address/{SUPPORT}")
    assert parse_properties(p, "us-east-1").region == "eu-west-2"


def test_id_and_arn_spellings_of_one_pair_give_the_same_physical_id():
    arn = props(InstanceId=ARN_BASE.replace("eu-west-2", "us-east-1"))
    assert mint_physical_id(_pair(arn, None)) == mint_physical_id(_pair(props(), "us-east-1"))


def test_unknown_key_is_named_with_the_allowed_keys():
    reason = error_of(props(EmailAdressId="x"))
    assert "EmailAdressId" in reason
    assert "Allowed: InstanceId, EmailAddressId or EmailAddress, AliasConfiguration (" in reason


def test_unknown_key_inside_alias_configuration_is_named():
    reason = error_of(props(AliasConfiguration={"EmailAddressId": HELP, "Extra": "1"}))
    assert "AliasConfiguration.'Extra'" in reason


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("InstanceId", "InstanceId"),
        ("EmailAddressId", "EmailAddressId or EmailAddress"),
        ("AliasConfiguration", "AliasConfiguration"),
    ],
)
def test_missing_property_is_named(missing, named):
    assert f"{named} is required" in error_of(props(**{missing: ...}))


def test_missing_alias_id_is_named_with_both_forms():
    reason = error_of(props(AliasConfiguration={}))
    assert "AliasConfiguration.EmailAddressId or AliasConfiguration.EmailAddress is required" in reason


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


# -- addresses named by their email (contract §1b) ---------------------------------------------------------


def by_email(primary: object = "support@example.com", alias: object = "help@example.com") -> dict[str, Any]:
    return props(EmailAddressId=..., EmailAddress=primary, AliasConfiguration={"EmailAddress": alias})


def test_addresses_named_by_email_are_kept_as_given_for_the_lookup():
    declared = parse_properties(by_email("Support@Example.com"), "us-east-1")
    assert declared.primary == Named(email="Support@Example.com")
    assert declared.alias == Named(email="help@example.com")
    assert declared.pair is None and declared.instance_id == INSTANCE and declared.region == "us-east-1"
    mixed = parse_properties(props(AliasConfiguration={"EmailAddress": "help@example.com"}), "us-east-1")
    assert mixed.primary == Named(SUPPORT) and mixed.alias == Named(email="help@example.com")


@pytest.mark.parametrize(
    ("over", "names"),
    [
        ({"EmailAddress": "support@example.com"}, ("EmailAddressId", "EmailAddress", "both set")),
        (
            {"AliasConfiguration": {"EmailAddressId": HELP, "EmailAddress": "help@example.com"}},
            ("AliasConfiguration.EmailAddressId", "AliasConfiguration.EmailAddress", "both set"),
        ),
        ({"EmailAddressId": ..., "EmailAddress": None}, ("EmailAddressId or EmailAddress", "required")),
    ],
)
def test_both_forms_or_neither_fail_naming_the_keys(over, names):
    reason = error_of(props(**over))
    assert all(n in reason for n in names), reason


@pytest.mark.parametrize("value", ["support", SUPPORT, f"{ARN_BASE}/email-address/{SUPPORT}", 7])
def test_a_value_that_is_not_an_email_address_fails_naming_the_property(value):
    reason = error_of(by_email(alias=value))
    assert reason.startswith("AliasConfiguration.EmailAddress "), reason
    if isinstance(value, str):
        assert "AliasConfiguration.EmailAddressId" in reason  # where an ID or ARN goes


def test_an_email_address_in_an_id_property_points_at_the_email_property():
    reason = error_of(props(EmailAddressId="support@example.com"))
    assert "EmailAddressId" in reason and "use EmailAddress instead to name the address by email" in reason


def test_alias_equal_to_primary_by_email_is_refused_ignoring_case():
    assert "own alias" in error_of(by_email("support@example.com", "SUPPORT@EXAMPLE.COM"))


def test_unknown_key_inside_alias_configuration_lists_both_forms():
    reason = error_of(props(AliasConfiguration={"EmailAdress": "help@example.com"}))
    assert "EmailAddressId or EmailAddress" in reason


# -- where the calls go (contract §1) ----------------------------------------------------------------------


def _connect_regions(partition: str | None, region: str) -> bool:
    return partition in (None, "aws") and region in ("us-east-1", "eu-west-2")


def test_an_arn_in_a_region_without_connect_fails_naming_the_region():
    declared = parse_properties(props(InstanceId=ARN_BASE.replace("eu-west-2", "us-eats-1")), "us-east-1")
    with pytest.raises(PropertyError) as exc:
        check_where(declared, "123456789012", _connect_regions)
    assert "us-eats-1" in str(exc.value) and "InstanceId" in str(exc.value) and "typo" in str(exc.value)


def test_plain_ids_in_a_function_region_without_connect_fail_pointing_at_an_arn():
    with pytest.raises(PropertyError) as exc:
        check_where(parse_properties(props(), "eu-south-1"), "123456789012", _connect_regions)
    assert "eu-south-1" in str(exc.value) and "ARN" in str(exc.value)


def test_an_arn_of_another_account_fails_naming_both_accounts():
    other = ARN_BASE.replace("123456789012", "999999999999")
    declared = parse_properties(props(InstanceId=other), "us-east-1")
    with pytest.raises(PropertyError) as exc:
        check_where(declared, "123456789012", _connect_regions)
    assert "999999999999" in str(exc.value) and "123456789012" in str(exc.value)
    check_where(declared, None, _connect_regions)  # outside Lambda the account is unknown: not checked
    check_where(parse_properties(props(InstanceId=ARN_BASE), "us-east-1"), "123456789012", _connect_regions)
