"""AWS CDK construct for Amazon Connect email-address aliases (``Custom::ConnectEmailAddressAlias``).

The names below load on first use, so the offline stand-ins in ``connect_email_alias.local`` start
without aws-cdk-lib (and the Node.js process its jsii runtime spawns).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .alias import RESOURCE_TYPE, SERVICE_TIMEOUT, EmailAddressAlias
    from .asset import function_code, stage_function_code
    from .provider import EmailAddressAliasProvider

#: The one version source: pyproject.toml reads this literal (setuptools ``attr``) without importing anything.
__version__ = "0.2.0"

_HOME = {
    "RESOURCE_TYPE": "alias",
    "SERVICE_TIMEOUT": "alias",
    "EmailAddressAlias": "alias",
    "EmailAddressAliasProvider": "provider",
    "function_code": "asset",
    "stage_function_code": "asset",
}

__all__ = [
    "RESOURCE_TYPE",
    "SERVICE_TIMEOUT",
    "EmailAddressAlias",
    "EmailAddressAliasProvider",
    "function_code",
    "stage_function_code",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
