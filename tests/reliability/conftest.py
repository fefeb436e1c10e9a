"""Reliability fixtures: the stack bed (tests/support) in its fault-tolerant form, plus what the matrix
needs: its rows (each compared with docs/fault-matrix.md; `make fault-matrix` rewrites that file instead)
and every function log captured (scanned for leaked secrets)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pytest
from connect_email_alias.local import EventResult

from tests.support.assembly import DEMO_STACK, REPO
from tests.support.seed import CARE, HELP, INFO, SALES, SUPPORT
from tests.support.stack_bed import StackBed

NAMES = {SUPPORT: "support@", HELP: "help@", CARE: "customercare@", SALES: "sales@", INFO: "info@"}
MATRIX_DOC = REPO / "docs" / "fault-matrix.md"
#: Set by `make fault-matrix`: the run regenerates docs/fault-matrix.md instead of comparing with it.
WRITE_MATRIX = "CONNECT_EMAIL_ALIAS_WRITE_FAULT_MATRIX"
LOGS: list[str] = []


@dataclass(frozen=True)
class Row:
    order: int
    case: str
    expected: str
    observed: str
    answer: str
    before_deadline: str

    @property
    def cells(self) -> str:
        """The row as the table shows it, without its number."""
        return f"{self.case} | {self.expected} | {self.observed} | {self.answer} | {self.before_deadline}"


ROWS: list[Row] = []
_OPS = ("DescribeEmailAddress", "DisassociateEmailAddressAlias", "AssociateEmailAddressAlias", "*")
_OUT_OF_BAND = ("alias removed by hand", "replaced by another alias", "alias address deleted")
# Every case test_fault_matrix.py records, in table order: the doc is only rewritten when all of them ran
# and passed (a `-k` run must not shrink the committed table). The controller of an xdist run never
# imports the test modules, hence the list lives here.
MATRIX_CASES: list[str] = [
    *(f"throttling burst on {op}, swap" for op in _OPS),
    "throttled for the whole invocation (15 s deadline), swap",
    "5xx on describe, swap",
    "5xx on disassociate, swap",
    "5xx on associate, swap",
    "5xx on associate, answer lost after acting, swap",
    "connection reset twice on associate, swap",
    "associate refused, 5xx on the restore",
    "transient lock (3 s) on all three addresses, swap",
    "2 s latency per call, 20 s deadline, swap",
    "timeout mid-swap (associate hangs 9 s, 10 s deadline)",
    "rollback Update after the timed-out swap (late associate landed)",
    "every associate dropped (20 s deadline): swap and restore fail",
    "rollback Update after the failed restore",
    "stack update refused (associate refused), player's rollback",
    "Create delivered twice",
    "swap Update delivered twice",
    "Delete delivered twice",
    "two resources swap aliases with each other, concurrently",
    "ResponseURL refuses 2 connections then 503 x2, swap",
    *(
        f"Delete after out-of-band change: {c}"
        for c in (*_OUT_OF_BAND, "primary address deleted", "instance deleted")
    ),
    *(
        f"swap Update after out-of-band change: {c}"
        for c in (*_OUT_OF_BAND, "new alias address deleted", "primary address deleted", "instance deleted")
    ),
    "same-pair Update after the alias was removed by hand",
    "Create where the primary already has another alias",
    "Create chaining onto a primary (alias has an alias)",
    "Create with an alias that is already an alias elsewhere",
    "Create with DescribeEmailAddress denied for good (a missing grant)",
    "Create with an address that does not exist",
]


def pairs_text(aliases: dict[str, str]) -> str:
    """`support@ <- help@, sales@ <- info@`: an instance's alias relations, readable and sorted."""
    if not aliases:
        return "(none)"
    return ", ".join(f"{NAMES.get(p, p)} <- {NAMES.get(a, a)}" for p, a in sorted(aliases.items()))


def physical_text(physical_id: str | None) -> str:
    if not physical_id:
        return "(none)"
    if physical_id.startswith("connect-email-alias:v1:"):
        _, _, rest = physical_id.partition("connect-email-alias:v1:")
        _region, _instance, primary, alias = rest.split(":")
        return f"pair({NAMES.get(primary, primary)}, {NAMES.get(alias, alias)})"
    return "not minted"


def answer_text(result: EventResult) -> str:
    text = f"{result.status} {physical_text(result.physical_resource_id)}"
    if result.status == "FAILED" and result.reason:
        text += f": {result.reason}"
    return text.replace("|", "\\|")


@pytest.fixture
def faulty_bed(stack_bed: StackBed) -> Iterator[StackBed]:
    """The stack bed for fault cases: answers may run into the deadline (30 s unless a case says), and
    every function log it saw is kept and scanned for leaked secrets."""
    stack_bed.healthy = False
    stack_bed.timeout_s = 30
    yield stack_bed
    for result in stack_bed.results:
        LOGS.append(result.logs)
        assert leaks(result.logs, stack_bed.receiver.url_secret) == [], result.logs


