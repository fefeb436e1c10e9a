"""AWS CDK construct for Amazon Connect email-address aliases (``Custom::ConnectEmailAddressAlias``).

Public names:

``EmailAddressAlias(scope, id, *, instance_id, email_address_id, alias_email_address_id, provider=None,
removal_policy=None)``
    One alias: mail to the alias address reaches the primary. IDs, ARNs or tokens; also
    ``EmailAddressAlias.from_email_addresses(scope, id, *, primary, alias, ...)`` for two
    ``CfnEmailAddress`` resources. ``help(EmailAddressAlias.__init__)`` documents every argument.
``EmailAddressAliasProvider(scope, id, *, export_name=None, instance_ids=(), log_retention=ONE_MONTH,
log_group_encryption_key=None, reserved_concurrent_executions=None, tracing=False)``
    The function, role, policy and log group behind every alias of a stack; ``.of(stack)`` is the
    shared one. Construct it yourself to export a ``ServiceToken`` for raw templates or to set options.
``RESOURCE_TYPE``
    ``"Custom::ConnectEmailAddressAlias"``.
``SERVICE_TIMEOUT``
    The ``ServiceTimeout`` every alias resource carries (a ``Duration``).

The construct classes load on first use, so the offline stand-ins in ``connect_email_alias.local``
start without aws-cdk-lib (and the Node.js process its jsii runtime spawns). Staging the function's
code by hand (for tests and benchmarks) is ``connect_email_alias.asset.stage_function_code``.
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
