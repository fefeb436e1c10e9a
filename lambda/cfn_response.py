"""crhelper's CfnResource, fixed where it falls short for production (see docs/design.md § Handler).

- The constructor makes no boto3 clients (crhelper's lambda/events/logs clients serve polling, unused here).
- The response is PUT by `send_response`: HTTP 5xx and connection errors are retried with backoff while the
  invocation has time, and it gives up before the deadline (crhelper's sender treats any status as delivered
  and loops forever on connection errors).
- One answer per invocation: the timeout timer and the main thread cannot both answer.
- The timeout answer carries an actionable reason and whatever PhysicalResourceId the handler set up front.
- A failure is logged without address strings (crhelper logs the reason, which may quote one, with its
  traceback).
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from backoff import Backoff, time_for
from crhelper import FAILED, CfnResource, log_helper
from errors import redact

logger = logging.getLogger("cfn_response")

RESPONSE_MAX_BYTES = 4096
# Below this many ms left, no new delivery attempt is started (Lambda would freeze it mid-request).
_MIN_ATTEMPT_MS = 150
# Full jitter, capped short: an answer is small and the deadline near.
_BACKOFF = Backoff(base_s=0.2, cap_s=2.0)
# crhelper's timeout answer fires this long before the deadline (less for very short invocations).
_TIMER_MARGIN_S = 3.0
_TIMEOUT_REASON = (
    "The function ran out of time before Connect answered; the resource keeps its previous state or "
    "converges on the next attempt. See the function's logs, then retry the stack operation."
)

Opener = Callable[[str, bytes, float, Any], int]


def encode_body(body: dict[str, Any]) -> bytes:
    """The JSON body; one that would break CloudFormation's 4096-byte limit becomes a small FAILED answer."""
    data = json.dumps(body, ensure_ascii=False).encode()
    if len(data) <= RESPONSE_MAX_BYTES:
        return data
    smaller = dict(body, Status=FAILED, Data={}, Reason=(
        "The response would exceed CloudFormation's 4096-byte limit (IDs or addresses too long): use "
        "shorter IDs."
    ))
    return json.dumps(smaller, ensure_ascii=False).encode()


