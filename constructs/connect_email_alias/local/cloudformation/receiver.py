"""A local stand-in for CloudFormation's pre-signed S3 response URL: an HTTPS server that checks answers.

crhelper PUTs its answer with ``http.client.HTTPSConnection`` and the default SSL context, so the
stand-in must be real HTTPS: its certificate comes from a throw-away ``trustme`` CA whose bundle
(:attr:`ResponseReceiver.ca_bundle`) is passed to the function's process as ``SSL_CERT_FILE``.
Every PUT is recorded and checked against CloudFormation's rules for custom-resource responses.
"""

from __future__ import annotations

import json
import secrets
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import astuple, dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

from ..serving import BackgroundServer, LoopbackServer, Served

_PATH_PREFIX = "/cloudformation-custom-resource-response/"
MAX_BODY_BYTES = 4096
MAX_PHYSICAL_ID_BYTES = 1024


@dataclass(frozen=True)
class Expectation:
    """What the response to one request must echo as StackId, LogicalResourceId (from the event sent)."""

    stack_id: str
    logical_resource_id: str


@dataclass(frozen=True)
class ReceivedResponse:
    """One PUT that reached the URL and was accepted (HTTP 200)."""

    request_id: str
    body: dict[str, Any] | None
    violations: tuple[str, ...]
    received_at: float = field(default_factory=time.monotonic)

    def _text(self, key: str) -> str | None:
        value = (self.body or {}).get(key)
        return value if isinstance(value, str) else None

    @property
    def status(self) -> str | None:
        return self._text("Status")

    @property
    def physical_resource_id(self) -> str | None:
        return self._text("PhysicalResourceId")

    @property
    def reason(self) -> str | None:
        return self._text("Reason")

    @property
    def data(self) -> dict[str, Any]:
        value = (self.body or {}).get("Data")
        return value if isinstance(value, dict) else {}


