"""The emulator's front door: every request passes the same checks, in AWS's order, and is logged.

The request's signing region picks the backend (:mod:`.regions`): the seeded state in the emulator's own
region, an empty one in another Connect region, no answer at all (the connection drops) where Connect has no
endpoint. Order (CHOICE where AWS does not document it): signature present, injected latency, a scripted
fault, the quota (so denied and failing calls still spend it), IAM, Connect's lock on the touched addresses,
then the operation; a scripted fault marked ``after`` replaces the answer of a call that acted.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .exceptions import ConnectError, access_denied, conflict, throttled
from .faults import DropFault, Faults, PlainStatusFault, PlannedFault
from .iam import Iam
from .models import ConnectState
from .quota import Throttle
from .regions import connect_regions
from .tokens import ClientTokens
from .urls import UNKNOWN, Call, resolve


@dataclass(frozen=True)
class CallRecord:
    """One call the emulator received: what was asked and how it was answered.

    ``status`` is None when the connection was dropped; ``fault`` names an injected fault.
    """

    operation: str
    params: dict[str, Any]
    status: int | None
    error_code: str | None
    fault: str | None = None
    time: float = field(default_factory=time.time)

    @property
    def client_token(self) -> str | None:
        token = self.params.get("ClientToken")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class Answer:
    """What to send back: a JSON body, a plain body, or nothing (``drop``)."""

    status: int
    body: dict[str, Any] | None = None
    error_code: str | None = None
    plain: bytes | None = None
    drop: DropFault | None = None
    fault: str | None = None

    @classmethod
    def error(cls, error: ConnectError, fault: str | None = None) -> Answer:
        body = {"message": error.message, "Message": error.message}
        return cls(error.status, body, error.code, fault=fault)


class Gateway:
    """Answers requests against the state, applying faults, quota, IAM and locks; keeps the call log."""

    def __init__(self, state: ConnectState, faults: Faults, throttle: Throttle, iam: Iam) -> None:
        self._state = state
        self._faults = faults
        self._throttle = throttle
        self._iam = iam
        self._tokens = ClientTokens()
        self._calls: list[CallRecord] = []
        self._calls_lock = threading.Lock()
        self._elsewhere: dict[str, ConnectState] = {}

    def handle(
        self, method: str, target: str, raw_body: bytes, *, signed: bool, region: str | None = None
    ) -> Answer:
        """Answer one request signed for `region` (None: the emulator's own)."""
        try:
            body = json.loads(raw_body) if raw_body.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            return Answer.error(ConnectError("SerializationException", "Malformed JSON body"))
        state = self._backend(region)
        call = resolve(state or self._state, self._tokens, method, target, body)
        if state is None:
            # No Connect endpoint in that region: in AWS the name does not resolve; here the connection drops.
            answer = Answer(0, drop=DropFault("close"), fault=f"no Connect endpoint in {region}")
        elif signed:
            answer = self._serve(call, state)
        else:  # Signatures are not verified, but an unsigned request is refused like AWS does.
            answer = Answer.error(
                ConnectError("MissingAuthenticationTokenException", "Missing Authentication Token")
            )
        status = None if answer.drop else answer.status
        record = CallRecord(call.operation, call.params, status, answer.error_code, answer.fault)
        with self._calls_lock:
            self._calls.append(record)
        return answer

    @property
    def calls(self) -> list[CallRecord]:
        with self._calls_lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def _backend(self, region: str | None) -> ConnectState | None:
        """The state a request's signing region sees: the seeded one in the emulator's region, an empty one
        of the same account in any other Connect region, None where Connect has no endpoint."""
        if region is None or region == self._state.region:
            return self._state
        partition = connect_regions().get(region)
        if partition is None:
            return None
        with self._calls_lock:
            return self._elsewhere.setdefault(region, self._state.elsewhere(region, partition))

    def _serve(self, call: Call, state: ConnectState) -> Answer:
        self._faults.delay(call.operation)
        planned = self._faults.plan(call.operation)
        if planned is not None and not planned.after:
            return _fault_answer(planned)
        try:
            self._admit(call)
            with state.guard:
                held = self._faults.locked(call.touched)
                if held is not None:
                    # CHOICE: a held lock answers like Connect's distributed lock would: a 409
                    # ResourceConflictException whose message says the address is being modified.
                    raise conflict(
                        f"Email address {held} is locked by a concurrent operation; try again later"
                    )
                answer = Answer(200, call.act())
        except ConnectError as error:
            answer = Answer.error(error)
        return _fault_answer(planned) if planned is not None else answer

    def _admit(self, call: Call) -> None:
        if call.operation == UNKNOWN:
            return
        if not self._throttle.admit(call.operation):
            raise throttled()
        message = self._iam.denial(call.operation, call.instance_id, call.resource_arn)
        if message is not None:
            raise access_denied(message)


def _fault_answer(planned: PlannedFault) -> Answer:
    fault = planned.fault
    suffix = " (after acting)" if planned.after else ""
    if isinstance(fault, ConnectError):
        return Answer.error(fault, fault=fault.code + suffix)
    if isinstance(fault, PlainStatusFault):
        return Answer(fault.status, plain=b"Service Unavailable", fault=f"HTTP {fault.status}{suffix}")
    return Answer(0, drop=fault, fault=f"drop:{fault.mode}{suffix}")
