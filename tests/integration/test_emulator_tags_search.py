"""Tags and SearchEmailAddresses through an unmodified boto3 client, as the ownership record uses them."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from connect_email_alias.local.connect.exceptions import ConnectError

from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

OWNER = "connect-email-alias:owner"


def arn_of(client, address):
    return client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=address)["EmailAddressArn"]


def test_tag_then_untag_an_address_is_seen_by_describe(client, emulator):
    arn = arn_of(client, HELP)
    client.tag_resource(resourceArn=arn, tags={OWNER: "stack/X1", "team": "mail"})
    client.tag_resource(resourceArn=arn, tags={OWNER: "stack/X2"})  # overwrites one, keeps the other
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=HELP)
    assert described["Tags"] == {OWNER: "stack/X2", "team": "mail"}
    client.untag_resource(resourceArn=arn, tagKeys=[OWNER, "never-set"])
    assert emulator.tags(INSTANCE, HELP) == {"team": "mail"}
    client.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert "Tags" not in client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=HELP)
    assert [c.operation for c in emulator.calls if c.operation in ("TagResource", "UntagResource")] == [
        "TagResource",
        "TagResource",
        "UntagResource",
        "UntagResource",
    ]
    assert emulator.calls_to("UntagResource")[0].params["tagKeys"] == [OWNER, "never-set"]


def test_tags_given_at_creation_are_kept(client, emulator):
    created = client.create_email_address(
        InstanceId=INSTANCE, EmailAddress="new@example.com", Tags={"a": "1"}
    )
    assert emulator.tags(INSTANCE, created["EmailAddressId"]) == {"a": "1"}
    assert arn_of(client, created["EmailAddressId"]) == created["EmailAddressArn"]


@pytest.mark.parametrize(
    ("arn", "error"),
    [
        (
            f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/missing",
            "ResourceNotFound",
        ),
        (
            f"arn:aws:connect:eu-west-1:123456789012:instance/{INSTANCE}/email-address/{HELP}",
            "ResourceNotFound",
        ),
        (f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}", "InvalidRequest"),
        ("not-an-arn", "InvalidParameter"),
    ],
)
def test_tagging_something_that_is_not_an_address_here_is_refused(client, emulator, arn, error):
    with pytest.raises(getattr(client.exceptions, f"{error}Exception")):
        client.tag_resource(resourceArn=arn, tags={"k": "v"})
    assert emulator.tags(INSTANCE, HELP) == {}


@pytest.mark.parametrize(
    ("tags", "named"),
    [
        ({"aws:owner": "x"}, "aws:"),
        ({"bad#key": "x"}, "#"),
        ({"k" * 129: "x"}, "1 to 128"),
        ({"k": "v" * 257}, "256"),
    ],
)
def test_bad_tags_are_refused_naming_the_problem(client, tags, named):
    with pytest.raises(client.exceptions.InvalidParameterException, match=named):
        client.tag_resource(resourceArn=arn_of(client, HELP), tags=tags)


def test_more_than_fifty_tags_on_one_address_is_refused(client, emulator):
    emulator.tag(INSTANCE, HELP, {f"k{i}": "v" for i in range(50)})
    with pytest.raises(client.exceptions.InvalidParameterException, match="at most 50"):
        client.tag_resource(resourceArn=arn_of(client, HELP), tags={"one-more": "v"})
    assert len(emulator.tags(INSTANCE, HELP)) == 50


def test_out_of_band_tag_helpers_bypass_faults_and_the_log(emulator):
    emulator.faults.fail_next("*", 10)
    emulator.tag(INSTANCE, HELP, {OWNER: "a", "x": "1"})
    emulator.untag(INSTANCE, HELP, [OWNER])
    assert emulator.tags(INSTANCE, HELP) == {"x": "1"}
    emulator.replace_tags(INSTANCE, HELP, {"tool": "overwrote"})
    assert emulator.address(INSTANCE, HELP).tags == {"tool": "overwrote"}
    assert emulator.calls == []


def test_out_of_band_tag_helpers_follow_connects_tag_rules(emulator):
    """The same rules as over the wire (one check, in the model), changing nothing when they refuse."""
    emulator.tag(INSTANCE, HELP, {"x": "1"})
    for change in (
        lambda: emulator.tag(INSTANCE, HELP, {"aws:owner": "y"}),
        lambda: emulator.untag(INSTANCE, HELP, ["bad#key"]),
        lambda: emulator.untag(INSTANCE, HELP, []),
    ):
        with pytest.raises(ConnectError) as refused:
            change()
        assert refused.value.code == "InvalidParameterException"
    assert emulator.tags(INSTANCE, HELP) == {"x": "1"}


def test_alias_map_in_both_directions(emulator):
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}
    assert emulator.primary_of_alias(INSTANCE, INFO) == SALES
    assert emulator.primary_of_alias(INSTANCE, SALES) is None
    view = emulator.address(INSTANCE, INFO)
    assert (view.primary_id, view.alias_id) == (SALES, None)


# -- SearchEmailAddresses ------------------------------------------------------------------------


def search_all(client, **kwargs):
    """Every result, following NextToken; also returns how many pages it took."""
    found, pages, token = [], 0, None
    while True:
        paging = {"NextToken": token} if token else {}
        answer = client.search_email_addresses(InstanceId=INSTANCE, **kwargs, **paging)
        found += answer["EmailAddresses"]
        pages += 1
        token = answer.get("NextToken")
        if token is None:
            return found, pages


def test_paging_visits_every_address_once_in_address_order(client):
    found, pages = search_all(client, MaxResults=2)
    assert [a["EmailAddress"] for a in found] == [
        "customercare@example.com",
        "help@example.com",
        "info@example.com",
        "sales@example.com",
        "support@example.com",
    ]
    assert pages == 3


def test_an_address_added_between_pages_does_not_shift_the_others(client, emulator):
    first = client.search_email_addresses(InstanceId=INSTANCE, MaxResults=2)
    emulator.create_email_address(INSTANCE, "aaa@example.com")  # sorts before the page already seen
    rest = client.search_email_addresses(InstanceId=INSTANCE, NextToken=first["NextToken"])
    seen = [a["EmailAddress"] for a in first["EmailAddresses"] + rest["EmailAddresses"]]
    assert len(seen) == len(set(seen)) == 5


def test_each_result_names_the_alias_forwarding_to_it(client, emulator):
    emulator.associate(INSTANCE, SUPPORT, HELP)
    found, _ = search_all(client)
    forwarding = {a["EmailAddressId"]: a["AliasConfigurations"] for a in found if "AliasConfigurations" in a}
    assert forwarding == {SUPPORT: [{"EmailAddressId": HELP}], SALES: [{"EmailAddressId": INFO}]}
    support = next(a for a in found if a["EmailAddressId"] == SUPPORT)
    assert support["EmailAddressArn"].endswith(f"/email-address/{SUPPORT}")
    assert support["DisplayName"] == "Support"


def test_tag_filter_or_of_ands(client, emulator):
    emulator.tag(INSTANCE, HELP, {"team": "mail", "env": "prod"})
    emulator.tag(INSTANCE, CARE, {"team": "mail", "env": "dev"})
    emulator.tag(INSTANCE, SALES, {"env": "prod"})

    def ids(tag_filter):
        found, _ = search_all(client, SearchFilter={"TagFilter": tag_filter})
        return {a["EmailAddressId"] for a in found}

    mail, prod, dev = (
        {"TagKey": "team", "TagValue": "mail"},
        {"TagKey": "env", "TagValue": "prod"},
        {"TagKey": "env", "TagValue": "dev"},
    )
    assert ids({"TagCondition": mail}) == {HELP, CARE}
    assert ids({"AndConditions": [mail, prod]}) == {HELP}
    assert ids({"OrConditions": [[mail, dev], [prod]]}) == {CARE, HELP, SALES}


def string(field, value, kind):
    return {"StringCondition": {"FieldName": field, "Value": value, "ComparisonType": kind}}


def test_string_criteria(client):
    found, _ = search_all(client, SearchCriteria=string("email_address", "S", "STARTS_WITH"))
    assert {a["EmailAddressId"] for a in found} == {SALES, SUPPORT}
    either = {
        "OrConditions": [string("display_name", "help", "EXACT"), string("EmailAddress", "care", "CONTAINS")]
    }
    found, _ = search_all(client, SearchCriteria=either)
    assert {a["EmailAddressId"] for a in found} == {HELP, CARE}


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"NextToken": "garbage!"}, "NextToken"),
        ({"SearchCriteria": string("colour", "x", "EXACT")}, "FieldName"),
    ],
)
def test_bad_search_requests_are_refused_naming_the_field(client, kwargs, named):
    with pytest.raises(client.exceptions.InvalidParameterException, match=named):
        client.search_email_addresses(InstanceId=INSTANCE, **kwargs)


def test_search_of_an_unknown_instance_is_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.search_email_addresses(InstanceId="no-such-instance")


def test_pages_hold_at_most_100_and_a_larger_page_is_refused(client, emulator):
    for n in range(145):  # 150 addresses in all
        emulator.create_email_address(INSTANCE, f"agent{n:03}@example.com")
    first = client.search_email_addresses(InstanceId=INSTANCE)
    assert len(first["EmailAddresses"]) == 100 and first["ApproximateTotalCount"] == 150
    found, pages = search_all(client, MaxResults=100)
    assert len({a["EmailAddressId"] for a in found}) == 150 and pages == 2
    with pytest.raises(client.exceptions.InvalidParameterException, match="MaxResults"):
        client.search_email_addresses(InstanceId=INSTANCE, MaxResults=101)


def test_criteria_ignore_case_and_default_to_an_exact_match(client):
    exact = {"StringCondition": {"FieldName": "email_address", "Value": "SUPPORT@example.com"}}
    found, _ = search_all(client, SearchCriteria=exact)
    assert [a["EmailAddressId"] for a in found] == [SUPPORT]
    none = {"StringCondition": {"FieldName": "email_address", "Value": "support"}}
    assert search_all(client, SearchCriteria=none)[0] == []


def _signed_for(emulator, region):
    return boto3.client(
        "connect",
        region_name=region,
        endpoint_url=emulator.endpoint_url,
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_another_connect_region_has_none_of_the_seeded_instances(emulator):
    elsewhere = _signed_for(emulator, "eu-west-2")
    with pytest.raises(elsewhere.exceptions.ResourceNotFoundException, match="Instance"):
        elsewhere.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SUPPORT)
    with pytest.raises(elsewhere.exceptions.ResourceNotFoundException):
        elsewhere.search_email_addresses(InstanceId=INSTANCE)
    home = _signed_for(emulator, emulator.region)
    found = home.describe_email_address(InstanceId=INSTANCE, EmailAddressId=HELP)
    assert found["EmailAddressId"] == HELP


def test_a_region_without_a_connect_endpoint_drops_the_connection(emulator):
    nowhere = _signed_for(emulator, "us-eats-1")
    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        nowhere.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SUPPORT)
    (call,) = emulator.calls
    assert call.operation == "DescribeEmailAddress" and call.status is None
    assert call.fault == "no Connect endpoint in us-eats-1"
