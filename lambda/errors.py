"""The function's errors: one base carries the reason CloudFormation shows, clipped to its limit.

`PortError` and its kinds are what the Connect port (connect_api.py) turns Connect's answers into; what an
answer means for the request (a lock, a pair already there, a removal that is not ours) is decided by the
lifecycle. See docs/design.md § Handler.
"""

from __future__ import annotations

import re

from contract import REASON_MAX

_ADDRESS = re.compile(r"[^\s@]+@[^\s@]+")


def clip(text: str, limit: int = REASON_MAX) -> str:
    """Cut `text` to `limit` characters (CloudFormation shows at most 256 of a Reason)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def redact(text: str) -> str:
    """`text` with anything that looks like an email address replaced: a reason may quote the address the
    template gave, but the logs never hold address strings (Connect's model marks them sensitive)."""
    return _ADDRESS.sub("<address>", text)


def short_id(value: str) -> str:
    """An ID as a reason quotes it: whole when it is a UUID, cut when it would crowd out the advice."""
    return clip(value, 48)


class ReasonError(Exception):
    """The request cannot be carried out; `reason` is for CloudFormation (at most 256 characters)."""

    def __init__(self, reason: str) -> None:
        self.reason = clip(reason)
        super().__init__(self.reason)


class LifecycleError(ReasonError):
    """A lifecycle decision or call failed.

    `maybe_changed` is True when a mutating call may have been applied although we could not confirm it
    (e.g. it timed out), so a failed Create must still record the pair for the rollback's Delete to clean up.
    """

    def __init__(self, reason: str, *, maybe_changed: bool = False) -> None:
        super().__init__(reason)
        self.maybe_changed = maybe_changed


class PortError(LifecycleError):
    """A Connect call failed for good (not retryable, or out of time); `code` is Connect's error code."""

    def __init__(self, reason: str, *, code: str, maybe_changed: bool = False) -> None:
        super().__init__(reason, maybe_changed=maybe_changed)
        self.code = code


class Conflict(PortError):
    """409 ResourceConflictException: the lifecycle decides whether it is real, done already, or a lock."""


class NotFound(PortError):
    """404: the address (or the pair, for a disassociate) does not exist."""


class InstanceNotFound(NotFound):
    """Connect says the instance itself does not exist (so no address in it can)."""


class TokenReused(PortError):
    """409 IdempotencyException: the ClientToken was used before for a different request."""


class Denied(PortError):
    """403 AccessDeniedException that outlasted the propagation window; the reason names the IAM action."""


class Exhausted(PortError):
    """Throttling, 5xx or connection errors that kept on until the time left ran out."""
