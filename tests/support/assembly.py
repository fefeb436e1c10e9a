"""Synthesise the example app the way the CDK CLI runs it: `python3 app.py` with CDK_OUTDIR and
CDK_CONTEXT_JSON (cdk.json's context plus overrides), so the end-to-end tests play a real cdk.out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

DEMO_STACK = "ConnectEmailAliasDemo"


def cdk_json_context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


def synth_app(outdir: Path, **context: str) -> Path:
    """Run app.py into `outdir` with cdk.json's context updated by `context`; returns `outdir`."""
    env = dict(os.environ)  # PATH already prefers the local Node.js (tests/conftest.py)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps({**cdk_json_context(), **context})
    subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=REPO, env=env, check=True, capture_output=True, timeout=300,
    )
    return outdir
