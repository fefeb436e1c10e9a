"""For every test kind: jsii (and each synth subprocess) runs `node` from PATH, so prefer the Node.js that
`make setup` brings when the machine's is too old — no end-of-life banner even when pytest runs alone — and
the player runs functions on the Lambda runtime's old SDK, as `make test` does, when it is installed.
The stack fixtures (emulator, receiver, player, demo_stack, stack_bed) come from tests/support/fixtures.py."""

from __future__ import annotations

import os
from pathlib import Path

pytest_plugins = ["tests.support.fixtures"]

_REPO = Path(__file__).resolve().parents[1]
_NODE_BIN = _REPO / ".tools" / "node" / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
_LAMBDA_SDK = _REPO / ".sdk" / "lambda-runtime"
if "CONNECT_EMAIL_ALIAS_SDK_PATH" not in os.environ and _LAMBDA_SDK.is_dir():
    os.environ["CONNECT_EMAIL_ALIAS_SDK_PATH"] = str(_LAMBDA_SDK)
