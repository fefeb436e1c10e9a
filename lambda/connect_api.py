"""The Connect port: the one module that builds a boto3 client and talks to Amazon Connect.

It carries calls and owns transport retries (throttling, 5xx, connection errors, and AccessDenied while a
fresh IAM grant propagates), ClientTokens, and one JSON log line per attempt; it turns Connect's answers into
typed errors (errors.py). What an answer means for the request is the lifecycle's decision. botocore's own
retries are off (one attempt per call) so this loop alone decides against the deadline.
See docs/design.md § Handler.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from backoff import Backoff, Clock, Pacing, process_pacing, time_for
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from contract import (
    ALIASES_SERVED_ENV,
    CONNECT_OPERATIONS,
    DEFAULT_REQUESTS_PER_SECOND,
    LOWER_CASE_HINT,
    MUTATING_OPERATIONS,
    REASON_MAX,
    REQUESTS_PER_SECOND_ENV,
    GrammarError,
    excerpt,
    has_upper_case,
    parse_requests_per_second,
)
from errors import (
    Conflict,
    Denied,
    Exhausted,
    InstanceNotFound,
    NotFound,
    PortError,
    TokenReused,
    clip,
    redact,
    short_id,
)
from lifecycle import Address
from properties import Pair

logger = logging.getLogger("connect_api")

# A cut-down Connect model staged beside this file (see docs/design.md § The function's asset) wins over
# the runtime's bundled botocore, which may predate the alias operations.
MODELS_DIR = Path(__file__).with_name("models")
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"total_max_attempts": 1, "mode": "standard"},
    user_agent_extra="connect-email-alias",
)

_THROTTLED = frozenset({"ThrottlingException", "TooManyRequestsException"})
_TRANSIENT = frozenset({"InternalServiceException", "ServiceUnavailable"})
# boto3 method name -> Connect operation, for the operations the contract lists (one list, one spelling).
_ACTION = {xform_name(operation): operation for operation in CONNECT_OPERATIONS}
_MUTATING = frozenset(xform_name(operation) for operation in MUTATING_OPERATIONS)
#: SearchEmailAddresses' page size: the model's maximum.
SEARCH_PAGE = 100
_ADDRESS_ARN = re.compile(r"arn:[^:]+:connect:[^:]+:[^:]+:instance/([^/]+)/email-address/([^/]+)")


THROTTLED = Backoff(base_s=2.5, cap_s=50.0, factor=3.0, floor=0.35)
TRANSIENT = Backoff(base_s=0.2, cap_s=4.0)
DENIED = Backoff(base_s=1.0, cap_s=4.0, floor=0.5)


@dataclass(frozen=True)
class RetryPolicy:
    """Transport retries. Times in seconds except the `_ms` fields (compared with the time left).

    Throttling grows towards a long cap, from where this process's calls of the operation left it (`Pacing`):
    Connect's default quota (2 requests/s per API and account) is shared by every invocation at once, so
    waiting callers must thin out, and calls that go through unthrottled bring the waits back down
    (docs/design.md § Handler, "Quota").
    """

    throttled: Backoff = THROTTLED
    transient: Backoff = TRANSIENT
    # After a call of an operation that was throttled, its next call waits this long: tokens are contested,
    # so its first attempt right away would most likely be throttled too.
    after_throttled_s: float = 2.0
    # AccessDenied is retried this long from an operation's first denial, until it has worked once.
    denied_wait_ms: int = 10_000
    denied: Backoff = DENIED
    # Stop retrying when fewer than this many ms would be left: time to restore a pair and answer.
    reserve_ms: int = 6000
    # Never start a call with less than this left: the timeout answer goes out 3 s before the deadline.
    floor_ms: int = 4000
    # No throttling wait scaled down for a raised quota (`for_rate`) is shorter than this.
    shortest_throttled_s: float = 0.05
    # The throttling cap for a provider serving `n` aliases (`for_aliases`): n times this, at least
    # `shortest_cap_s`, at most `throttled.cap_s`.
    cap_s_per_alias: float = 0.1
    shortest_cap_s: float = 15.0

    def for_aliases(self, served: int) -> RetryPolicy:
        """This policy for a provider that serves `served` aliases: the throttling cap shortened to what that
        many concurrent events need to thin out, so a small stack's last callers do not sleep on while the
        quota sits idle (docs/design.md § Handler, "Quota"). The largest stacks keep the full cap."""
        cap = min(self.throttled.cap_s, max(self.shortest_cap_s, served * self.cap_s_per_alias))
        return dataclasses.replace(self, throttled=dataclasses.replace(self.throttled, cap_s=cap))

    def for_rate(self, requests_per_second: float) -> RetryPolicy:
        """This policy for a quota of `requests_per_second` per API: the throttling waits scaled by Connect's
        default rate / it, so callers thin out at the pace that quota refills (docs/design.md § Handler,
        "Quota"). Other waits (5xx, denial, the deadline's reserve) do not depend on the quota."""
        by = DEFAULT_REQUESTS_PER_SECOND / requests_per_second
        shortest = self.shortest_throttled_s
        return dataclasses.replace(
            self,
            throttled=self.throttled.scaled(by, shortest),
            after_throttled_s=max(shortest, self.after_throttled_s * by),
        )


def policy_from_environment(environ: Mapping[str, str] = os.environ) -> RetryPolicy:
    """The policy for the aliases the provider serves (`ALIASES_SERVED_ENV`) and the rate it was told
    (`REQUESTS_PER_SECOND_ENV`); the default for what is absent."""
    return _policy_for(environ.get(ALIASES_SERVED_ENV), environ.get(REQUESTS_PER_SECOND_ENV))


@functools.cache
def _policy_for(served: str | None, told: str | None) -> RetryPolicy:
    """Once per value and process: a value the function cannot use is logged once and the default used, as
    a wrong one costs speed, never correctness."""
    policy = RetryPolicy()
    if served is not None:
        if served.isascii() and served.isdigit() and int(served) > 0:
            policy = policy.for_aliases(int(served))
        else:
            problem = f"{excerpt(served)} is not a positive whole number"
            _unusable(ALIASES_SERVED_ENV, problem, "waits sized for the largest stack")
    if told is None:
        return policy
    try:
        rate = parse_requests_per_second(float(told), REQUESTS_PER_SECOND_ENV)
    except ValueError as err:  # float()'s, or the contract's GrammarError
        problem = str(err) if isinstance(err, GrammarError) else f"{excerpt(told)} is not a number"
        _unusable(REQUESTS_PER_SECOND_ENV, problem, DEFAULT_REQUESTS_PER_SECOND)
        return policy
    return policy.for_rate(rate)


def _unusable(setting: str, problem: str, using: object) -> None:
    logger.warning(json.dumps({"setting": setting, "problem": problem, "using": using}))


@dataclass(frozen=True)
class TokenSeed:
    """The CloudFormation request a ClientToken derives from."""

    stack_id: str
    logical_id: str
    request_id: str


def client_token(seed: TokenSeed, step: str) -> str:
    """Deterministic ClientToken: a re-delivered event or retried call carries the same one (64 hex chars)."""
    text = "\x1f".join((seed.stack_id, seed.logical_id, seed.request_id, step))
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def _botocore_session() -> botocore.session.Session:
    core = botocore.session.Session()
    if MODELS_DIR.is_dir():
        core.set_config_variable("data_path", str(MODELS_DIR))
    return core


@functools.cache
def _connect_regions(partition: str) -> frozenset[str]:
    return frozenset(_botocore_session().get_available_regions("connect", partition))


def has_endpoint(partition: str | None, region: str) -> bool:
    """Whether the SDK's endpoint data lists Amazon Connect in `region` (of `partition`, when an ARN names
    one): calls to a region without it would retry a connection that never opens until the time runs out."""
    partitions = [partition] if partition else _botocore_session().get_available_partitions()
    return any(region in _connect_regions(p) for p in partitions)


@functools.cache
def make_client(region: str) -> Any:
    """A Connect client for `region`, cached for warm invocations. AWS_ENDPOINT_URL_CONNECT is honoured."""
    session = boto3.session.Session(botocore_session=_botocore_session(), region_name=region)
    return session.client("connect", config=CLIENT_CONFIG)


@dataclass
class _Failure:
    """One failed attempt, classified."""

    code: str
    message: str
    status: int
    ambiguous: bool  # the call may have been applied (5xx, connection lost, read timeout)
    connection: bool = False

    @property
    def throttled(self) -> bool:
        return self.code in _THROTTLED or self.status == 429

    @property
    def transient(self) -> bool:
        return self.code in _TRANSIENT or self.status >= 500 or self.connection

    @property
    def denied(self) -> bool:
        return self.code == "AccessDeniedException"


def _mask(message: str) -> str:
    """Connect's message without address strings (the model marks them sensitive), kept short."""
    return clip(redact(message).replace("\n", " "), 80)


class ConnectApi:
    """Implements `lifecycle.ConnectPort` over boto3 for one CloudFormation request."""

    def __init__(
        self,
        *,
        clock: Clock,
        seed: TokenSeed,
        client_factory: Callable[[str], Any] = make_client,
        policy: RetryPolicy | None = None,
        pacing: Pacing | None = None,
    ) -> None:
        self._clock = clock
        self._seed = seed
        self._client_factory = client_factory
        self._policy = policy_from_environment() if policy is None else policy  # the rate told, if any
        self._pacing = process_pacing() if pacing is None else pacing  # the warm process's by default
        self._worked: set[str] = set()  # operations that succeeded once in this request

    # -- the port -------------------------------------------------------------------------------------

    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        """The address, or None when it does not exist; `InstanceNotFound` for a missing instance."""
        params = {"InstanceId": instance_id, "EmailAddressId": address_id}
        try:
            resp = self._call(region, "describe_email_address", params, f"address {short_id(address_id)}")
        except InstanceNotFound:
            raise
        except NotFound:
            return None
        aliases = tuple(
            str(c["EmailAddressId"]) for c in resp.get("AliasConfigurations") or () if c.get("EmailAddressId")
        )
        tags = {str(k): str(v) for k, v in (resp.get("Tags") or {}).items()}
        return Address(
            str(resp.get("EmailAddressId", address_id)),
            str(resp.get("EmailAddress", "")),
            aliases,
            arn=str(resp.get("EmailAddressArn") or ""),
            tags=tags,
        )

    def associate(self, pair: Pair, step: str) -> None:
        """Make the pair; raises `Conflict`, `NotFound`, `TokenReused`, `Denied`, `Exhausted`, `PortError`."""
        self._mutate(pair, step, "associate_email_address_alias")

    def disassociate(self, pair: Pair, step: str) -> None:
        """Remove the pair; raises like `associate` (`NotFound`: the pair is not there)."""
        self._mutate(pair, step, "disassociate_email_address_alias")

    def tag(self, region: str, arn: str, key: str, value: str) -> None:
        """Set one tag on the resource `arn`."""
        self._call(region, "tag_resource", {"resourceArn": arn, "tags": {key: value}}, _arn_target(arn))

    def untag(self, region: str, arn: str, key: str) -> None:
        """Remove one tag from the resource `arn` (absent: no-op)."""
        self._call(region, "untag_resource", {"resourceArn": arn, "tagKeys": [key]}, _arn_target(arn))

    def primary_of(self, region: str, instance_id: str, alias_id: str) -> str | None:
        """The primary `alias_id` forwards to, from SearchEmailAddresses (paginated); None if none."""
        params: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": 100}
        while True:
            resp = self._call(region, "search_email_addresses", params, f"instance {short_id(instance_id)}")
            for item in resp.get("EmailAddresses") or ():
                if any(c.get("EmailAddressId") == alias_id for c in item.get("AliasConfigurations") or ()):
                    return str(item.get("EmailAddressId"))
            if not resp.get("NextToken"):
                return None
            params["NextToken"] = resp["NextToken"]

    def addresses(self, region: str, instance_id: str) -> Iterator[Address]:
        """Every address of the instance, from SearchEmailAddresses without criteria, 100 a page, each page
        fetched as the caller gets there (it compares the results itself and stops when it has its answer).
        Results carry no tags."""
        params: dict[str, Any] = {"InstanceId": instance_id, "MaxResults": SEARCH_PAGE}
        while True:
            resp = self._call(region, "search_email_addresses", params, f"instance {short_id(instance_id)}")
            for item in resp.get("EmailAddresses") or ():
                aliases = tuple(
                    str(c["EmailAddressId"])
                    for c in item.get("AliasConfigurations") or ()
                    if c.get("EmailAddressId")
                )
                address_id, email = str(item.get("EmailAddressId") or ""), str(item.get("EmailAddress") or "")
                yield Address(address_id, email, aliases, arn=str(item.get("EmailAddressArn") or ""))
            if not resp.get("NextToken"):
                return
            params = {**params, "NextToken": resp["NextToken"]}

    # -- calls ------------------------------------------------------------------------------------------

    def _mutate(self, pair: Pair, step: str, op: str) -> None:
        params = {
            "InstanceId": pair.instance_id,
            "EmailAddressId": pair.primary_id,
            "AliasConfiguration": {"EmailAddressId": pair.alias_id},
            "ClientToken": client_token(self._seed, step),
        }
        self._call(pair.region, op, params, f"{short_id(pair.alias_id)} -> {short_id(pair.primary_id)}")

    def _call(self, region: str, op: str, params: Mapping[str, Any], target: str) -> Any:
        """Call `op`, retrying throttling, 5xx, connection errors and a fresh denial while time is left."""
        attempt = throttles = transients = denials = 0
        if self._pacing.throttled_last(op) and time_for(
            self._clock.remaining_ms, self._policy.after_throttled_s, self._policy.reserve_ms
        ):
            self._clock.sleep(self._policy.after_throttled_s)
        denied_since: int | None = None
        ambiguous = False
        where: dict[str, Any] = {"region": region, "params": params}
        while True:
            attempt += 1
            if self._clock.remaining_ms() < self._policy.floor_ms:
                raise self._error(op, _Failure("OutOfTime", "", 0, False), target, ambiguous, **where)
            started = time.monotonic()
            failure: _Failure | None = None
            try:
                resp = getattr(self._client_factory(region), op)(**params)
            except ClientError as err:
                error = err.response.get("Error", {})
                status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
                code = str(error.get("Code") or "Unknown")
                failure = _Failure(code, str(error.get("Message") or ""), status, status >= 500)
            except (BotoConnectionError, HTTPClientError) as err:
                failure = _Failure(type(err).__name__, "", 0, True, connection=True)
            self._log(op, region, params, failure, started, attempt)
            if failure is None:
                self._worked.add(op)
                self._pacing.settle(op, throttles)
                return resp
            ambiguous = ambiguous or failure.ambiguous
            if failure.throttled:
                throttles += 1
                delay = self._policy.throttled.delay(throttles + self._pacing.level(op), self._clock.rand)
            elif failure.transient:
                transients += 1
                delay = self._policy.transient.delay(transients, self._clock.rand)
            elif failure.denied and op not in self._worked:
                # A grant added in this deployment may not have reached IAM yet (docs/design.md § Handler).
                denials += 1
                now = self._clock.remaining_ms()
                denied_since = now if denied_since is None else denied_since
                delay = self._policy.denied.delay(denials, self._clock.rand)
                if denied_since - now + delay * 1000 > self._policy.denied_wait_ms:
                    raise self._error(op, failure, target, ambiguous, **where)
            else:
                raise self._error(op, failure, target, ambiguous, **where)
            if not time_for(self._clock.remaining_ms, delay, self._policy.reserve_ms):
                # One last, shorter wait if time allows, then give up with time left to restore and answer.
                delay = (self._clock.remaining_ms() - self._policy.reserve_ms) / 1000
                if delay < 0.1 or failure.denied:
                    raise self._error(op, failure, target, ambiguous, out_of_time=not failure.denied, **where)
            self._clock.sleep(delay)

    def _error(
        self, op: str, err: _Failure, target: str, ambiguous: bool, *, region: str, params: Mapping[str, Any],
        out_of_time: bool = False,
    ) -> PortError:
        action = _ACTION[op]
        maybe_changed = op in _MUTATING and ambiguous
        kind: type[PortError] = PortError
        if err.code == "OutOfTime" or out_of_time:
            reason = (
                f"{action} on {target} kept failing ({err.code}) until the time left ran out: retry the "
                "stack operation later, or raise the function's timeout."
            )
            return Exhausted(reason, code=err.code, maybe_changed=maybe_changed)
        if err.denied:
            kind = Denied
            scope = "instance" if op == "search_email_addresses" else "instance's email addresses"
            reason = (
                f"{action} on {target} was denied: grant the function's role connect:{action} on the {scope}."
            )
        elif err.code == "ResourceNotFoundException":
            message = err.message.lower()
            kind, reason = NotFound, _rejected(action, target, err)
            search = op == "search_email_addresses"  # the instance is the one resource a search names
            if (search or ("instance" in message and "email" not in message)) and "InstanceId" in params:
                kind = InstanceNotFound
                instance = str(params["InstanceId"])
                reason = (
                    f"Connect instance {short_id(instance)} was not found in {region}: "
                    "check InstanceId and that the function runs in (or the ARN names) the instance's region."
                )
                if has_upper_case(instance):
                    reason = (
                        f"Connect instance {short_id(instance)} was not found in {region}: {LOWER_CASE_HINT};"
                        " write InstanceId in lower case (and check the region)."
                    )
        elif err.code == "ResourceConflictException":
            kind = Conflict
            reason = _rejected(action, target, err)
        elif err.code == "IdempotencyException":
            kind = TokenReused
            reason = (
                f"Connect rejected the ClientToken of {action} {target} as reused; nothing changed: retry "
                "the stack operation."
            )
        else:
            reason = _rejected(action, target, err)
        return kind(reason, code=err.code, maybe_changed=maybe_changed)

    def _log(
        self, op: str, region: str, params: Mapping[str, Any], failure: _Failure | None, started: float,
        attempt: int,
    ) -> None:
        """One structured line per attempt; IDs only, never address strings, tokens or credentials."""
        instance, address = params.get("InstanceId"), params.get("EmailAddressId")
        arn = _ADDRESS_ARN.fullmatch(str(params.get("resourceArn", "")))
        if arn:
            instance, address = arn.group(1), arn.group(2)
        record = {
            "connect_call": _ACTION[op],
            "region": region,
            "instance_id": instance,
            "email_address_id": address,
            "alias_email_address_id": params.get("AliasConfiguration", {}).get("EmailAddressId"),
            "outcome": "ok" if failure is None else failure.code,
            "http_status": 200 if failure is None else failure.status,
            "latency_ms": round((time.monotonic() - started) * 1000, 1),
            "attempt": attempt,
        }
        logger.info(json.dumps(record))


def _arn_target(arn: str) -> str:
    match = _ADDRESS_ARN.fullmatch(arn)
    return f"address {short_id(match.group(2))}" if match else "the address"


#: What to do about a refusal, by Connect's error code; anything else gets `_RETRY_HINT`.
_HINTS = {
    "ResourceNotFoundException": "check the IDs and the instance",
    "InvalidParameterException": "check the IDs and the instance",
    "InvalidRequestException": "check the IDs and the instance",
    "ResourceConflictException": "check which aliases the two addresses have now",
    "ServiceQuotaExceededException": "a Connect quota is reached: raise it or free capacity, then retry",
    "LimitExceededException": "a Connect quota is reached: raise it or free capacity, then retry",
}
_RETRY_HINT = "retry the stack operation"
#: Left free for what the lifecycle adds after a refusal of a swap (" The old pair was restored.").
_OUTCOME_ROOM = 30


def _rejected(action: str, target: str, err: _Failure) -> str:
    """Which call, on which pair, Connect's code and the advice that fits it; Connect's own words only
    when they add to the code and fit whole, so the advice and the lifecycle's outcome are never cut."""
    reason = f"Connect rejected {action} on {target} ({err.code}): {_HINTS.get(err.code, _RETRY_HINT)}."
    said = _mask(err.message).rstrip(".") if err.message else ""
    detail = f" Connect said: {said}."
    if said and err.code not in said and len(reason) + len(detail) <= REASON_MAX - _OUTCOME_ROOM:
        reason += detail
    return reason
