"""Where the stand-ins run: the region, account and partition every system here is played in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    """Where the stacks are played: CloudFormation's pseudo parameters."""

    region: str = "us-east-1"
    account: str = "123456789012"
    partition: str = "aws"
