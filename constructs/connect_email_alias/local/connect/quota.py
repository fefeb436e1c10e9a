"""Connect's API rate quota: one token bucket per operation, as Connect throttles each API per account
and region (default 2 requests per second, burst 5: the Connect API reference's quotas page).
Off unless the emulator is given a :class:`Quota`; beyond it, 429 ThrottlingException.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from .clock import Clock


@dataclass
class TokenBucket:
    """``rate`` tokens a second up to ``capacity``; starts full. Not thread-safe: callers hold a lock."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    @classmethod
    def full(cls, rate: float, burst: int, now: float) -> TokenBucket:
        if rate < 0 or burst < 1:
            raise ValueError("rate must be >= 0 and burst >= 1")
        return cls(rate, float(burst), float(burst), now)

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(frozen=True)
class Quota:
    """Requests per second and burst for every operation; ``per_operation`` maps an operation name to
    its own ``(rate, burst)``. ``Quota.DEFAULT`` is Connect's default (2/s, burst 5)."""

    rate: float = 2.0
    burst: int = 5
    per_operation: Mapping[str, tuple[float, int]] = field(default_factory=dict)

    DEFAULT: ClassVar[Quota]

    def __post_init__(self) -> None:
        for rate, burst in [(self.rate, self.burst), *self.per_operation.values()]:
            if rate <= 0 or burst < 1:
                raise ValueError(f"a quota needs rate > 0 and burst >= 1, not {rate}/{burst}")


Quota.DEFAULT = Quota()


class Throttle:
    """Admits calls within a :class:`Quota`; each operation has its own bucket (thread-safe)."""

    def __init__(self, quota: Quota | None, clock: Clock) -> None:
        self._quota = quota
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def set(self, quota: Quota | None) -> None:
        """Replace the quota; buckets start full again."""
        with self._lock:
            self._quota = quota
            self._buckets.clear()

    def admit(self, operation: str) -> bool:
        with self._lock:
            if self._quota is None:
                return True
            now = self._clock()
            if operation not in self._buckets:
                limits = self._quota.per_operation.get(operation, (self._quota.rate, self._quota.burst))
                self._buckets[operation] = TokenBucket.full(*limits, now)
            return self._buckets[operation].take(now)
