"""Synthesise the example app the way the CDK CLI runs it: `python3 app.py` with CDK_OUTDIR and
CDK_CONTEXT_JSON (cdk.json's context plus overrides), so the end-to-end tests play a real cdk.out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NODE_BIN = REPO / ".tools" / "node" / "node_modules" / ".bin"

INSTANCE = "00000000-0000-4000-8000-000000000001"
SUPPORT = "11111111-1111-4111-8111-111111111111"  # support@example.com, primary
HELP = "22222222-2222-4222-8222-222222222222"  # help@example.com, free
CARE = "33333333-3333-4333-8333-333333333333"  # customercare@example.com, free
SALES = "44444444-4444-4444-8444-444444444444"  # sales@example.com, forwards from info@
INFO = "55555555-5555-4555-8555-555555555555"  # info@example.com, alias of sales@
DEMO_STACK = "ConnectEmailAliasDemo"


def cdk_json_context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


def synth_app(outdir: Path, **context: str) -> Path:
    """Run app.py into `outdir` with cdk.json's context updated by `context`; returns `outdir`."""
    env = dict(os.environ)
    if (NODE_BIN / "node").exists():
        env["PATH"] = f"{NODE_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps({**cdk_json_context(), **context})
    subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=REPO, env=env, check=True, capture_output=True, timeout=300,
    )
    return outdir
