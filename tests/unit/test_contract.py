"""The one ID/ARN grammar and the owner record's value (docs/design.md § Handler)."""

from __future__ import annotations

import re

import pytest
from contract import GrammarError, IdOrArn, owner_tag_value, parse_id_or_arn, same_stack

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
