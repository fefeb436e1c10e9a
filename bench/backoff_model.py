"""A discrete-event model of a stack's concurrent events against Connect's per-operation quota.

Why: the throttling benchmark takes minutes per row, so the backoff's numbers (docs/design.md § Handler,
"Quota") were chosen here, where a whole family of schedules runs in seconds, then confirmed by
`throttling.py` against the emulator. The model uses the shipped `RetryPolicy`, `Backoff` and `Pacing`
(their arithmetic and learning rule, not a copy) as the port does: a throttled call retries after
`throttled.delay(throttles + pacing.level(op))`, a call that got through settles its operation's level, and
the next call of an operation whose last call was throttled waits `after_throttled_s` first. Each event
runs in an environment of its own (its own `Pacing`), as Lambda runs concurrent invocations; the "warm"
rows play the next stack operation's events on the environments of the last one (event i on the one that
served event i), as Lambda reuses idle warm environments. Each operation has a token bucket (rate, burst)
that starts full; a call takes 20 ms. The "told" rows give the function the rate its provider was told
(`connect_requests_per_second`) through the shipped `RetryPolicy.for_rate`: the true rate, and one ten
times the real quota (the risk of a value set too high). Every row's function is told how many aliases it
serves, as the construct tells it (`RetryPolicy.for_aliases`, the row's size rounded up to 50), and the
"served 100 each" rows show the risk of that: more events contending than one stack's. Not modelled: the
time a Lambda takes to start, and CloudFormation's own pacing.

    python bench/backoff_model.py                  # the shipped numbers, 8 seeds per row
    python bench/backoff_model.py --base 2 --cap 40  # a variant
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import random
import statistics
import sys
from dataclasses import dataclass

from common import LAMBDA_DIR
from connect_email_alias.local.connect.quota import TokenBucket  # the emulator's bucket: the same refill rule

sys.path.insert(0, str(LAMBDA_DIR))
from backoff import Backoff, Pacing  # the function's modules, from lambda/
from connect_api import RetryPolicy
from contract import FUNCTION_TIMEOUT_S, aliases_served_text

CALL_S = 0.02
# The calls each event makes on the healthy path (docs/design.md § Handler, "Budget"): D = Describe,
# A/X = Associate/Disassociate, T/U = Tag/UntagResource; a swap's cleanup Delete finds the pair gone.
EVENTS = {"Create": "DDAT", "swap": "DDDXATU", "Delete": "DXU", "cleanup": "D"}
#: (label, the stack operations played one after another on the same environments, aliases, rate, the
#: rate the provider was told or None): the figures are the last operation's.
ROWS: list[tuple[str, tuple[str, ...], int, float, float | None]] = [
    ("100 Create", ("Create",), 100, 2.0, None),
    ("250 Create", ("Create",), 250, 2.0, None),
    ("497 Create", ("Create",), 497, 2.0, None),
    ("497 swap", ("swap",), 497, 2.0, None),
    ("497 cleanup", ("cleanup",), 497, 2.0, None),
    ("497 Delete", ("Delete",), 497, 2.0, None),
    ("497 cleanup, warm after the swaps", ("swap", "cleanup"), 497, 2.0, None),
    ("497 Delete, warm after the Creates", ("Create", "Delete"), 497, 2.0, None),
    ("200 Create", ("Create",), 200, 20.0, None),
    ("200 Create", ("Create",), 200, 20.0, 20.0),
    # Warm at a raised quota: the environments have learned what they could, yet untold they stay slow.
    ("200 Delete, warm after the Creates", ("Create", "Delete"), 200, 20.0, None),
    ("200 Delete, warm after the Creates", ("Create", "Delete"), 200, 20.0, 20.0),
    ("200 swap, warm after the Creates", ("Create", "swap"), 200, 20.0, None),
    ("200 swap, warm after the Creates", ("Create", "swap"), 200, 20.0, 20.0),
    # Told 20/s where the quota is the default: each row's deadline still holds, at more throttled attempts.
    ("100 Create", ("Create",), 100, 2.0, 20.0),
    ("497 Create", ("Create",), 497, 2.0, 20.0),
    ("497 swap", ("swap",), 497, 2.0, 20.0),
    ("497 cleanup", ("cleanup",), 497, 2.0, 20.0),
]
#: Rows whose functions serve fewer aliases than contend: five stacks of 100 deployed at once in one account
#: (each function told it serves 100): the risk of sizing the cap by the stack.
CROWDED: list[tuple[str, tuple[str, ...], int, int]] = [
    ("497 Create, served 100 each", ("Create",), 497, 100),
    ("497 cleanup, warm, served 100 each", ("swap", "cleanup"), 497, 100),
]


@dataclass
class Caller:
    calls: str
    pacing: Pacing  # its environment's
    done: int = 0
    throttles: int = 0
    finished_at: float | None = None


@dataclass(frozen=True)
class Outcome:
    succeeded: int
    ratio: float  # the last answer's time / the quota's lower bound
    throttled_per_call: float


def play(
    kind: str, environments: list[Pacing], rate: float, policy: RetryPolicy, rng: random.Random,
    burst: int = 5,
) -> Outcome:
    """One stack operation: an event of `kind` per environment, all sent at once."""
    buckets: dict[str, TokenBucket] = {}
    callers = [Caller(EVENTS[kind], pacing) for pacing in environments]

    def start(caller: Caller, now: float) -> float:
        """When the caller's next call makes its first attempt (the port's pause after a throttled one)."""
        throttled_last = caller.pacing.throttled_last(caller.calls[caller.done])
        return now + (policy.after_throttled_s if throttled_last else 0.0)

    queue = [(start(c, 0.0), i) for i, c in enumerate(callers)]
    heapq.heapify(queue)
    throttled = ok = 0
    give_up_s = FUNCTION_TIMEOUT_S - policy.reserve_ms / 1000
    while queue:
        now, i = heapq.heappop(queue)
        caller = callers[i]
        op = caller.calls[caller.done]
        if buckets.setdefault(op, TokenBucket.full(rate, burst, 0.0)).take(now):
            ok += 1
            caller.pacing.settle(op, caller.throttles)
            caller.throttles = 0
            caller.done += 1
            if caller.done == len(caller.calls):
                caller.finished_at = now + CALL_S
            else:
                heapq.heappush(queue, (start(caller, now + CALL_S), i))
            continue
        throttled += 1
        caller.throttles += 1
        delay = policy.throttled.delay(caller.throttles + caller.pacing.level(op), rng.random)
        if now + delay <= give_up_s:
            heapq.heappush(queue, (now + CALL_S + delay, i))
    finished = [c.finished_at for c in callers if c.finished_at is not None]
    n = len(callers)
    bound = max((EVENTS[kind].count(op) * n - burst) / rate for op in set(EVENTS[kind]))
    return Outcome(len(finished), max(finished, default=0.0) / bound, throttled / max(1, ok))


def play_row(kinds: tuple[str, ...], n: int, rate: float, policy: RetryPolicy, seed: int) -> Outcome:
    """The stack operations one after another on `n` environments that start cold; the last one's figures."""
    rng = random.Random(seed)
    environments = [Pacing() for _ in range(n)]
    outcomes = [play(kind, environments, rate, policy, rng) for kind in kinds]
    return outcomes[-1]


