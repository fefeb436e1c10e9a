"""Fixtures for the offline stand-ins (the `emulator`, `receiver` and `player` fixtures come from
tests/support/fixtures.py): a plain client of the emulator and the hand-made recording function."""

from __future__ import annotations

from pathlib import Path

import pytest
from connect_email_alias.local import ConnectEmulator

from tests.integration.recording_function import recording_function


@pytest.fixture
def client(emulator: ConnectEmulator):
    """A plain boto3 client; botocore's own retries are off so each test sees single answers."""
    return emulator.client(retries={"total_max_attempts": 1})


@pytest.fixture
def code(tmp_path: Path) -> Path:
    """A function that answers as told and records the events it saw (recording_function.py)."""
    return recording_function(tmp_path / "asset")
