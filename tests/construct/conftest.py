"""Shared helpers for the construct tests: apps built once per module."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest

REPO = Path(__file__).resolve().parents[2]

from tests.support.seed import INSTANCE  # noqa: E402

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
