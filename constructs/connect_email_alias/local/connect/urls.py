"""Connect's REST-JSON route table for the emulated operations: (method, URI) to a handler.

Each :class:`Route` carries the botocore model's ``requestUri`` (a test checks the table against the
model); the handlers are :mod:`.responses`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, unquote

from ..arns import ConnectArn
from . import responses
from .exceptions import ConnectError
from .models import ConnectState
from .responses import Handler, Request, optional_text
from .tokens import ClientTokens

#: The operation name logged for a request that matches no route.
UNKNOWN = "Unknown"


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
    takes_address_lock: bool = False  # Connect's lock on the addresses it touches (the Disassociate page)
    token_reuse: str | None = None  # the error of a ClientToken reused for another request (None: no token)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        """The URI with each ``{Label}`` matching one percent-encoded path segment."""
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.uri)))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The URI labels, percent-decoded, when this route serves the request."""
        found = self._pattern.fullmatch(path) if method == self.method else None
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


_ADDRESS = "/email-addresses/{InstanceId}/{EmailAddressId}"
_REUSED = "IdempotencyException"
# CHOICE: the model gives Disassociate no IdempotencyException; a reused token is a caller bug there,
# which must not look like a retryable 409.
_REUSED_NO_IDEMPOTENCY = "InvalidRequestException"
ROUTES: tuple[Route, ...] = (
    Route(
        "PUT",
        "/email-addresses/{InstanceId}",
        "CreateEmailAddress",
        responses.create_email_address,
        False,
        _REUSED,
    ),
    Route("GET", _ADDRESS, "DescribeEmailAddress", responses.describe_email_address),
    Route("DELETE", _ADDRESS, "DeleteEmailAddress", responses.delete_email_address, takes_address_lock=True),
    Route(
        "POST",
        f"{_ADDRESS}/associate-alias",
        "AssociateEmailAddressAlias",
        responses.associate_email_address_alias,
        True,
        _REUSED,
    ),
    Route(
        "POST",
        f"{_ADDRESS}/disassociate-alias",
        "DisassociateEmailAddressAlias",
        responses.disassociate_email_address_alias,
        True,
        _REUSED_NO_IDEMPOTENCY,
    ),
    Route("POST", "/search-email-addresses", "SearchEmailAddresses", responses.search_email_addresses),
    Route("POST", "/tags/{resourceArn}", "TagResource", responses.tag_resource),
    Route("DELETE", "/tags/{resourceArn}", "UntagResource", responses.untag_resource),
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
        token = optional_text(body, "ClientToken", 500) if route.token_reuse else None
        if not token or route.token_reuse is None:
            return run()
        return tokens.once((str(instance_id), route.operation, token), params, run, route.token_reuse)

    touched = _touched(params) if route.takes_address_lock else ()
    return Call(route.operation, params, instance_id, arn, touched, act)


def _scope(state: ConnectState, params: Mapping[str, Any]) -> tuple[str | None, str]:
    """The instance a call concerns and the resource ARN IAM evaluates it on."""
    arn = params.get("resourceArn")
    if isinstance(arn, str):
        parsed = ConnectArn.parse(arn)
        return (parsed.instance_id if parsed else None), arn
    instance = params.get("InstanceId")
    if not isinstance(instance, str):
        return None, "*"
    address = params.get("EmailAddressId")
    scope = state.instance_arn(instance)
    return instance, str(scope.email_address(address) if isinstance(address, str) else scope)


def _touched(params: Mapping[str, Any]) -> tuple[str, ...]:
    ids = [str(params.get("EmailAddressId", ""))]
    alias = params.get("AliasConfiguration")
    if isinstance(alias, dict) and isinstance(alias.get("EmailAddressId"), str):
        ids.append(alias["EmailAddressId"])
    return tuple(ids)
