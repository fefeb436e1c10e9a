"""Shared bits of the benchmarks: the figure record, timing helpers, paths and the Node/SDK setup.

Kept tiny on purpose: each benchmark module is a plain function `run(quick) -> Result`.
"""

from __future__ import annotations

import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_DIR = ROOT / "lambda"
NODE_BIN = ROOT / ".tools" / "node" / "node_modules" / ".bin"
SDK_ENV = "CONNECT_EMAIL_ALIAS_SDK_PATH"
DEFAULT_SDK = ROOT / ".sdk" / "lambda-runtime"


@dataclass(frozen=True)
class Figure:
    """One row of the results table. `met` is None for figures reported without a goal."""

    name: str
    measured: str
    goal: str = "-"
    met: bool | None = None


@dataclass
class Result:
    """What one benchmark hands to run.py: its table rows, detail lines and notes on misses."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    module: str = ""

    def print(self) -> None:
        print(f"\n== {self.title}")
        for f in self.figures:
            mark = "" if f.met is None else (" [met]" if f.met else " [MISSED]")
            print(f"  {f.name}: {f.measured} (goal {f.goal}){mark}")
        for line in self.details:
            print(f"  {line}")


def prepare_environment() -> None:
    """Node >= 22 first on PATH (jsii needs it), and the Lambda runtime's SDK location (as the Makefile "
    "sets)."""
    if NODE_BIN.is_dir() and not os.environ.get("PATH", "").startswith(str(NODE_BIN)):
        os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    if not os.environ.get(SDK_ENV) and DEFAULT_SDK.is_dir():
        os.environ[SDK_ENV] = str(DEFAULT_SDK)
    os.environ.setdefault("CDK_DISABLE_VERSION_CHECK", "1")
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    for path in (str(ROOT / "constructs"), str(ROOT)):  # the library; tests.support's call vocabulary
        if path not in sys.path:
            sys.path.insert(0, path)


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio_text(value: float) -> str:
    return f"{value:.2f}x"
