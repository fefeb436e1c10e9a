"""End-to-end fixtures: the example app's cdk.out, played against the emulator through HTTPS answers."""

from __future__ import annotations

import pytest

from tests.support.stack_bed import StackBed


@pytest.fixture
def e2e(stack_bed: StackBed) -> StackBed:
    """The healthy path: no answer may run into the function's deadline."""
    return stack_bed
