"""Benchmark 5: a stack's concurrent Creates, swaps and Deletes against a Connect that throttles.

Why: a stack with hundreds of aliases sends CloudFormation's Creates at once, and Connect throttles each
API per account and region, by default at 2 requests/s with a burst of 5 (its API reference, "best
practices"; the service quotas page). Every event must succeed before its deadline, the total should stay
close to what the quota allows, and the function should not hammer a quota the rest of the contact centre
shares. Rows: 200 Creates at a raised 20/s, with the provider untold and told that rate
(`connect_requests_per_second`, the function's environment variable), then the default quota for 100, 250 and
497 Creates (497 fill a stack with the provider's 3 resources), an update that swaps each of the 497
aliases (and its cleanup Deletes of the old physical IDs), and the stack delete; and 100 Creates naming
the addresses by their email address, each scanning its instance of 300 addresses (3 search pages) first.
Each event runs the function's own code as it is at run time, in-process on a thread: `index._run`, what
the handler runs before crhelper answers, imported from the staged asset (so the cut model is used) by the
harness (`connect_email_alias.local.harness`, the live check's too), with the player's CloudFormation
events and the bootstrap's Lambda context, whose deadline is the function's timeout. Hundreds of Lambda
processes on 2 cores would measure process start-up, not the retry strategy. What the port learns of the
quota is kept per thread (`backoff.process_pacing`), so each event's thread is an environment of its own,
as Lambda runs concurrent invocations: no event learns from another. The emulator runs
in a process of its own with its quota option (one token bucket per operation, starting full), as Connect
runs apart from the functions: sharing one interpreter with hundreds of callers, its answers would wait
for theirs and the figures would measure the harness, not the quota and the backoff.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from common import Figure, Result, prepare_environment

if TYPE_CHECKING:
    from connect_email_alias.local.harness import InProcessFunction

INSTANCE = "00000000-0000-4000-8000-0000000be0c5"
STACK_NAME = "Bench"
DEFAULT_QUOTA = (2.0, 5)  # Connect's default per API: 2 requests/s, burst 5
RATIO_GOAL = 1.25
RAISED_RATIO_GOAL = 1.3  # at a raised quota (issue 19: 0.1.0 did 1.13x)
THROTTLED_GOAL = 3.0
# crhelper's timeout answer goes out this long before the deadline: a later finish is a FAILED answer.
TIMER_MARGIN_S = 3.0
_NS = uuid.UUID("6f1d2c4e-0000-4000-8000-0000000be0c5")


@dataclass(frozen=True)
class Scenario:
    creates: int
    rate: float
    burst: int
    # Then a stack update that gives every alias's primary a new alias (one swap each), and the stack delete.
    swap_and_delete: bool = False
    # The events name both addresses by their email address (each one scans the instance first).
    by_email: bool = False
    # The rate the provider was told (`connect_requests_per_second`): None, untold.
    told: float | None = None

    @property
    def label(self) -> str:
        """How `--only` names the scenario: as its first row reads."""
        named = f" by address ({3 * self.creates} addresses)" if self.by_email else ""
        return f"{self.creates} Creates{named} ({self.rate:g}/s, burst {self.burst})" + _told_text(self.told)


def _told_text(told: float | None) -> str:
    return "" if told is None else f", provider told {told:g}/s"


@dataclass
class Phase:
    """One stack operation's events, all sent at once: what CloudFormation got and what Connect saw."""

    label: str
    rate: float
    burst: int
    total: int
    told: float | None = None
    failures: list[str] = field(default_factory=list)
    late: int = 0
    elapsed_s: float = 0.0
    ok_calls: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    client_outcomes: Counter[str] = field(default_factory=Counter)
    broken_pipes: int = 0
    timeout_s: float = 0.0

    @property
    def succeeded(self) -> int:
        return self.total - len(self.failures)

    @property
    def bound_s(self) -> float:
        """The quota's lower bound: per operation, calls that must get through beyond the burst / rate."""
        return max((max(0, n - self.burst) / self.rate for n in self.ok_calls.values()), default=0.0)

    @property
    def throttled_per_call(self) -> float:
        return self.throttled / max(1, sum(self.ok_calls.values()))


