"""IAM as the emulator applies it: every call is allowed unless a test denies it.

Two real conditions: a fresh grant that IAM has not propagated yet (denied for a while, then allowed),
and a permanent denial (a missing grant). A denied call answers 403 AccessDeniedException in IAM's
wording, naming the action ``connect:<Operation>`` and the resource.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .clock import Clock


@dataclass(frozen=True)
class _Denial:
    until: float
    operations: frozenset[str] | None  # None: every operation
    instances: frozenset[str] | None  # None: every instance


class Iam:
    """The denials in force; the emulator asks :meth:`denial` on every call (thread-safe)."""

    def __init__(self, clock: Clock, account: str) -> None:
        self._clock = clock
        self._account = account
        self._denials: list[_Denial] = []
        self._lock = threading.Lock()

    def deny_for(
        self, seconds: float, operations: Iterable[str] | None = None, instances: Iterable[str] | None = None
    ) -> None:
        """Deny ``operations`` (all when None) on ``instances`` (all when None) for ``seconds`` from now:
        a grant still propagating."""
        self._add(self._clock() + seconds, operations, instances)

    def deny(self, operations: Iterable[str] | None = None, instances: Iterable[str] | None = None) -> None:
        """Deny until :meth:`clear`: a grant that is missing."""
        self._add(math.inf, operations, instances)

    def clear(self) -> None:
        with self._lock:
            self._denials.clear()

    def denial(self, operation: str, instance_id: str | None, resource_arn: str) -> str | None:
        """IAM's message if this call is denied now, else None."""
        now = self._clock()
        with self._lock:
            denied = any(
                now < d.until
                and (d.operations is None or operation in d.operations)
                and (d.instances is None or instance_id in d.instances)
                for d in self._denials
            )
        if not denied:
            return None
        # CHOICE: the caller is shown as an assumed role; signatures are not verified, so it is not known.
        action = f"connect:{operation}"
        return (
            f"User: arn:aws:sts::{self._account}:assumed-role/emulated-caller/session is not authorized to "
            f"perform: {action} on resource: {resource_arn} because no identity-based policy allows the "
            f"{action} action"
        )

    def _add(self, until: float, operations: Iterable[str] | None, instances: Iterable[str] | None) -> None:
        def optional(names: Iterable[str] | None) -> frozenset[str] | None:
            return None if names is None else frozenset(names)

        with self._lock:
            self._denials.append(_Denial(until, optional(operations), optional(instances)))
