"""The emulator's sense of time, injectable so tests of lag, quota and IAM windows need not sleep.

Every time-based condition (read lag, quota buckets, IAM windows, lock windows) reads one clock:
``time.monotonic`` by default, or a :class:`ManualClock` that a test advances by hand. Injected latency
(``faults.latency``) is a real sleep, since it is about the caller's socket timeouts, unless the clock has
an ``elapse(seconds)`` method: then latency moves that clock at once (the runtime's virtual clock, shared
with the function's processes, does; a test about socket timeouts runs on real time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

#: Seconds on a monotonic scale; only differences matter.
Clock = Callable[[], float]


class ManualClock:
    """A clock that moves only when :meth:`advance` is called (thread-safe)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        with self._lock:
            self._now += seconds
