"""The Connect port (docs/design.md § Handler): retries, typed errors, tags, search, ClientTokens, logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import backoff
import boto3
import botocore.session
import connect_api
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from connect_api import ConnectApi, RetryPolicy, TokenSeed, client_token
from errors import Conflict, Denied, InstanceNotFound, NotFound, PortError, TokenReused
from lifecycle import Address

from tests.support.seed import HELP, INSTANCE, SALES, SUPPORT

from .fakes import pair

ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/{HELP}"
SEED = TokenSeed("arn:aws:cloudformation:us-east-1:123456789012:stack/s/1", "Alias", "req-1")
P_A = pair(SUPPORT, HELP)


class Clock:
    """Remaining invocation time that advances only when the code sleeps."""

    def __init__(self, remaining_ms: int = 60_000) -> None:
        self.remaining = remaining_ms
        self.sleeps: list[float] = []

    def __call__(self) -> int:
        return self.remaining

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.remaining -= int(s * 1000)

    def clock(self, rand: float = 1.0) -> backoff.Clock:
        return backoff.Clock(self, self.sleep, lambda: rand)


def make(clock: Clock | None = None, policy: RetryPolicy | None = None, pacing: backoff.Pacing | None = None):
    """A port over a stubbed client; a fresh `Pacing` (a new process) unless one is given."""
    client = boto3.client(
        "connect", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    stub = Stubber(client)
    clock = clock or Clock()
    api = ConnectApi(
        clock=clock.clock(), seed=SEED, client_factory=lambda region: client, policy=policy or RetryPolicy(),
        pacing=pacing or backoff.Pacing(),
    )
    return api, stub, clock


def body(p=P_A, step="create"):
    return {
        "InstanceId": p.instance_id,
        "EmailAddressId": p.primary_id,
        "AliasConfiguration": {"EmailAddressId": p.alias_id},
        "ClientToken": client_token(SEED, step),
    }


def described(address_id, email="x@example.com", aliases=()):
    return {
        "EmailAddressId": address_id,
        "EmailAddress": email,
        "AliasConfigurations": [{"EmailAddressId": a} for a in aliases],
    }


def expect_describe(stub, address_id, **kw):
    stub.add_response(
        "describe_email_address",
        described(address_id, **kw),
        {"InstanceId": INSTANCE, "EmailAddressId": address_id},
    )


def error(stub, op, code, status, params=None, message=""):
    stub.add_client_error(
        op, service_error_code=code, service_message=message, http_status_code=status, expected_params=params
    )


ASSOC = "associate_email_address_alias"
DISASSOC = "disassociate_email_address_alias"


def test_client_token_is_deterministic_per_request_and_step():
    assert client_token(SEED, "create") == client_token(SEED, "create")
    assert client_token(SEED, "create") != client_token(SEED, "delete")
    other = TokenSeed(SEED.stack_id, SEED.logical_id, "req-2")
    assert client_token(other, "create") != client_token(SEED, "create")
    assert len(client_token(SEED, "x")) <= 500


def test_describe_maps_the_response_to_an_address():
    api, stub, _ = make()
    expect_describe(stub, SALES, email="sales@example.com", aliases=["info"])
    with stub:
        assert api.describe("us-east-1", INSTANCE, SALES) == Address(SALES, "sales@example.com", ("info",))


def test_describe_not_found_is_none_and_missing_instance_is_named():
    api, stub, _ = make()
    error(stub, "describe_email_address", "ResourceNotFoundException", 404, message="Email address not found")
    error(stub, "describe_email_address", "ResourceNotFoundException", 404, message="Instance not found")
    with stub:
        assert api.describe("us-east-1", INSTANCE, "nope") is None
        with pytest.raises(InstanceNotFound) as exc:
            api.describe("us-east-1", INSTANCE, SUPPORT)
    assert "instance" in exc.value.reason and "was not found in us-east-1" in exc.value.reason


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 429), ("InternalServiceException", 500), ("ServiceUnavailable", 503)],
)
def test_retryable_errors_are_retried_with_the_same_client_token(code, status):
    api, stub, clock = make()
    error(stub, ASSOC, code, status, body())
    error(stub, ASSOC, code, status, body())
    stub.add_response(ASSOC, {}, body())
    with stub:
        api.associate(P_A, "create")
    stub.assert_no_pending_responses()
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0]  # backoff grows (jitter = 1.0 here)


class RaisingClient:
    """A client whose calls fail at the connection level first (Stubber cannot do that)."""

    def __init__(self, errors, then=None):
        self.errors = list(errors)
        self.then = then or {}
        self.calls = []

    def associate_email_address_alias(self, **params):
        self.calls.append(params)
        if self.errors:
            raise self.errors.pop(0)
        return self.then


def test_connection_errors_are_retried_with_the_same_token():
    client = RaisingClient(
        [
            EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
            ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
        ]
    )
    clock = Clock()
    api = ConnectApi(clock=clock.clock(), seed=SEED, client_factory=lambda r: client)
    api.associate(P_A, "create")
    assert len(client.calls) == 3 and len({c["ClientToken"] for c in client.calls}) == 1


def test_retries_stop_within_the_time_left_and_say_so():
    client = RaisingClient([ReadTimeoutError(endpoint_url="x")] * 1000)
    clock = Clock(remaining_ms=20_000)
    api = ConnectApi(clock=clock.clock(), seed=SEED, client_factory=lambda r: client)
    with pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert clock.remaining >= RetryPolicy().reserve_ms  # left time to restore and answer
    assert "kept failing (ReadTimeoutError)" in exc.value.reason and exc.value.maybe_changed is True
    assert len(exc.value.reason) <= 256


def test_no_call_is_started_without_time_left():
    client = RaisingClient([])
    api = ConnectApi(clock=Clock(remaining_ms=1000).clock(), seed=SEED, client_factory=lambda r: client)
    with pytest.raises(PortError):
        api.associate(P_A, "create")
    assert client.calls == []


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("InvalidParameterException", 400, "Connect rejected AssociateEmailAddressAlias"),
        ("InvalidRequestException", 400, "Connect rejected AssociateEmailAddressAlias"),
        ("ResourceNotFoundException", 404, "Connect rejected AssociateEmailAddressAlias"),
    ],
)
def test_non_retryable_errors_fail_at_once_with_an_actionable_reason(code, status, words):
    # (AccessDenied is retried briefly first: a fresh grant may not have reached IAM yet.)
    api, stub, clock = make()
    error(stub, ASSOC, code, status, body(), message="bad value for x@example.com")
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert clock.sleeps == [] and words in exc.value.reason and exc.value.code == code
    assert "x@example.com" not in exc.value.reason and len(exc.value.reason) <= 256


@pytest.mark.parametrize(
    ("op", "code", "status", "kind"),
    [
        (ASSOC, "ResourceConflictException", 409, Conflict),
        (ASSOC, "IdempotencyException", 409, TokenReused),
        (DISASSOC, "ResourceNotFoundException", 404, NotFound),
        (DISASSOC, "ResourceConflictException", 409, Conflict),
    ],
)
def test_connects_answers_become_typed_errors_for_the_lifecycle_to_decide(op, code, status, kind):
    api, stub, clock = make()
    error(stub, op, code, status, body())
    with stub, pytest.raises(kind) as exc:
        getattr(api, "associate" if op == ASSOC else "disassociate")(P_A, "create")
    stub.assert_no_pending_responses()  # one call: no re-reads in the port
    assert exc.value.code == code and clock.sleeps == [] and len(exc.value.reason) <= 256


def test_a_fresh_grant_is_waited_for_briefly_then_the_call_goes_through():
    api, stub, clock = make()
    error(stub, ASSOC, "AccessDeniedException", 403, body())
    error(stub, ASSOC, "AccessDeniedException", 403, body())
    stub.add_response(ASSOC, {}, body())
    with stub:
        api.associate(P_A, "create")
    assert len(clock.sleeps) == 2


def test_a_permanent_denial_fails_well_inside_15_seconds_naming_the_action():
    api, stub, clock = make()
    for _ in range(30):
        error(stub, "tag_resource", "AccessDeniedException", 403)
    with stub, pytest.raises(Denied) as exc:
        api.tag("us-east-1", ARN, "k", "v")
    assert 60_000 - clock.remaining <= RetryPolicy().denied_wait_ms < 15_000
    assert "grant the function's role connect:TagResource" in exc.value.reason


def test_a_denial_after_the_operation_worked_once_is_final():
    api, stub, clock = make()
    expect_describe(stub, SALES)
    error(stub, "describe_email_address", "AccessDeniedException", 403)
    with stub:
        api.describe("us-east-1", INSTANCE, SALES)
        with pytest.raises(Denied):
            api.describe("us-east-1", INSTANCE, SALES)
    assert clock.sleeps == []


def test_throttling_backs_off_further_while_it_persists():
    api, stub, clock = make(clock=Clock(remaining_ms=900_000))
    for _ in range(8):
        error(stub, "describe_email_address", "ThrottlingException", 400)
    expect_describe(stub, SALES)
    with stub:
        api.describe("us-east-1", INSTANCE, SALES)
    assert clock.sleeps == sorted(clock.sleeps) and clock.sleeps[-1] > 4.0  # beyond the old 4 s cap


def test_a_request_that_was_throttled_starts_its_next_backoff_further_out():
    # Every invocation shares the account's quota: one that had to wait thins out its next call's retries.
    api, stub, clock = make(clock=Clock(remaining_ms=900_000))
    for _ in range(3):
        error(stub, "describe_email_address", "ThrottlingException", 400)
    expect_describe(stub, SALES)
    error(stub, "describe_email_address", "ThrottlingException", 400)
    expect_describe(stub, HELP)
    with stub:
        api.describe("us-east-1", INSTANCE, SALES)
        first = list(clock.sleeps)
        api.describe("us-east-1", INSTANCE, HELP)
    pause, retry = clock.sleeps[len(first):]
    assert pause == RetryPolicy().after_throttled_s and retry > first[0]


def throttled_describe(api, stub, address, throttles):
    for _ in range(throttles):
        error(stub, "describe_email_address", "ThrottlingException", 400)
    expect_describe(stub, address)
    with stub:
        api.describe("us-east-1", INSTANCE, address)


def test_a_call_that_goes_through_at_once_shortens_the_next_wait():
    steps = [RetryPolicy().throttled.delay(n, lambda: 1.0) for n in (1, 2, 3)]  # 2.5, 7.5, 22.5 s
    api, stub, clock = make(clock=Clock(remaining_ms=900_000))
    throttled_describe(api, stub, SALES, 3)  # needed three steps: the next throttled call starts two up
    throttled_describe(api, stub, HELP, 0)  # (after a pause) went through at once: one step back down
    throttled_describe(api, stub, SALES, 1)
    assert clock.sleeps == [*steps, RetryPolicy().after_throttled_s, steps[1]]


def test_throttling_of_one_operation_leaves_the_others_waits_alone():
    # Connect keeps a bucket per API: contested reads say nothing about the tag calls.
    api, stub, clock = make(clock=Clock(remaining_ms=900_000))
    throttled_describe(api, stub, SALES, 3)
    before = len(clock.sleeps)
    error(stub, "tag_resource", "ThrottlingException", 400)
    stub.add_response("tag_resource", {})
    with stub:
        api.tag("us-east-1", ARN, "k", "v")
    assert clock.sleeps[before:] == [RetryPolicy().throttled.delay(1, lambda: 1.0)]  # no pause, first step


def test_a_warm_process_starts_where_its_last_invocation_left_off():
    warm = backoff.Pacing()
    first, stub, _ = make(clock=Clock(remaining_ms=900_000), pacing=warm)
    throttled_describe(first, stub, SALES, 3)
    waits = {}
    for name, pacing in (("warm", warm), ("cold", backoff.Pacing())):
        api, stub, clock = make(clock=Clock(remaining_ms=900_000), pacing=pacing)
        throttled_describe(api, stub, HELP, 1)
        waits[name] = clock.sleeps
    pause, step = RetryPolicy().after_throttled_s, RetryPolicy().throttled.delay
    assert waits == {"warm": [pause, step(3, lambda: 1.0)], "cold": [step(1, lambda: 1.0)]}


def test_the_last_wait_is_cut_to_the_time_left_rather_than_given_up():
    api, stub, clock = make(clock=Clock(remaining_ms=30_000))  # waits 2, 6, then 16 of the 18 s wanted
    for _ in range(3):
        error(stub, "describe_email_address", "ThrottlingException", 400)
    expect_describe(stub, SALES)
    with stub:
        api.describe("us-east-1", INSTANCE, SALES)
    assert clock.remaining >= RetryPolicy().reserve_ms


def test_tags_are_read_with_the_address_and_written_on_its_arn():
    api, stub, _ = make()
    stub.add_response(
        "describe_email_address",
        {**described(HELP), "EmailAddressArn": ARN, "Tags": {"connect-email-alias:owner": "me"}},
        {"InstanceId": INSTANCE, "EmailAddressId": HELP},
    )
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": {"connect-email-alias:owner": "me"}})
    stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["connect-email-alias:owner"]})
    with stub:
        address = api.describe("us-east-1", INSTANCE, HELP)
        assert address.arn == ARN and address.owner == "me"
        api.tag("us-east-1", ARN, "connect-email-alias:owner", "me")
        api.untag("us-east-1", ARN, "connect-email-alias:owner")
    stub.assert_no_pending_responses()


def test_the_primary_an_alias_serves_is_found_across_pages():
    api, stub, _ = make()
    stub.add_response(
        "search_email_addresses",
        {"EmailAddresses": [described(SUPPORT)], "NextToken": "n1"},
        {"InstanceId": INSTANCE, "MaxResults": 100},
    )
    stub.add_response(
        "search_email_addresses",
        {"EmailAddresses": [described(SALES, aliases=[HELP])]},
        {"InstanceId": INSTANCE, "MaxResults": 100, "NextToken": "n1"},
    )
    first_page = {"InstanceId": INSTANCE, "MaxResults": 100}
    stub.add_response("search_email_addresses", {"EmailAddresses": []}, first_page)
    with stub:
        assert api.primary_of("us-east-1", INSTANCE, HELP) == SALES
        assert api.primary_of("us-east-1", INSTANCE, HELP) is None


def test_every_address_is_listed_page_by_page_as_the_caller_iterates(caplog):
    api, stub, _ = make()
    first = {"InstanceId": INSTANCE, "MaxResults": 100}
    stub.add_response(
        "search_email_addresses",
        {"EmailAddresses": [described(SUPPORT, "support@example.com")], "NextToken": "n1"},
        first,
    )
    stub.add_response(
        "search_email_addresses",
        {"EmailAddresses": [described(SALES, "sales@example.com", aliases=[HELP])], "NextToken": "n2"},
        {**first, "NextToken": "n1"},
    )
    with stub, caplog.at_level(logging.INFO, logger="connect_api"):
        listed = api.addresses("us-east-1", INSTANCE)
        assert next(listed) == Address(SUPPORT, "support@example.com")
        assert next(listed) == Address(SALES, "sales@example.com", (HELP,))
        listed.close()  # found what it wanted: the third page is never asked for
    stub.assert_no_pending_responses()
    assert "example.com" not in caplog.text


def test_a_search_that_is_not_found_names_the_instance():
    api, stub, _ = make()
    error(stub, "search_email_addresses", "ResourceNotFoundException", 404, message="Not found")
    with stub, pytest.raises(InstanceNotFound) as exc:
        list(api.addresses("us-east-1", INSTANCE))
    assert INSTANCE in exc.value.reason and "us-east-1" in exc.value.reason


def test_connect_endpoints_come_from_the_sdks_data_for_the_partition():
    assert connect_api.has_endpoint("aws", "us-east-1") and connect_api.has_endpoint(None, "us-gov-west-1")
    assert not connect_api.has_endpoint("aws", "us-eats-1")  # a typo
    assert not connect_api.has_endpoint("aws", "eu-west-1")  # a real region without Amazon Connect
    assert not connect_api.has_endpoint("aws-cn", "us-east-1")  # a region of another partition


def test_one_json_log_line_per_call_without_address_strings(caplog):
    api, stub, _ = make()
    error(stub, "describe_email_address", "ThrottlingException", 429)
    expect_describe(stub, SALES, email="sales@example.com", aliases=["info"])
    with stub, caplog.at_level(logging.INFO, logger="connect_api"):
        api.describe("us-east-1", INSTANCE, SALES)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "connect_api"]
    assert [(x["outcome"], x["attempt"]) for x in lines] == [("ThrottlingException", 1), ("ok", 2)]
    assert all(
        x["connect_call"] == "DescribeEmailAddress"
        and x["instance_id"] == INSTANCE
        and x["email_address_id"] == SALES
        and "latency_ms" in x
        for x in lines
    )
    assert "sales@example.com" not in caplog.text


def test_client_uses_no_botocore_retries_and_short_timeouts():
    cfg = connect_api.CLIENT_CONFIG
    assert cfg.retries == {"total_max_attempts": 1, "mode": "standard"}
    assert cfg.connect_timeout <= 5 and cfg.read_timeout <= 10


def test_models_folder_beside_the_module_is_loaded_first(tmp_path, monkeypatch):
    loader = botocore.session.get_session().get_component("data_loader")
    model = loader.load_service_model("connect", "service-2", "2017-08-08")
    keep = {"AssociateEmailAddressAlias", "DisassociateEmailAddressAlias", "DescribeEmailAddress"}
    model["operations"] = {k: v for k, v in model["operations"].items() if k in keep}
    target = tmp_path / "connect" / "2017-08-08"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(model))
    monkeypatch.setattr(connect_api, "MODELS_DIR", Path(tmp_path))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    connect_api._botocore_session.cache_clear()
    connect_api.make_client.cache_clear()
    try:
        client = connect_api.make_client("us-east-1")
        assert set(client.meta.service_model.operation_names) == keep
    finally:
        connect_api._botocore_session.cache_clear()
        connect_api.make_client.cache_clear()


def test_endpoint_comes_from_the_standard_env_var(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_CONNECT", "http://127.0.0.1:4599")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    connect_api._botocore_session.cache_clear()
    connect_api.make_client.cache_clear()
    try:
        assert connect_api.make_client("us-east-1").meta.endpoint_url == "http://127.0.0.1:4599"
    finally:
        connect_api._botocore_session.cache_clear()
        connect_api.make_client.cache_clear()
