"""Contract §5: the API-call budget on the healthy path, counted from the emulator's call log while app.py's
cdk.out is deployed, updated with the same pair, swapped and destroyed; the owner record's tag calls come on
top, at most two per event."""

from __future__ import annotations

from tests.support.calls import TAG_BUDGET, alias_calls, mutating, tag_calls
from tests.support.resources import address_arn
from tests.support.seed import CARE, SUPPORT

# event -> (max mutating calls, max calls). Update of the same pair reads twice: the answer must carry
# AliasEmailAddress, which only DescribeEmailAddress(alias) returns (docs/design.md § Handler).
BUDGET = {
    "Create": (1, 3),
    "Update, same pair": (0, 2),
    "Update, swap": (2, 5),
    "Delete": (1, 2),
    "Delete, cleanup after swap": (1, 2),
}


def test_healthy_lifecycle_stays_within_the_call_budget(e2e):
    spent: dict[str, tuple[int, int]] = {}
    tags: dict[str, int] = {}

    def count(label, report, phase="create"):
        assert report.ok, report
        (result,) = [s.result for s in report.steps if s.phase == phase]
        calls = alias_calls(e2e.calls(result))
        spent[label] = (len(mutating(calls)), len(calls))
        tags[label] = len(tag_calls(e2e.calls(result)))

    count("Create", e2e.deploy())
    count("Update, same pair", e2e.deploy(emailAddressId=address_arn(SUPPORT)), "update")
    swap = e2e.deploy(aliasEmailAddressId=CARE)
    count("Update, swap", swap, "update")
    count("Delete, cleanup after swap", swap, "cleanup")
    count("Delete", e2e.destroy(), "delete")

    over = {
        label: (spent[label], limit)
        for label, limit in BUDGET.items()
        if spent[label][0] > limit[0] or spent[label][1] > limit[1]
    }
    assert over == {}, f"(mutating, all) spent vs allowed: {over}"
    assert max(tags.values()) <= TAG_BUDGET, tags
    assert tags["Create"] == 1 and tags["Update, same pair"] == 0  # the record written once, then read free
    # The healthy path does act: one association made, one swap (remove + associate), one removal.
    assert spent["Create"][0] == 1 and spent["Update, swap"][0] == 2 and spent["Delete"][0] == 1
    assert spent["Update, same pair"][0] == 0

