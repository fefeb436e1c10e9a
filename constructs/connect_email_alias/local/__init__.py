"""Offline stand-ins for AWS: a Connect emulator, an HTTPS response receiver, a CloudFormation player.

They let the custom resource be exercised end to end without an AWS account, and they share no code
with the function (``lambda/``), so a misunderstanding in one is caught by the other.
"""

from .emulator import DEFAULT_SEED, AddressView, CallRecord, ConnectEmulator
from .faults import Faults
from .receiver import Expectation, ReceivedResponse, ResponseReceiver, validate_response

__all__ = [
    "DEFAULT_SEED",
    "AddressView",
    "CallRecord",
    "ConnectEmulator",
    "Expectation",
    "Faults",
    "ReceivedResponse",
    "ResponseReceiver",
    "validate_response",
]
