"""CloudFormation's read API over the player's stacks (local/cloudformation/read_api.py): an unmodified boto3
client reads, in the query protocol, what the player deployed; unknown stacks get CloudFormation's error."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from connect_email_alias.local import CloudFormationReadApi
from connect_email_alias.local.cloudformation.template import stack_id_for
from connect_email_alias.local.connect.emulator import DUMMY_CREDENTIALS

from tests.integration.test_player_stacks import resource, stack

pytestmark = pytest.mark.slow


def _client(api: CloudFormationReadApi):
    return boto3.client(
        "cloudformation",
        region_name=api.player.env.region,
        endpoint_url=api.endpoint_url,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def test_boto3_reads_the_players_stacks_page_by_page(player, code):
    assert player.deploy(stack(code, A=resource("a"), B=resource("b"))).ok
    with CloudFormationReadApi(player, page_size=2) as api:
        cfn = _client(api)
        (described,) = cfn.describe_stacks(StackName="Demo")["Stacks"]
        assert described["StackId"] == stack_id_for("Demo", player.env)
        assert described["StackStatus"] == "CREATE_COMPLETE"
        assert isinstance(described["CreationTime"], datetime)
        assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == ["Demo"]
        pages = list(cfn.get_paginator("list_stack_resources").paginate(StackName=described["StackId"]))
        summaries = [s for page in pages for s in page["StackResourceSummaries"]]
        assert len(pages) == 2
        assert [(s["LogicalResourceId"], s["ResourceType"]) for s in summaries] == [
            ("Fn", "AWS::Lambda::Function"), ("A", "Custom::Recorded"), ("B", "Custom::Recorded"),
        ]
        assert [s["PhysicalResourceId"] for s in summaries[1:]] == ["res-a", "res-b"]
        assert summaries[1]["DriftInformation"]["StackResourceDriftStatus"] == "NOT_CHECKED"
        by_logical, = cfn.describe_stack_resources(StackName="Demo", LogicalResourceId="B")["StackResources"]
        (by_physical,) = cfn.describe_stack_resources(PhysicalResourceId="res-a")["StackResources"]
        assert (by_logical["PhysicalResourceId"], by_physical["LogicalResourceId"]) == ("res-b", "A")
        assert by_physical["StackId"] == described["StackId"]

        assert player.destroy("Demo").ok
        with pytest.raises(ClientError) as gone:
            cfn.list_stack_resources(StackName="Demo")
    assert gone.value.response["Error"]["Code"] == "ValidationError"
    assert gone.value.response["Error"]["Message"] == "Stack with id Demo does not exist"


def test_an_unsigned_request_is_refused_as_aws_does(player):
    with CloudFormationReadApi(player) as api:
        request = urllib.request.Request(api.endpoint_url, data=b"Action=DescribeStacks&Version=2010-05-15")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert b"MissingAuthenticationToken" in refused.value.read()
