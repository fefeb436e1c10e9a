"""HTTP framing for the emulator: requests in, AWS REST-JSON answers out (``http.server``).

Errors carry ``x-amzn-ErrorType`` and a JSON message with the modelled status, so botocore raises the
modelled exception classes; a dropped answer closes the connection, or resets it (TCP RST).
"""

from __future__ import annotations

import json
import socket
import struct
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

from .gateway import Answer, Gateway
from .regions import signing_region


def handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving ``gateway``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ConnectEmulator"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the call log is the record."""

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            authorization = self.headers.get("Authorization") or ""
            answer = gateway.handle(
                self.command, self.path, raw, signed=bool(authorization), region=signing_region(authorization)
            )
            self._send(answer)

        do_GET = do_PUT = do_POST = do_DELETE = _handle

        def _send(self, answer: Answer) -> None:
            if answer.drop is not None:
                self.close_connection = True
                if answer.drop.mode == "reset":
                    # SO_LINGER 0 makes close() send a TCP RST instead of a FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                return
            if answer.plain is not None:
                payload, content_type = answer.plain, "text/plain"
            else:
                payload, content_type = json.dumps(answer.body or {}).encode(), "application/json"
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if answer.error_code:
                self.send_header("x-amzn-ErrorType", answer.error_code)
            self.end_headers()
            self.wfile.write(payload)

    return Handler
