"""When CloudFormation starts each resource of a stack operation: after what it waits for, the rest at once.

CloudFormation provisions resources that do not depend on each other in parallel and starts a dependent one as
soon as everything it references (``Ref``, ``Fn::GetAtt``, ``DependsOn``) is done; deletes run the other way
round. After a failure it starts nothing new, and what is in flight finishes. Two aliases that trade primaries
in one update therefore run at once and each waits out the other's hold, as they do in CloudFormation.

The results come back in the order of the keys given, never in the order they finished, so a report built from
them reads the same on every run (docs/design.md, "Player").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

#: Events in flight at once. CloudFormation does not cap a stack below its 500 resources; each played event
#: is a process of its own, so the player bounds them (``CloudFormationPlayer(max_concurrency=...)``). The
#: bound can delay a start; the report lists the events in the same order either way.
DEFAULT_CONCURRENCY = 16


def play_in_order(
    keys: Sequence[str],
    waits_for: Mapping[str, Collection[str]],
    act: Callable[[str], T],
    *,
    failed: Callable[[T], bool] | None = None,
    limit: int = DEFAULT_CONCURRENCY,
) -> dict[str, T]:
    """Run ``act(key)`` for each key once every key it waits for (among ``keys``) has finished, at most
    ``limit`` at a time; ``keys`` order breaks ties.

    With ``failed``, a result it calls failed stops new starts (the ones in flight finish). Returns each key
    that ran with its result, in ``keys`` order. An exception from ``act`` stops new starts too and is raised
    once the others in flight have finished.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    known = set(keys)
    pending = list(keys)
    done: dict[str, T] = {}
    stop = False
    error: BaseException | None = None
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="cfn-player") as pool:
        running: dict[Future[T], str] = {}
        while True:
            if not stop:
                for key in list(pending):
                    if len(running) >= limit:
                        break
                    if all(k in done or k not in known for k in waits_for.get(key, ())):
                        pending.remove(key)
                        running[pool.submit(act, key)] = key
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                try:
                    done[key] = future.result()
                except BaseException as raised:  # re-raised below, after the others in flight finish
                    error, stop = error or raised, True
                    continue
                stop = stop or (failed is not None and failed(done[key]))
    if error is not None:
        raise error
    return {key: done[key] for key in keys if key in done}


def dependents(depends_on: Mapping[str, Collection[str]]) -> dict[str, set[str]]:
    """Who waits for whom when deleting: each key waits for the keys that depend on it."""
    waits: dict[str, set[str]] = {key: set() for key in depends_on}
    for key, needs in depends_on.items():
        for needed in needs:
            if needed in waits:
                waits[needed].add(key)
    return waits
