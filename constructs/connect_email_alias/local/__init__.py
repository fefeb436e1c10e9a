"""Offline stand-ins for AWS: a Connect emulator, an HTTPS response receiver, a CloudFormation player.

They let the custom resource be exercised end to end without an AWS account, and they share no code
with the function (``lambda/``), so a misunderstanding in one is caught by the other.
"""

from .assembly import CloudAssembly, FunctionSpec, StackSource
from .clock import ManualClock
from .consistency import ReadLag
from .emulator import AddressView, ConnectEmulator
from .faults import Faults
from .gateway import CallRecord
from .lambda_runner import Invocation, LambdaRunner
from .player import CloudFormationPlayer
from .quota import Quota
from .receiver import Expectation, ReceivedResponse, ResponseReceiver, validate_response
from .report import DeployedResource, EventResult, PlayReport, Step
from .seed import DEFAULT_SEED, SeedError
from .template import Environment, TemplateError

__all__ = [
    "DEFAULT_SEED",
    "AddressView",
    "CallRecord",
    "CloudAssembly",
    "CloudFormationPlayer",
    "ConnectEmulator",
    "DeployedResource",
    "Environment",
    "EventResult",
    "Expectation",
    "Faults",
    "FunctionSpec",
    "Invocation",
    "LambdaRunner",
    "ManualClock",
    "PlayReport",
    "Quota",
    "ReadLag",
    "ReceivedResponse",
    "ResponseReceiver",
    "SeedError",
    "StackSource",
    "Step",
    "TemplateError",
    "validate_response",
]
