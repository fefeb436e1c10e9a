"""An offline Amazon Connect that speaks the real REST-JSON wire protocol (email-address operations).

It is a peer of the function, not a mock: an unmodified boto3 client pointed at :attr:`endpoint_url`
(or ``AWS_ENDPOINT_URL_CONNECT``) with dummy credentials talks to it, and errors come back in the
AWS wire format so botocore raises the modelled exception classes. Rules live in :mod:`.state`,
faults in :mod:`.faults`; this module maps HTTP onto them and keeps the call log.

Run it alone: ``python -m connect_email_alias.local.emulator [--seed FILE] [--port 0]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, unquote

from . import search
from .errors import ConnectError, conflict, invalid_parameter
from .faults import LOCKING_OPERATIONS, DropFault, ErrorFault, Faults, PlainStatusFault, PlannedFault
from .serving import BackgroundServer
from .state import ConnectState, EmailAddress
from .tagging import check_tag_keys

if TYPE_CHECKING:
    from mypy_boto3_connect import ConnectClient

#: The seed the demo and ``cdk.json`` defaults use (docs/design.md, "Offline seed data").
DEFAULT_SEED = Path(__file__).with_name("seed.json")

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDLOCALEMULATOR000",
    "AWS_SECRET_ACCESS_KEY": "local-emulator-secret-not-a-credential",
    "AWS_SESSION_TOKEN": "local-emulator-session",
}


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
class AddressView:
    """A read-only snapshot of one address.

    ``alias_id`` is the alias forwarding to it, ``primary_id`` the primary it forwards to (if any).
    """

    email_address_id: str
    email_address: str
    arn: str
    alias_id: str | None
    display_name: str | None
    primary_id: str | None
    tags: dict[str, str]


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] | None = None
    error_code: str | None = None
    plain: bytes | None = None
    drop: DropFault | None = None
    fault: str | None = None


class ConnectEmulator:
    """A local Connect endpoint for tests and the demo. Thread-safe; use as a context manager."""

    def __init__(
        self,
        region: str = "us-east-1",
        account: str = "123456789012",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: str | Path | Mapping[str, Any] | None = None,
    ) -> None:
        self.region = region
        self.account = account
        self.faults = Faults()
        self._state = ConnectState(region, account)
        self._host = host
        self._port = port
        self._serving: BackgroundServer | None = None
        self._calls: list[CallRecord] = []
        self._calls_lock = threading.Lock()
        if seed is not None:
            self.load_seed(seed)

    @classmethod
    def from_seed(cls, seed: str | Path | Mapping[str, Any] = DEFAULT_SEED, **kwargs: Any) -> ConnectEmulator:
        """An emulator in the seed's region and account, loaded with it."""
        data = _read_seed(seed)
        return cls(data.get("Region", "us-east-1"), data.get("Account", "123456789012"), seed=data, **kwargs)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> ConnectEmulator:
        if self._serving is not None:
            return self
        self._serving = BackgroundServer(ThreadingHTTPServer((self._host, self._port), _handler_for(self)))
        return self

    def stop(self) -> None:
        serving, self._serving = self._serving, None
        if serving is not None:
            serving.stop()

    def __enter__(self) -> ConnectEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._serving is None:
            raise RuntimeError("the emulator is not running; call start()")
        host, port = self._serving.address
        return f"http://{host!s}:{port}"

    def env(self) -> dict[str, str]:
        """Environment that points an unmodified boto3 in another process at this emulator."""
        return {
            "AWS_ENDPOINT_URL_CONNECT": self.endpoint_url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **DUMMY_CREDENTIALS,
        }

    def client(self, **config: Any) -> ConnectClient:
        """A boto3 Connect client with dummy credentials; ``config`` goes to botocore's Config."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "connect",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(**config) if config else None,
        )

    # -- seeding and out-of-band changes (not logged, no faults) ---------------------------------

    def load_seed(self, seed: str | Path | Mapping[str, Any]) -> None:
        """Load instances, addresses and alias relations (format: ``local/seed.json``)."""
        data = _read_seed(seed)
        for key, mine in (("Region", self.region), ("Account", self.account)):
            if key in data and data[key] != mine:
                raise ValueError(f"seed {key} {data[key]} differs from the emulator's {mine}")
        for instance in data.get("Instances", []):
            instance_id = instance["InstanceId"]
            self.create_instance(instance_id)
            for address in instance.get("EmailAddresses", []):
                self._state.create_email_address(
                    instance_id,
                    address["EmailAddress"],
                    email_address_id=address.get("EmailAddressId"),
                    display_name=address.get("DisplayName"),
                    description=address.get("Description"),
                )
            for pair in instance.get("Aliases", []):
                self.associate(
                    instance_id, pair["EmailAddressId"], pair["AliasConfiguration"]["EmailAddressId"]
                )

    def create_instance(self, instance_id: str) -> None:
        self._state.create_instance(instance_id)

    def delete_instance(self, instance_id: str) -> None:
        self._state.delete_instance(instance_id)

    def create_email_address(
        self,
        instance_id: str,
        email_address: str,
        email_address_id: str | None = None,
        display_name: str | None = None,
    ) -> str:
        """Create an address; IDs not given are deterministic (uuid5 of instance, address, sequence)."""
        return self._state.create_email_address(
            instance_id, email_address, email_address_id=email_address_id, display_name=display_name
        ).email_address_id

    def associate(self, instance_id: str, primary_id: str, alias_id: str) -> None:
        self._state.associate(instance_id, primary_id, alias_id)

    def disassociate(self, instance_id: str, primary_id: str, alias_id: str) -> None:
        self._state.disassociate(instance_id, primary_id, alias_id)

    def delete_email_address(self, instance_id: str, email_address_id: str) -> None:
        self._state.delete_email_address(instance_id, email_address_id)

    # -- inspection ------------------------------------------------------------------------------

    def aliases(self, instance_id: str) -> dict[str, str]:
        """Deprecated name of :meth:`aliases_by_primary` (removed once callers moved)."""
        return self._state.aliases(instance_id)

    def aliases_by_primary(self, instance_id: str) -> dict[str, str]:
        """The instance's alias relations keyed by primary: ``{primary_id: alias_id}``."""
        return self._state.aliases(instance_id)

    def primary_of_alias(self, instance_id: str, alias_id: str) -> str | None:
        """The primary that ``alias_id`` forwards to, or None when it is no alias."""
        return self._state.primary_of(instance_id, alias_id)

    def address(self, instance_id: str, email_address_id: str) -> AddressView:
        address, alias = self._state.describe(instance_id, email_address_id)
        return AddressView(
            address.email_address_id,
            address.email_address,
            address.arn,
            alias,
            address.display_name,
            self._state.primary_of(instance_id, email_address_id),
            dict(address.tags),
        )

    def tags(self, instance_id: str, email_address_id: str) -> dict[str, str]:
        """The address's tags as they are now."""
        return self._state.tags(instance_id, email_address_id)

    def set_tags(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite ``tags`` (what TagResource does), out of band."""
        self._state.tag(instance_id, email_address_id, tags)

    def untag(self, instance_id: str, email_address_id: str, keys: Iterable[str]) -> None:
        """Remove ``keys`` (what UntagResource does), out of band."""
        self._state.untag(instance_id, email_address_id, keys)

    def replace_tags(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Leave exactly ``tags`` on the address, as a tool overwriting all tags would."""
        self._state.replace_tags(instance_id, email_address_id, tags)

    @property
    def calls(self) -> list[CallRecord]:
        """Every call received so far (a copy), oldest first."""
        with self._calls_lock:
            return list(self._calls)

    def calls_to(self, operation: str) -> list[CallRecord]:
        return [c for c in self.calls if c.operation == operation]

    def clear_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    # -- request handling (called from the HTTP handler threads) ---------------------------------

    def _record(self, record: CallRecord) -> None:
        with self._calls_lock:
            self._calls.append(record)

    def _serve(self, operation: str, params: dict[str, Any], act: Callable[[], dict[str, Any]]) -> _Answer:
        delay = self.faults.delay_for(operation)
        if delay > 0:
            time.sleep(delay)
        planned = self.faults.plan(operation)
        if planned is not None and not planned.after:
            return _fault_answer(planned)
        try:
            with self._state.locked():
                if operation in LOCKING_OPERATIONS:
                    held = self.faults.locked(_touched_ids(params))
                    if held is not None:
                        # CHOICE: a held lock answers like Connect's distributed lock would: a 409
                        # ResourceConflictException whose message says the address is being modified.
                        raise conflict(
                            f"Email address {held} is locked by a concurrent operation; try again later"
                        )
                body = act()
            answer = _Answer(200, body)
        except ConnectError as error:
            answer = _Answer(error.status, {"message": error.message, "Message": error.message}, error.code)
        if planned is not None:
            return _fault_answer(planned)
        return answer

    def _describe_body(self, instance_id: str, email_address_id: str) -> dict[str, Any]:
        address, alias = self._state.describe(instance_id, email_address_id)
        return _address_body(address, alias, full=True)


def _fault_answer(planned: PlannedFault) -> _Answer:
    fault = planned.fault
    suffix = " (after acting)" if planned.after else ""
    if isinstance(fault, ErrorFault):
        label = fault.code + suffix
        return _Answer(
            fault.status, {"message": fault.message, "Message": fault.message}, fault.code, fault=label
        )
    if isinstance(fault, PlainStatusFault):
        return _Answer(fault.status, plain=b"Service Unavailable", fault=f"HTTP {fault.status}{suffix}")
    return _Answer(0, drop=fault, fault=f"drop:{fault.mode}{suffix}")


def _touched_ids(params: Mapping[str, Any]) -> list[str]:
    ids = [str(params.get("EmailAddressId", ""))]
    alias = params.get("AliasConfiguration")
    if isinstance(alias, dict) and isinstance(alias.get("EmailAddressId"), str):
        ids.append(alias["EmailAddressId"])
    return ids


def _address_body(address: EmailAddress, alias: str | None, *, full: bool) -> dict[str, Any]:
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
        if address.tags:
            body["Tags"] = dict(address.tags)
    # CHOICE: AliasConfigurations is omitted when no alias forwards to the address (callers must not
    # assume the key); it never says that the address is itself an alias of another (the model's docs).
    if alias is not None:
        body["AliasConfigurations"] = [{"EmailAddressId": alias}]
    return body


def _read_seed(seed: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(seed, Mapping):
        return dict(seed)
    return cast(dict[str, Any], json.loads(Path(seed).read_text(encoding="utf-8")))


# -- HTTP ----------------------------------------------------------------------------------------


def _require_alias_id(body: Mapping[str, Any]) -> str:
    alias = body.get("AliasConfiguration")
    if not isinstance(alias, dict) or not isinstance(alias.get("EmailAddressId"), str):
        raise invalid_parameter("AliasConfiguration.EmailAddressId is required")
    return _check_id(alias["EmailAddressId"], "AliasConfiguration.EmailAddressId", 500)


def _check_id(value: str, name: str, maximum: int) -> str:
    if not 1 <= len(value) <= maximum:
        raise invalid_parameter(f"{name} must be 1 to {maximum} characters")
    return value


def _check_token(body: Mapping[str, Any]) -> str | None:
    token = body.get("ClientToken")
    if token is None:
        return None
    if not isinstance(token, str) or len(token) > 500:
        raise invalid_parameter("ClientToken must be a string of at most 500 characters")
    return token


class _Route:
    """Maps one HTTP request onto an operation name, its parameters, and the action to run."""

    def __init__(self, emulator: ConnectEmulator, method: str, path: str, body: dict[str, Any]) -> None:
        self.emulator = emulator
        raw_path, _, raw_query = path.partition("?")
        self.query = parse_qs(raw_query)
        segments = [unquote(s) for s in raw_path.split("/")[1:]]
        self.operation, self.params, self.act = self._match(method, segments, body)

    def _match(
        self, method: str, seg: list[str], body: dict[str, Any]
    ) -> tuple[str, dict[str, Any], Callable[[], dict[str, Any]]]:
        state = self.emulator._state
        if seg[:1] == ["search-email-addresses"] and len(seg) == 1 and method == "POST":
            return "SearchEmailAddresses", body, lambda: _search(state, body)
        if seg[:1] == ["tags"] and len(seg) == 2 and method in ("POST", "DELETE"):
            arn = seg[1]
            if method == "POST":

                def tag() -> dict[str, Any]:
                    state.tag(*state.address_for_arn(arn), body.get("tags"))  # type: ignore[arg-type]
                    return {}

                return "TagResource", {"resourceArn": arn, **body}, tag
            keys = self.query.get("tagKeys", [])

            def untag() -> dict[str, Any]:
                state.untag(*state.address_for_arn(arn), check_tag_keys(keys))
                return {}

            return "UntagResource", {"resourceArn": arn, "tagKeys": keys}, untag
        if seg[:1] != ["email-addresses"]:
            return "Unknown", {}, _unknown
        if len(seg) == 2 and method == "PUT":
            instance = seg[1]
            params = {"InstanceId": instance, **body}

            def create() -> dict[str, Any]:
                _check_id(instance, "InstanceId", 100)
                email = body.get("EmailAddress")
                if not isinstance(email, str):
                    raise invalid_parameter("EmailAddress is required")
                address = state.create_email_address(
                    instance,
                    email,
                    display_name=body.get("DisplayName"),
                    description=body.get("Description"),
                    tags=body.get("Tags"),
                    client_token=_check_token(body),
                )
                return {"EmailAddressId": address.email_address_id, "EmailAddressArn": address.arn}

            return "CreateEmailAddress", params, create
        if len(seg) < 3:
            return "Unknown", {}, _unknown
        instance, address_id = seg[1], seg[2]
        params = {"InstanceId": instance, "EmailAddressId": address_id, **body}

        def ids() -> None:
            _check_id(instance, "InstanceId", 100)
            _check_id(address_id, "EmailAddressId", 500)

        if len(seg) == 3 and method == "GET":

            def describe() -> dict[str, Any]:
                ids()
                return self.emulator._describe_body(instance, address_id)

            return "DescribeEmailAddress", params, describe
        if len(seg) == 3 and method == "DELETE":

            def delete() -> dict[str, Any]:
                ids()
                state.delete_email_address(instance, address_id)
                return {}

            return "DeleteEmailAddress", params, delete
        if len(seg) == 4 and method == "POST" and seg[3] in ("associate-alias", "disassociate-alias"):
            associate = seg[3] == "associate-alias"

            def alias_call() -> dict[str, Any]:
                ids()
                alias_id = _require_alias_id(body)
                token = _check_token(body)
                if associate:
                    state.associate(instance, address_id, alias_id, token)
                else:
                    state.disassociate(instance, address_id, alias_id, token)
                return {}

            name = "AssociateEmailAddressAlias" if associate else "DisassociateEmailAddressAlias"
            return name, params, alias_call
        return "Unknown", {}, _unknown


def _unknown() -> dict[str, Any]:
    raise ConnectError("UnknownOperationException", 404, "Unknown operation")


def _search(state: ConnectState, body: Mapping[str, Any]) -> dict[str, Any]:
    instance = body.get("InstanceId")
    if not isinstance(instance, str):
        raise invalid_parameter("InstanceId is required")
    _check_id(instance, "InstanceId", 100)
    hits = state.search(instance, search.filters(body))
    return search.page(hits, body, lambda address, alias: _address_body(address, alias, full=False))


def _handler_for(emulator: ConnectEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ConnectEmulator"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the call log is the record."""

        def do_GET(self) -> None:
            self._handle()

        def do_PUT(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def do_DELETE(self) -> None:
            self._handle()

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                self._send(_Answer(400, {"message": "Malformed JSON body"}, "SerializationException"))
                return
            route = _Route(emulator, self.command, self.path, body)
            if not self.headers.get("Authorization"):
                # Signatures are not verified, but an unsigned request is refused like AWS does.
                answer = _Answer(
                    403, {"message": "Missing Authentication Token"}, "MissingAuthenticationTokenException"
                )
            else:
                answer = emulator._serve(route.operation, route.params, route.act)
            emulator._record(
                CallRecord(
                    route.operation,
                    route.params,
                    None if answer.drop else answer.status,
                    answer.error_code,
                    answer.fault,
                )
            )
            self._send(answer)

        def _send(self, answer: _Answer) -> None:
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


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, printing the endpoint URL first (for scripts and the demo)."""
    parser = argparse.ArgumentParser(description="Offline Amazon Connect email-address emulator")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="seed JSON (default: the demo seed)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args(argv)
    emulator = ConnectEmulator.from_seed(args.seed, port=args.port)
    with emulator:
        print(emulator.endpoint_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
