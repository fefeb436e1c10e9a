"""Eventual consistency of Connect's reads, as the emulator models it (off by default).

Connect's API reference warns that a change can take time to be visible and that ResourceNotFound may
be transient right after a create. CHOICE: the lengths are not documented (the live check compares them
with a real instance); writes act at once and reads see them late (docs/design.md, "Offline test bed").
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from .clock import Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Changes older than this are forgotten: no read lag may be longer.
HORIZON_S = 3600.0


@dataclass(frozen=True)
class ReadLag:
    """How long reads miss each kind of change, in seconds: a new address is not found, a primary's
    ``AliasConfigurations`` and an address's ``Tags`` show as they were. Deletes are seen at once."""

    new_address: float = 0.0
    alias_change: float = 0.0
    tags: float = 0.0

    def __post_init__(self) -> None:
        for name in (f.name for f in fields(self)):
            value = getattr(self, name)
            if not 0 <= value <= HORIZON_S:
                raise ValueError(f"ReadLag.{name} must be 0 to {HORIZON_S:.0f} seconds, not {value}")


class Recent(Generic[K, V]):
    """The recent changes of keyed values, so a read can see a value as it was a while ago.

    Not thread-safe: the state calls it under its own lock.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._changes: dict[K, list[tuple[float, V]]] = {}

    def changed(self, key: K, old: V) -> None:
        """Record that ``key`` held ``old`` until now."""
        now = self._clock()
        changes = [c for c in self._changes.get(key, []) if c[0] > now - HORIZON_S]
        self._changes[key] = [*changes, (now, old)]

    def seen(self, key: K, current: V, lag: float) -> V:
        """The value a read ``lag`` seconds behind sees: the one before the earliest change it misses."""
        since = self._clock() - lag
        missed = [old for when, old in self._changes.get(key, []) if when > since] if lag > 0 else []
        return missed[0] if missed else current

    def forget(self, key: K) -> None:
        self._changes.pop(key, None)
