"""The pytest plugin, as a user gets it: installed by the entry point, run in a project of their own.

A real pytest run in a temporary folder (outside this repository, so none of its conftests apply) uses
the ``connect_emulator`` and ``cloudformation`` fixtures without importing or registering anything
(tests/support/user_projects.py: one nested pytest plays this project with the session's other users'
projects).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_fixtures_come_with_the_installed_package(users_pytest):
    run = users_pytest("plugin")
    assert run.of("test_mine.py") == {
        "test_the_default_seed_is_the_demo_seed": "passed",
        "test_a_marker_gives_my_own_seed": "passed",
        "test_cloudformation_plays_a_stack_against_the_emulator": "passed",
    }, run.output
