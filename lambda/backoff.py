"""Backoff with jitter, bounded by the invocation's time left: one helper for every retry loop.

Used by the Connect port (throttling, 5xx, connection errors, a fresh IAM grant), the lifecycle (a lock,
an address not visible yet) and the response sender. See docs/design.md § Handler ("Retry numbers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delays that grow as `base_s * factor^(n-1)` up to `cap_s`.

    `floor` is the share of each delay that is fixed (0 = full jitter, 0.5 = equal jitter): waiting
    callers spread out (jitter) without many quick tries when each try is expensive (floor).
    """

    base_s: float
    cap_s: float
    factor: float = 2.0
    floor: float = 0.0

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """The wait before try `attempt + 1` (`attempt` >= 1), with jitter from `rand()` in [0, 1)."""
        step = min(self.cap_s, self.base_s * self.factor ** (attempt - 1))
        return step * (self.floor + (1.0 - self.floor) * rand())


def time_for(remaining_ms: Callable[[], int], delay_s: float, reserve_ms: int) -> bool:
    """Whether sleeping `delay_s` still leaves `reserve_ms` of the invocation."""
    return remaining_ms() - delay_s * 1000 >= reserve_ms


@dataclass(frozen=True)
class Clock:
    """The seams a retry loop needs: time left in the invocation, sleeping, and jitter."""

    remaining_ms: Callable[[], int]
    sleep: Callable[[float], None]
    rand: Callable[[], float]
