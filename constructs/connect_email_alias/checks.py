"""Synth-time conflict checks across the whole app: declarations Connect must refuse fail ``cdk synth``.

Connect lets a primary have one alias, an address be the alias of one primary, and never chains aliases.
Two resources declaring one pair would also remove each other's alias. Every ``EmailAddressAlias`` of the
app (all stacks and stages) is compared once the tree is complete, at validation; IDs and ARNs of one
address compare equal, literal email addresses compare ignoring case, and tokens compare equal when
identical. See docs/design.md § Construct ("Checks").
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

import jsii

from constructs import Construct, IConstruct, IValidation

from ._contract import contract
from .refs import Ref

_ID = "ConnectEmailAddressAliasChecks"

#: An address as compared: (instance, address), each a literal ID or a token's text.
Key = tuple[str, str]


@dataclass(frozen=True)
class Declaration:
    """One ``EmailAddressAlias`` as the checks see it."""

    owner: IConstruct
    primary: Key
    alias: Key
    primary_text: str
    alias_text: str

    @property
    def path(self) -> str:
        """The owner's construct path, read only for a message (a round trip to jsii per read)."""
        return str(self.owner.node.path)


def _key(instance: Ref, address: Ref) -> Key:
    """The same address named by ID or by ARN gives the same key; an ARN brings its own instance. A literal
    email address is its own key, ignoring case (an ID cannot hold '@', so it never equals one)."""
    parsed = address.parsed
    if parsed is not None and parsed.instance is not None:
        return (parsed.instance, parsed.id)
    if address.email is not None:
        return (instance.id or instance.value, contract.email_key(address.email))
    return (instance.id or instance.value, address.id or address.value)


def _text(ref: Ref) -> str:
    if ref.email is not None:
        return contract.excerpt(ref.email)
    return "(a CDK token)" if ref.id is None else contract.excerpt(ref.id)


def declaration(owner: IConstruct, instance: Ref, primary: Ref, alias: Ref) -> Declaration:
    """What the checks record of the alias ``owner``."""
    return Declaration(owner, _key(instance, primary), _key(instance, alias), _text(primary), _text(alias))


def conflicts(declarations: list[Declaration]) -> Iterator[str]:
    """One message per conflicting pair of declarations, naming both paths and the fix."""
    by_primary: dict[Key, Declaration] = {}
    by_alias: dict[Key, Declaration] = {}
    for d in declarations:
        first = by_primary.get(d.primary)
        if first is not None and first.alias == d.alias:
            yield (
                f"EmailAddressAlias {first.path} and {d.path} both declare alias {d.alias_text} of"
                f" {d.primary_text}: keep one of them (each would remove the alias when it is deleted)."
            )
        elif first is not None:
            yield (
                f"EmailAddressAlias {first.path} and {d.path} give primary {d.primary_text} two aliases"
                f" ({first.alias_text}, {d.alias_text}): Connect allows one alias per primary; keep one."
            )
        other = by_alias.get(d.alias)
        if other is not None and other.primary != d.primary:
            yield (
                f"EmailAddressAlias {other.path} and {d.path} make {d.alias_text} the alias of two"
                f" primaries ({other.primary_text}, {d.primary_text}): an address can be the alias of one"
                " primary only; keep one."
            )
        chained = by_alias.get(d.primary)
        if chained is not None:
            yield _chain(d.path, d.primary_text, "a primary", chained.path, "an alias")
        chained = by_primary.get(d.alias)
        if chained is not None:
            yield _chain(d.path, d.alias_text, "an alias", chained.path, "a primary")
        by_primary.setdefault(d.primary, d)
        by_alias.setdefault(d.alias, d)


def _chain(path: str, text: str, role: str, other_path: str, other_role: str) -> str:
    return (
        f"EmailAddressAlias {path} uses {text} as {role} and {other_path} uses it as {other_role}:"
        " Connect does not chain aliases; forward both addresses to one primary instead."
    )


@jsii.implements(IValidation)
class _Validation:
    def __init__(self) -> None:
        self.declarations: list[Declaration] = []

    def validate(self) -> list[str]:
        return list(conflicts(self.declarations))


class _Registry(Construct):
    """Holds the app's declarations; one per app, at its root, with no resources."""

    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, _ID)
        self.validation = _Validation()
        self.node.add_validation(self.validation)


#: Each scope's registry, once found: finding it asks jsii four times, and every alias registers.
_REGISTRIES: weakref.WeakKeyDictionary[IConstruct, _Registry] = weakref.WeakKeyDictionary()


def register(scope: IConstruct, entry: Declaration) -> None:
    """Add ``entry`` to the checks of ``scope``'s app (created with the app's first alias)."""
    registry = _REGISTRIES.get(scope)
    if registry is None:
        root = scope.node.root
        found = root.node.try_find_child(_ID) or _Registry(cast(Construct, root))
        assert isinstance(found, _Registry)
        registry = _REGISTRIES[scope] = found
    registry.validation.declarations.append(entry)
