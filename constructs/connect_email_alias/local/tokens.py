"""ClientToken idempotency as the emulator applies it (docs/design.md, "Offline test bed").

CHOICE: only successful calls are remembered (a failed call may be retried with the same token and act
then), tokens never expire, and a token is scoped to (instance, operation). Not thread-safe: the state
calls it under its own lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConnectError, invalid_request


@dataclass(frozen=True)
class _Use:
    request: tuple[Any, ...]
    result: Any


class ClientTokens:
    """The successful requests made with each token, and their results."""

    def __init__(self) -> None:
        self._uses: dict[tuple[str, str, str], _Use] = {}

    def replay(
        self,
        instance_id: str,
        operation: str,
        token: str | None,
        request: tuple[Any, ...],
        *,
        idempotency: bool,
    ) -> Any:
        """The remembered result for a reused token with the same request, or None for a new token.

        The same token with another request is an IdempotencyException where the operation models one,
        else (CHOICE) an InvalidRequestException: a caller bug that must not look like a retryable 409.
        """
        if not token:
            return None
        use = self._uses.get((instance_id, operation, token))
        if use is None:
            return None
        if use.request != request:
            message = f"ClientToken {token} was already used for a different {operation} request"
            if idempotency:
                raise ConnectError("IdempotencyException", 409, message)
            raise invalid_request(message)
        return use.result

    def remember(
        self, instance_id: str, operation: str, token: str | None, request: tuple[Any, ...], result: Any
    ) -> None:
        if token:
            self._uses[(instance_id, operation, token)] = _Use(request, result)
