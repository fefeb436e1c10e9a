"""Backoff with jitter, bounded by the invocation's time left: one helper for every retry loop.

Used by the Connect port (throttling, 5xx, connection errors, a fresh IAM grant), the lifecycle (a lock,
an address not visible yet) and the response sender; ``Pacing`` is what the port learns of each operation's
quota. See docs/design.md § Handler ("Retry numbers", "Quota").
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delays that grow as `base_s * factor^(n-1)` up to `cap_s`.

    `floor` is the share of each delay that is fixed (0 = full jitter, 0.5 = equal jitter): waiting
    callers spread out (jitter) without many quick tries when each try is expensive (floor). No delay is
    shorter than `shortest_s`, which matters only for delays scaled down (`scaled`).
    """

    base_s: float
    cap_s: float
    factor: float = 2.0
    floor: float = 0.0
    shortest_s: float = 0.0

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """The wait before try `attempt + 1` (`attempt` >= 1), with jitter from `rand()` in [0, 1)."""
        step = min(self.cap_s, self.base_s * self.factor ** (attempt - 1))
        return max(self.shortest_s, step * (self.floor + (1.0 - self.floor) * rand()))

    def scaled(self, by: float, shortest_s: float) -> Backoff:
        """The same schedule `by` times as long (base and cap), no delay shorter than `shortest_s`."""
        return dataclasses.replace(
            self, base_s=self.base_s * by, cap_s=self.cap_s * by, shortest_s=shortest_s
        )


def time_for(remaining_ms: Callable[[], int], delay_s: float, reserve_ms: int) -> bool:
    """Whether sleeping `delay_s` still leaves `reserve_ms` of the invocation."""
    return remaining_ms() - delay_s * 1000 >= reserve_ms


@dataclass(frozen=True)
class Clock:
    """The seams a retry loop needs: time left in the invocation, sleeping, and jitter."""

    remaining_ms: Callable[[], int]
    sleep: Callable[[float], None]
    rand: Callable[[], float]


@dataclass
class _Seen:
    level: int = 0
    throttled_last: bool = False


class Pacing:
    """What the calls of this process have seen of each operation's quota (Connect throttles per API).

    AIMD-like, on the backoff's steps: a call that got through after ``k`` throttles raises its operation's
    level by ``k - 1`` (its backoff had to climb that far), one that got through at once lowers it by one
    (a ``factor`` shorter wait): calls that go through unthrottled shorten the next wait. A throttled call
    starts its backoff at the level, and the next call of an operation whose last call was throttled waits
    a moment first (tokens are contested: trying at once would most likely be throttled again).
    """

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}

    def level(self, operation: str) -> int:
        """How many steps up a throttled call of ``operation`` starts its backoff."""
        return self._seen.get(operation, _Seen()).level

    def throttled_last(self, operation: str) -> bool:
        """Whether the last call of ``operation`` had to be retried for throttling."""
        return self._seen.get(operation, _Seen()).throttled_last

    def settle(self, operation: str, throttles: int) -> None:
        """Learn from a call of ``operation`` that got through after ``throttles`` throttled attempts."""
        seen = self._seen.setdefault(operation, _Seen())
        seen.level = max(0, seen.level + throttles - 1)
        seen.throttled_last = throttles > 0


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.pacing = Pacing()


_PROCESS = _PerThread()


def process_pacing() -> Pacing:
    """The warm process's ``Pacing``, kept between invocations.

    One per thread: Lambda runs every invocation of a process on its main thread, so there it is the
    process's; the throttling benchmark runs each invocation it stands in for on a thread of its own, as
    Lambda runs concurrent invocations in environments of their own, which share nothing.
    """
    return _PROCESS.pacing
