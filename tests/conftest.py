"""For every test kind: jsii (and each synth subprocess) runs `node` from PATH, so prefer the Node.js that
`make setup` brings when the machine's is too old — no end-of-life banner even when pytest runs alone.
The stack fixtures (emulator, receiver, player, demo_stack, stack_bed) come from tests/support/fixtures.py."""

from __future__ import annotations

import os
from pathlib import Path

pytest_plugins = ["tests.support.fixtures"]

_NODE_BIN = Path(__file__).resolve().parents[1] / ".tools" / "node" / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