def validate_response(
    raw: bytes, request_id: str, expected: Expectation | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """Parse a custom-resource response and list every rule of CloudFormation's it breaks."""
    problems: list[str] = []
    if len(raw) > MAX_BODY_BYTES:
        problems.append(f"body is {len(raw)} bytes; CloudFormation accepts at most {MAX_BODY_BYTES}")
    try:
        body = json.loads(raw)
    except ValueError as error:
        return None, [*problems, f"body is not JSON: {error}"]
    if not isinstance(body, dict):
        return None, [*problems, "body is not a JSON object"]
    status = body.get("Status")
    if status not in ("SUCCESS", "FAILED"):
        problems.append(f"Status must be SUCCESS or FAILED, got {status!r}")
    physical = body.get("PhysicalResourceId")
    if not isinstance(physical, str) or not physical:
        problems.append("PhysicalResourceId must be a non-empty string")
    elif len(physical.encode()) > MAX_PHYSICAL_ID_BYTES:
        problems.append(f"PhysicalResourceId is longer than {MAX_PHYSICAL_ID_BYTES} bytes")
    if body.get("RequestId") != request_id:
        problems.append(f"RequestId {body.get('RequestId')!r} does not echo the request's {request_id!r}")
    echoed = ("StackId", "LogicalResourceId")
    if expected is not None:
        for key, want in zip(echoed, astuple(expected), strict=True):
            if body.get(key) != want:
                problems.append(f"{key} {body.get(key)!r} does not echo the request's {want!r}")
    else:
        for key in echoed:
            if not isinstance(body.get(key), str) or not body.get(key):
                problems.append(f"{key} is missing")
    if status == "FAILED" and not (isinstance(body.get("Reason"), str) and body["Reason"].strip()):
        problems.append("Reason is required when Status is FAILED")
    data = body.get("Data")
    if data is not None:
        if not isinstance(data, dict):
            problems.append("Data must be a JSON object")
        else:
            bad = sorted(k for k, v in data.items() if not isinstance(v, str))
            if bad:
                problems.append(f"Data values must be strings; not: {', '.join(bad)}")
    if "NoEcho" in body and not isinstance(body["NoEcho"], bool):
        problems.append("NoEcho must be a boolean")
    return body, problems


class ResponseReceiver(Served):
    """Local HTTPS endpoint for custom-resource responses. Thread-safe; use as a context manager."""

    _name = "the receiver"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        # The signature part of every response URL: finding it in logs means the URL leaked.
        self.url_secret = secrets.token_hex(16)
        self._lock = threading.Condition()
        self._responses: dict[str, list[ReceivedResponse]] = {}
        self._attempts: list[tuple[str, str]] = []
        self._expected: dict[str, Expectation] = {}
        self._refuse = 0
        self._fail: list[int] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None  # holds the CA bundle while serving

    def start(self) -> ResponseReceiver:
        if self._serving is not None:
            return self
        try:
            # Imported here: the package (and its pytest plugin) loads without the [local] extra.
            import trustme
        except ImportError as error:
            raise ImportError(
                "the response receiver needs trustme: pip install 'connect-email-alias[local]'"
            ) from error
        ca = trustme.CA()
        cert = ca.issue_cert(self._host, "localhost")
        self._tmp = tempfile.TemporaryDirectory(prefix="cfn-receiver-")
        ca.cert_pem.write_to_path(str(self.ca_bundle))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        self._serving = BackgroundServer(_TLSServer((self._host, self._port), self, context))
        return self

    def stop(self) -> None:
        super().stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def ca_bundle(self) -> Path:
        """PEM of the CA that signed the server's certificate: give it to clients as ``SSL_CERT_FILE``."""
        if self._tmp is None:
            raise RuntimeError(f"{self._name} is not running; call start()")
        return Path(self._tmp.name) / "ca.pem"

    @property
    def base_url(self) -> str:
        return self._url("https")

    def response_url(self, request_id: str, *, expect: Expectation | None = None) -> str:
        """A pre-signed-looking URL for one request; ``expect`` makes the echo checks exact."""
        if expect is not None:
            with self._lock:
                self._expected[request_id] = expect
        return (
            f"{self.base_url}{_PATH_PREFIX}{request_id}"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLOCALRECEIVER%2F20260101%2Fus-east-1"
            f"%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=7200&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={self.url_secret}"
        )

    def refuse_next(self, count: int = 1) -> None:
        """Close the connection without answering for the next ``count`` PUTs."""
        with self._lock:
            self._refuse += count

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next ``count`` PUTs with ``status`` (5xx) and do not accept the body."""
        with self._lock:
            self._fail.extend([status] * count)

    def responses(self, request_id: str | None = None) -> list[ReceivedResponse]:
        """Accepted responses (for one request, or all), oldest first."""
        with self._lock:
            if request_id is not None:
                return list(self._responses.get(request_id, []))
            return sorted((r for rs in self._responses.values() for r in rs), key=lambda r: r.received_at)

    @property
    def attempts(self) -> list[tuple[str, str]]:
        """Every PUT seen, as (request id, outcome): ``accepted``, ``refused``, ``HTTP 5xx``, ``rejected``."""
        with self._lock:
            return list(self._attempts)

    def violations(self) -> list[str]:
        """Every rule broken by any accepted response, prefixed with its request id."""
        return [f"{r.request_id}: {v}" for r in self.responses() for v in r.violations]

    def wait_for(self, request_id: str, timeout: float, *, count: int = 1) -> ReceivedResponse | None:
        """Block until ``count`` responses to ``request_id`` arrived; the ``count``-th, or None on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._responses.get(request_id, [])) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._lock.wait(left)
            return self._responses[request_id][count - 1]

    def _decide(self, request_id: str) -> str | int | None:
        """``"refuse"``, a status to fail with, or None to accept."""
        with self._lock:
            if self._refuse > 0:
                self._refuse -= 1
                self._attempts.append((request_id, "refused"))
                return "refuse"
            if self._fail:
                status = self._fail.pop(0)
                self._attempts.append((request_id, f"HTTP {status}"))
                return status
        return None

    def _accept(self, request_id: str, raw: bytes) -> None:
        with self._lock:
            body, problems = validate_response(raw, request_id, self._expected.get(request_id))
            response = ReceivedResponse(request_id, body, tuple(problems))
            self._responses.setdefault(request_id, []).append(response)
            self._attempts.append((request_id, "accepted"))
            self._lock.notify_all()

    def _reject(self, request_id: str, why: str) -> None:
        with self._lock:
            self._attempts.append((request_id, f"rejected: {why}"))


class _TLSServer(LoopbackServer):
    """HTTPS whose TLS handshake waits for the request's first read, on the request's own thread, so one
    slow client cannot stall the rest."""

    def __init__(self, address: tuple[str, int], receiver: ResponseReceiver, ctx: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver
        self.socket = ctx.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients that hang up are part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the URL carries the pre-signed secret, which must not land in logs."""

    def do_PUT(self) -> None:
        parts = urlsplit(self.path)
        request_id = unquote(parts.path[len(_PATH_PREFIX) :]) if parts.path.startswith(_PATH_PREFIX) else ""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        receiver = cast(_TLSServer, self.server).receiver
        decision = receiver._decide(request_id)
        if decision == "refuse":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if isinstance(decision, int):
            self._answer(decision, b"<Error><Code>InternalError</Code></Error>")
            return
        signature = parse_qs(parts.query).get("X-Amz-Signature", [""])[0]
        if not request_id or signature != receiver.url_secret:
            receiver._reject(request_id, "bad path or signature")
            self._answer(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            return
        receiver._accept(request_id, raw)
        self._answer(200, b"")

    def _answer(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
