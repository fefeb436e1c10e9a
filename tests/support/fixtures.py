"""Fixtures for the stack tests (end to end and reliability), loaded by tests/conftest.py: the emulator,
the receiver, the player, app.py's synthesised demo stack and the stack bed over them.

The emulator and the function's processes share one virtual clock (docs/design.md, "Virtual time"): a
wait that matters only by its length passes at once. A test marked ``real_time`` runs on real time instead
(one per mechanism proves the real timing); the player keeps each function's process warm between events
unless a test is marked ``cold_start``."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

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
from tests.support.stranger import make as make_stranger
from tests.support.stranger import python as stranger_python
from tests.support.user_projects import Outcomes, outcomes
from tests.support.user_projects import run as run_user_projects


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


#: `once_per_session(key, make)` -> the folder `make` filled.
OncePerSession = Callable[[str, Callable[[Path], None]], Path]


@pytest.fixture(scope="session")
def once_per_session(tmp_path_factory: pytest.TempPathFactory) -> OncePerSession:
    """`once_per_session(key, make)`: a folder that `make(folder)` filled, made once per test session across
    xdist workers (a file lock in the session's shared temporary folder), for what costs seconds to make:
    synthesised apps, a virtualenv, a nested pytest run. The folder is made in place (a virtualenv cannot
    move); one that `make` did not finish is made again."""
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp is a folder of this session's; without it, the parent would be shared
    # by every past session, and a stale folder would hide changes to the code.
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "once-per-session"
    root.mkdir(exist_ok=True)

    def get(key: str, make: Callable[[Path], None]) -> Path:
        folder = root / key
        with open(root / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / f"{key}.done").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                make(folder)
                (root / f"{key}.done").touch()
        return folder

    return get


@pytest.fixture(scope="session")
def demo_stack(once_per_session: OncePerSession) -> Callable[..., StackSource]:
    """`demo_stack(aliasEmailAddressId=...)`: app.py's demo stack synthesised with that context, once per
    test session (synth is the suite's main cost)."""
    cache: dict[str, StackSource] = {}

    def get(**context: str) -> StackSource:
        key = "cdk.out-" + hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()[:16]
        if key not in cache:

            def synth(folder: Path) -> None:
                synth_app(folder, **context)

            cache[key] = CloudAssembly(once_per_session(key, synth)).stack(DEMO_STACK)
        return cache[key]

    return get


def _stranger(once_per_session: OncePerSession) -> Path:
    return once_per_session("stranger", make_stranger)


def _users_projects(once_per_session: OncePerSession) -> Path:
    python = stranger_python(_stranger(once_per_session))

    def run(folder: Path) -> None:
        run_user_projects(folder, python)

    return once_per_session("user-projects", run)


@pytest.fixture(scope="session")
def stranger(once_per_session: OncePerSession) -> Path:
    """The wheel installed into an empty virtualenv from the registry, once per session
    (tests/support/stranger.py)."""
    return _stranger(once_per_session)


@pytest.fixture(scope="session")
def users_pytest(once_per_session: OncePerSession) -> Callable[[str], Outcomes]:
    """`users_pytest(project)`: how its tests fared in the session's one nested pytest of users' projects,
    run with the stranger's virtualenv (tests/support/user_projects.py)."""
    done = _users_projects(once_per_session)
    return lambda project: outcomes(done, project)


#: More virtualenvs worth making on a thread from the session's start, by the fixture that needs them: a test
#: module registers `BACKGROUND[fixture name] = make`, `make(once_per_session)` making its folder.
BACKGROUND: dict[str, Callable[[OncePerSession], object]] = {}
_MADE_IN_THE_BACKGROUND = {"stranger", "users_pytest"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that only read what is made in the background run last, when it is made, instead of a
    worker waiting for it (a test with work of its own, a `tmp_path`, keeps its place)."""
    waiting = _MADE_IN_THE_BACKGROUND | set(BACKGROUND)
    late = [i for i in items if waiting & set(i.fixturenames) and "tmp_path" not in i.fixturenames]
    items[:] = [item for item in items if item not in late] + late


def _will_run(item: pytest.Item) -> bool:
    """Not skipped outright, nor by a `skipif` whose condition is already true."""
    skips = [m for m in item.iter_markers("skipif") if m.args and m.args[0] is True]
    return not skips and item.get_closest_marker("skip") is None


@pytest.fixture(scope="session", autouse=True)
def _virtualenvs_in_the_background(
    request: pytest.FixtureRequest, once_per_session: OncePerSession
) -> Iterator[None]:
    """When the session has tests that need them, the stranger's virtualenv and the users' projects run, and
    any virtualenv in BACKGROUND (each a minute of installs, mostly waiting on the disk), start at once on
    threads, so no worker idles waiting for them later. A failure there is left to the tests that need them:
    they make the folder again and show it."""
    needed = {name for item in request.session.items if _will_run(item) for name in item.fixturenames}
    makers = [_users_projects] if "users_pytest" in needed else [_stranger] if "stranger" in needed else []
    makers += [make for name, make in BACKGROUND.items() if name in needed]

    def run(make: Callable[[OncePerSession], object]) -> None:
        with contextlib.suppress(Exception):
            make(once_per_session)

    threads = [threading.Thread(target=run, args=(m,), name="in-the-background", daemon=True) for m in makers]
    for thread in threads:
        thread.start()
    yield
    for thread in threads:
        thread.join()


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
