"""Each scriptable fault of the emulator, seen through an unmodified boto3 client."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError, HTTPClientError

from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT


def describe(client, address=SALES):
    return client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=address)


def associate(client, primary=SUPPORT, alias=HELP, **kwargs):
    return client.associate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}, **kwargs
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        ("InternalServiceException", 500),
        ("AccessDeniedException", 403),
        ("ThrottlingException", 429),
        ("InvalidParameterException", 400),
    ],
)
def test_next_calls_fail_with_a_modelled_error(client, emulator, error, status):
    emulator.faults.fail_next("DescribeEmailAddress", 2, error=error)
    for _ in range(2):
        with pytest.raises(getattr(client.exceptions, error)) as caught:
            describe(client)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert describe(client)["EmailAddressId"] == SALES
    assert [c.fault for c in emulator.calls] == [error, error, None]


def test_plain_503_without_an_aws_error_type(client, emulator):
    emulator.faults.fail_next("DescribeEmailAddress", error=None, status=503)
    with pytest.raises(ClientError) as caught:
        describe(client)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert caught.value.response["Error"]["Code"] == "503"


@pytest.mark.parametrize("mode", ["close", "reset"])
def test_dropped_connections(client, emulator, mode):
    emulator.faults.drop_next("DescribeEmailAddress", mode=mode)
    with pytest.raises(HTTPClientError):
        describe(client)
    assert emulator.calls[-1].status is None
    assert describe(client)["EmailAddressId"] == SALES


def test_fault_after_acting_loses_the_answer_but_a_token_retry_is_safe(client, emulator):
    emulator.faults.drop_next("AssociateEmailAddressAlias", mode="reset", after=True)
    with pytest.raises(HTTPClientError):
        associate(client, ClientToken="retry-me")
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP  # it acted before the answer was lost
    associate(client, ClientToken="retry-me")  # same token: success, no second action
    with pytest.raises(client.exceptions.ResourceConflictException):
        associate(client, ClientToken="a-new-token")  # a new token would conflict


def test_fault_on_any_operation(client, emulator):
    emulator.faults.fail_next("*", 1, error="InternalServiceException")
    with pytest.raises(client.exceptions.InternalServiceException):
        associate(client)
    associate(client)


def test_token_bucket_throttles_beyond_the_burst(client, emulator):
    emulator.faults.rate_limit("DescribeEmailAddress", per_second=0.001, burst=2)
    describe(client)
    describe(client)
    with pytest.raises(client.exceptions.ThrottlingException):
        describe(client)
    associate(client)  # other operations are not limited


def test_lock_window_conflicts_mutations_but_not_reads(client, emulator):
    emulator.faults.lock([SALES], seconds=60)
    with pytest.raises(client.exceptions.ResourceConflictException, match="locked"):
        client.disassociate_email_address_alias(
            InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": INFO}
        )
    assert describe(client)["AliasConfigurations"] == [{"EmailAddressId": INFO}]  # reads show the truth
    emulator.faults.unlock([SALES])
    client.disassociate_email_address_alias(
        InstanceId=INSTANCE, EmailAddressId=SALES, AliasConfiguration={"EmailAddressId": INFO}
    )


def test_lock_window_expires(client, emulator):
    emulator.faults.lock([HELP], seconds=0.2)
    with pytest.raises(client.exceptions.ResourceConflictException):
        associate(client)
    time.sleep(0.3)
    associate(client)


@pytest.mark.real_time  # the one test that latency is a real delay (on the virtual clock it passes at once)
def test_added_latency(client, emulator):
    emulator.faults.latency("DescribeEmailAddress", 0.2)
    began = time.monotonic()
    describe(client)
    assert time.monotonic() - began >= 0.2  # a lower bound: sleep never returns early


def test_clear_removes_every_fault(client, emulator):
    emulator.faults.fail_next("*", 5)
    emulator.faults.rate_limit("*", per_second=0.001, burst=1)
    emulator.faults.lock([SUPPORT, HELP], 60)
    emulator.faults.latency("*", 5)
    emulator.faults.clear()
    describe(client)
    associate(client)
