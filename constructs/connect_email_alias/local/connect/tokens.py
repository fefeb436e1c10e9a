"""ClientToken idempotency as the emulator applies it (docs/design.md, "Offline test bed").

CHOICE: only successful calls are remembered (a failed call may be retried with the same token and act
then), tokens never expire, and a token is scoped to (instance, operation). Not thread-safe: the gateway
calls it under the state's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .exceptions import ConnectError

#: (instance id, operation, ClientToken)
Key = tuple[str, str, str]


class ClientTokens:
    """The successful requests made with each token, and their answers."""

    def __init__(self) -> None:
        self._uses: dict[Key, tuple[Mapping[str, Any], dict[str, Any]]] = {}

    def once(
        self, key: Key, request: Mapping[str, Any], act: Callable[[], dict[str, Any]], reuse_error: str
    ) -> dict[str, Any]:
        """``act()``'s answer, remembered; for a token reused with the same request, the remembered one
        (no action, even if the state changed since); with another request, the ``reuse_error``."""
        if key in self._uses:
            used, answer = self._uses[key]
            if used != request:
                message = f"ClientToken {key[2]} was already used for a different {key[1]} request"
                raise ConnectError(reuse_error, message)
            return answer
        answer = act()
        self._uses[key] = (request, answer)
        return answer
