"""End-to-end fixtures: the example app's cdk.out, played against the emulator through HTTPS answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from connect_email_alias.local import (
    CloudAssembly,
    CloudFormationPlayer,
    ConnectEmulator,
    ResponseReceiver,
    StackSource,
)

from tests.assembly import DEMO_STACK, synth_app
from tests.e2e.support import E2E


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., StackSource]:
    """`demo_stack(aliasEmailAddressId=...)`: the demo stack of app.py with that context (cached)."""
    cache: dict[tuple[tuple[str, str], ...], StackSource] = {}

    def get(**context: str) -> StackSource:
        key = tuple(sorted(context.items()))
        if key not in cache:
            outdir = synth_app(tmp_path_factory.mktemp("cdk.out"), **context)
            cache[key] = CloudAssembly(outdir).stack(DEMO_STACK)
        return cache[key]

    return get


@pytest.fixture
def emulator() -> Iterator[ConnectEmulator]:
    with ConnectEmulator.from_seed() as emu:
        yield emu


@pytest.fixture
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as rcv:
        yield rcv


@pytest.fixture
def player(emulator: ConnectEmulator, receiver: ResponseReceiver) -> Iterator[CloudFormationPlayer]:
    with CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as cfn:
        yield cfn


@pytest.fixture
def e2e(
    player: CloudFormationPlayer,
    emulator: ConnectEmulator,
    receiver: ResponseReceiver,
    demo_stack: Callable[..., StackSource],
) -> Iterator[E2E]:
    """Plays the demo stack and checks every answer (one per request, valid, before the deadline)."""
    bed = E2E(player, emulator, receiver, demo_stack)
    yield bed
    assert receiver.violations() == []