def _ssl_context(ssl_verify: Any) -> ssl.SSLContext:
    """crhelper's semantics: None/True = system trust (honours SSL_CERT_FILE), str = CA file, False = none."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if isinstance(ssl_verify, str):
        ctx.load_verify_locations(cafile=ssl_verify)
    elif ssl_verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def put(url: str, data: bytes, timeout: float, ssl_verify: Any) -> int:
    """PUT `data` to the pre-signed URL; returns the HTTP status."""
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    conn: http.client.HTTPConnection
    if parts.scheme == "http":  # local stand-ins only; CloudFormation's URLs are https
        conn = http.client.HTTPConnection(parts.netloc, timeout=timeout)
    else:
        conn = http.client.HTTPSConnection(parts.netloc, timeout=timeout, context=_ssl_context(ssl_verify))
    try:
        conn.request("PUT", path, body=data, headers={"content-type": "", "content-length": str(len(data))})
        resp = conn.getresponse()
        resp.read()
        return int(resp.status)
    finally:
        conn.close()


def _give_up(attempt: int) -> None:
    logger.error(json.dumps({"cfn_response": "gave_up", "attempt": attempt, "reason": "no time left"}))


def send_response(
    url: str,
    body: dict[str, Any],
    ssl_verify: Any,
    *,
    remaining_ms: Callable[[], int],
    opener: Opener = put,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> bool:
    """Deliver the answer; retry 5xx and connection errors with full jitter until just before the deadline."""
    data = encode_body(body)
    attempt = 0
    while True:
        attempt += 1
        left = remaining_ms()
        if left < _MIN_ATTEMPT_MS:
            _give_up(attempt)
            return False
        started = time.monotonic()
        status: int | None = None
        error = ""
        try:
            status = opener(url, data, min(10.0, (left - 100) / 1000), ssl_verify)
        except (OSError, http.client.HTTPException) as err:
            error = type(err).__name__  # never the URL: it is a pre-signed credential
        latency = round((time.monotonic() - started) * 1000, 1)
        record = {"cfn_response": status or error, "status": body.get("Status"), "attempt": attempt,
                  "latency_ms": latency, "bytes": len(data)}
        if status is not None and status < 500:
            logger.info(json.dumps(record)) if status < 300 else logger.error(json.dumps(record))
            return status < 300
        logger.warning(json.dumps(record))
        delay = _BACKOFF.delay(attempt, rand)
        if not time_for(remaining_ms, delay, _MIN_ATTEMPT_MS):
            _give_up(attempt)
            return False
        sleep(delay)


class Responder(CfnResource):
    """CfnResource for production: INFO JSON logs, no sleep on delete, no polling clients, a safe sender."""

    def __init__(self, sender: Callable[..., bool] = send_response, log_level: str = "INFO") -> None:
        # Mirrors CfnResource.__init__ of crhelper 2.0.12 minus its boto3 clients (a test pins the set).
        self._sleep_on_delete = 0
        self._create_func = self._update_func = self._delete_func = None
        self._poll_create_func = self._poll_update_func = self._poll_delete_func = None
        self._timer: threading.Timer | None = None
        self._init_failed = None
        self._json_logging = True
        self._log_level = log_level
        self._boto_level = "ERROR"
        self._send_response = False
        self._polling_interval = 2
        self.Status = ""
        self.Reason = ""
        self.PhysicalResourceId = ""
        self.StackId = ""
        self.RequestId = ""
        self.LogicalResourceId = ""
        self.Data: dict[str, Any] = {}
        self.NoEcho = False
        self._event: dict[str, Any] = {}
        self._context: Any = None
        self._response_url = ""
        self._sam_local = None
        self._region = None
        self._ssl_verify = None
        self._sender = sender
        self._answer_lock = threading.Lock()
        self._answered = False
        log_helper.setup(log_level, boto_level=self._boto_level, RequestType="ContainerInit")

    def _crhelper_init(self, event: dict[str, Any], context: Any) -> bool:
        with self._answer_lock:
            self._answered = False
        return bool(super()._crhelper_init(event, context))  # type: ignore[misc]  # private in the stub

    def _get_func(self) -> Callable[[dict[str, Any], Any], Any]:
        """The registered function; an unknown RequestType gets an answer instead of an AttributeError."""
        funcs = {"Create": self._create_func, "Update": self._update_func, "Delete": self._delete_func}
        return funcs.get(str(self._event.get("RequestType"))) or self._unsupported

    def _unsupported(self, event: dict[str, Any], context: Any) -> str:
        raise ValueError(f"Unsupported RequestType {str(event.get('RequestType'))[:40]!r}: expected Create, "
                         "Update or Delete.")

    def _wrap_function(self, func: Callable[[dict[str, Any], Any], Any] | None) -> None:
        """crhelper's, except the log: it logs the reason with its traceback, and a reason may quote the
        address the template gave, which the logs never hold (the handler has logged its own summary)."""
        try:
            self.PhysicalResourceId = func(self._event, self._context) if func else ""
        except Exception as err:
            logger.error(json.dumps({"failed": type(err).__name__, "reason": redact(str(err))}))
            self.Reason = str(err)
            self.Status = FAILED

    def _poll_enabled(self) -> bool:
        """Never: this provider answers in one invocation (no CloudWatch Events polling)."""
        return False

    def _wait_for_cwlogs(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """No wait on Delete: our logs are flushed by the runtime, not by sleeping."""

    def _set_timeout(self) -> None:
        """Answer a timeout up to 3 s before the deadline (crhelper: 0.5 s), so the sender can retry."""
        remaining_s = self._context.get_remaining_time_in_millis() / 1000.0
        margin = min(_TIMER_MARGIN_S, max(0.5, remaining_s * 0.1))
        self._timer = threading.Timer(max(0.0, remaining_s - margin), self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        logger.error(json.dumps({"timeout": True, "physical_id": self.PhysicalResourceId}))
        self._send(FAILED, _TIMEOUT_REASON)

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        with self._answer_lock:
            if self._answered:
                logger.warning(json.dumps({"cfn_response": "skipped", "why": "already answered"}))
                return
            self._answered = True
        if not self.PhysicalResourceId:  # never answer with an empty id
            self.PhysicalResourceId = self._event.get("PhysicalResourceId") or "connect-email-alias-unknown"
        super()._send(status, reason, send_response=self._deliver)  # type: ignore[misc]  # private in the stub

    def _deliver(self, url: str, body: dict[str, Any], ssl_verify: Any) -> None:
        context = self._context

        def remaining() -> int:
            return int(context.get_remaining_time_in_millis()) if context is not None else 0

        self._sender(url, body, ssl_verify, remaining_ms=remaining)
