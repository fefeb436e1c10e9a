"""IAM as the emulator applies it: every call is allowed unless a test denies it.

Two real conditions: a fresh grant that IAM has not propagated yet (denied for a while, then allowed),
and a permanent denial (a missing grant). A denied call answers 403 AccessDeniedException whose message
names the action ``connect:<Operation>`` and the resource, in IAM's wording.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .clock import Clock


@dataclass(frozen=True)
class _Denial:
    until: float | None  # None: until cleared
    operations: frozenset[str] | None  # None: every operation
    instances: frozenset[str] | None  # None: every instance

    def covers(self, operation: str, instance_id: str | None, now: float) -> bool:
        return (
            (self.until is None or now < self.until)
            and (self.operations is None or operation in self.operations)
            and (self.instances is None or instance_id in self.instances)
        )


class Iam:
    """The denials in force; the emulator asks :meth:`denial` on every call (thread-safe)."""

    def __init__(self, clock: Clock, account: str) -> None:
        self._clock = clock
        self._account = account
        self._denials: list[_Denial] = []
        self._lock = threading.Lock()

    def deny_for(
        self,
        seconds: float,
        operations: Iterable[str] | None = None,
        instances: Iterable[str] | None = None,
    ) -> None:
        """Deny ``operations`` (all when None) on ``instances`` (all when None) for ``seconds`` from now:
        a grant still propagating."""
        self._add(self._clock() + seconds, operations, instances)

    def deny(self, operations: Iterable[str] | None = None, instances: Iterable[str] | None = None) -> None:
        """Deny until :meth:`clear`: a grant that is missing."""
        self._add(None, operations, instances)

    def clear(self) -> None:
        with self._lock:
            self._denials.clear()

    def denial(self, operation: str, instance_id: str | None, resource_arn: str) -> str | None:
        """IAM's message if this call is denied now, else None."""
        now = self._clock()
        with self._lock:
            if not any(d.covers(operation, instance_id, now) for d in self._denials):
                return None
        # CHOICE: the caller is shown as an assumed role; signatures are not verified, so it is not known.
        action = f"connect:{operation}"
        return (
            f"User: arn:aws:sts::{self._account}:assumed-role/emulated-caller/session is not authorized to "
            f"perform: {action} on resource: {resource_arn} because no identity-based policy allows the "
            f"{action} action"
        )

    def _add(
        self, until: float | None, operations: Iterable[str] | None, instances: Iterable[str] | None
    ) -> None:
        denial = _Denial(
            until,
            frozenset(operations) if operations is not None else None,
            frozenset(instances) if instances is not None else None,
        )
        with self._lock:
            self._denials.append(denial)
