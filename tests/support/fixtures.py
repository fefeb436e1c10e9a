"""Fixtures for the stack tests (end to end and reliability), loaded by tests/conftest.py: the emulator,
the receiver, the player, app.py's synthesised demo stack and the stack bed over them.

The emulator and the function's processes share one virtual clock (docs/design.md, "Virtual time"): a
wait that matters only by its length passes at once. A test marked ``real_time`` runs on real time instead
(one per mechanism proves the real timing); the player keeps each function's process warm between events
unless a test is marked ``cold_start``."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from connect_email_alias.local import (
    CloudAssembly,
    CloudFormationPlayer,
    ConnectEmulator,
    ResponseReceiver,
    StackSource,
)
from connect_email_alias.local.runtime.runner import LambdaRunner
from connect_email_alias.local.runtime.virtual_time import VirtualClock

from tests.support.assembly import DEMO_STACK, synth_app
from tests.support.stack_bed import StackBed


@pytest.fixture
def stand_in_clock(request: pytest.FixtureRequest) -> Iterator[VirtualClock | None]:
    """The clock of the emulator and the function's processes: virtual, or None (real time) for a test
    marked ``real_time``."""
    if request.node.get_closest_marker("real_time"):
        yield None
        return
    with VirtualClock() as clock:
        yield clock


@pytest.fixture
def emulator(
    request: pytest.FixtureRequest, stand_in_clock: VirtualClock | None
) -> Iterator[ConnectEmulator]:
    """The demo seed, with the options a test names: `@pytest.mark.parametrize("emulator", [{...}],
    indirect=True)`."""
    options = {"clock": stand_in_clock} if stand_in_clock is not None else {}
    with ConnectEmulator.from_seed(**options, **getattr(request, "param", {})) as emu:
        yield emu


@pytest.fixture
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as rcv:
        yield rcv


@pytest.fixture
def player(
    request: pytest.FixtureRequest,
    emulator: ConnectEmulator,
    receiver: ResponseReceiver,
    stand_in_clock: VirtualClock | None,
) -> Iterator[CloudFormationPlayer]:
    warm = request.node.get_closest_marker("cold_start") is None
    with (
        LambdaRunner(warm=warm, clock=stand_in_clock) as runner,
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url, runner=runner) as cfn,
    ):
        yield cfn


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., StackSource]:
    """`demo_stack(aliasEmailAddressId=...)`: app.py's demo stack synthesised with that context, once per
    test session across xdist workers (a file lock in the session's shared temporary folder): synth is the
    suite's main cost."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is a folder of this session's; without it, the parent would be shared
    # by every past session, and a stale cdk.out would hide changes to the code.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "e2e-cdk-out"
    root.mkdir(exist_ok=True)
    cache: dict[str, StackSource] = {}

    def get(**context: str) -> StackSource:
        key = hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()[:16]
        if key not in cache:
            outdir = root / key
            with open(root / f"{key}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not (outdir / "manifest.json").exists():
                    shutil.rmtree(outdir, ignore_errors=True)
                    partial = tmp_path_factory.mktemp("cdk.out")
                    synth_app(partial, **context)
                    shutil.move(partial, outdir)
            cache[key] = CloudAssembly(outdir).stack(DEMO_STACK)
        return cache[key]

    return get


@pytest.fixture
def stack_bed(
    player: CloudFormationPlayer,
    emulator: ConnectEmulator,
    receiver: ResponseReceiver,
    demo_stack: Callable[..., StackSource],
) -> Iterator[StackBed]:
    """Nothing deployed yet; every answer it sees is checked (one per request, valid, before the deadline)."""
    bed = StackBed(player, emulator, receiver, demo_stack)
    yield bed
    assert receiver.violations() == []
