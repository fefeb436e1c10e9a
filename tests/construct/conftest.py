"""Shared helpers for the construct tests: one supported Node.js for jsii, apps built once per module."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# jsii runs `node` from PATH: prefer the one `make setup` brought when the machine's is too old,
# so no end-of-life banner when pytest is run without the Makefile.
_NODE_BIN = REPO / ".tools" / "node" / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

import aws_cdk as cdk  # noqa: E402  (after PATH: jsii starts node on import)

from tests.seed_ids import INSTANCE  # noqa: E402

ARN_HEAD = f"arn:aws:connect:eu-west-2:111122223333:instance/{INSTANCE}"


def cdk_json_context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


def load_example_app() -> ModuleType:
    """``app.py`` as a module (it lives at the repo root, outside any package)."""
    spec = importlib.util.spec_from_file_location("example_app", REPO / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def synth_templates(app: cdk.App) -> dict[str, dict[str, Any]]:
    """Every stack's template of ``app``, by stack name."""
    assembly = app.synth()
    return {stack.stack_name: dict(stack.template) for stack in assembly.stacks}


def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


@pytest.fixture
def new_app(tmp_path: Path) -> Callable[[], cdk.App]:
    """Apps that synthesise into this test's own directory (safe under pytest -n)."""
    count = iter(range(1000))

    def make() -> cdk.App:
        return cdk.App(outdir=str(tmp_path / f"cdk.out.{next(count)}"))

    return make
