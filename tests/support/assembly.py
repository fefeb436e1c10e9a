"""Synthesise the example app as `cdk synth` does (app.py's `build` on cdk.json's context plus overrides),
in this process: its jsii kernel starts once, so each further app costs a fraction of a second instead of
a new Node.js. The CLI's own path (`python3 app.py` under `cdk synth`) is tested by
tests/construct/test_construct_packaging.py and the README's bash blocks."""

from __future__ import annotations

import importlib.util
import json
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
    """app.py's stacks synthesised into `outdir` with cdk.json's context updated by `context`; returns
    `outdir`. (Node.js comes from PATH, which prefers the local one: tests/conftest.py.)"""
    import aws_cdk as cdk

    app = cdk.App(outdir=str(outdir), context={**cdk_json_context(), **context})
    load_example_app().build(app)
    app.synth()
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
