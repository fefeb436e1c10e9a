"""The example app's cdk.out deploys, swaps and is destroyed against the emulator."""

from __future__ import annotations

from tests.support.assembly import DEMO_STACK
from tests.support.seed import CARE, HELP, INSTANCE, SUPPORT


def test_app_deploys_swaps_and_destroys(demo_stack, player, emulator, receiver):
    created = player.deploy(demo_stack())
    assert created.ok, created
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP

    swapped = player.deploy(demo_stack(aliasEmailAddressId=CARE))
    assert swapped.ok, swapped
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == CARE

    destroyed = player.destroy(DEMO_STACK)
    assert destroyed.ok, destroyed
    assert SUPPORT not in emulator.aliases_by_primary(INSTANCE)
    assert receiver.violations() == []
