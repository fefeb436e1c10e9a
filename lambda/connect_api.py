"""The Connect port: the one module that builds a boto3 client and talks to Amazon Connect.

It owns retries (full jitter, bounded by the invocation's remaining time), ClientTokens, error
classification, the re-check of ResourceConflictException, and one JSON log line per call. botocore's own
retries are switched off (one attempt per call) so that this loop alone decides against the deadline.
See docs/design.md § Handler.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from lifecycle import Address, InstanceNotFound, PortError, chained_alias, taken_primary
from properties import Pair, clip, short_id

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

_RETRYABLE_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "InternalServiceException", "ServiceUnavailable"}
)
_ACTION = {
    "describe_email_address": "DescribeEmailAddress",
    "associate_email_address_alias": "AssociateEmailAddressAlias",
    "disassociate_email_address_alias": "DisassociateEmailAddressAlias",
}
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and time limits. Times in seconds except the `_ms` fields (compared with remaining time)."""

    base_s: float = 0.2
    cap_s: float = 4.0
    # Stop retrying when fewer than this many ms would be left: time to restore a pair and answer.
    reserve_ms: int = 6000
    # Never start a call with less than this left: the timeout answer goes out 3 s before the deadline.
    floor_ms: int = 4000
    # How long a conflict that the addresses do not explain is waited out (Connect's distributed lock).
    lock_wait_ms: int = 20000


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
def make_client(region: str) -> Any:
    """A Connect client for `region`, cached for warm invocations. AWS_ENDPOINT_URL_CONNECT is honoured."""
    session = boto3.session.Session(botocore_session=_botocore_session(), region_name=region)
    return session.client("connect", config=CLIENT_CONFIG)


class _CallFailed(Exception):
    """A call that will not be retried further (internal to this module)."""

    def __init__(
        self, code: str, message: str, *, retryable: bool, ambiguous: bool
    ) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.ambiguous = ambiguous


def _mask(message: str) -> str:
    """Connect's message without address strings (the model marks them sensitive), kept short."""
    return clip(_EMAIL.sub("<address>", message).replace("\n", " "), 80)