def main() -> None:
    shipped = RetryPolicy()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=float, default=shipped.throttled.base_s)
    parser.add_argument("--factor", type=float, default=shipped.throttled.factor)
    parser.add_argument("--cap", type=float, default=shipped.throttled.cap_s)
    parser.add_argument("--floor", type=float, default=shipped.throttled.floor)
    parser.add_argument("--after", type=float, default=shipped.after_throttled_s)
    parser.add_argument("--seeds", type=int, default=8)
    args = parser.parse_args()
    policy = dataclasses.replace(
        shipped,
        throttled=Backoff(base_s=args.base, cap_s=args.cap, factor=args.factor, floor=args.floor),
        after_throttled_s=args.after,
    )
    print(f"throttled: {policy.throttled}, after a throttled call: {policy.after_throttled_s} s")
    print("| events | rate | provider told | succeeded (worst) | time / bound: mean (worst) | "
          "throttled per call (worst) |")
    print("|---|---|---|---|---|---|")
    rows = [(label, kinds, n, rate, told, n) for label, kinds, n, rate, told in ROWS]
    rows += [(label, kinds, n, 2.0, None, served) for label, kinds, n, served in CROWDED]
    for label, kinds, n, rate, told, served in rows:
        # As the construct tells the function (the aliases it serves, rounded up) and, if told, the rate.
        row_policy = policy.for_aliases(int(aliases_served_text(served)))
        row_policy = row_policy if told is None else row_policy.for_rate(told)
        runs = [play_row(kinds, n, rate, row_policy, seed) for seed in range(args.seeds)]
        ratios = [r.ratio for r in runs]
        told_text = "-" if told is None else f"{told:g}/s"
        print(f"| {label} | {rate:g}/s | {told_text} | {min(r.succeeded for r in runs)}/{n} | "
              f"{statistics.mean(ratios):.2f}x ({max(ratios):.2f}x) | "
              f"{max(r.throttled_per_call for r in runs):.1f} |")


if __name__ == "__main__":
    main()
