"""What CloudFormation must get for every event (contract §3), checked the same way by every test kind."""

from __future__ import annotations

import re

from connect_email_alias.local import EventResult

_ADDRESS = re.compile(r"[^\s@\"'<>]+@[^\s@\"'<>]+\.[A-Za-z]{2,}")


def assert_one_timely_valid_answer(result: EventResult) -> None:
    """One answer, valid by CloudFormation's rules, before the deadline, with a usable id and reason.

    The process may still be ended at the deadline after answering (a call hung past it): that is fine.
    """
    where = f"{result.request_type} {result.status} {result.reason}"
    assert result.responses == 1, where
    assert result.validation_errors == (), where
    assert result.answered_before_deadline, where
    assert result.physical_resource_id, where
    assert result.reason is None or len(result.reason) <= 256, where


def addresses_in(logs: str) -> list[str]:
    """The email-address strings in a function's logs (contract §4: there must be none)."""
    return _ADDRESS.findall(logs)
