"""Fixtures for the offline stand-ins: every server is started per test and always shut down (the
`player` fixture of tests/support/fixtures.py plays against these)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from connect_email_alias.local import ConnectEmulator, ResponseReceiver

from tests.integration.recording_function import recording_function


@pytest.fixture
def emulator() -> Iterator[ConnectEmulator]:
    with ConnectEmulator.from_seed() as emu:
        yield emu


@pytest.fixture
def client(emulator: ConnectEmulator):
    """A plain boto3 client; botocore's own retries are off so each test sees single answers."""
    return emulator.client(retries={"total_max_attempts": 1})


@pytest.fixture
def receiver() -> Iterator[ResponseReceiver]:
    with ResponseReceiver() as rcv:
        yield rcv


@pytest.fixture
def code(tmp_path: Path) -> Path:
    """A function that answers as told and records the events it saw (recording_function.py)."""
    return recording_function(tmp_path / "asset")
