"""Synthesise the example app the way the CDK CLI runs it: `python3 app.py` with CDK_OUTDIR and
CDK_CONTEXT_JSON (cdk.json's context plus overrides), so the end-to-end tests play a real cdk.out."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[2]

DEMO_STACK = "ConnectEmailAliasDemo"


def cdk_json_context() -> dict[str, Any]:
    return dict(json.loads((REPO / "cdk.json").read_text())["context"])


def load_example_app() -> ModuleType:
    """``app.py`` as a module (it lives at the repo root, outside any package)."""
    spec = importlib.util.spec_from_file_location("example_app", REPO / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def synth_aliases(
    outdir: Path, stacks: dict[str, dict[str, tuple[str, str]]], *, retain: frozenset[str] = frozenset()
) -> Any:
    """A CDK app of `EmailAddressAlias`es on the seed instance, synthesised in-process into `outdir`:
    {stack name: {construct id: (primary, alias)}}; construct ids in `retain` get RemovalPolicy.RETAIN.
    Returns its CloudAssembly (the player's view of cdk.out)."""
    import aws_cdk as cdk
    from connect_email_alias import EmailAddressAlias
    from connect_email_alias.local import CloudAssembly

    from tests.support.seed import ACCOUNT, INSTANCE, REGION

    app = cdk.App(outdir=str(outdir), analytics_reporting=False)
    for stack_name, aliases in stacks.items():
        stack = cdk.Stack(app, stack_name, env=cdk.Environment(account=ACCOUNT, region=REGION))
        for construct_id, (primary, alias) in aliases.items():
            EmailAddressAlias(
                stack,
                construct_id,
                instance_id=INSTANCE,
                email_address_id=primary,
                alias_email_address_id=alias,
                removal_policy=cdk.RemovalPolicy.RETAIN if construct_id in retain else None,
            )
    app.synth()
    return CloudAssembly(outdir)
