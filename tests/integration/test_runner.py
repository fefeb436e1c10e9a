"""The Lambda runner on its own: warm processes and virtual time, with a tiny function that naps.

Virtual time (docs/design.md, "Virtual time") must keep what the function measures true: its sleeps, its
remaining time and its timers agree with the clock, and invocations that sleep at once each see only their
own sleep pass. (Upper bounds leave a few seconds for real time passing on a busy machine.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from connect_email_alias.local import FunctionSpec
from connect_email_alias.local.runtime.runner import Invocation, LambdaRunner
from connect_email_alias.local.runtime.virtual_time import VirtualClock

NAPPER = r"""
import json, os, threading, time


def handler(event, context):
    began, left = time.monotonic(), context.get_remaining_time_in_millis()
    fired = []
    if event.get("timer"):
        threading.Timer(event["timer"], lambda: fired.append(time.monotonic() - began)).start()
    time.sleep(event["nap"])
    print(json.dumps({"slept": time.monotonic() - began, "left_before": left, "pid": os.getpid(),
                      "left_after": context.get_remaining_time_in_millis(), "fired": fired}), flush=True)
"""


@pytest.fixture
def napper(tmp_path: Path) -> FunctionSpec:
    code = tmp_path / "napper"
    code.mkdir()
    (code / "index.py").write_text(NAPPER)
    return FunctionSpec("Napper", "napper", "arn:aws:lambda:us-east-1:123456789012:function:napper", code,
                        "index.handler", {}, timeout_s=900, memory_mb=128)


@pytest.fixture
def clock() -> Iterator[VirtualClock]:
    with VirtualClock() as virtual:
        yield virtual


@pytest.fixture
def runner(clock: VirtualClock) -> Iterator[LambdaRunner]:
    with LambdaRunner(warm=True, clock=clock) as warm:
        yield warm


def report(invocation: Invocation) -> dict:
    (line,) = [line for line in invocation.stdout.splitlines() if line.startswith("{")]
    return json.loads(line)


def test_a_sleep_passes_on_the_virtual_clock_and_the_remaining_time_agrees(runner, napper, clock):
    invocation = runner.invoke(napper, {"nap": 120})
    seen = report(invocation)
    assert 120 <= seen["slept"] < 125
    assert 119_000 <= seen["left_before"] - seen["left_after"] < 125_000
    assert 120 <= invocation.ended - invocation.started < 125
    assert 119 < clock.offset <= 120  # the sleep, less the real time that passed before it began


def test_a_timer_fires_at_its_time_while_the_handler_sleeps(runner, napper):
    seen = report(runner.invoke(napper, {"nap": 60, "timer": 20}))
    assert len(seen["fired"]) == 1 and 20 <= seen["fired"][0] < 25
    assert 60 <= seen["slept"] < 65


def test_invocations_sleeping_at_once_each_see_their_own_sleep(runner, napper, clock):
    """Two events in flight: one naps 100 s, the other 40 s; neither sees the other's sleep added to its."""
    seen: dict[int, dict] = {}

    def nap(seconds: int) -> None:
        seen[seconds] = report(runner.invoke(napper, {"nap": seconds}))

    threads = [threading.Thread(target=nap, args=(s,)) for s in (100, 40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 100 <= seen[100]["slept"] < 105
    assert 40 <= seen[40]["slept"] < 45  # not 140: the other's sleep is not added to its own
    assert seen[100]["pid"] != seen[40]["pid"]  # one process each: the warm one was busy
    assert clock.offset < 105  # the longest sleep, not the sum


def test_a_handler_sleeping_past_its_deadline_is_killed_there(runner, napper):
    invocation = runner.invoke(napper, {"nap": 600}, timeout_s=30)
    assert invocation.timed_out
    assert "Task timed out after 30.00 seconds" in invocation.logs
    assert 30 <= invocation.ended - invocation.started < 35


def test_a_warm_process_serves_the_next_event_of_the_same_function_only(runner, napper):
    first, second = (runner.invoke(napper, {"nap": 1}) for _ in range(2))
    assert (first.cold, second.cold) == (True, False)
    assert report(first)["pid"] == report(second)["pid"]
    other = runner.invoke(napper, {"nap": 1}, env={"GREETING": "another environment"})
    assert other.cold and report(other)["pid"] != report(first)["pid"]
    runner.invoke(napper, {"nap": 600}, timeout_s=5)  # killed: its process is not reused
    after = runner.invoke(napper, {"nap": 1})
    assert after.cold and report(after)["pid"] != report(first)["pid"]


def test_without_warm_every_event_is_a_cold_start(napper, clock):
    with LambdaRunner(clock=clock) as cold:
        pids = {report(cold.invoke(napper, {"nap": 1}))["pid"] for _ in range(2)}
    assert len(pids) == 2