@pytest.fixture
def bed(faulty_bed: StackBed) -> StackBed:
    """The demo stack deployed (support@ <- help@), the call log cleared: the start of most cases."""
    created = faulty_bed.deploy()
    assert created.ok, created
    faulty_bed.emulator.clear_calls()
    (faulty_bed.held,) = faulty_bed.player.resources(DEMO_STACK).values()
    return faulty_bed


_CREDENTIAL = re.compile(r"\b(?:AKIA|ASIA|AKID)[A-Z0-9]{12,}|aws_secret_access_key|X-Amz-Signature", re.I)
_DUMMY = ("local-lambda-secret-not-a-credential", "local-lambda-session", "local-emulator-secret")


def leaks(logs: str, url_secret: str) -> list[str]:
    """What the function's logs must never hold: the ResponseURL's signature, credential-shaped strings
    (the player's dummy keys included), address strings."""
    found = [s for s in (url_secret, *_DUMMY) if s in logs]
    found += [m.group(0) for m in _CREDENTIAL.finditer(logs)]
    found += re.findall(r"[\w.+-]+@example\.com", logs)
    return found


def committed_rows() -> dict[str, str]:
    """docs/fault-matrix.md's rows by case, each as `Row.cells` (in the file's order)."""
    rows = {}
    for line in MATRIX_DOC.read_text(encoding="utf-8").splitlines():
        found = re.fullmatch(r"\| \d+ \| (.*) \|", line)
        if found:
            rows[found.group(1).split(" | ", 1)[0]] = found.group(1)
    return rows


def record(case: str, expected: str, observed: str, result: EventResult, answer: str | None = None) -> None:
    """Keep the case's row and, unless `make fault-matrix` regenerates the file, check it is the one
    docs/fault-matrix.md shows."""
    order = MATRIX_CASES.index(case) if case in MATRIX_CASES else len(MATRIX_CASES)
    row = Row(
        order,
        case,
        expected,
        observed,
        answer or answer_text(result),
        "yes" if result.answered_before_deadline else "NO",
    )
    ROWS.append(row)
    if not os.environ.get(WRITE_MATRIX):
        assert committed_rows().get(case) == row.cells, (
            f"docs/fault-matrix.md shows another row for {case!r} than this run saw:\n{row.cells}\n"
            "if the change is intended, regenerate the file with `make fault-matrix`"
        )


def _render(rows: list[Row]) -> str:
    lines = [
        "# Fault matrix",
        "",
        "Generated by `make fault-matrix` from `tests/reliability/test_fault_matrix.py`; every test run",
        "compares its rows with this file (content is deterministic, so an unchanged behaviour leaves it",
        "unchanged). Each case plays the real function from app.py's `cdk.out` in the offline player",
        "against the Connect emulator, seeded as in docs/design.md (`support@ <- help@` after the demo",
        "stack's Create, `sales@ <- info@` from the seed).",
        "",
        "| # | case | expected Connect state | observed Connect state | CloudFormation answer "
        "| answered before deadline |",
        "|---|---|---|---|---|---|",
    ]
    for n, row in enumerate(sorted(rows, key=lambda r: (r.order, r.case)), 1):
        lines.append(f"| {n} | {row.cells} |")
    return "\n".join(lines) + "\n"


def _maybe_write(rows: list[Row]) -> None:
    cases = {r.case for r in rows}
    if not os.environ.get(WRITE_MATRIX) or cases != set(MATRIX_CASES) or len(rows) != len(MATRIX_CASES):
        return
    text = _render(rows)
    if not MATRIX_DOC.exists() or MATRIX_DOC.read_text(encoding="utf-8") != text:
        MATRIX_DOC.write_text(text, encoding="utf-8")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Workers hand their rows to the controller; the controller (or a plain run) writes the doc."""
    config = session.config
    failed = session.testsfailed > 0
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fault_matrix_rows"] = json.dumps({"failed": failed, "rows": [asdict(r) for r in ROWS]})
        return
    if not failed and not getattr(config, "_fault_matrix_failed", False):
        _maybe_write(ROWS + getattr(config, "_fault_matrix_rows", []))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    data = json.loads(getattr(node, "workeroutput", {}).get("fault_matrix_rows", "null") or "null")
    if not data:
        return
    config = node.config
    if data["failed"] or error:
        config._fault_matrix_failed = True
    rows = getattr(config, "_fault_matrix_rows", [])
    rows.extend(Row(**r) for r in data["rows"])
    config._fault_matrix_rows = rows