class _Outcomes(logging.Handler):
    """Counts the outcomes of the port's per-attempt JSON log lines (the client's view of retries)."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            outcome = json.loads(record.getMessage()).get("outcome")
            if outcome is not None:
                self.counts[str(outcome)] += 1


def pairs(n: int, alias: str = "a") -> list[tuple[str, str]]:
    """n (primary, alias) pairs; `alias` "b" gives the same primaries the aliases a swap moves to."""
    return [(str(uuid.uuid5(_NS, f"p{i}")), str(uuid.uuid5(_NS, f"{alias}{i}"))) for i in range(n)]


def seed(n: int) -> dict[str, Any]:
    """One instance with the 3n free addresses: n primaries, their aliases, and the aliases of the swap."""
    addresses = [
        {"EmailAddressId": address_id, "EmailAddress": f"{kind}{i}@bench.example.com"}
        for i, ((primary, alias), (_, new_alias)) in enumerate(zip(pairs(n), pairs(n, "b"), strict=True))
        for kind, address_id in (("p", primary), ("a", alias), ("b", new_alias))
    ]
    return {"Instances": [{"InstanceId": INSTANCE, "EmailAddresses": addresses}]}


def _props(pair: tuple[str, str]) -> dict[str, Any]:
    """An address holding '@' is named by its email address, any other by its ID."""
    primary, alias = pair
    return {
        "ServiceTimeout": "1920",
        "InstanceId": INSTANCE,
        ("EmailAddress" if "@" in primary else "EmailAddressId"): primary,
        "AliasConfiguration": {("EmailAddress" if "@" in alias else "EmailAddressId"): alias},
    }


def by_email(n: int) -> list[tuple[str, str]]:
    """`pairs(n)` named by the addresses `seed(n)` gives them (they sort aliases first: "a…", "b…", "p…")."""
    return [(f"p{i}@bench.example.com", f"a{i}@bench.example.com") for i in range(n)]


def event(
    function: InProcessFunction,
    request_type: Any,
    index: int,
    pair: tuple[str, str],
    physical_id: str | None = None,
    old_pair: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The event CloudFormation sends for resource `Alias<index>` of the bench stack (the player's own)."""
    from connect_email_alias.local import Environment
    from connect_email_alias.local.cloudformation.template import stack_id_for

    return function.event(
        request_type,
        stack_id=stack_id_for(STACK_NAME, Environment()),
        logical_id=f"Alias{index}",
        properties=_props(pair),
        physical_resource_id=physical_id,
        old_properties=_props(old_pair) if old_pair is not None else None,
    )


def _serve(conn: Connection, seed_doc: dict[str, Any]) -> None:
    """The emulator's process: serve Connect, and answer the bench's questions over `conn` until "stop"."""
    from connect_email_alias.local import ConnectEmulator, Quota

    noise = io.StringIO()  # http.server prints a traceback per broken pipe: counted, not shown
    with contextlib.redirect_stderr(noise), ConnectEmulator(seed=seed_doc) as emulator:
        conn.send(emulator.env())
        while True:
            command, arg = conn.recv()
            if command == "stop":
                return
            if command == "quota":
                emulator.set_quota(Quota(*arg) if arg else None)
                conn.send(None)
            elif command == "clear":
                emulator.clear_calls()
                noise.seek(0)
                noise.truncate()
                conn.send(None)
            elif command == "calls":
                calls = [(c.operation, c.status, c.error_code) for c in emulator.calls]
                conn.send((calls, noise.getvalue().count("BrokenPipeError")))
            elif command == "aliases":
                conn.send(emulator.aliases_by_primary(arg))


class RemoteEmulator:
    """The emulator in a child process, with the few questions the benchmark asks of it."""

    def __init__(self, seed_doc: dict[str, Any]) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._conn, child = spawn.Pipe()
        self._process = spawn.Process(target=_serve, args=(child, seed_doc), daemon=True)

    def __enter__(self) -> RemoteEmulator:
        self._process.start()
        self._env: dict[str, str] = self._conn.recv()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._conn.send(("stop", None))
        self._process.join(timeout=30)

    def _ask(self, command: str, arg: Any = None) -> Any:
        self._conn.send((command, arg))
        return self._conn.recv()

    def env(self) -> dict[str, str]:
        return dict(self._env)

    def set_quota(self, quota: tuple[float, int] | None) -> None:
        self._ask("quota", quota)

    def clear_calls(self) -> None:
        self._ask("clear")

    def calls(self) -> tuple[list[tuple[str, int, str | None]], int]:
        """(operation, status, error code) per request since the last clear, and the broken pipes."""
        return self._ask("calls")  # type: ignore[no-any-return]

    def aliases_by_primary(self, instance_id: str) -> dict[str, str]:
        return self._ask("aliases", instance_id)  # type: ignore[no-any-return]


