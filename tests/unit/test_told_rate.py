"""A provider told its quota's rate (``connect_requests_per_second``): the function reads it from its
environment and scales its throttling waits by Connect's default rate / it, learning as before; absent or
unusable, it behaves exactly as without (docs/design.md § Handler, "Quota"). Fake clock: nothing waits."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import backoff
import boto3
import connect_api
import pytest
from botocore.stub import Stubber
from connect_api import ConnectApi, RetryPolicy
from contract import (
    ALIASES_SERVED_ENV,
    DEFAULT_REQUESTS_PER_SECOND,
    REQUESTS_PER_SECOND_ENV,
    GrammarError,
    parse_requests_per_second,
)

from tests.support.seed import HELP, INSTANCE, SALES

from .test_connect_api import SEED, Clock, error, expect_describe, throttled_describe

#: The waits of three reads in one process: throttled 3 times, then (after the pause) through at once,
#: then throttled once, starting a step up (what the process learned).
UNTOLD = [2.5, 7.5, 22.5, RetryPolicy().after_throttled_s, 7.5]


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test a new process: the policy is read once per value and process."""
    connect_api._policy_for.cache_clear()
    yield
    connect_api._policy_for.cache_clear()


def port(
    monkeypatch: pytest.MonkeyPatch, told: str | None, clock: Clock, rand: float = 1.0,
    served: str | None = None,
) -> tuple[ConnectApi, Stubber]:
    """The port as the handler builds it (no policy given), in a process whose environment holds `told`
    and `served`; `rand` is the jitter."""
    for name, value in ((REQUESTS_PER_SECOND_ENV, told), (ALIASES_SERVED_ENV, served)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    client = boto3.client(
        "connect", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    api = ConnectApi(
        clock=clock.clock(rand), seed=SEED, client_factory=lambda region: client, pacing=backoff.Pacing()
    )
    return api, Stubber(client)


def waits(
    monkeypatch: pytest.MonkeyPatch, told: str | None, rand: float = 1.0, served: str | None = None
) -> list[float]:
    clock = Clock(remaining_ms=900_000)
    api, stub = port(monkeypatch, told, clock, rand, served)
    for address, throttles in ((SALES, 3), (HELP, 0), (SALES, 1)):
        throttled_describe(api, stub, address, throttles)
    return clock.sleeps


def test_without_a_rate_the_waits_are_todays(monkeypatch: pytest.MonkeyPatch) -> None:
    assert waits(monkeypatch, None) == UNTOLD
    assert connect_api.policy_from_environment({}) == RetryPolicy()


@pytest.mark.parametrize("told", ["20", "4.5", "2", "1"])
def test_a_told_rate_scales_every_throttling_wait_by_the_default_over_it(
    monkeypatch: pytest.MonkeyPatch, told: str
) -> None:
    """20/s: a tenth as long; 1/s: twice as long. The learnt steps and the pause scale alike."""
    by = DEFAULT_REQUESTS_PER_SECOND / float(told)
    assert waits(monkeypatch, told) == pytest.approx([w * by for w in UNTOLD])


def test_scaled_waits_are_never_shorter_than_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 1000/s the schedule would start at 5 ms (and no jitter at all here): each wait is the floor."""
    shortest = RetryPolicy().shortest_throttled_s
    assert waits(monkeypatch, "1000", rand=0.0) == [shortest] * len(UNTOLD)


def test_waits_that_do_not_depend_on_the_quota_are_not_scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 5xx is retried on its own schedule, whatever the quota."""
    seen = {}
    for told in (None, "20"):
        clock = Clock(remaining_ms=900_000)
        api, stub = port(monkeypatch, told, clock)
        error(stub, "describe_email_address", "InternalServiceException", 500)
        error(stub, "describe_email_address", "InternalServiceException", 500)
        expect_describe(stub, SALES)
        with stub:
            api.describe("us-east-1", INSTANCE, SALES)
        seen[told] = clock.sleeps
    assert seen["20"] == seen[None] and len(seen[None]) == 2


@pytest.mark.parametrize("value", ["fast", "", "0", "-20", "0.5", "nan", "inf", "1e6", "20/s"])
def test_a_value_the_function_cannot_use_falls_back_to_the_default_with_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    caplog.set_level(logging.WARNING, logger="connect_api")
    assert waits(monkeypatch, value) == UNTOLD
    assert waits(monkeypatch, value) == UNTOLD  # the next invocation of the process: no second line
    (line,) = [r.getMessage() for r in caplog.records if REQUESTS_PER_SECOND_ENV in r.getMessage()]
    assert '"using": 2.0' in line and ("not a number" in line or "is not between 1 and 1000" in line)


@pytest.mark.parametrize(("served", "third"), [("50", 15.0), ("150", 15.0), ("200", 20.0), ("500", 22.5)])
def test_the_aliases_served_cap_the_throttling_waits_at_a_tenth_of_a_second_each_from_15_to_50_s(
    monkeypatch: pytest.MonkeyPatch, served: str, third: float
) -> None:
    """A small stack's last callers would otherwise sleep up to 50 s while the quota sits idle; the largest
    stacks (and raw templates, which say nothing) keep the full cap."""
    assert waits(monkeypatch, None, served=served) == [2.5, 7.5, third, *UNTOLD[3:]]
    assert connect_api.policy_from_environment({ALIASES_SERVED_ENV: "500"}) == RetryPolicy()
    assert RetryPolicy().for_aliases(int(served)).throttled.cap_s == min(50.0, max(15.0, int(served) / 10))


def test_a_told_rate_scales_the_cap_the_aliases_served_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert waits(monkeypatch, "20", served="100") == pytest.approx([0.25, 0.75, 1.5, 0.2, 0.75])


@pytest.mark.parametrize("value", ["many", "", "0", "-50", "1e3", "٣"])
def test_an_aliases_served_the_function_cannot_use_is_logged_once_and_waits_as_for_the_largest_stack(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    caplog.set_level(logging.WARNING, logger="connect_api")
    assert waits(monkeypatch, None, served=value) == UNTOLD
    assert waits(monkeypatch, None, served=value) == UNTOLD
    (line,) = [r.getMessage() for r in caplog.records if ALIASES_SERVED_ENV in r.getMessage()]
    assert "is not a positive whole number" in line and "largest stack" in line


@pytest.mark.parametrize(("value", "rate"), [(1, 1.0), (2, 2.0), (20, 20.0), (12.5, 12.5), (1000, 1000.0)])
def test_a_rate_from_1_to_1000_is_accepted(value: float, rate: float) -> None:
    assert parse_requests_per_second(value, "rate") == rate


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "rate 0 is not between 1 and 1000"),
        (0.5, "rate 0.5 is not between 1 and 1000"),
        (1001, "rate 1001 is not between 1 and 1000"),
        (float("nan"), "rate nan is not between 1 and 1000"),
        ("20", "rate must be a number of requests per second from 1 to 1000; got str '20'"),
        (True, "got bool True"),
        (None, "got NoneType None"),
    ],
)
def test_anything_else_is_refused_naming_the_value_the_problem_and_the_fix(value: object, words: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_requests_per_second(value, "rate")
    assert words in str(caught.value)
    assert "Service Quotas → Amazon Connect" in str(caught.value) and "default of 2" in str(caught.value)
