"""Connect's error answers: the modelled code, HTTP status and message of each refusal.

Every rule module raises :class:`ConnectError`; the wire layer turns it into an AWS error answer
(``x-amzn-ErrorType`` header and ``{"message", "Message"}`` body) so botocore raises the modelled class.
"""

from __future__ import annotations

from functools import partial

#: The HTTP status of each error the Connect model declares for the emulated operations, and of the
#: protocol errors AWS answers before any operation runs.
STATUS: dict[str, int] = {
    "AccessDeniedException": 403,
    "DuplicateResourceException": 409,
    "IdempotencyException": 409,
    "InternalServiceException": 500,
    "InvalidParameterException": 400,
    "InvalidRequestException": 400,
    "ResourceConflictException": 409,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 429,
    "MissingAuthenticationTokenException": 403,
    "UnknownOperationException": 404,
}


class ConnectError(Exception):
    """A Connect error answer; ``status`` defaults to the code's modelled one (else 400)."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = STATUS.get(code, 400) if status is None else status


not_found = partial(ConnectError, "ResourceNotFoundException")
conflict = partial(ConnectError, "ResourceConflictException")
duplicate = partial(ConnectError, "DuplicateResourceException")
invalid_request = partial(ConnectError, "InvalidRequestException")
invalid_parameter = partial(ConnectError, "InvalidParameterException")
access_denied = partial(ConnectError, "AccessDeniedException")
throttled = partial(ConnectError, "ThrottlingException", "Rate exceeded")