@contextlib.contextmanager
def staged_function(
    emulator: RemoteEmulator, served: int, told: float | None = None
) -> Iterator[InProcessFunction]:
    """The staged asset loaded in this process by the harness, with the environment Lambda would give it
    (the aliases it serves and the told rate, as the provider sets them), pointed at `emulator`; the harness
    restores the environment, modules and loggers afterwards."""
    from connect_email_alias._contract import contract
    from connect_email_alias.local import Environment
    from connect_email_alias.local.connect.emulator import DUMMY_CREDENTIALS
    from connect_email_alias.local.harness import in_process, staged_asset

    lambda_env = {
        **emulator.env(),
        **DUMMY_CREDENTIALS,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        contract.ALIASES_SERVED_ENV: contract.aliases_served_text(served),
        **({} if told is None else {contract.REQUESTS_PER_SECOND_ENV: f"{told:g}"}),
    }
    # No log handler: crhelper's JSON lines from hundreds of threads would drown the figures.
    with staged_asset() as asset, in_process(asset, Environment(), env=lambda_env) as function:
        assert function.code.index is not None  # imported now: crhelper sets the root level, raised below
        logging.getLogger().setLevel(logging.WARNING)
        yield function


def play(
    function: InProcessFunction,
    emulator: RemoteEmulator,
    label: str,
    events: list[dict[str, Any]],
    quota: tuple[float, int],
    told: float | None = None,
) -> tuple[Phase, list[str | None]]:
    """Send every event at once (one thread each); returns the phase and each event's PhysicalResourceId."""
    rate, burst = quota
    timeout_s = function.spec.timeout_s  # the function's timeout, as the construct sets it
    phase = Phase(label, rate, burst, len(events), told=told, timeout_s=timeout_s)
    physical: list[str | None] = [None] * len(events)
    emulator.clear_calls()
    emulator.set_quota((rate, burst))  # the same quota for every API, every bucket full
    start = threading.Barrier(len(events) + 1)
    lock = threading.Lock()
    run = function.code.index._run  # what the handler runs before crhelper answers

    def one(i: int, body: dict[str, Any]) -> None:
        start.wait()
        context = function.context(timeout_s)
        try:
            physical[i] = run(body, context)
        except Exception as err:
            with lock:
                phase.failures.append(f"{type(err).__name__}: {err}")
            return
        if context.get_remaining_time_in_millis() < TIMER_MARGIN_S * 1000:
            with lock:
                phase.late += 1
                phase.failures.append("answered after crhelper's timeout answer")

    # One warm client, as each Lambda process has its own before its calls: hundreds of threads missing
    # `make_client`'s cache at once would build hundreds of clients under one GIL first (tens of seconds
    # of start-up that Lambda spends in parallel processes).
    function.code.module("connect_api").make_client(os.environ["AWS_REGION"])  # the one `index` uses
    threads = [threading.Thread(target=one, args=(i, e)) for i, e in enumerate(events)]
    for thread in threads:
        thread.start()
    outcomes = _Outcomes()
    api_log = logging.getLogger("connect_api")
    api_log.addHandler(outcomes)
    api_log.setLevel(logging.INFO)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    phase.elapsed_s = time.perf_counter() - began
    api_log.removeHandler(outcomes)
    emulator.set_quota(None)
    calls, phase.broken_pipes = emulator.calls()
    phase.ok_calls = dict(Counter(operation for operation, status, _ in calls if status == 200))
    phase.throttled = sum(code == "ThrottlingException" for _, _, code in calls)
    phase.client_outcomes = outcomes.counts
    print(f"  {label}{_told_text(told)}: {phase.succeeded}/{phase.total} in {phase.elapsed_s:.0f} s "
          f"(bound {phase.bound_s:.0f} s), {phase.throttled_per_call:.1f} throttled per call", flush=True)
    return phase, physical


