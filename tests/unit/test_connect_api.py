"""Contract § 3 faults at the Connect port: retries, classification, conflicts, ClientTokens, logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import boto3
import botocore.session
import connect_api
import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber
from connect_api import ConnectApi, RetryPolicy, TokenSeed, client_token
from lifecycle import Address, InstanceNotFound, PortError

from tests.support.seed import HELP, INSTANCE, SALES, SUPPORT

from .fakes import pair

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


def make(clock: Clock | None = None, policy: RetryPolicy | None = None):
    client = boto3.client(
        "connect", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    stub = Stubber(client)
    clock = clock or Clock()
    api = ConnectApi(
        remaining_ms=clock,
        seed=SEED,
        client_factory=lambda region: client,
        policy=policy or RetryPolicy(),
        sleep=clock.sleep,
        rand=lambda: 1.0,
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
    api = ConnectApi(remaining_ms=clock, seed=SEED, client_factory=lambda r: client, sleep=clock.sleep)
    api.associate(P_A, "create")
    assert len(client.calls) == 3 and len({c["ClientToken"] for c in client.calls}) == 1


def test_retries_stop_within_the_time_left_and_say_so():
    client = RaisingClient([ReadTimeoutError(endpoint_url="x")] * 1000)
    clock = Clock(remaining_ms=20_000)
    api = ConnectApi(
        remaining_ms=clock, seed=SEED, client_factory=lambda r: client, sleep=clock.sleep, rand=lambda: 1.0
    )
    with pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert clock.remaining >= RetryPolicy().reserve_ms  # left time to restore and answer
    assert "kept failing (ReadTimeoutError)" in exc.value.reason and exc.value.maybe_changed is True
    assert len(exc.value.reason) <= 256


def test_no_call_is_started_without_time_left():
    client = RaisingClient([])
    api = ConnectApi(remaining_ms=lambda: 1000, seed=SEED, client_factory=lambda r: client)
    with pytest.raises(PortError):
        api.associate(P_A, "create")
    assert client.calls == []


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("AccessDeniedException", 403, "grant the function's role connect:AssociateEmailAddressAlias"),
        ("InvalidParameterException", 400, "Connect rejected AssociateEmailAddressAlias"),
        ("InvalidRequestException", 400, "Connect rejected AssociateEmailAddressAlias"),
        ("ResourceNotFoundException", 404, "Connect rejected AssociateEmailAddressAlias"),
    ],
)
def test_non_retryable_errors_fail_at_once_with_an_actionable_reason(code, status, words):
    api, stub, clock = make()
    error(stub, ASSOC, code, status, body(), message="bad value for x@example.com")
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert clock.sleeps == [] and words in exc.value.reason and exc.value.code == code
    assert "x@example.com" not in exc.value.reason and len(exc.value.reason) <= 256


def test_conflict_showing_primary_has_another_alias_fails_at_once_naming_it():
    api, stub, clock = make()
    error(stub, ASSOC, "ResourceConflictException", 409, body())
    expect_describe(stub, SUPPORT, aliases=["bbbb"])
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert "already has alias bbbb" in exc.value.reason and clock.sleeps == []


def test_conflict_showing_alias_has_its_own_alias_fails_at_once():
    api, stub, clock = make()
    error(stub, ASSOC, "ResourceConflictException", 409, body())
    expect_describe(stub, SUPPORT)
    expect_describe(stub, HELP, aliases=["cccc"])
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert "alias of its own (cccc)" in exc.value.reason and clock.sleeps == []


def test_conflict_showing_the_pair_already_there_is_success():
    api, stub, _ = make()
    error(stub, ASSOC, "ResourceConflictException", 409, body())
    expect_describe(stub, SUPPORT, aliases=[HELP])
    with stub:
        api.associate(P_A, "create")


def test_transient_lock_conflict_is_waited_out_with_fresh_tokens():
    api, stub, clock = make()
    error(stub, ASSOC, "ResourceConflictException", 409, body())
    expect_describe(stub, SUPPORT)
    expect_describe(stub, HELP)
    stub.add_response(ASSOC, {}, body(step="create#lock1"))
    with stub:
        api.associate(P_A, "create")
    stub.assert_no_pending_responses()
    assert len(clock.sleeps) == 1


def test_unexplained_conflict_fails_after_the_lock_wait_naming_both_causes():
    api, stub, clock = make(policy=RetryPolicy(lock_wait_ms=1000))
    for _ in range(20):
        error(stub, ASSOC, "ResourceConflictException", 409)
        expect_describe(stub, SUPPORT)
        expect_describe(stub, HELP)
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    reason = exc.value.reason
    assert "already forward to another primary" in reason and "held the lock" in reason and len(reason) <= 256
    assert 60_000 - clock.remaining <= 1000  # bounded by the lock wait


def test_idempotency_exception_with_pair_present_is_success():
    api, stub, _ = make()
    error(stub, ASSOC, "IdempotencyException", 409, body())
    expect_describe(stub, SUPPORT, aliases=[HELP])
    with stub:
        api.associate(P_A, "create")


def test_idempotency_exception_without_the_pair_fails_clearly():
    api, stub, _ = make()
    error(stub, ASSOC, "IdempotencyException", 409, body())
    expect_describe(stub, SUPPORT)
    with stub, pytest.raises(PortError) as exc:
        api.associate(P_A, "create")
    assert "ClientToken" in exc.value.reason and "nothing changed" in exc.value.reason


def test_disassociate_of_a_pair_already_gone_is_success():
    api, stub, _ = make()
    error(stub, DISASSOC, "ResourceNotFoundException", 404, body(step="delete"))
    expect_describe(stub, SUPPORT)
    error(stub, DISASSOC, "ResourceConflictException", 409, body(step="delete"))
    expect_describe(stub, SUPPORT, aliases=["other"])
    with stub:
        api.disassociate(P_A, "delete")
        api.disassociate(P_A, "delete")
    stub.assert_no_pending_responses()


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
