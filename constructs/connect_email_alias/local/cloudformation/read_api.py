"""CloudFormation's read API over the player's stacks, on 127.0.0.1, in AWS's query protocol.

``ListStackResources``, ``DescribeStacks`` and ``DescribeStackResources`` answer as CloudFormation does (form
fields in, XML out, modelled errors), so an unmodified boto3 client pointed at :attr:`endpoint_url` (or
``AWS_ENDPOINT_URL_CLOUDFORMATION``) reads what the player deployed: tools such as
``connect-email-alias drift`` are tested against it. Read only: stacks change through the player.

CHOICE (docs/design.md, "Offline test bed"): resources the player does not play (the function, its role,
CDK metadata) are listed with a physical ID of CloudFormation's shape (``<stack>-<logical id>-<suffix>``);
every resource shows ``CREATE_COMPLETE`` and custom resources ``NOT_CHECKED`` drift, as CloudFormation's
drift detection leaves them. Requests are not checked against a signature, only for one being present.
"""

from __future__ import annotations

import hashlib
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from ..serving import BackgroundServer, LoopbackServer, Served
from .assembly import is_custom_resource
from .player import CloudFormationPlayer, StackState

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
#: Summaries per ListStackResources page (CloudFormation's own page size is not documented).
PAGE_SIZE = 100

Fields = Mapping[str, str]


