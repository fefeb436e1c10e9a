"""Connect's REST-JSON routes for the emulated operations: a table from (method, URI) to a handler.

Each :class:`Route` carries the botocore model's ``requestUri`` (a test checks the table against the
model). A handler turns one request into calls on :class:`~.state.ConnectState` and returns the response
body; Connect's refusals are raised as :class:`~.errors.ConnectError`. Reads here lag as configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, unquote

from . import search
from .errors import ConnectError, invalid_parameter
from .state import ConnectState, Seen
from .tagging import check_tag_keys, check_tags
from .tokens import ClientTokens

#: The operation name logged for a request that matches no route.
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Request:
    """One HTTP request, split the way the model's REST-JSON bindings describe it."""

    path: dict[str, str]  # URI labels, percent-decoded
    query: dict[str, list[str]]
    body: dict[str, Any]


Handler = Callable[[ConnectState, Request], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    """A request resolved to its operation: what to log, whom IAM and locks concern, and what to run."""

    operation: str
    params: dict[str, Any]  # the operation's input as botocore names it
    instance_id: str | None
    resource_arn: str
    touched: tuple[str, ...]  # addresses whose lock the call takes (empty: takes none)
    act: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    uri: str  # the model's requestUri, e.g. "/email-addresses/{InstanceId}/{EmailAddressId}"
    operation: str
    handler: Handler
    locking: bool = False  # takes Connect's lock on the addresses it touches (the Disassociate page)
    token_reuse: str | None = None  # the error of a ClientToken reused for another request (None: no token)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        """The URI with each ``{Label}`` matching one percent-encoded path segment."""
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.uri)))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The URI labels, percent-decoded, when this route serves the request."""
        found = self._pattern.fullmatch(path) if method == self.method else None
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


# -- checks shared by handlers ---------------------------------------------------------------------


def _id(request: Request, name: str, maximum: int) -> str:
    value = request.path[name]
    if not 1 <= len(value) <= maximum:
        raise invalid_parameter(f"{name} must be 1 to {maximum} characters")
    return value


def _ids(request: Request) -> tuple[str, str]:
    return _id(request, "InstanceId", 100), _id(request, "EmailAddressId", 500)


def _optional_text(body: Mapping[str, Any], name: str, maximum: int) -> str | None:
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


def _create(state: ConnectState, request: Request) -> dict[str, Any]:
    body = request.body
    email = body.get("EmailAddress")
    if not isinstance(email, str):
        raise invalid_parameter("EmailAddress is required")
    address = state.create_email_address(
        _id(request, "InstanceId", 100),
        email,
        display_name=_optional_text(body, "DisplayName", 256),
        description=_optional_text(body, "Description", 4096),
        tags=body.get("Tags"),
        lagging=True,
    )
    return {"EmailAddressId": address.email_address_id, "EmailAddressArn": address.arn}


def _describe(state: ConnectState, request: Request) -> dict[str, Any]:
    return describe_body(state.read(*_ids(request)), full=True)


def _delete(state: ConnectState, request: Request) -> dict[str, Any]:
    state.delete_email_address(*_ids(request), lagging=True)
    return {}


def _associate(state: ConnectState, request: Request) -> dict[str, Any]:
    state.associate(*_ids(request), _alias_id(request.body), lagging=True)
    return {}


def _disassociate(state: ConnectState, request: Request) -> dict[str, Any]:
    state.disassociate(*_ids(request), _alias_id(request.body), lagging=True)
    return {}


def _search(state: ConnectState, request: Request) -> dict[str, Any]:
    instance = request.body.get("InstanceId")
    if not isinstance(instance, str) or not 1 <= len(instance) <= 100:
        raise invalid_parameter("InstanceId is required (1 to 100 characters)")
    hits = state.search(instance, search.filters(request.body))
    return search.page(hits, request.body, lambda seen: describe_body(seen, full=False))


def _tag(state: ConnectState, request: Request) -> dict[str, Any]:
    tags = check_tags(request.body.get("tags"))
    state.tag(*state.address_for_arn(request.path["resourceArn"]), tags, lagging=True)
    return {}


def _untag(state: ConnectState, request: Request) -> dict[str, Any]:
    keys = check_tag_keys(request.query.get("tagKeys", []))
    state.untag(*state.address_for_arn(request.path["resourceArn"]), keys, lagging=True)
    return {}


_ADDRESS = "/email-addresses/{InstanceId}/{EmailAddressId}"
_REUSED = "IdempotencyException"
# CHOICE: the model gives Disassociate no IdempotencyException; a reused token is a caller bug there,
# which must not look like a retryable 409.
_REUSED_NO_IDEMPOTENCY = "InvalidRequestException"
ROUTES: tuple[Route, ...] = (
    Route("PUT", "/email-addresses/{InstanceId}", "CreateEmailAddress", _create, False, _REUSED),
    Route("GET", _ADDRESS, "DescribeEmailAddress", _describe),
    Route("DELETE", _ADDRESS, "DeleteEmailAddress", _delete, locking=True),
    Route("POST", f"{_ADDRESS}/associate-alias", "AssociateEmailAddressAlias", _associate, True, _REUSED),
    Route(
        "POST",
        f"{_ADDRESS}/disassociate-alias",
        "DisassociateEmailAddressAlias",
        _disassociate,
        True,
        _REUSED_NO_IDEMPOTENCY,
    ),
    Route("POST", "/search-email-addresses", "SearchEmailAddresses", _search),
    Route("POST", "/tags/{resourceArn}", "TagResource", _tag),
    Route("DELETE", "/tags/{resourceArn}", "UntagResource", _untag),
)


def _unknown() -> dict[str, Any]:
    raise ConnectError("UnknownOperationException", "Unknown operation")


def resolve(
    state: ConnectState, tokens: ClientTokens, method: str, target: str, body: dict[str, Any]
) -> Call:
    """The call a request makes; a request no route matches resolves to :data:`UNKNOWN`."""
    path, _, query = target.partition("?")
    for route in ROUTES:
        labels = route.match(method, path)
        if labels is not None:
            break
    else:
        return Call(UNKNOWN, {}, None, "*", (), _unknown)
    request = Request(labels, parse_qs(query), body)
    params: dict[str, Any] = {**body, **request.query, **labels}
    instance_id, arn = _scope(state, params)

    def run() -> dict[str, Any]:
        return route.handler(state, request)

    def act() -> dict[str, Any]:
        token = _optional_text(body, "ClientToken", 500) if route.token_reuse else None
        if not token or route.token_reuse is None:
            return run()
        return tokens.once((str(instance_id), route.operation, token), params, run, route.token_reuse)

    return Call(route.operation, params, instance_id, arn, _touched(params) if route.locking else (), act)


def _scope(state: ConnectState, params: Mapping[str, Any]) -> tuple[str | None, str]:
    """The instance a call concerns and the resource ARN IAM evaluates it on."""
    arn = params.get("resourceArn")
    if isinstance(arn, str):
        found = re.search(r":instance/([^/]+)", arn)
        return (found.group(1) if found else None), arn
    instance = params.get("InstanceId")
    if not isinstance(instance, str):
        return None, "*"
    address = params.get("EmailAddressId")
    arn = state.instance_arn(instance) + (f"/email-address/{address}" if isinstance(address, str) else "")
    return instance, arn


def _touched(params: Mapping[str, Any]) -> tuple[str, ...]:
    ids = [str(params.get("EmailAddressId", ""))]
    alias = params.get("AliasConfiguration")
    if isinstance(alias, dict) and isinstance(alias.get("EmailAddressId"), str):
        ids.append(alias["EmailAddressId"])
    return tuple(ids)
