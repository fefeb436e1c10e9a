"""The one ID/ARN grammar and the owner record's value (docs/design.md § Handler)."""

from __future__ import annotations

import re

import pytest
from contract import (
    GrammarError,
    IdOrArn,
    check_account,
    check_distinct_emails,
    check_one_form,
    email_key,
    owner_tag_value,
    parse_email,
    parse_id_or_arn,
    parse_owner_record,
    same_stack,
)

from tests.support.seed import INSTANCE, SUPPORT

GOV = ("aws-us-gov", "us-gov-west-1", "123456789012")
INSTANCE_ARN = f"arn:aws-us-gov:connect:us-gov-west-1:123456789012:instance/{INSTANCE}"


@pytest.mark.parametrize(
    ("value", "kind", "parsed"),
    [
        (SUPPORT, "email-address", IdOrArn(SUPPORT)),
        ("!#$-.09;<=>?AZ[\\]^_`az{|}~", "email-address", IdOrArn("!#$-.09;<=>?AZ[\\]^_`az{|}~")),
        (INSTANCE_ARN, "instance", IdOrArn(INSTANCE, *GOV, INSTANCE)),
        (
            f"{INSTANCE_ARN}/email-address/{SUPPORT}",
            "email-address",
            IdOrArn(SUPPORT, *GOV, INSTANCE),
        ),
    ],
)
def test_ids_and_arns_parse_to_the_plain_id_and_where_it_lives(value, kind, parsed):
    assert parse_id_or_arn(value, kind, "X") == parsed


@pytest.mark.parametrize(
    ("value", "kind", "words"),
    [
        ("a:b", "email-address", "'/', ':' or"),
        ("a/b", "instance", "'/', ':' or"),
        ("support@example.com", "email-address", "looks like an email address"),
        ("é", "instance", "non-ASCII"),
        (" a", "instance", "whitespace"),
        ("", "instance", "empty"),
        (5, "instance", "must be a string"),
        ("x" * 101, "instance", "more than 100"),
        ("x" * 501, "email-address", "more than 500"),
        (INSTANCE_ARN, "email-address", f"is an instance ARN (it ends at 'instance/{INSTANCE}'): use the"),
        (f"{INSTANCE_ARN}/email-address/{SUPPORT}", "instance", f"(it ends in '/email-address/{SUPPORT}')"),
        (f"arn:aws:connect:us-east-1:12345:instance/{INSTANCE}", "instance", "its account '12345' is not 12"),
        (f"arn:aws:connect:Mars:123456789012:instance/{INSTANCE}", "instance", "its region 'Mars' is not"),
        (f"arn:aws:kms:us-east-1:123456789012:instance/{INSTANCE}", "instance", "its service 'kms' is not"),
        (f"arn:aws-x1:connect:us-east-1:123456789012:instance/{INSTANCE}", "instance", "partition 'aws-x1'"),
        (f"arn:aws:connect:us-east-1:123456789012:queue/{INSTANCE}", "instance", "starts 'queue', not"),
        (f"{INSTANCE_ARN}/queue/{SUPPORT}", "email-address", f"comes '/queue/{SUPPORT}', not /email"),
        ("arn:aws:connect:us-east-1", "instance", "it has 3 of the 5 ':' separators an ARN needs"),
        ("arn:aws:connect:us-east-1:123456789012:instance/a:b", "instance", "invalid instance ID"),
        (f"{INSTANCE_ARN}/email-address/", "email-address", "invalid email-address ID"),
    ],
)
def test_anything_else_is_refused_naming_the_value_the_problem_and_the_fix(value, kind, words):
    with pytest.raises(GrammarError) as exc:
        parse_id_or_arn(value, kind, "TheName")
    assert str(exc.value).startswith("TheName") and words in str(exc.value)


def test_owner_value_is_stable_per_stack_and_logical_id_and_fits_connects_tag_rules():
    stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/Shop/6f1d2c4e-0000-4000-8000-000000000001"
    value = owner_tag_value(stack, "SupportAlias", SUPPORT)
    assert value == owner_tag_value(stack, "SupportAlias", SUPPORT)
    assert value != owner_tag_value(stack, "SupportAlias2", SUPPORT)
    assert value != owner_tag_value(stack, "SupportAlias", "other-primary")
    recreated = stack.replace("0001", "0002")
    assert value != owner_tag_value(recreated, "SupportAlias", SUPPORT)
    assert value.endswith("/Shop/SupportAlias")
    long = owner_tag_value(stack, "L" * 300, SUPPORT)
    assert len(long) == 256 and re.fullmatch(r"[A-Za-z0-9_.:/=+\-@ ]+", long)


