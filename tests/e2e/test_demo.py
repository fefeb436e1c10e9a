"""`make demo` plays its four steps on the example app and ends 0 only when each ends as expected."""

from __future__ import annotations

from connect_email_alias.local import demo

from tests.support.seed import CARE


def test_demo_plays_its_four_steps_and_ends_zero(demo_stack, capsys):
    assert demo.run(demo_stack(), demo_stack(aliasEmailAddressId=CARE)) == 0
    shown = capsys.readouterr().out
    assert shown.count("  OK\n") == 4
    assert "The old pair was restored." in shown
    assert "customercare@example.com  forwards to  support@example.com" in shown
    # The refused swap: the advice fits a quota error, and nothing is cut short.
    (refused,) = [line for line in shown.splitlines() if "(ServiceQuotaExceededException):" in line]
    assert "a Connect quota is reached" in refused and "check the IDs" not in refused, refused
    assert refused.endswith("then retry. The old pair was restored.") and "..." not in refused, refused
    assert "demo: all steps ended as expected" in shown