def run_scenario(scenario: Scenario) -> tuple[list[Phase], bool]:
    """Creates (then, if asked, the swaps and the stack delete) on a fresh emulator; True when every phase
    succeeded and left Connect as declared."""
    n = scenario.creates
    quota = (scenario.rate, scenario.burst)
    todo = pairs(n)
    named = by_email(n) if scenario.by_email else todo
    label = f"{n} Creates" + (f" by address ({3 * n} addresses)" if scenario.by_email else "")
    told = scenario.told
    with RemoteEmulator(seed(n)) as emulator, staged_function(emulator, n, told) as function:
        creates = [event(function, "Create", i, p) for i, p in enumerate(named)]
        created, physical = play(function, emulator, label, creates, quota, told)
        phases = [created]
        right = created.succeeded == n and emulator.aliases_by_primary(INSTANCE) == dict(todo)
        if scenario.swap_and_delete:
            if right:  # the swaps' events name each resource's PhysicalResourceId from its Create
                swapped = pairs(n, "b")
                updates = [
                    event(function, "Update", i, new, physical[i], old_pair=old)
                    for i, (old, new) in enumerate(zip(todo, swapped, strict=True))
                ]
                swaps, new_physical = play(function, emulator, f"{n} swaps", updates, quota, told)
                # A new PhysicalResourceId makes CloudFormation send the old one a Delete after the update.
                replaced = zip(todo, physical, new_physical, strict=True)
                cleanups = [
                    event(function, "Delete", i, old, old_id)
                    for i, (old, old_id, new_id) in enumerate(replaced)
                    if old_id is not None and new_id not in (None, old_id)
                ]
                label = f"update cleanup of {len(cleanups)}"
                cleanup, _ = play(function, emulator, label, cleanups, quota, told)
                phases += [swaps, cleanup]
                right = (
                    swaps.succeeded == n
                    and cleanup.succeeded == len(cleanups)
                    and emulator.aliases_by_primary(INSTANCE) == dict(swapped)
                )
                todo, physical = swapped, new_physical
            deletes = [
                event(function, "Delete", i, p, physical_id)
                for i, (p, physical_id) in enumerate(zip(todo, physical, strict=True))
                if physical_id is not None
            ]
            deleted, _ = play(
                function, emulator, f"stack delete of {len(deletes)}", deletes, quota, told
            )
            phases.append(deleted)
            right = right and deleted.succeeded == len(deletes) and not emulator.aliases_by_primary(INSTANCE)
    return phases, right


def _quota_text(phase: Phase) -> str:
    return f"{phase.rate:g}/s, burst {phase.burst}"


def figures(result: Result, phase: Phase, *, default_quota: bool) -> None:
    """Three rows per phase: succeeded, time against the quota's bound, throttled attempts per call."""
    ratio = phase.elapsed_s / phase.bound_s if phase.bound_s else float("inf")
    ratio_goal = RATIO_GOAL if default_quota else RAISED_RATIO_GOAL
    where = f"{phase.label} ({_quota_text(phase)}){_told_text(phase.told)}"
    result.figures.append(
        Figure(f"{where}: succeeded / total, before the deadline", f"{phase.succeeded}/{phase.total}",
               f"{phase.total}/{phase.total}", not phase.failures)
    )
    result.figures.append(
        Figure(f"{where}: total time / the quota's lower bound",
               f"{phase.elapsed_s:.1f} s / {phase.bound_s:.1f} s = {ratio:.2f}x", f"<= {ratio_goal:g}x",
               ratio <= ratio_goal)
    )
    result.figures.append(
        Figure(f"{where}: throttled attempts per successful call",
               f"{phase.throttled} / {sum(phase.ok_calls.values())} = {phase.throttled_per_call:.1f}",
               f"<= {THROTTLED_GOAL:g}" if default_quota else "(reported)",
               phase.throttled_per_call <= THROTTLED_GOAL if default_quota else None)
    )
    result.details.append(
        f"{where}: successful calls "
        + ", ".join(f"{op} {count}" for op, count in sorted(phase.ok_calls.items()))
        + f"; the function's timeout {phase.timeout_s:g} s; client side (the port's per-attempt log): "
        + (", ".join(f"{o} {c}" for o, c in phase.client_outcomes.most_common()) or "none")
        + f"; {phase.broken_pipes} broken pipes on the server side."
    )
    if phase.failures:
        first = Counter(phase.failures).most_common(1)[0]
        result.details.append(
            f"{where}: {len(phase.failures)} failed; most common ({first[1]}x): {first[0]}"[:600]
        )
        result.notes.append(
            f"{where}: {len(phase.failures)} of {phase.total} events failed ({first[0][:160]})."
        )
    if ratio > ratio_goal:
        result.notes.append(
            f"{where}: {ratio:.2f}x the quota's lower bound misses {ratio_goal:g}x: callers back off past "
            "the moment the bucket refills, so tokens go unused"
            + ("." if default_quota else (
                ": each event's first call runs in a cold environment that has seen nothing to learn from, "
                "and a backoff steep enough to thin out 497 callers at the default quota overshoots a raised "
                "one (docs/design.md § Handler, \"Quota\")"
                + ("; telling the provider the rate (connect_requests_per_second) scales the waits to it."
                   if phase.told is None else ".")))
        )
    if default_quota and phase.throttled_per_call > THROTTLED_GOAL:
        result.notes.append(
            f"{where}: {phase.throttled_per_call:.1f} throttled attempts per successful call misses "
            f"{THROTTLED_GOAL:g}: retries come faster than the quota refills, spending quota the contact "
            "centre shares"
            + (" (each event makes one call, so its backoff starts from the bottom while hundreds contend)."
               if len(phase.ok_calls) == 1 and sum(phase.ok_calls.values()) == phase.total else ".")
        )


