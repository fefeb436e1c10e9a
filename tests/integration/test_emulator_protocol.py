"""An unmodified boto3 client talks to the emulator: wire format, modelled exceptions, endpoint env."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import boto3
import botocore.session
import pytest
from botocore.config import Config
from connect_email_alias.local import DEFAULT_SEED, ConnectEmulator
from connect_email_alias.local.connect.urls import ROUTES

from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT


def plain_client(endpoint: str):
    return boto3.client(
        "connect",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_the_email_address_operations_with_an_unmodified_client(emulator):
    client = plain_client(emulator.endpoint_url)
    created = client.create_email_address(InstanceId=INSTANCE, EmailAddress="new@example.com")
    new_id = created["EmailAddressId"]
    assert created["EmailAddressArn"].endswith(f"instance/{INSTANCE}/email-address/{new_id}")

    client.associate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=SUPPORT, AliasConfiguration={"EmailAddressId": new_id}
    )
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SUPPORT)
    assert described["AliasConfigurations"] == [{"EmailAddressId": new_id}]
    assert described["EmailAddress"] == "support@example.com"
    assert described["CreateTimestamp"].endswith("Z")

    client.disassociate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=SUPPORT, AliasConfiguration={"EmailAddressId": new_id}
    )
    assert "AliasConfigurations" not in client.describe_email_address(
        InstanceId=INSTANCE, EmailAddressId=SUPPORT
    )

    client.delete_email_address(InstanceId=INSTANCE, EmailAddressId=new_id)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=new_id)


def test_endpoint_from_the_environment_alone(emulator, monkeypatch):
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    client = boto3.client("connect")
    answer = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=SALES)
    assert answer["AliasConfigurations"] == [{"EmailAddressId": INFO}]


def test_errors_use_the_aws_wire_format(client):
    with pytest.raises(client.exceptions.ResourceConflictException) as caught:
        client.associate_email_address_alias(
            InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": HELP}
        )
    error = caught.value.response
    assert error["Error"]["Code"] == "ResourceConflictException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert INFO in error["Error"]["Message"]


def test_unsigned_requests_are_refused(emulator):
    url = f"{emulator.endpoint_url}/email-addresses/{INSTANCE}/{SALES}"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url)
    assert caught.value.code == 403
    assert caught.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_search_filters_and_pages(client):
    found = client.search_email_addresses(
        InstanceId=INSTANCE,
        SearchCriteria={
            "StringCondition": {"FieldName": "email_address", "Value": "s", "ComparisonType": "STARTS_WITH"}
        },
    )
    assert {a["EmailAddress"] for a in found["EmailAddresses"]} == {
        "sales@example.com",
        "support@example.com",
    }
    sales = next(a for a in found["EmailAddresses"] if a["EmailAddressId"] == SALES)
    assert sales["AliasConfigurations"] == [{"EmailAddressId": INFO}]
    first = client.search_email_addresses(InstanceId=INSTANCE, MaxResults=3)
    second = client.search_email_addresses(InstanceId=INSTANCE, MaxResults=3, NextToken=first["NextToken"])
    assert first["ApproximateTotalCount"] == 5
    assert len(first["EmailAddresses"]) + len(second["EmailAddresses"]) == 5
    assert "NextToken" not in second


def test_seed_matches_the_design_table(emulator):
    expected = {
        SUPPORT: "support@example.com",
        HELP: "help@example.com",
        "33333333-3333-4333-8333-333333333333": "customercare@example.com",
        SALES: "sales@example.com",
        INFO: "info@example.com",
    }
    assert {i: emulator.address(INSTANCE, i).email_address for i in expected} == expected
    assert emulator.aliases_by_primary(INSTANCE) == {SALES: INFO}
    seed = json.loads(DEFAULT_SEED.read_text())
    assert (seed["Region"], seed["Account"]) == ("us-east-1", "123456789012")


def test_generated_ids_are_deterministic():
    ids = []
    for _ in range(2):
        with ConnectEmulator.from_seed() as emu:
            ids.append(emu.create_email_address(INSTANCE, "extra@example.com"))
    assert ids[0] == ids[1]


def test_call_log_records_operations_tokens_and_outcomes(emulator, client):
    client.associate_email_address_alias(
        InstanceId=INSTANCE,
        EmailAddressId=SUPPORT,
        AliasConfiguration={"EmailAddressId": HELP},
        ClientToken="t-1",
    )
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_email_address(InstanceId=INSTANCE, EmailAddressId="missing")
    calls = emulator.calls
    assert [(c.operation, c.status, c.error_code) for c in calls] == [
        ("AssociateEmailAddressAlias", 200, None),
        ("DescribeEmailAddress", 404, "ResourceNotFoundException"),
    ]
    assert calls[0].client_token == "t-1"
    assert calls[0].params["AliasConfiguration"] == {"EmailAddressId": HELP}
    emulator.clear_calls()
    assert emulator.calls == []


def test_cli_prints_the_endpoint_and_serves_without_warnings():
    process = subprocess.Popen(
        [sys.executable, "-m", "connect_email_alias.local.emulator_cli", "--port", "0", "--default-quota"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint = process.stdout.readline().strip()
        assert endpoint.startswith("http://127.0.0.1:")
        answer = plain_client(endpoint).describe_email_address(InstanceId=INSTANCE, EmailAddressId=SALES)
        assert answer["EmailAddressId"] == SALES
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "Warning" not in errors


def test_every_route_is_the_botocore_models_wire_binding():
    model = botocore.session.get_session().get_service_model("connect")
    for route in ROUTES:
        http = model.operation_model(route.operation).http
        assert (route.method, route.uri) == (http["method"], http["requestUri"]), route.operation
