"""What the subcommands print: JSON for scripts, aligned tables for people, progress notes on stderr."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO


def print_json(data: Any, out: TextIO | None = None) -> None:
    print(json.dumps(data, indent=2), file=out or sys.stdout)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last one is not padded."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in (headers, *rows)]
    return "\n".join(lines)


class Progress:
    """Notes on stderr while a command runs longer than `after_s` (Connect's quota paces large instances),
    at most one every `every_s`; quiet for quick runs."""

    def __init__(
        self,
        prog: str,
        *,
        after_s: float = 3.0,
        every_s: float = 2.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._prog, self._after_s, self._every_s = prog, after_s, every_s
        self._stream, self._clock = stream, clock
        self._started = clock()
        self._last: float | None = None

    def note(self, text: str) -> None:
        now = self._clock()
        if now - self._started < self._after_s:
            return
        if self._last is not None and now - self._last < self._every_s:
            return
        self._last = now
        print(f"{self._prog}: {text}", file=self._stream or sys.stderr, flush=True)