def scenarios(quick: bool) -> list[tuple[Scenario, bool]]:
    """(scenario, is it at the default quota) in the table's order."""
    rate, burst = DEFAULT_QUOTA
    if quick:
        return [
            (Scenario(40, 10.0, 5), False),
            (Scenario(40, 10.0, 5, told=10.0), False),
            (Scenario(20, rate, burst, swap_and_delete=True), True),
            (Scenario(20, rate, burst, by_email=True), True),
        ]
    return [
        (Scenario(200, 20.0, 5), False),
        (Scenario(200, 20.0, 5, told=20.0), False),
        (Scenario(100, rate, burst), True),
        (Scenario(250, rate, burst), True),
        (Scenario(497, rate, burst, swap_and_delete=True), True),
        (Scenario(100, rate, burst, by_email=True), True),
    ]


def run(quick: bool = False, sizes: list[int] | None = None, only: list[str] | None = None) -> Result:
    """The scenarios (those with `sizes` Creates, or those labelled `only`, when given) in order."""
    prepare_environment()
    logging.getLogger("urllib3").setLevel(logging.ERROR)  # "pool is full" notes from hundreds of threads
    result = Result("5. Throughput under throttling (Connect's default quota: 2 requests/s, burst 5)")
    wrong: list[str] = []
    chosen = scenarios(quick)
    unknown = set(only or ()) - {scenario.label for scenario, _ in chosen}
    if unknown:
        labels = "\n  ".join(scenario.label for scenario, _ in chosen)
        asked = ", ".join(map(repr, sorted(unknown)))
        raise SystemExit(f"no scenario labelled {asked}; they are:\n  {labels}")
    for scenario, default_quota in chosen:
        if (sizes and scenario.creates not in sizes) or (only and scenario.label not in only):
            continue
        phases, right = run_scenario(scenario)
        for phase in phases:
            figures(result, phase, default_quota=default_quota)
        if not right:
            wrong.append(scenario.label)
    result.details.append(
        "Lower bound = max over operations of (successful calls of that operation - burst) / rate: the "
        "time the quota needs to let through what the events had to do. Throttled attempts are the "
        "emulator's 429 ThrottlingException answers; calls that never reached it (http.server's listen "
        "backlog with hundreds of callers) show only in the client-side counts, retried like throttling."
    )
    if wrong:
        result.notes.append(f"End state not as declared after: {', '.join(wrong)}.")
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="benchmark 5 alone (prints; run.py writes RESULTS.md)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sizes", nargs="*", type=int, help="only the scenarios with these many Creates")
    parser.add_argument(
        "--only", nargs="*", metavar="LABEL",
        help="only the scenarios with these labels, e.g. '200 Creates (20/s, burst 5), provider told 20/s' "
        "(--list prints them)",
    )
    parser.add_argument("--list", action="store_true", help="print the scenarios' labels and stop")
    args = parser.parse_args()
    if args.list:
        print("\n".join(scenario.label for scenario, _ in scenarios(args.quick)))
    else:
        run(args.quick, args.sizes, args.only).print()
