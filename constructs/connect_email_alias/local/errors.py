"""Connect's error answers as the emulator raises them: the modelled code, HTTP status and message.

Every rule module raises :class:`ConnectError`; the wire layer turns it into an AWS error answer
(``x-amzn-ErrorType`` header and ``{"message", "Message"}`` body) so botocore raises the modelled class.
"""

from __future__ import annotations


class ConnectError(Exception):
    """A Connect error answer: its modelled code, HTTP status and message."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status
        self.message = message


def not_found(message: str) -> ConnectError:
    return ConnectError("ResourceNotFoundException", 404, message)


def conflict(message: str) -> ConnectError:
    return ConnectError("ResourceConflictException", 409, message)


def duplicate(message: str) -> ConnectError:
    return ConnectError("DuplicateResourceException", 409, message)


def invalid_request(message: str) -> ConnectError:
    return ConnectError("InvalidRequestException", 400, message)


def invalid_parameter(message: str) -> ConnectError:
    return ConnectError("InvalidParameterException", 400, message)


def throttled() -> ConnectError:
    return ConnectError("ThrottlingException", 429, "Rate exceeded")


def access_denied(message: str) -> ConnectError:
    return ConnectError("AccessDeniedException", 403, message)