class ConnectApi:
    """Implements `lifecycle.ConnectPort` over boto3 for one CloudFormation request."""

    def __init__(
        self,
        *,
        remaining_ms: Callable[[], int],
        seed: TokenSeed,
        client_factory: Callable[[str], Any] = make_client,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._remaining_ms = remaining_ms
        self._seed = seed
        self._client_factory = client_factory
        self._policy = policy
        self._sleep = sleep
        self._rand = rand

    # -- the port -------------------------------------------------------------------------------------

    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        """The address, or None when it does not exist; `InstanceNotFound` for a missing instance."""
        params = {"InstanceId": instance_id, "EmailAddressId": address_id}
        try:
            resp = self._call(region, "describe_email_address", params)
        except _CallFailed as err:
            if err.code == "ResourceNotFoundException":
                if "instance" in err.message.lower() and "email" not in err.message.lower():
                    raise InstanceNotFound(
                        f"Connect instance {short_id(instance_id)} was not found in {region}: check "
                        "InstanceId and that the function runs in (or the ARN names) the instance's region.",
                        code=err.code,
                    ) from err
                return None
            raise self._port_error("DescribeEmailAddress", err, f"address {short_id(address_id)}") from err
        aliases = tuple(
            str(c["EmailAddressId"]) for c in resp.get("AliasConfigurations") or () if c.get("EmailAddressId")
        )
        email = str(resp.get("EmailAddress", ""))
        return Address(str(resp.get("EmailAddressId", address_id)), email, aliases)

    def associate(self, pair: Pair, step: str) -> None:
        """Associate, re-checking conflicts: done already = success, real conflict = fail, lock = wait."""
        self._mutate(pair, step, "associate_email_address_alias")

    def disassociate(self, pair: Pair, step: str) -> None:
        """Disassociate; a pair already gone (not found, or a conflict showing it gone) is success."""
        self._mutate(pair, step, "disassociate_email_address_alias")

    # -- mutations and their re-checks ------------------------------------------------------------------

    def _mutate(self, pair: Pair, step: str, op: str) -> None:
        associating = op == "associate_email_address_alias"
        action = _ACTION[op]
        lock_started: int | None = None
        lock_round = 0
        while True:
            token = client_token(self._seed, step if lock_round == 0 else f"{step}#lock{lock_round}")
            params = {
                "InstanceId": pair.instance_id,
                "EmailAddressId": pair.primary_id,
                "AliasConfiguration": {"EmailAddressId": pair.alias_id},
                "ClientToken": token,
            }
            try:
                self._call(pair.region, op, params)
                return
            except _CallFailed as err:
                failure = err
            if failure.code == "IdempotencyException" and associating:
                if self._pair_present(pair):
                    return
                raise PortError(
                    f"Connect rejected the ClientToken of {action} {short_id(pair.alias_id)} -> "
                    f"{short_id(pair.primary_id)} as reused; nothing changed: retry the stack operation.",
                    code=failure.code,
                ) from failure
            gone = failure.code == "ResourceNotFoundException" and not associating
            if gone and not self._pair_present(pair):
                return
            if failure.code != "ResourceConflictException":
                target = f"{short_id(pair.alias_id)} -> {short_id(pair.primary_id)}"
                raise self._port_error(action, failure, target) from failure
            # A conflict: is it real (the addresses show it) or Connect's lock (they show nothing)?
            if self._conflict_resolved(pair, associating):
                return
            now = self._remaining_ms()
            lock_started = now if lock_started is None else lock_started
            delay = self._lock_delay(lock_round + 1)
            if lock_started - now + delay * 1000 > self._policy.lock_wait_ms or not self._time_for(delay):
                raise PortError(self._unexplained_conflict(pair, associating), code=failure.code)
            self._sleep(delay)
            lock_round += 1

    def _pair_present(self, pair: Pair) -> bool:
        try:
            primary = self.describe(pair.region, pair.instance_id, pair.primary_id)
        except InstanceNotFound:
            return False
        return primary is not None and pair.alias_id in primary.alias_ids

    def _conflict_resolved(self, pair: Pair, associating: bool) -> bool:
        """True: the describes show the goal reached; raise: a real conflict; False: nothing shown."""
        primary = self.describe(pair.region, pair.instance_id, pair.primary_id)
        if primary is None:
            if associating:
                raise PortError(
                    f"Primary {short_id(pair.primary_id)} was not found in instance "
                    f"{short_id(pair.instance_id)}: check EmailAddressId.",
                    code="ResourceNotFoundException",
                )
            return True
        if not associating:
            return pair.alias_id not in primary.alias_ids
        if pair.alias_id in primary.alias_ids:
            return True
        reason = taken_primary(pair, primary)
        if reason is None:
            alias = self.describe(pair.region, pair.instance_id, pair.alias_id)
            reason = chained_alias(pair, alias) if alias is not None else None
        if reason is not None:
            raise PortError(reason, code="ResourceConflictException")
        return False

    def _unexplained_conflict(self, pair: Pair, associating: bool) -> str:
        if associating:
            return (
                f"Connect reports a conflict for alias {short_id(pair.alias_id)} -> "
                f"{short_id(pair.primary_id)} that the addresses do not show: the alias may already forward "
                "to another primary (remove it there), or another change held the lock (retry)."
            )
        return (
            f"Connect kept reporting a conflict removing alias {short_id(pair.alias_id)} from "
            f"{short_id(pair.primary_id)} (another change holds the lock): retry the stack operation."
        )

    # -- one call, with retries -------------------------------------------------------------------------

    def _call(self, region: str, op: str, params: Mapping[str, Any]) -> Any:
        """Call `op`, retrying throttling, 5xx and connection errors with full jitter while time is left."""
        attempt = 0
        while True:
            attempt += 1
            if self._remaining_ms() < self._policy.floor_ms:
                raise _CallFailed(
                    "OutOfTime", "no time left", retryable=True, ambiguous=False
                )
            started = time.monotonic()
            outcome, status, failure = "ok", 200, None
            try:
                client = self._client_factory(region)
                resp = getattr(client, op)(**params)
            except ClientError as err:
                error = err.response.get("Error", {})
                meta = err.response.get("ResponseMetadata", {})
                code = str(error.get("Code") or "Unknown")
                status = int(meta.get("HTTPStatusCode") or 0)
                retryable = code in _RETRYABLE_CODES or status >= 500 or status == 429
                failure = _CallFailed(
                    code, str(error.get("Message") or ""), retryable=retryable,
                    ambiguous=status >= 500,
                )
            except (BotoConnectionError, HTTPClientError) as err:
                status = 0
                failure = _CallFailed(
                    type(err).__name__, "connection error", retryable=True, ambiguous=True
                )
            outcome = "ok" if failure is None else failure.code
            self._log(op, region, params, outcome, status, started, attempt)
            if failure is None:
                return resp
            if not failure.retryable:
                raise failure
            delay = self._delay(attempt)
            if not self._time_for(delay):
                raise failure
            self._sleep(delay)

    def _delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        return self._rand() * min(self._policy.cap_s, self._policy.base_s * 2.0 ** (attempt - 1))

    def _lock_delay(self, lock_round: int) -> float:
        """Equal jitter: a lock is waited out in a few spaced tries, since each try costs three calls."""
        step = min(self._policy.cap_s, self._policy.base_s * 2.0**lock_round)
        return step / 2 + self._rand() * step / 2

    def _time_for(self, delay_s: float) -> bool:
        return self._remaining_ms() - delay_s * 1000 >= self._policy.reserve_ms

    def _port_error(self, action: str, err: _CallFailed, target: str) -> PortError:
        mutating = action != "DescribeEmailAddress"
        maybe_changed = mutating and err.ambiguous
        if err.code == "AccessDeniedException":
            reason = (
                f"{action} on {target} was denied: grant the function's role connect:{action} on the "
                "instance's email addresses."
            )
        elif err.retryable:
            reason = (
                f"{action} on {target} kept failing ({err.code}) until the time left ran out: retry the "
                "stack operation later, or raise the function's timeout."
            )
        else:
            # Connect's own words last: if the reason must be cut, they go before the advice does.
            detail = f" Connect said: {_mask(err.message).rstrip('.')}." if err.message else ""
            reason = f"Connect rejected {action} on {target} ({err.code}): check IDs and instance.{detail}"
        return PortError(reason, code=err.code, maybe_changed=maybe_changed)

    def _log(
        self, op: str, region: str, params: Mapping[str, Any], outcome: str, status: int, started: float,
        attempt: int,
    ) -> None:
        """One structured line per call; IDs only, never address strings, tokens or credentials."""
        alias = params.get("AliasConfiguration", {}).get("EmailAddressId")
        record = {
            "connect_call": _ACTION[op],
            "region": region,
            "instance_id": params.get("InstanceId"),
            "email_address_id": params.get("EmailAddressId"),
            "alias_email_address_id": alias,
            "outcome": outcome,
            "http_status": status,
            "latency_ms": round((time.monotonic() - started) * 1000, 1),
            "attempt": attempt,
        }
        logger.info(json.dumps(record))
