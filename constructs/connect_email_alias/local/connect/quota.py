"""Connect's API rate quota: one token bucket per operation, as Connect throttles each API per account
and region (default 2 requests per second, burst 5: the Connect API reference's quotas page).
Off unless the emulator is given a :class:`Quota`; beyond it, 429 ThrottlingException.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
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


#: Which bucket a call draws from and its limits: (bucket key, rate, burst), or None for no limit.
BucketFor = Callable[[str], "tuple[str, float, int] | None"]


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

    def bucket_for(self, operation: str) -> tuple[str, float, int]:
        """Each operation has a bucket of its own, as Connect throttles each API."""
        return (operation, *self.per_operation.get(operation, (self.rate, self.burst)))


Quota.DEFAULT = Quota()


class Throttle:
    """Admits calls while their token bucket has a token (thread-safe): Connect's quota and the faults'
    rate limits alike. A bucket starts full when first drawn from."""

    def __init__(self, clock: Clock, bucket_for: BucketFor | None = None) -> None:
        self._clock = clock
        self._bucket_for = bucket_for
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def set(self, bucket_for: BucketFor | None) -> None:
        """Replace the limits (None: unlimited); every bucket starts full again."""
        with self._lock:
            self._bucket_for = bucket_for
            self._buckets.clear()

    def start(self, key: str, rate: float, burst: int) -> None:
        """Start the bucket ``key`` full now, with these limits (they must match what ``bucket_for`` says)."""
        bucket = TokenBucket.full(rate, burst, self._clock())
        with self._lock:
            self._buckets[key] = bucket

    def admit(self, operation: str) -> bool:
        with self._lock:
            found = self._bucket_for(operation) if self._bucket_for is not None else None
            if found is None:
                return True
            key, rate, burst = found
            now = self._clock()
            if key not in self._buckets:
                self._buckets[key] = TokenBucket.full(rate, burst, now)
            return self._buckets[key].take(now)
