"""Offline stand-ins for AWS to test stacks using the custom resource: Connect, CloudFormation, responses.

They exercise the custom resource end to end without an AWS account, and share no code with the
function (``lambda/``), so a misunderstanding in one is caught by the other. With pytest, the fixtures
``connect_emulator`` and ``cloudformation`` come ready-made (:mod:`.pytest_plugin`).

Connect:

- :class:`ConnectEmulator`: Connect's email-address API over HTTP on 127.0.0.1, seeded, with faults.
- :data:`DEFAULT_SEED`: the demo's seed file; :class:`SeedError`: a seed that does not fit the format.
- :class:`Quota`, :class:`ReadLag`, :class:`ManualClock`: the emulator's options for Connect's API
  quota, its read lag, and a clock a test moves by hand.
- :class:`Faults`: ``emulator.faults``, scripted failures; :class:`CallRecord`: one of
  ``emulator.calls``; :class:`AddressView`: what ``emulator.address(...)`` shows.

CloudFormation:

- :class:`CloudFormationPlayer`: deploys, updates and destroys stacks event by event.
- :class:`CloudFormationReadApi`: CloudFormation's read API (``DescribeStacks``, ``ListStackResources``,
  ``DescribeStackResources``) over the player's stacks, on 127.0.0.1.
- :class:`CloudAssembly` (a ``cdk.out``) and :class:`StackSource` (one stack, or a template file);
  :class:`FunctionSpec`: a function the player runs (for hand-built events, ``player.invoke``).
- :class:`PlayReport`: a stack operation's status and :class:`Step`\\ s; a step's result is an
  :class:`EventResult` (a custom resource's answer) or a :class:`ServiceResult` (a resource
  CloudFormation handles itself); :class:`DeployedResource`: what CloudFormation holds.
- :class:`Environment`: the region, account and partition stacks are played in.
- :class:`TemplateError`: what the player cannot play, naming resource and property.
- :class:`ResponseReceiver`: the HTTPS stand-in for the response URL the player's answers go to.
"""

from .cloudformation.assembly import CloudAssembly, StackSource
from .cloudformation.player import CloudFormationPlayer
from .cloudformation.read_api import CloudFormationReadApi
from .cloudformation.receiver import ResponseReceiver
from .cloudformation.report import DeployedResource, EventResult, PlayReport, ServiceResult, Step
from .cloudformation.template import TemplateError
from .connect.clock import ManualClock
from .connect.emulator import ConnectEmulator
from .connect.faults import Faults
from .connect.gateway import CallRecord
from .connect.lag import ReadLag
from .connect.models import AddressView
from .connect.quota import Quota
from .connect.seed import DEFAULT_SEED, SeedError
from .environment import Environment
from .runtime.runner import FunctionSpec

__all__ = [
    "DEFAULT_SEED",
    "AddressView",
    "CallRecord",
    "CloudAssembly",
    "CloudFormationPlayer",
    "CloudFormationReadApi",
    "ConnectEmulator",
    "DeployedResource",
    "Environment",
    "EventResult",
    "Faults",
    "FunctionSpec",
    "ManualClock",
    "PlayReport",
    "Quota",
    "ReadLag",
    "ResponseReceiver",
    "SeedError",
    "ServiceResult",
    "StackSource",
    "Step",
    "TemplateError",
]
