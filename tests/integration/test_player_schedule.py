"""The order the player starts a phase's resources in: CloudFormation's (after their dependencies, the rest
at once), reported in the order given, whichever finishes first."""

from __future__ import annotations

import threading

import pytest
from connect_email_alias.local.cloudformation.schedule import dependents, play_in_order


def test_independent_resources_are_in_flight_together():
    both = threading.Barrier(2, timeout=10)  # broken unless the two acts run at the same time

    def act(key: str) -> str:
        both.wait()
        return key

    assert play_in_order(["A", "B"], {}, act) == {"A": "A", "B": "B"}


def test_a_resource_starts_after_what_it_depends_on_and_results_keep_the_given_order():
    started: list[str] = []
    slow_done = threading.Event()

    def act(key: str) -> str:
        started.append(key)
        if key == "Slow":
            slow_done.wait(0.2)  # the others finish first
            slow_done.set()
        return key

    results = play_in_order(["Slow", "Fast", "User"], {"User": ["Slow"]}, act)
    assert list(results) == ["Slow", "Fast", "User"]
    assert started.index("User") > started.index("Slow") and slow_done.is_set()


def test_after_a_failure_nothing_new_starts_and_what_is_in_flight_finishes():
    gate = threading.Barrier(2, timeout=10)
    broken = threading.Event()

    def act(key: str) -> bool:
        if key in ("Broken", "Busy"):
            gate.wait()  # both in flight when Broken fails
        if key == "Busy":
            broken.wait(10)
            threading.Event().wait(0.3)  # finishes well after Broken's failure
        broken.set()
        return key != "Broken"

    results = play_in_order(
        ["Broken", "Busy", "Later"], {"Later": ["Busy"]}, act, failed=lambda ok: not ok
    )
    assert results == {"Broken": False, "Busy": True}  # Later never started


def test_deletes_wait_for_what_depends_on_them():
    assert dependents({"Primary": [], "Alias": [], "User": ["Primary", "Alias"]}) == {
        "Primary": {"User"},
        "Alias": {"User"},
        "User": set(),
    }


def test_an_error_is_raised_after_the_others_in_flight_finish():
    finished: list[str] = []
    gate = threading.Barrier(2, timeout=10)

    def act(key: str) -> str:
        gate.wait()
        if key == "Bad":
            raise RuntimeError("boom")
        finished.append(key)
        return key

    with pytest.raises(RuntimeError, match="boom"):
        play_in_order(["Bad", "Good"], {}, act)
    assert finished == ["Good"]
