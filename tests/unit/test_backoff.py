"""What the port learns of each operation's quota (`backoff.Pacing`), and where a process keeps it."""

from __future__ import annotations

import threading

import backoff
import pytest


@pytest.mark.parametrize(
    ("calls", "level"),
    [
        ([0, 0], 0),  # never below the first step
        ([1], 0),  # one throttle: the first step was right
        ([3], 2),  # three: the backoff had to climb two steps further
        ([3, 0], 1),  # a call that went through at once: one step back down
        ([3, 2, 0, 0], 1),
    ],
)
def test_level_rises_with_the_steps_a_call_needed_and_falls_with_each_call_that_went_through(
    calls: list[int], level: int
) -> None:
    pacing = backoff.Pacing()
    for throttles in calls:
        pacing.settle("DescribeEmailAddress", throttles)
    assert pacing.level("DescribeEmailAddress") == level
    assert pacing.throttled_last("DescribeEmailAddress") is (calls[-1] > 0)
    assert (pacing.level("TagResource"), pacing.throttled_last("TagResource")) == (0, False)


def test_a_process_keeps_one_pacing_and_concurrent_invocations_share_none() -> None:
    """Lambda runs a process's invocations one after another on one thread; the throttling bench gives each
    invocation it stands in for a thread of its own, as Lambda gives concurrent ones their own process."""
    seen: dict[str, object] = {}

    def warm_process() -> None:  # two invocations, one after the other
        backoff.process_pacing().settle("DescribeEmailAddress", 3)
        seen["next invocation"] = backoff.process_pacing().level("DescribeEmailAddress")
        concurrent = threading.Thread(target=other_process)
        concurrent.start()
        concurrent.join()

    def other_process() -> None:
        seen["concurrent invocation"] = backoff.process_pacing().level("DescribeEmailAddress")

    process = threading.Thread(target=warm_process)
    process.start()
    process.join()
    assert seen == {"next invocation": 2, "concurrent invocation": 0}
