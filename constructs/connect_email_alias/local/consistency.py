"""Eventual consistency of Connect's reads, as the emulator models it (off by default).

Connect's API reference warns that a change can take time to be visible and that ResourceNotFound may
be transient right after a create. The emulator's model (CHOICE: the lengths are not documented, and the
live check compares them with a real instance): writes act on the true state at once; reads
(DescribeEmailAddress, SearchEmailAddresses) see

- an address created less than ``new_address`` seconds ago as not found;
- a primary's ``AliasConfigurations`` as they were ``alias_change`` seconds ago;
- an address's ``Tags`` as they were ``tags`` seconds ago.

A deleted address is gone for reads at once. Seeding and out-of-band changes never lag.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Changes older than this are forgotten: no read lag may be longer.
HORIZON_S = 3600.0


@dataclass(frozen=True)
class ReadLag:
    """How long each kind of change stays invisible to reads, in seconds."""

    new_address: float = 0.0
    alias_change: float = 0.0
    tags: float = 0.0

    def __post_init__(self) -> None:
        for name in ("new_address", "alias_change", "tags"):
            value = getattr(self, name)
            if not 0 <= value <= HORIZON_S:
                raise ValueError(f"ReadLag.{name} must be 0 to {HORIZON_S:.0f} seconds, not {value}")


class Recent(Generic[K, V]):
    """The recent changes of keyed values, so a read can see a value as it was a while ago."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._changes: dict[K, list[tuple[float, V]]] = {}
        self._lock = threading.Lock()

    def changed(self, key: K, old: V) -> None:
        """Record that ``key`` held ``old`` until now."""
        now = self._clock()
        with self._lock:
            changes = [c for c in self._changes.get(key, []) if c[0] > now - HORIZON_S]
            changes.append((now, old))
            self._changes[key] = changes

    def seen(self, key: K, current: V, lag: float) -> V:
        """The value a read ``lag`` seconds behind sees: the one before the earliest change it misses."""
        if lag <= 0:
            return current
        since = self._clock() - lag
        with self._lock:
            missed = [old for when, old in self._changes.get(key, []) if when > since]
        return missed[0] if missed else current

    def forget(self, key: K) -> None:
        with self._lock:
            self._changes.pop(key, None)
