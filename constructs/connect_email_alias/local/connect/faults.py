"""Fault injection, scriptable from tests: real Connect throttles, fails, locks addresses during
concurrent operations and drops connections, and the function must survive all of that.

Thread-safe: the emulator serves each request on its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from .clock import Clock
from .exceptions import ConnectError, throttled
from .quota import Throttle

#: Matches every operation in :meth:`Faults.fail_next`, :meth:`Faults.rate_limit`, :meth:`Faults.latency`.
ANY_OPERATION = "*"

DropMode = Literal["close", "reset"]


@dataclass(frozen=True)
class PlainStatusFault:
    """A bare HTTP status with no AWS error type, like a load balancer's 503."""

    status: int


@dataclass(frozen=True)
class DropFault:
    """No answer: the connection is closed (``close``) or reset (``reset``, TCP RST)."""

    mode: DropMode


#: A modelled AWS error answer, a bare status, or no answer at all.
Fault = ConnectError | PlainStatusFault | DropFault


@dataclass(frozen=True)
class PlannedFault:
    """A fault the emulator must apply to one call; ``after`` means: act first, then fail the answer."""

    fault: Fault
    after: bool


@dataclass
class _Scripted:
    operation: str
    remaining: int  # calls still to fail; dropped from the plan at 0
    planned: PlannedFault


class Faults:
    """The emulator's fault plan. Tests script it; the emulator consults it on every call."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._scripted: list[_Scripted] = []
        self._rate_limits: dict[str, tuple[float, int]] = {}
        self._throttle = Throttle(clock, self._bucket_for)
        self._latency: dict[str, float] = {}
        self._address_locks: dict[str, float] = {}

    def fail_next(
        self,
        operation: str,
        count: int = 1,
        *,
        error: str | None = "InternalServiceException",
        status: int | None = None,
        message: str | None = None,
        after: bool = False,
    ) -> None:
        """Fail the next ``count`` calls of ``operation`` (or ``"*"``).

        ``error=None`` with a ``status`` gives a plain HTTP status with no AWS error type (e.g. 503).
        ``after=True`` applies the call's effect first and then fails the answer: the lost-response
        case that ClientTokens exist for.
        """
        fault: Fault
        if error is not None:
            fault = ConnectError(error, message or f"Injected fault: {error}", status)
        elif status is None:
            raise ValueError("a plain-status fault needs a status")
        else:
            fault = PlainStatusFault(status)
        self._script(operation, count, fault, after)

    def drop_next(
        self, operation: str, count: int = 1, *, mode: DropMode = "close", after: bool = False
    ) -> None:
        """Answer the next ``count`` calls of ``operation`` with nothing: connection closed or reset."""
        self._script(operation, count, DropFault(mode), after)

    def rate_limit(self, operation: str, per_second: float, burst: int = 1) -> None:
        """A token bucket for ``operation``: calls beyond it get 429 ThrottlingException. Starts full.

        With ``"*"`` one bucket is shared by every operation; for Connect's own per-operation quota, give
        the emulator a :class:`~.quota.Quota` instead.
        """
        with self._lock:
            self._throttle.start(operation, per_second, burst)
            self._rate_limits[operation] = (per_second, burst)

    def latency(self, operation: str, seconds: float) -> None:
        """Delay every answer of ``operation`` by ``seconds`` (before acting)."""
        with self._lock:
            self._latency[operation] = seconds

    def lock(self, address_ids: Iterable[str], seconds: float) -> None:
        """Hold Connect's distributed lock on ``address_ids`` for ``seconds``.

        While held, mutating calls touching any of them get 409 ResourceConflictException, while
        DescribeEmailAddress still shows the real state, so a caller can tell a lock from a conflict.
        """
        until = self._clock() + seconds
        with self._lock:
            self._address_locks.update(dict.fromkeys(address_ids, until))

    def unlock(self, address_ids: Iterable[str] | None = None) -> None:
        """Release the given locks (all when ``None``)."""
        with self._lock:
            for address_id in list(self._address_locks) if address_ids is None else address_ids:
                self._address_locks.pop(address_id, None)

    def clear(self) -> None:
        """Forget every scripted fault, rate limit, latency and lock."""
        with self._lock:
            for plan in (self._scripted, self._rate_limits, self._latency, self._address_locks):
                plan.clear()
            self._throttle.set(self._bucket_for)

    # -- consulted by the emulator -----------------------------------------------------------------

    def delay_for(self, operation: str) -> float:
        with self._lock:
            return self._latency.get(operation, self._latency.get(ANY_OPERATION, 0.0))

    def delay(self, operation: str) -> None:
        """Wait out the latency of ``operation``: a real sleep, unless the clock lets time pass at once
        (``clock.elapse``, as a virtual clock the function's processes share does: see :mod:`.clock`)."""
        seconds = self.delay_for(operation)
        if seconds > 0:
            elapse: Callable[[float], None] = getattr(self._clock, "elapse", time.sleep)
            elapse(seconds)

    def plan(self, operation: str) -> PlannedFault | None:
        """The fault to apply to this call, consuming one scripted fault or one token."""
        with self._lock:
            for item in self._scripted:
                if item.operation in (operation, ANY_OPERATION):
                    item.remaining -= 1
                    if item.remaining == 0:
                        self._scripted.remove(item)
                    return item.planned
            if not self._throttle.admit(operation):
                return PlannedFault(throttled(), after=False)
        return None

    def _bucket_for(self, operation: str) -> tuple[str, float, int] | None:
        """The operation's own rate limit, else the one shared by every operation (``"*"``)."""
        key = operation if operation in self._rate_limits else ANY_OPERATION
        limits = self._rate_limits.get(key)
        return None if limits is None else (key, *limits)

    def locked(self, address_ids: Iterable[str]) -> str | None:
        """The first of ``address_ids`` that is locked now, if any."""
        now = self._clock()
        with self._lock:
            return next((a for a in address_ids if self._address_locks.get(a, now) > now), None)

    def _script(self, operation: str, count: int, fault: Fault, after: bool) -> None:
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._scripted.append(_Scripted(operation, count, PlannedFault(fault, after)))
