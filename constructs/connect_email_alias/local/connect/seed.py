"""Seed files: the instances, addresses, alias relations and tags an emulator starts with.

Format (JSON, API-style keys; ``?`` marks an optional key; docs/design.md, "Offline seed data")::

    {
      "Region"?: "us-east-1",             # must equal the emulator's region when given
      "Account"?: "123456789012",         # must equal the emulator's account when given
      "Instances": [
        {
          "InstanceId": "<your instance id>",
          "EmailAddresses"?: [
            {"EmailAddress": "support@example.com", "EmailAddressId"?: "<your id>",
             "DisplayName"?: "...", "Description"?: "...", "Tags"?: {"key": "value"}}
          ],
          "Aliases"?: [  # the alias forwards to the primary (help@ forwards to support@), by EmailAddressId
            {"EmailAddressId": "<primary id>", "AliasConfiguration": {"EmailAddressId": "<alias id>"}}
          ]
        }
      ]
    }

An address without ``EmailAddressId`` gets a deterministic generated one. Aliases obey Connect's rules
(one alias per primary, no chains). Anything else raises :class:`SeedError` naming the place, the
problem and the expected shape. ``local/seed.json`` is the demo's seed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exceptions import ConnectError
from .models import ConnectState

#: The seed the demo and ``cdk.json`` defaults use (docs/design.md, "Offline seed data").
DEFAULT_SEED = Path(__file__).with_name("seed.json")


@dataclass(frozen=True)
class _Shape:
    """One object level of the format: its keys and their JSON types, which are required, how it reads."""

    keys: Mapping[str, type]
    required: tuple[str, ...]
    text: str


_TOP = _Shape(
    {"Region": str, "Account": str, "Instances": list},
    ("Instances",),
    '{"Region"?, "Account"?, "Instances": [...]}',
)
_INSTANCE = _Shape(
    {"InstanceId": str, "EmailAddresses": list, "Aliases": list},
    ("InstanceId",),
    '{"InstanceId", "EmailAddresses"?: [...], "Aliases"?: [...]}',
)
_ADDRESS = _Shape(
    {"EmailAddress": str, "EmailAddressId": str, "DisplayName": str, "Description": str, "Tags": dict},
    ("EmailAddress",),
    '{"EmailAddress", "EmailAddressId"?, "DisplayName"?, "Description"?, "Tags"?: {...}}',
)
_PAIR = _Shape(
    {"EmailAddressId": str, "AliasConfiguration": dict},
    ("EmailAddressId", "AliasConfiguration"),
    '{"EmailAddressId": primary id, "AliasConfiguration": {"EmailAddressId": alias id}}',
)
_ALIAS = _Shape({"EmailAddressId": str}, ("EmailAddressId",), '{"EmailAddressId": alias id}')
_JSON_NAMES: dict[type, str] = {str: "string", list: "list", dict: "object"}


class SeedError(ValueError):
    """A seed that does not follow the format in this module's docstring."""


def read_seed(seed: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """The seed at a path (JSON) or given as a mapping, checked against the format."""
    if isinstance(seed, Mapping):
        data: Any = dict(seed)
        where = "seed"
    else:
        where = f"seed {seed}"
        try:
            data = json.loads(Path(seed).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SeedError(f"{where} is not JSON ({error}); see connect_email_alias.local.seed") from error
    _check(data, _TOP, where)
    for i, instance in enumerate(data["Instances"]):
        at = f"{where}: Instances[{i}]"
        _check(instance, _INSTANCE, at)
        for j, address in enumerate(instance.get("EmailAddresses", [])):
            _check(address, _ADDRESS, f"{at}.EmailAddresses[{j}]")
        for j, pair in enumerate(instance.get("Aliases", [])):
            _check(pair, _PAIR, f"{at}.Aliases[{j}]")
            _check(pair["AliasConfiguration"], _ALIAS, f"{at}.Aliases[{j}].AliasConfiguration")
    return dict(data)


def apply_seed(data: Mapping[str, Any], state: ConnectState, where: str = "seed") -> None:
    """Create what a checked seed describes (out of band: never lagging, never logged)."""
    for key, mine in (("Region", state.region), ("Account", state.account)):
        if key in data and data[key] != mine:
            raise SeedError(
                f"{where}: {key} {data[key]} differs from the emulator's {mine}; omit it or match"
            )
    for i, instance in enumerate(data["Instances"]):
        instance_id = instance["InstanceId"]
        state.create_instance(instance_id)
        for j, address in enumerate(instance.get("EmailAddresses", [])):
            with _refused(f"{where}: Instances[{i}].EmailAddresses[{j}]"):
                state.create_email_address(
                    instance_id,
                    address["EmailAddress"],
                    email_address_id=address.get("EmailAddressId"),
                    display_name=address.get("DisplayName"),
                    description=address.get("Description"),
                    tags=address.get("Tags"),
                )
        for j, pair in enumerate(instance.get("Aliases", [])):
            with _refused(f"{where}: Instances[{i}].Aliases[{j}]", _SWAP_HINT):
                state.associate(
                    instance_id, pair["EmailAddressId"], pair["AliasConfiguration"]["EmailAddressId"]
                )


_SWAP_HINT = (
    "In an Aliases item, EmailAddressId is the primary (the address mail is forwarded to) and"
    " AliasConfiguration.EmailAddressId the alias that forwards to it: if the pair is written the wrong way"
    " round, swap the two IDs."
)


@contextmanager
def _refused(where: str, hint: str = "") -> Iterator[None]:
    """Connect's refusal of a seeded item, as a SeedError naming the item (and what to check)."""
    try:
        yield
    except ConnectError as error:
        raise SeedError(f"{where}: {error.message}{'. ' + hint if hint else ''}") from error


def _check(value: Any, shape: _Shape, where: str) -> None:
    if not isinstance(value, dict):
        raise SeedError(f"{where} must be an object {shape.text}, not {type(value).__name__}")
    for key, item in value.items():
        if key not in shape.keys:
            raise SeedError(f"{where}: unknown key {key!r}; expected {shape.text}")
        kind = shape.keys[key]
        if not isinstance(item, kind):
            wanted = _JSON_NAMES[kind]
            raise SeedError(
                f"{where}.{key} must be a {wanted}, not {type(item).__name__}; expected {shape.text}"
            )
    for key in shape.required:
        if key not in value:
            raise SeedError(f"{where}: missing {key!r}; expected {shape.text}")