def test_same_stack_tells_a_sibling_resource_from_another_stack():
    shop = "arn:aws:cloudformation:us-east-1:123456789012:stack/Shop/6f1d2c4e-0000-4000-8000-000000000001"
    sites = shop.replace("/Shop/", "/Sites/")
    mine = owner_tag_value(shop, "SupportAlias", SUPPORT)
    assert same_stack(mine, owner_tag_value(shop, "SalesAlias", "other-primary"))
    assert same_stack(mine, owner_tag_value(shop, "L" * 300, SUPPORT))  # the cut never reaches the stack name
    assert not same_stack(mine, owner_tag_value(sites, "SupportAlias", SUPPORT))
    assert not same_stack(mine, "written-by-hand") and not same_stack("a", "b")


def test_an_owner_record_reads_back_as_the_stack_and_logical_id_it_names():
    shop = "arn:aws:cloudformation:us-east-1:123456789012:stack/Shop/6f1d2c4e-0000-4000-8000-000000000001"
    record = parse_owner_record(owner_tag_value(shop, "SupportAlias", SUPPORT))
    assert record is not None and (record.stack_name, record.logical_id) == ("Shop", "SupportAlias")
    assert record.digest == owner_tag_value(shop, "SupportAlias", SUPPORT).split("/")[0]
    cut = parse_owner_record(owner_tag_value(shop, "L" * 300, SUPPORT))
    assert cut is not None and cut.stack_name == "Shop" and cut.logical_id.startswith("LLL")
    for not_ours in ("written-by-hand", "a/b/c", f"{'0' * 16}//SupportAlias", f"{'0' * 16}/Shop"):
        assert parse_owner_record(not_ours) is None, not_ours


# -- addresses named by email (contract §1b) ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["support@example.com", "Support@Example.COM", "a.b+c@mail.example.co.uk"])
def test_email_addresses_are_accepted_as_given(value):
    assert parse_email(value, "TheName", "TheId") == value
    assert email_key(value) == value.lower()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "empty"),
        (5, "must be a string"),
        ("support", "is not an email address"),
        ("support@example", "is not an email address"),
        (SUPPORT, "is not an email address"),
        (" support@example.com", "is not an email address"),
        ("sup port@example.com", "is not an email address"),
        ("support@@example.com", "is not an email address"),
        ("sup\x00port@example.com", "is not an email address"),
        ("a" * 250 + "@example.com", "more than 255"),
    ],
)
def test_anything_but_an_email_address_is_refused_pointing_at_the_id_form(value, words):
    with pytest.raises(GrammarError) as exc:
        parse_email(value, "TheName", "TheId")
    assert str(exc.value).startswith("TheName") and words in str(exc.value)
    if "not an email" in words:
        assert "TheId" in str(exc.value)


def test_an_email_address_given_as_an_id_points_at_the_address_form():
    with pytest.raises(GrammarError) as exc:
        parse_id_or_arn("support@example.com", "email-address", "TheId", email_name="TheEmail")
    assert "is an email address" in str(exc.value) and "TheEmail" in str(exc.value)


def test_exactly_one_form_names_an_address():
    check_one_form("id", None, "I", "E")
    check_one_form(None, "a@b.c", "I", "E")
    for both_or_neither in (("id", "a@b.c"), (None, None)):
        with pytest.raises(GrammarError) as exc:
            check_one_form(*both_or_neither, "TheId", "TheEmail")
        assert "TheId" in str(exc.value) and "TheEmail" in str(exc.value)


def test_an_alias_equal_to_its_primary_by_email_is_refused_ignoring_case():
    check_distinct_emails("support@example.com", "help@example.com")
    check_distinct_emails("support@example.com", None)
    with pytest.raises(GrammarError, match="own alias"):
        check_distinct_emails("support@example.com", "SUPPORT@example.com")


def test_an_arn_of_another_account_is_refused_naming_both():
    check_account("X", "123456789012", "123456789012", "the stack")
    check_account("X", "123456789012", None, "the stack")  # unknown: nothing to compare
    with pytest.raises(GrammarError) as exc:
        check_account("TheName", "999999999999", "123456789012", "the stack")
    message = str(exc.value)
    assert message.startswith("TheName") and "999999999999" in message and "123456789012" in message
    assert len(message) <= 256
