"""The in-process harness (local/harness.py), which the live check, the benchmarks and the CLI's repair use:
the function's own code answers CloudFormation's events in this process, and nothing of it outlives the
``with`` block (modules, environment, loggers)."""

from __future__ import annotations

import logging
import os
import sys
import time
import types

from connect_email_alias.local import ConnectEmulator, Environment
from connect_email_alias.local.cloudformation.template import stack_id_for
from connect_email_alias.local.harness import InstantWaits, function_source, in_process

from tests.support.resources import pair_id, properties
from tests.support.seed import HELP, INSTANCE, MISSING_ADDRESS, SUPPORT


def test_the_function_creates_the_pair_here_and_its_answer_passes_the_receivers_checks(
    emulator: ConnectEmulator,
):
    env = Environment(emulator.region, emulator.account)
    stack_id = stack_id_for("Mail", env)
    with in_process(function_source(), env, env=emulator.env()) as function:
        alias = properties(SUPPORT, HELP)
        create = function.event("Create", stack_id=stack_id, logical_id="Alias", properties=alias)
        created = function.send(create)
        assert created is not None and created.status == "SUCCESS", created
        assert created.violations == () and created.physical_resource_id == pair_id(SUPPORT, HELP)
        assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP
        deleted = function.send(
            function.event(
                "Delete", stack_id=stack_id, logical_id="Alias", properties=alias,
                physical_resource_id=created.physical_resource_id,
            )
        )
    assert deleted is not None and deleted.status == "SUCCESS" and deleted.violations == ()
    assert SUPPORT not in emulator.aliases_by_primary(INSTANCE)


def test_with_instant_waits_the_functions_wait_for_a_missing_address_passes_on_the_tests_clock(
    emulator: ConnectEmulator,
):
    """The not-found wait (10 s of spaced Describes) is spent on the given clock, and the Create still fails
    as it would on real time, naming the address and changing nothing."""
    env = Environment(emulator.region, emulator.account)
    waits = InstantWaits()
    with in_process(function_source(), env, env=emulator.env(), waits=waits) as function:
        skipped_before = waits.time() - time.time()
        event = function.event(
            "Create", stack_id=stack_id_for("Mail", env), logical_id="Alias",
            properties=properties(SUPPORT, MISSING_ADDRESS),
        )
        answer = function.send(event)
        skipped = waits.time() - time.time() - skipped_before
    assert answer is not None and answer.status == "FAILED", answer
    assert MISSING_ADDRESS in str(answer.reason) and "not found" in str(answer.reason)
    # The function's waits, on the test's clock: it stops once the next (up to 4 s) would pass the 10 s, so at
    # least 6 s were spent (a little of it real time).
    assert skipped >= 5, skipped
    assert emulator.aliases_by_primary(INSTANCE).get(SUPPORT) is None
    assert [c.operation for c in emulator.calls].count("DescribeEmailAddress") > 3


def test_nothing_of_the_function_outlives_the_with_block(emulator: ConnectEmulator, monkeypatch):
    """A module of the caller's named like one of the function's is shadowed, then put back; crhelper's log
    setup, the environment and the function's client cache go with the block."""
    mine = types.ModuleType("errors")
    monkeypatch.setitem(sys.modules, "errors", mine)
    directory = str(function_source())

    def loaded_from_the_function() -> dict[str, types.ModuleType]:
        """Flat imports from its directory (unit tests in this worker may hold some of their own)."""
        return {n: m for n, m in sys.modules.items() if str(getattr(m, "__file__", "")).startswith(directory)
                and not n.startswith("connect_email_alias.")}  # the package's own import of contract stays

    root = logging.getLogger()
    before = (dict(os.environ), root.handlers[:], root.level, logging.getLogger("botocore").level)
    modules, path = loaded_from_the_function(), list(sys.path)
    env = Environment(emulator.region, emulator.account)
    with in_process(function_source(), env, env=emulator.env()) as function:
        assert function.code.module("errors") is not mine
        answer = function.send(
            function.event(
                "Create", stack_id=stack_id_for("Mail", env), logical_id="Alias",
                properties=properties(SUPPORT, HELP),
            ),
            env={"AWS_REGION": emulator.region},
        )
        assert answer is not None and answer.status == "SUCCESS"
        assert os.environ["AWS_ENDPOINT_URL_CONNECT"] == emulator.endpoint_url
        assert str(function.code.directory) == directory and sys.path[0] == directory
    assert sys.modules["errors"] is mine
    assert loaded_from_the_function() == modules and sys.path == path
    after = (dict(os.environ), root.handlers[:], root.level, logging.getLogger("botocore").level)
    assert after == before
