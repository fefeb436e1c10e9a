"""A play's report read as CloudFormation's stack events: what a failing offline test shows its user."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from connect_email_alias.local import PlayReport, ServiceResult, Step

NOT_FOUND = (
    "EmailAddressId 11111111-1111-4111-8111-111111111111 (primary) was not found in Connect instance "
    "00000000-0000-4000-8000-000000000001 (us-east-1): check the ID."
)


def failed_create() -> PlayReport:
    """A create that failed on its second resource and rolled the first one back."""
    kind = "Custom::ConnectEmailAddressAlias"
    return PlayReport(
        "Mail",
        "ROLLBACK_COMPLETE",
        [
            Step("create", ServiceResult("Create", "Sales", kind, "SUCCESS", "pid-sales")),
            Step("create", ServiceResult("Create", "Help", kind, "FAILED", "Mail_Help_0a1b2c3d", NOT_FOUND)),
            Step("rollback", ServiceResult("Delete", "Help", kind, "SUCCESS", "Mail_Help_0a1b2c3d")),
            Step("rollback", ServiceResult("Delete", "Sales", kind, "SUCCESS", "pid-sales")),
        ],
    )


def test_str_lists_the_first_failure_then_every_event_with_status_and_reason():
    assert str(failed_create()).splitlines() == [
        "Mail: ROLLBACK_COMPLETE",
        f"  first failure: create Help CREATE_FAILED {NOT_FOUND}",
        "  create   Sales CREATE_COMPLETE pid-sales",
        f"  create   Help CREATE_FAILED {NOT_FOUND}",
        "  rollback Help DELETE_COMPLETE Mail_Help_0a1b2c3d",
        "  rollback Sales DELETE_COMPLETE pid-sales",
    ]


def test_repr_is_one_line_with_the_failure_and_its_reason():
    assert repr(failed_create()) == (
        f"<PlayReport Mail ROLLBACK_COMPLETE: Help CREATE_FAILED {NOT_FOUND}>"
    )
    ok = PlayReport("Mail", "CREATE_COMPLETE", failed_create().steps[:1])
    assert repr(ok) == "<PlayReport Mail CREATE_COMPLETE, events: 1>"


def test_pytest_shows_the_reason_of_a_failed_report(tmp_path: Path):
    """``assert report.ok, report`` as README writes it, run by pytest at its default verbosity."""
    here = Path(__file__).resolve().parent
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(here)!r})
            from test_player_report import failed_create

            def test_deploy():
                report = failed_create()
                assert report.ok, report
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    shown = [line for line in result.stdout.splitlines() if line.startswith("E ")]
    assert shown[0] == (
        f"E       AssertionError: <PlayReport Mail ROLLBACK_COMPLETE: Help CREATE_FAILED {NOT_FOUND}>"
    ), result.stdout
