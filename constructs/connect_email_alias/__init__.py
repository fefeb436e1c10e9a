"""AWS CDK construct for Amazon Connect email-address aliases (``Custom::ConnectEmailAddressAlias``)."""

from .alias import RESOURCE_TYPE, SERVICE_TIMEOUT, EmailAddressAlias
from .asset import function_code, stage_function_code
from .provider import EmailAddressAliasProvider

__all__ = [
    "RESOURCE_TYPE",
    "SERVICE_TIMEOUT",
    "EmailAddressAlias",
    "EmailAddressAliasProvider",
    "function_code",
    "stage_function_code",
]
