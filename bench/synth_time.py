"""Benchmark 2: `app.synth()` time for 100 and 400 aliases, this construct vs `AwsCustomResource`.

Why: synth runs on every `cdk diff`/`deploy`. Runs alternate between the two contenders so drift
(warm caches, CPU frequency) affects both alike; jsii's start-up is paid once, before timing. Both sizes
lift CDK's 500-resource limit (`AwsCustomResource` needs 802 resources for 400 aliases; ours fit anyway),
so the time is the construction and synthesis of the same aliases, not CDK's refusal.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from pathlib import Path

from common import Figure, Result, median, prepare_environment

#: (aliases, interleaved repetitions): the larger size costs ~5 s a pair, so it gets fewer.
SIZES = ((100, 15), (400, 7))
GOAL = 0.8


def _descendants(pid: str) -> list[str]:
    found: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                found += [child, *_descendants(child)]
    return found


def _cpu_s() -> float:
    """CPU seconds of this process plus its live descendants (jsii's node processes do the synth work).

    Less sensitive than wall time to other load on the machine.
    """
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK")
    for pid in _descendants(str(os.getpid())):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _time(kind: str, aliases: int) -> tuple[float, float]:
    """(wall, CPU) seconds of one synth of `aliases` aliases."""
    import stacks

    gc.collect()
    cpu, wall = _cpu_s(), time.perf_counter()
    stacks.synth(kind, aliases, lift_limit=True)
    return time.perf_counter() - wall, _cpu_s() - cpu


def _measure(result: Result, aliases: int, reps: int) -> None:
    """Two rows (wall and CPU) for one size, the contenders interleaved."""
    times: dict[str, list[float]] = {"construct": [], "awscr": []}
    cpu: dict[str, list[float]] = {"construct": [], "awscr": []}
    for _ in range(reps):
        for kind in times:
            wall, used = _time(kind, aliases)
            times[kind].append(wall)
            cpu[kind].append(used)
    ours, theirs = median(times["construct"]), median(times["awscr"])
    ratio = ours / theirs
    cpu_ours, cpu_theirs = median(cpu["construct"]), median(cpu["awscr"])
    cpu_ratio = cpu_ours / cpu_theirs
    result.figures.append(
        Figure(
            f"synth time for {aliases} aliases, construct / AwsCustomResource (median of {reps} interleaved)",
            f"{ours * 1000:.0f} ms / {theirs * 1000:.0f} ms = {ratio:.2f}x",
            f"<= {GOAL}x",
            ratio <= GOAL,
        )
    )
    result.figures.append(
        Figure(
            "same, CPU time (Python + jsii's node processes; less sensitive to other load)",
            f"{cpu_ours * 1000:.0f} ms / {cpu_theirs * 1000:.0f} ms = {cpu_ratio:.2f}x",
            f"<= {GOAL}x",
            cpu_ratio <= GOAL,
        )
    )
    result.details.append(
        f"Wall-time runs (ms) for {aliases} aliases, construct: "
        + ", ".join(f"{t * 1000:.0f}" for t in times["construct"])
        + "; AwsCustomResource: "
        + ", ".join(f"{t * 1000:.0f}" for t in times["awscr"])
    )
    if ratio > GOAL:
        result.notes.append(
            f"Synth time for {aliases} aliases {ratio:.2f}x (CPU {cpu_ratio:.2f}x) misses {GOAL}x: count the "
            "jsii round trips per alias (each is a message to node and back) and look for one per alias that "
            "could be per stack."
        )


def run(quick: bool = False) -> Result:
    prepare_environment()
    sizes = [(n, 2) for n, _ in SIZES] if quick else list(SIZES)
    _time("construct", 10)  # warm-up: jsii kernel, module loads, the asset staging (once per process)
    _time("awscr", 10)
    result = Result("2. Synth time, " + " and ".join(str(n) for n, _ in sizes) + " aliases")
    for aliases, reps in sizes:
        _measure(result, aliases, reps)
    return result


if __name__ == "__main__":
    import sys

    run("--quick" in sys.argv).print()
