"""The demo at Connect's default API quota: `--quota default` plays its four steps and still ends 0."""

from __future__ import annotations

import pytest
from connect_email_alias.local import demo

from tests.support.assembly import synth_app
from tests.support.seed import CARE

pytestmark = pytest.mark.slow


def test_the_demo_ends_as_expected_at_connects_default_quota(tmp_path, capsys):
    v1, v2 = synth_app(tmp_path / "v1"), synth_app(tmp_path / "v2", aliasEmailAddressId=CARE)
    assert demo.main(["--quota", "default", str(v1), str(v2)]) == 0
    shown = capsys.readouterr().out
    assert "(quota 2 requests/s, burst 5)" in shown
    assert shown.count("  OK\n") == 4
