"""One handler per emulated operation: a request's REST-JSON parts in, the response body out.

A handler turns one request into calls on :class:`~.models.ConnectState`; Connect's refusals are raised as
:class:`~.exceptions.ConnectError`. Reads here lag as configured. The route table is :mod:`.urls`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import search
from .exceptions import invalid_parameter
from .models import ConnectState, Seen


@dataclass(frozen=True)
class Request:
    """One HTTP request, split the way the model's REST-JSON bindings describe it."""

    path: dict[str, str]  # URI labels, percent-decoded
    query: dict[str, list[str]]
    body: dict[str, Any]


Handler = Callable[[ConnectState, Request], dict[str, Any]]


# -- checks shared by handlers ---------------------------------------------------------------------


def _id(request: Request, name: str, maximum: int) -> str:
    value = request.path[name]
    if not 1 <= len(value) <= maximum:
        raise invalid_parameter(f"{name} must be 1 to {maximum} characters")
    return value


def _ids(request: Request) -> tuple[str, str]:
    return _id(request, "InstanceId", 100), _id(request, "EmailAddressId", 500)


def optional_text(body: Mapping[str, Any], name: str, maximum: int) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or len(value) > maximum):
        raise invalid_parameter(f"{name} must be a string of at most {maximum} characters")
    return value


def _alias_id(body: Mapping[str, Any]) -> str:
    alias = body.get("AliasConfiguration")
    value = alias.get("EmailAddressId") if isinstance(alias, dict) else None
    if not isinstance(value, str) or not 1 <= len(value) <= 500:
        raise invalid_parameter("AliasConfiguration.EmailAddressId is required (1 to 500 characters)")
    return value


def describe_body(seen: Seen, *, full: bool) -> dict[str, Any]:
    """An address as DescribeEmailAddress (``full``) or a SearchEmailAddresses hit shows it."""
    address = seen.address
    body: dict[str, Any] = {
        "EmailAddressId": address.email_address_id,
        "EmailAddressArn": address.arn,
        "EmailAddress": address.email_address,
    }
    if address.display_name is not None:
        body["DisplayName"] = address.display_name
    if address.description is not None:
        body["Description"] = address.description
    if full:
        body["CreateTimestamp"] = address.created
        body["ModifiedTimestamp"] = address.modified
        if seen.tags:  # the model's TagMap has at least one entry
            body["Tags"] = seen.tags
    # CHOICE: AliasConfigurations is omitted when no alias forwards to the address (callers must not
    # assume the key); it never says that the address is itself an alias of another (the model's docs).
    if seen.alias_id is not None:
        body["AliasConfigurations"] = [{"EmailAddressId": seen.alias_id}]
    return body


# -- handlers --------------------------------------------------------------------------------------


def create_email_address(state: ConnectState, request: Request) -> dict[str, Any]:
    body = request.body
    email = body.get("EmailAddress")
    if not isinstance(email, str):
        raise invalid_parameter("EmailAddress is required")
    address = state.create_email_address(
        _id(request, "InstanceId", 100),
        email,
        display_name=optional_text(body, "DisplayName", 256),
        description=optional_text(body, "Description", 4096),
        tags=body.get("Tags"),
        lagging=True,
    )
    return {"EmailAddressId": address.email_address_id, "EmailAddressArn": address.arn}


def describe_email_address(state: ConnectState, request: Request) -> dict[str, Any]:
    return describe_body(state.describe_email_address(*_ids(request)), full=True)


def delete_email_address(state: ConnectState, request: Request) -> dict[str, Any]:
    state.delete_email_address(*_ids(request), lagging=True)
    return {}


def associate_email_address_alias(state: ConnectState, request: Request) -> dict[str, Any]:
    state.associate(*_ids(request), _alias_id(request.body), lagging=True)
    return {}


def disassociate_email_address_alias(state: ConnectState, request: Request) -> dict[str, Any]:
    state.disassociate(*_ids(request), _alias_id(request.body), lagging=True)
    return {}


def search_email_addresses(state: ConnectState, request: Request) -> dict[str, Any]:
    instance = request.body.get("InstanceId")
    if not isinstance(instance, str) or not 1 <= len(instance) <= 100:
        raise invalid_parameter("InstanceId is required (1 to 100 characters)")
    hits = state.search(instance, search.filters(request.body))
    return search.page(hits, request.body, lambda seen: describe_body(seen, full=False))


def tag_resource(state: ConnectState, request: Request) -> dict[str, Any]:
    state.tag(*state.address_for_arn(request.path["resourceArn"]), request.body.get("tags"), lagging=True)
    return {}


def untag_resource(state: ConnectState, request: Request) -> dict[str, Any]:
    keys = request.query.get("tagKeys", [])
    state.untag(*state.address_for_arn(request.path["resourceArn"]), keys, lagging=True)
    return {}
