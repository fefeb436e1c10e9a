"""The demo at Connect's default API quota: `--quota default` plays its four steps and still ends 0 (on the
virtual clock: the throttled calls' waits pass at once; tests/e2e/test_aws_conditions.py waits for real)."""

from __future__ import annotations

import pytest
from connect_email_alias.local import demo
from connect_email_alias.local.runtime.virtual_time import VirtualClock

from tests.support.seed import CARE

pytestmark = pytest.mark.slow


def test_the_demo_ends_as_expected_at_connects_default_quota(demo_stack, capsys):
    v1, v2 = demo_stack().cdk_out, demo_stack(aliasEmailAddressId=CARE).cdk_out
    with VirtualClock() as clock:
        assert demo.main(["--quota", "default", str(v1), str(v2)], clock=clock) == 0
    shown = capsys.readouterr().out
    assert "(quota 2 requests/s, burst 5)" in shown
    assert shown.count("  OK\n") == 4
