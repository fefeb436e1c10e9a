"""AWS CDK construct for Amazon Connect email-address aliases (``Custom::ConnectEmailAddressAlias``).

Public names (``help()`` on each documents every argument and its default):

- ``EmailAddressAlias``: one alias, which forwards to its primary (mail sent to help@ reaches support@;
  IDs, ARNs or tokens);
  ``EmailAddressAlias.from_email_addresses`` takes two ``CfnEmailAddress`` resources.
- ``EmailAddressAliasProvider``: the function, role and log group behind every alias of a stack;
  ``.of(stack)`` is the shared one. Construct it yourself to export a ``ServiceToken`` or to set options.
- ``RESOURCE_TYPE`` (``"Custom::ConnectEmailAddressAlias"``) and ``SERVICE_TIMEOUT``, the ``ServiceTimeout``
  (a ``Duration``) every alias resource carries.

The construct classes load on first use, so the offline stand-ins in ``connect_email_alias.local`` start
without aws-cdk-lib (and the Node.js process its jsii runtime spawns).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._contract import contract as _contract_module

if TYPE_CHECKING:
    from .alias import SERVICE_TIMEOUT, EmailAddressAlias
    from .provider import EmailAddressAliasProvider

#: The one version source: pyproject.toml reads this literal (setuptools ``attr``) without importing anything.
__version__ = "0.2.0"

RESOURCE_TYPE = _contract_module.RESOURCE_TYPE

_HOME = {
    "SERVICE_TIMEOUT": "alias",
    "EmailAddressAlias": "alias",
    "EmailAddressAliasProvider": "provider",
}

__all__ = [
    "RESOURCE_TYPE",
    "SERVICE_TIMEOUT",
    "EmailAddressAlias",
    "EmailAddressAliasProvider",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)


def __dir__() -> list[str]:
    """The public names, loaded or not yet (so ``dir()`` and ``help()`` list them)."""
    return sorted(__all__)
