"""Virtual time for the function's processes: a wait that matters only by its length passes at once.

A :class:`VirtualClock` reads ``time.monotonic()`` plus an offset that only grows. A runner given this clock
starts each function's process with the clock installed (:mod:`.bootstrap`): there ``time.sleep`` and
``threading.Timer`` wait on the clock, and ``time.time``/``time.monotonic`` read it, so the function's
backoff, its deadline (the context's remaining time) and crhelper's timeout timer all move with it. Give
the same clock to the emulator (``ConnectEmulator(clock=...)``) and its windows (IAM, read lag, quota,
locks) agree with the function.

The offset jumps like a discrete-event simulation, so concurrent invocations stay correct: while any
invocation in flight is running (computing, or waiting for an answer), time passes as real time does;
once every one of them is asleep, the clock jumps to the earliest moment one of them wakes (or reaches its
deadline) and wakes it. A sleep therefore never makes another invocation's time pass faster than its
own. The emulator's injected latency (``faults.latency``) calls :meth:`VirtualClock.elapse`: it passes at
once, for everyone. Socket timeouts stay real: a test about them runs on real time. Design: docs/design.md,
"Virtual time".
"""

from __future__ import annotations

import bisect
import mmap
import os
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

#: The shared offset: one float64 at the start of a file the function's processes map read-only.
OFFSET_FORMAT = "d"


class RunnerClock(Protocol):
    """What the runner needs of a clock: its time, the wall time, and waiting for an invocation."""

    #: The file holding the offset for the function's processes (None: they run on real time).
    path: str | None

    def __call__(self) -> float: ...

    def wall(self) -> float:
        """``time.time()`` on this clock (for the context's deadline)."""
        ...

    def at(self, real: float) -> float:
        """This clock's reading when ``time.monotonic()`` read ``real`` (e.g. when an answer arrived)."""
        ...

    def join(self, deadline: float, wake: Callable[[], None]) -> object:
        """An invocation starts (running): ``wake()`` is called when its sleep is over."""
        ...

    def report(self, party: object, until: float | None) -> None:
        """The invocation is asleep until ``until`` (every thread of it), or running again (None)."""
        ...

    def leave(self, party: object) -> None:
        """The invocation ended (answered, crashed or killed)."""
        ...

    def until(self, deadline: float, done: threading.Event) -> bool:
        """Wait until ``done`` is set (True) or this clock reaches ``deadline`` (False)."""
        ...

    def notify(self) -> None:
        """``done`` of a waiter may have been set."""
        ...


class RealTime:
    """Real time: what the runner uses unless it is given a :class:`VirtualClock`."""

    path: str | None = None

    def __call__(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    def at(self, real: float) -> float:
        return real

    def join(self, deadline: float, wake: Callable[[], None]) -> object:
        return None

    def report(self, party: object, until: float | None) -> None:
        """Nothing to do: the function's processes sleep for real."""

    def leave(self, party: object) -> None:
        """Nothing to do."""

    def until(self, deadline: float, done: threading.Event) -> bool:
        return done.wait(max(0.0, deadline - time.monotonic()))

    def notify(self) -> None:
        """Nothing to do: ``done.wait`` wakes by itself."""


@dataclass
class _Party:
    """One invocation in flight: asleep until ``until`` (None: running), killed at ``deadline``."""

    deadline: float
    wake: Callable[[], None]
    until: float | None = None


class VirtualClock:
    """Time that skips what every invocation in flight sleeps through; callable like ``time.monotonic``.

    ``advance(seconds)`` moves it by hand, as :class:`~connect_email_alias.local.ManualClock` does.
    Thread-safe; :meth:`close` removes the file the function's processes read the offset from.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._offset = 0.0
        self._jumps: list[tuple[float, float]] = [(float("-inf"), 0.0)]  # (real monotonic, offset from then)
        self._parties: dict[int, _Party] = {}
        self._count = 0
        self._closed = False
        handle, path = tempfile.mkstemp(prefix="virtual-clock-")
        self.path: str | None = path
        os.write(handle, struct.pack(OFFSET_FORMAT, 0.0))
        self._shared = mmap.mmap(handle, struct.calcsize(OFFSET_FORMAT))
        os.close(handle)
        self._scheduler: threading.Thread | None = None

    def __call__(self) -> float:
        return time.monotonic() + self._offset

    def wall(self) -> float:
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """How far this clock is ahead of ``time.monotonic()``."""
        return self._offset

    def at(self, real: float) -> float:
        with self._cond:
            index = bisect.bisect_right(self._jumps, (real, float("inf"))) - 1
            return real + self._jumps[index][1]

    def advance(self, seconds: float) -> None:
        """Move the clock forward by hand (the function's processes see it at once)."""
        if seconds < 0:
            raise ValueError("a clock cannot go back")
        with self._cond:
            self._jump(seconds)
            self._cond.notify_all()

    def elapse(self, seconds: float) -> None:
        """Let ``seconds`` pass at once, for every invocation in flight: what the emulator's injected latency
        does on this clock (the caller waiting for the answer sees the time pass; so does any other, as in
        real time, so latencies of overlapping calls add up: a test of those runs on real time)."""
        self.advance(seconds)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._scheduler is not None:
            self._scheduler.join()
        self._shared.close()
        if self.path is not None and os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self) -> VirtualClock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the runner's side -----------------------------------------------------------------------

    def join(self, deadline: float, wake: Callable[[], None]) -> object:
        with self._cond:
            self._count += 1
            self._parties[self._count] = _Party(deadline, wake)
            if self._scheduler is None:
                self._scheduler = threading.Thread(target=self._schedule, name="virtual-clock", daemon=True)
                self._scheduler.start()
            return self._count

    def report(self, party: object, until: float | None) -> None:
        with self._cond:
            found = self._parties.get(party) if isinstance(party, int) else None
            if found is not None:
                found.until = until
                self._cond.notify_all()

    def leave(self, party: object) -> None:
        with self._cond:
            if isinstance(party, int):
                self._parties.pop(party, None)
            self._cond.notify_all()

    def until(self, deadline: float, done: threading.Event) -> bool:
        with self._cond:
            while not done.is_set():
                left = deadline - self()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # -- the scheduler ---------------------------------------------------------------------------

    def _jump(self, seconds: float) -> None:
        """Move the offset (the condition held); the function's processes read it from the shared file."""
        self._offset += seconds
        self._jumps.append((time.monotonic(), self._offset))
        struct.pack_into(OFFSET_FORMAT, self._shared, 0, self._offset)

    def _schedule(self) -> None:
        """Wake sleepers whose time came; when every live invocation sleeps, jump to the first wake-up."""
        with self._cond:
            while not self._closed:
                now = self()
                # An invocation at its deadline is being killed: never woken, never waited for.
                live = [p for p in self._parties.values() if p.deadline > now]
                for party in live:
                    if party.until is not None and party.until <= now:
                        party.until = None
                        party.wake()
                events = [min(p.deadline, p.until if p.until is not None else p.deadline) for p in live]
                if live and all(p.until is not None for p in live):
                    self._jump(max(0.0, min(events) - now))
                    self._cond.notify_all()
                    continue
                self._cond.wait(min(events) - now if events else None)