class ApiError(Exception):
    """An error answer: HTTP status, CloudFormation's code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class CloudFormationReadApi(Served):
    """The read API over one player's stacks. Thread-safe reads; use as a context manager.

    Parameters:
        player: whose stacks are described (what it holds when each request arrives).
        host, port: where to listen; port 0 picks a free one.
        page_size: ListStackResources summaries per page (lower it to test a client's paging).
    """

    _name = "the CloudFormation read API"

    def __init__(
        self,
        player: CloudFormationPlayer,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.player = player
        self.page_size = page_size
        self._address = (host, port)

    def start(self) -> CloudFormationReadApi:
        if self._serving is None:
            self._serving = BackgroundServer(_Server(self._address, self))
        return self

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``endpoint_url=`` or ``AWS_ENDPOINT_URL_CLOUDFORMATION``."""
        return self._url("http")

    def env(self) -> dict[str, str]:
        """Environment that points an unmodified AWS SDK or CLI in another process at this endpoint."""
        return {"AWS_ENDPOINT_URL_CLOUDFORMATION": self.endpoint_url}

    # -- the operations ------------------------------------------------------------------------------

    def answer(self, fields: Fields) -> ET.Element:
        """The XML answer to one request's form fields; raises `ApiError`."""
        action = fields.get("Action", "")
        operation = _OPERATIONS.get(action)
        if operation is None:
            raise ApiError(400, "InvalidAction", f"Could not find operation {action[:64]} for 2010-05-15")
        response = ET.Element(f"{action}Response", xmlns=NAMESPACE)
        operation(self, fields, ET.SubElement(response, f"{action}Result"))
        metadata = ET.SubElement(response, "ResponseMetadata")
        ET.SubElement(metadata, "RequestId").text = str(uuid.uuid4())
        return response

    def _describe_stacks(self, fields: Fields, result: ET.Element) -> None:
        name = fields.get("StackName")
        stacks = [self._stack(name)] if name else self.player.stacks()
        members = ET.SubElement(result, "Stacks")
        for stack in stacks:
            member = _text(
                ET.SubElement(members, "member"),
                StackId=stack.stack_id,
                StackName=stack.name,
                Description=stack.template.get("Description"),
                CreationTime=_timestamp(stack.created),
                LastUpdatedTime=_timestamp(stack.updated) if stack.updated != stack.created else None,
                StackStatus=stack.status,
            )
            outputs = ET.SubElement(member, "Outputs")
            for key, value in self.player.outputs(stack.name).items():
                _text(ET.SubElement(outputs, "member"), OutputKey=key, OutputValue=str(value))

    def _list_stack_resources(self, fields: Fields, result: ET.Element) -> None:
        stack = self._stack(fields.get("StackName"))
        rows = _resources(stack)
        start = _page_start(fields.get("NextToken"), len(rows))
        summaries = ET.SubElement(result, "StackResourceSummaries")
        for row in rows[start : start + self.page_size]:
            member = _text(
                ET.SubElement(summaries, "member"),
                LogicalResourceId=row.logical_id,
                PhysicalResourceId=row.physical_id,
                ResourceType=row.resource_type,
                LastUpdatedTimestamp=_timestamp(stack.updated),
                ResourceStatus="CREATE_COMPLETE",
            )
            if is_custom_resource(row.resource_type):
                _text(ET.SubElement(member, "DriftInformation"), StackResourceDriftStatus="NOT_CHECKED")
        if start + self.page_size < len(rows):
            _text(result, NextToken=f"{stack.stack_id}#{start + self.page_size}")

    def _describe_stack_resources(self, fields: Fields, result: ET.Element) -> None:
        physical = fields.get("PhysicalResourceId")
        if fields.get("StackName"):
            stack = self._stack(fields.get("StackName"))
        elif physical:
            found = [s for s in self.player.stacks() if physical in {r.physical_id for r in _resources(s)}]
            if not found:
                raise ApiError(400, "ValidationError", f"Stack for {physical[:128]} does not exist")
            stack = found[0]
        else:
            raise ApiError(400, "ValidationError", "Either StackName or PhysicalResourceId must be specified")
        members = ET.SubElement(result, "StackResources")
        for row in _resources(stack):
            if fields.get("LogicalResourceId") not in (None, row.logical_id):
                continue
            if physical and fields.get("StackName") is None and row.physical_id != physical:
                continue
            _text(
                ET.SubElement(members, "member"),
                StackName=stack.name,
                StackId=stack.stack_id,
                LogicalResourceId=row.logical_id,
                PhysicalResourceId=row.physical_id,
                ResourceType=row.resource_type,
                Timestamp=_timestamp(stack.updated),
                ResourceStatus="CREATE_COMPLETE",
            )

    def _stack(self, name: str | None) -> StackState:
        """The stack by name or StackId; CloudFormation's ValidationError when there is none."""
        for stack in self.player.stacks():
            if name in (stack.name, stack.stack_id):
                return stack
        raise ApiError(400, "ValidationError", f"Stack with id {str(name)[:128]} does not exist")


_OPERATIONS: dict[str, Callable[[CloudFormationReadApi, Fields, ET.Element], None]] = {
    "DescribeStacks": CloudFormationReadApi._describe_stacks,
    "ListStackResources": CloudFormationReadApi._list_stack_resources,
    "DescribeStackResources": CloudFormationReadApi._describe_stack_resources,
}


@dataclass(frozen=True)
class _Row:
    """One resource of a stack as the read API lists it."""

    logical_id: str
    resource_type: str
    physical_id: str


def _resources(stack: StackState) -> list[_Row]:
    """Every resource of the template, in its order: played ones with the physical ID they answered."""
    rows = []
    for logical_id, resource in (stack.template.get("Resources") or {}).items():
        held = stack.resources.get(logical_id)
        if held is not None:
            rows.append(_Row(logical_id, held.spec.resource_type, held.physical_id))
        else:
            suffix = hashlib.sha256(f"{stack.stack_id}/{logical_id}".encode()).hexdigest()[:13].upper()
            rows.append(_Row(logical_id, str(resource.get("Type")), f"{stack.name}-{logical_id}-{suffix}"))
    return rows


def _page_start(token: str | None, total: int) -> int:
    if token is None:
        return 0
    _, _, offset = token.rpartition("#")
    if not offset.isdigit() or int(offset) > total:
        raise ApiError(400, "ValidationError", "Invalid NextToken")
    return int(offset)


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def _text(parent: ET.Element, **children: Any) -> ET.Element:
    """Add one text element per keyword (None: left out, as CloudFormation omits empty members)."""
    for tag, value in children.items():
        if value is not None:
            ET.SubElement(parent, tag).text = str(value)
    return parent


def _error(error: ApiError) -> bytes:
    response = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    kind = "Sender" if error.status < 500 else "Receiver"
    _text(ET.SubElement(response, "Error"), Type=kind, Code=error.code, Message=error.message)
    _text(response, RequestId=str(uuid.uuid4()))
    return _xml(response)


def _xml(element: ET.Element) -> bytes:
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


class _Server(LoopbackServer):
    def __init__(self, address: tuple[str, int], api: CloudFormationReadApi) -> None:
        super().__init__(address, _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._serve(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length).decode() if length else "")

    def _serve(self, form: str) -> None:
        fields = {k: v[0] for k, v in parse_qs(form, keep_blank_values=True).items()}
        try:
            if not self.headers.get("Authorization"):
                raise ApiError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
            api = cast(_Server, self.server).api
            status, body = 200, _xml(api.answer(fields))
        except ApiError as error:
            status, body = error.status, _error(error)
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(body)
