"""The answer gets through: 5xx and connection errors retried while time is left (docs/design.md)."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any

import pytest
from cfn_response import RESPONSE_MAX_BYTES, encode_body, put, send_response

BODY = {
    "Status": "SUCCESS",
    "PhysicalResourceId": "pid",
    "StackId": "s",
    "RequestId": "r",
    "LogicalResourceId": "L",
    "Reason": "",
    "Data": {"EmailAddress": "support@example.com"},
    "NoEcho": False,
}


class Clock:
    def __init__(self, remaining_ms: int = 30_000) -> None:
        self.remaining = remaining_ms

    def __call__(self) -> int:
        return self.remaining

    def sleep(self, s: float) -> None:
        self.remaining -= int(s * 1000)


def scripted(outcomes: list[Any], clock: Clock, cost_ms: int = 0):
    seen: list[tuple[str, bytes, float]] = []

    def opener(url: str, data: bytes, timeout: float, ssl_verify: Any) -> int:
        seen.append((url, data, timeout))
        clock.remaining -= min(cost_ms, int(timeout * 1000))  # a socket gives up at its timeout
        outcome = outcomes.pop(0) if outcomes else outcomes_default
        if isinstance(outcome, BaseException):
            raise outcome
        return int(outcome)

    outcomes_default = 503
    return opener, seen


def test_5xx_and_connection_errors_are_retried_until_delivered():
    clock = Clock()
    opener, seen = scripted([503, ConnectionResetError(), ConnectionRefusedError(), 200], clock)
    assert send_response("https://h/p?sig", BODY, None, remaining_ms=clock, opener=opener, sleep=clock.sleep)
    assert len(seen) == 4 and len({d for _, d, _ in seen}) == 1


def test_client_errors_are_not_retried():
    clock = Clock()
    opener, seen = scripted([403], clock)
    assert not send_response("https://h/p", BODY, None, remaining_ms=clock, opener=opener, sleep=clock.sleep)
    assert len(seen) == 1


def test_gives_up_before_the_deadline():
    clock = Clock(remaining_ms=5_000)
    opener, seen = scripted([], clock, cost_ms=300)  # every attempt answers 503
    assert not send_response("https://h/p", BODY, None, remaining_ms=clock, opener=opener, sleep=clock.sleep)
    assert clock.remaining > 0 and len(seen) > 1
    assert all(timeout * 1000 < 5_000 for _, _, timeout in seen)


def test_no_attempt_without_time_left():
    clock = Clock(remaining_ms=100)
    opener, seen = scripted([200], clock)
    assert not send_response("https://h/p", BODY, None, remaining_ms=clock, opener=opener, sleep=clock.sleep)
    assert seen == []


def test_oversized_answer_becomes_a_small_failed_answer():
    big = dict(BODY, Data={"EmailAddress": "x" * 5000})
    data = encode_body(big)
    decoded = json.loads(data)
    assert len(data) <= RESPONSE_MAX_BYTES and decoded["Status"] == "FAILED" and "4096" in decoded["Reason"]


def test_logs_never_carry_the_url(caplog):
    clock = Clock()
    opener, _ = scripted([ConnectionResetError("to https://h/p?X-Amz-Signature=SECRET"), 200], clock)
    send_response(
        "https://h/p?X-Amz-Signature=SECRET", BODY, None, remaining_ms=clock, opener=opener, sleep=clock.sleep
    )
    assert "SECRET" not in caplog.text and "support@example.com" not in caplog.text


@pytest.fixture
def receiver():
    """A response receiver on 127.0.0.1 that answers 503 once, then 200."""
    got: list[tuple[str, dict[str, str], bytes]] = []
    statuses = [503, 200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["content-length"])
            got.append((self.path, dict(self.headers), self.rfile.read(length)))
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", got
    server.shutdown()
    server.server_close()


def test_real_put_over_http_retries_a_503(receiver):
    base, got = receiver
    clock = Clock()
    assert send_response(
        f"{base}/resp?X-Amz-Signature=abc", BODY, None, remaining_ms=clock, sleep=clock.sleep
    )
    assert len(got) == 2
    path, headers, data = got[-1]
    assert path == "/resp?X-Amz-Signature=abc" and json.loads(data) == BODY
    assert headers.get("content-type", "") == ""


def test_put_to_a_closed_port_raises_a_connection_error():
    with pytest.raises(OSError):
        put("http://127.0.0.1:9/x", b"{}", 1.0, None)
