"""pytest fixtures to test your own stacks offline: a Connect emulator and a CloudFormation player.

Installed with the package (a ``pytest11`` entry point), so with ``connect-email-alias[local]`` and pytest
every test can ask for them, with nothing to import or register (README, "Test your own stacks offline")::

    def test_my_alias(cloudformation, connect_emulator):
        assert cloudformation.deploy(CloudAssembly("cdk.out").stack("MyStack")).ok
        assert connect_emulator.forwards_to(INSTANCE)[ALIAS] == PRIMARY  # the alias forwards to the primary

Fixtures (each fresh per test, always shut down):

``connect_seed``
    What the emulator starts with: a path to a seed JSON file or the same data as a mapping (format:
    :mod:`connect_email_alias.local.seed`). Default: the demo's seed, ``DEFAULT_SEED``. Give your own
    IDs with the marker ``@pytest.mark.connect_seed("tests/seed.json")`` (or a dict), on a test, class
    or module (``pytestmark``), or override the fixture in a ``conftest.py`` for a whole folder.
``connect_emulator``
    A started :class:`~connect_email_alias.local.ConnectEmulator` loaded with ``connect_seed``. Read who
    forwards to whom with ``forwards_to(instance_id)`` (``{alias_id: primary_id}``: mail sent to the alias
    is forwarded to the primary), ``aliases_by_primary(instance_id)`` (the same keyed by primary) or
    ``primary_of_alias(instance_id, alias_id)``; change state out of band (``associate``,
    ``create_email_address``) or inject faults (``faults.fail_next(...)``); ``calls`` lists the API calls.
``cloudformation``
    A :class:`~connect_email_alias.local.CloudFormationPlayer` wired to ``connect_emulator`` (the
    function's and the email addresses' Connect endpoint) and to a local HTTPS response receiver.
    ``deploy(stack)`` creates or updates a stack, ``destroy(name)`` deletes it; both return a
    :class:`~connect_email_alias.local.PlayReport`: ``status`` (CloudFormation's final stack status),
    ``steps`` (each with ``phase`` and ``result``: ``status``, ``reason``, ``physical_resource_id``,
    ``data`` = the attributes ``Fn::GetAtt`` reads) and ``retained`` (kept by a Retain policy).
    ``resources(name)`` is what CloudFormation holds, ``outputs(name)`` the stack's resolved Outputs.
``cloudformation_api``
    A started :class:`~connect_email_alias.local.CloudFormationReadApi` over ``cloudformation``'s stacks:
    CloudFormation's read API (``DescribeStacks``, ``ListStackResources``, ``DescribeStackResources``) in
    its own query protocol on 127.0.0.1. Point a tool at it with ``endpoint_url`` or the environment
    variable ``AWS_ENDPOINT_URL_CLOUDFORMATION`` (``env()``), e.g. ``connect-email-alias drift``.

The module imports without pytest (``connect-email-alias[local]`` does not bring it), so ``help()`` shows
this page anywhere; the fixtures need pytest, which loads them through its entry point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cloudformation.player import CloudFormationPlayer
from .cloudformation.read_api import CloudFormationReadApi
from .cloudformation.receiver import ResponseReceiver
from .connect.emulator import ConnectEmulator
from .connect.seed import DEFAULT_SEED
from .environment import Environment

if TYPE_CHECKING:
    import pytest

SEED_MARKER = "connect_seed"


def _fixture(function: Callable[..., Any]) -> Any:
    """pytest's fixture decorator; without pytest the function stays as written (for ``help()``)."""
    try:
        import pytest
    except ModuleNotFoundError:
        return function
    return pytest.fixture(function)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SEED_MARKER}(seed): the connect_emulator's seed (a JSON file path or a mapping)"
    )


@_fixture
def connect_seed(request: pytest.FixtureRequest) -> str | Path | Mapping[str, Any]:
    """The emulator's seed: the closest ``connect_seed`` marker's argument, else the demo's seed."""
    marker = request.node.get_closest_marker(SEED_MARKER)
    if marker is None:
        return DEFAULT_SEED
    if len(marker.args) != 1:
        import pytest

        raise pytest.UsageError(f"@pytest.mark.{SEED_MARKER} takes one seed: a JSON file path or a mapping")
    seed: str | Path | Mapping[str, Any] = marker.args[0]
    return seed


@_fixture
def connect_emulator(connect_seed: str | Path | Mapping[str, Any]) -> Iterator[ConnectEmulator]:
    """A started Connect emulator loaded with ``connect_seed``; stopped after the test."""
    with ConnectEmulator.from_seed(connect_seed) as emulator:
        yield emulator


@_fixture
def cloudformation(connect_emulator: ConnectEmulator) -> Iterator[CloudFormationPlayer]:
    """A CloudFormation player in the emulator's region and account, answering to a local receiver."""
    env = Environment(region=connect_emulator.region, account=connect_emulator.account)
    with (
        ResponseReceiver() as receiver,
        CloudFormationPlayer(receiver, connect_endpoint=connect_emulator.endpoint_url, env=env) as player,
    ):
        yield player


@_fixture
def cloudformation_api(cloudformation: CloudFormationPlayer) -> Iterator[CloudFormationReadApi]:
    """CloudFormation's read API over the player's stacks, on 127.0.0.1; stopped after the test."""
    with CloudFormationReadApi(cloudformation) as api:
        yield api
