"""Calibrate the offline emulator against a real Amazon Connect instance (opt-in; never part of the tests).

    python -m connect_email_alias.live_check --instance-id I --addresses E1 E2 E3 [--region R] [--yes]

With the caller's AWS credentials and three spare email addresses of instance I, it:

1. reads the three addresses (aliases, tags) and refuses to go on if any of them forwards to, or from, an
   address outside the three, then prints what it will do and asks for confirmation (unless ``--yes``);
2. plays the lifecycle through the function's own code (the staged asset's ``index.handler`` with a fake
   Lambda context and CloudFormation-shaped events whose answers go to a local receiver), straight against
   Connect: create E1 <- E2, swap to E1 <- E3, a swap back whose association is denied (the old pair is
   restored) and CloudFormation's rollback of it, delete;
3. probes what Connect's documentation leaves open and the emulator had to choose (docs/design.md,
   "Emulator choices"): re-associating an existing pair, disassociating an absent pair, chaining, a taken
   alias, whether an alias's Describe names its primary, tags in Describe, how long each change takes to
   show in Describe, and what throttling answers;
4. puts the three addresses back as they were (alias relations and tags).

The same steps run against an in-process emulator seeded alike, and the two columns are printed side by
side. Every call is checked before it is sent: only instance I and the three addresses are ever named
(SearchEmailAddresses reads the instance to find relations to outside addresses). ``--endpoint-url`` points
both the function and the probes elsewhere (the tests point it at an emulator).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

LOGICAL_ID = "LiveCheckAlias"
STACK_NAME = "connect-email-alias-live-check"
PROBE_TAG = ("connect-email-alias:live-check", "probe")
LAG_WAIT_S = 10.0
LAG_POLL_S = 0.5  # Connect's default quota refills 2 reads a second
THROTTLE_BURST = 10
ALIAS_OPS = ("AssociateEmailAddressAlias", "DisassociateEmailAddressAlias")


class Refused(Exception):
    """The check will not go on: a call or a starting state outside what the caller allowed."""


@dataclass(frozen=True)
class Target:
    """What the caller allows: one instance and exactly three addresses, in one region."""

    instance_id: str
    addresses: tuple[str, str, str]
    region: str
    endpoint_url: str | None = None


# -- every call checked before it is sent --------------------------------------------------------------


@dataclass
class Guard:
    """botocore hooks on each client: refuse any call naming another instance or address; count calls."""

    target: Target
    operations: tuple[str, ...]
    calls: Counter[str] = field(default_factory=Counter)
    deny_alias: str | None = None  # AssociateEmailAddressAlias with this alias is denied before sending

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parameter-build.connect", self._check)
        client.meta.events.register("after-call.connect", self._count)
        return client

    def _check(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        op, allowed = model.name, set(self.target.addresses)
        if op not in self.operations:
            raise Refused(f"live check: {op} is not one of the operations it may call")
        if params.get("InstanceId", self.target.instance_id) != self.target.instance_id:
            raise Refused(f"live check: {op} names another instance")
        named: list[str | None] = [
            params.get("EmailAddressId"),
            (params.get("AliasConfiguration") or {}).get("EmailAddressId"),
        ]
        arn = params.get("resourceArn") or params.get("ResourceArn")
        if arn is not None:
            head, _sep, address = str(arn).rpartition("/email-address/")
            if not head.endswith(f":instance/{self.target.instance_id}"):
                raise Refused(f"live check: {op} names a resource outside the instance")
            named.append(address)
        if op != "SearchEmailAddresses" and not any(named):
            raise Refused(f"live check: {op} names no address")
        for address in filter(None, named):
            if address not in allowed:
                raise Refused(f"live check: {op} names {address}, not one of the three addresses given")
        alias = (params.get("AliasConfiguration") or {}).get("EmailAddressId")
        if op == "AssociateEmailAddressAlias" and self.deny_alias is not None and alias == self.deny_alias:
            from botocore.exceptions import ClientError

            answer: Any = {
                "Error": {"Code": "AccessDeniedException", "Message": "live check: denied before sending"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            raise ClientError(answer, op)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


# -- the world one run talks to: real Connect or the comparison emulator -------------------------------


@dataclass
class World:
    """One Connect endpoint, a guarded probe client and names E1..E3 for readable, comparable text."""

    name: str
    target: Target
    guard: Guard
    client: Any = None  # botocore's standard retries (throttling is retried): reads and probes
    raw_client: Any = None  # one attempt per call: what throttling itself answers

    def connect(self) -> World:
        self.client = self.guard.attach(_client(self.target, retries=True))
        self.raw_client = self.guard.attach(_client(self.target, retries=False))
        return self

    def label(self, address_id: str | None) -> str:
        if address_id is None:
            return "(none)"
        names = dict(zip(self.target.addresses, ("E1", "E2", "E3"), strict=True))
        return names.get(address_id, "another address")

    def describe(self, address_id: str) -> dict[str, Any]:
        return dict(
            self.client.describe_email_address(InstanceId=self.target.instance_id, EmailAddressId=address_id)
        )

    def relations(self) -> dict[str, str]:
        """primary -> alias among the three, as Describe shows them now."""
        found = {}
        for address in self.target.addresses:
            for item in self.describe(address).get("AliasConfigurations") or []:
                found[address] = item["EmailAddressId"]
        return found

    def tags(self) -> dict[str, dict[str, str]]:
        return {a: dict(self.describe(a).get("Tags") or {}) for a in self.target.addresses}

    def relations_text(self, relations: Mapping[str, str]) -> str:
        pairs = sorted(relations.items())
        return ", ".join(f"{self.label(p)} <- {self.label(a)}" for p, a in pairs) or "none"

    def call(self, op: str, *, raw: bool = False, **params: Any) -> str:
        """Call `op` on the probe client: 'ok', or Connect's error code and HTTP status."""
        from botocore.exceptions import ClientError

        method = getattr(self.raw_client if raw else self.client, _snake(op))
        try:
            method(InstanceId=self.target.instance_id, **params)
        except ClientError as err:
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return f"{err.response.get('Error', {}).get('Code')} (HTTP {status})"
        return "ok"

    def associate(self, primary: str, alias: str) -> str:
        return self.call(
            "AssociateEmailAddressAlias", EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}
        )

    def disassociate(self, primary: str, alias: str) -> str:
        return self.call(
            "DisassociateEmailAddressAlias",
            EmailAddressId=primary,
            AliasConfiguration={"EmailAddressId": alias},
        )

    def settle(self, wanted: Mapping[str, str]) -> None:
        """Make the relations among the three exactly `wanted`; each change is waited for in Describe."""
        for primary, alias in self.relations().items():
            if wanted.get(primary) != alias:
                self.disassociate(primary, alias)
                self.lag(primary, None)
        for primary, alias in wanted.items():
            if self.relations().get(primary) != alias:
                self.associate(primary, alias)
                self.lag(primary, alias)

    def lag(self, primary: str, alias: str | None) -> str:
        """Poll Describe(primary) until it shows `alias` (None: no alias): how long it took, stale reads."""
        began, stale = time.monotonic(), 0
        while True:
            shown = [i["EmailAddressId"] for i in self.describe(primary).get("AliasConfigurations") or []]
            if shown == ([alias] if alias else []):
                if not stale:
                    return "shown at once"
                return f"shown after {time.monotonic() - began:.1f} s ({stale} stale reads)"
            if time.monotonic() - began > LAG_WAIT_S:
                return f"not shown after {LAG_WAIT_S:g} s ({stale} stale reads)"
            stale += 1
            time.sleep(LAG_POLL_S)


def _snake(op: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in op).lstrip("_")


# -- the function's code, in-process ----------------------------------------------------------------------


class _Answers:
    """A plain-HTTP stand-in for CloudFormation's pre-signed response URL (the function allows plain http only
    for local stand-ins like this one)."""

    def __init__(self) -> None:
        self.bodies: dict[str, dict[str, Any]] = {}
        answers = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                answers.bodies[self.path.strip("/")] = json.loads(body or b"{}")
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{request_id}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class LambdaContext:
    """The parts of Lambda's context object the function reads, counting down from `timeout_s`.

    Also used by bench/throttling.py, which runs the same handler in-process.
    """

    def __init__(self, timeout_s: float, function_name: str = STACK_NAME) -> None:
        self._deadline = time.monotonic() + timeout_s
        self.aws_request_id = str(uuid.uuid4())
        self.function_name = function_name
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self.memory_limit_in_mb = "256"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _Kept(logging.Handler):
    """The function's log lines, kept out of the report (printed with --verbose)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


FUNCTION_LOGS = _Kept()


@contextlib.contextmanager
def function_code(
    log_handlers: Sequence[logging.Handler] = (FUNCTION_LOGS,), log_level: int | None = None
) -> Iterator[ModuleType]:
    """The staged asset (the function as deployed) imported flat, as Lambda does, with its log lines sent to
    `log_handlers` (the live check keeps them aside; bench/throttling.py drops them). Every module loaded
    from the asset is forgotten afterwards and the root logger restored."""
    from .asset import stage_function_code

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    with tempfile.TemporaryDirectory(prefix="function-") as tmp:
        asset = stage_function_code(Path(tmp) / "asset")
        sys.path.insert(0, str(asset))
        try:
            import index

            root.handlers = list(log_handlers)  # crhelper sets the level and formats these per event
            if log_level is not None:
                root.setLevel(log_level)
            yield index
        finally:
            sys.path.remove(str(asset))
            for name, module in list(sys.modules.items()):
                if str(getattr(module, "__file__", "") or "").startswith(str(asset)):
                    del sys.modules[name]
            root.handlers, root.level = saved


@dataclass
class Function:
    """Sends CloudFormation-shaped events to the function's handler and reads the answers."""

    index: ModuleType
    world: World
    account: str
    answers: _Answers
    guard: Guard

    @classmethod
    def start(cls, index: ModuleType, world: World, account: str, answers: _Answers) -> Function:
        """Point the function's client at `world`'s endpoint and guard it like the probe client."""
        connect_api = sys.modules["connect_api"]
        if world.target.endpoint_url:
            os.environ["AWS_ENDPOINT_URL_CONNECT"] = world.target.endpoint_url
        else:
            os.environ.pop("AWS_ENDPOINT_URL_CONNECT", None)
        os.environ["AWS_REGION"] = world.target.region
        connect_api.make_client.cache_clear()
        client = connect_api.make_client(world.target.region)
        if connect_api.make_client(world.target.region) is not client:
            raise Refused("live check: the function's Connect client is not shared, so it cannot be guarded")
        guard = Guard(world.target, world.guard.operations)
        guard.attach(client)
        return cls(index, world, account, answers, guard)

    def send(
        self,
        request_type: str,
        pair: tuple[str, str],
        *,
        physical_id: str | None = None,
        old: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        contract = sys.modules["contract"]
        target = self.world.target
        stack_id = (
            f"arn:aws:cloudformation:{target.region}:{self.account}:stack/{STACK_NAME}/"
            f"{uuid.uuid5(uuid.NAMESPACE_URL, target.instance_id)}"
        )
        token = f"arn:aws:lambda:{target.region}:{self.account}:function:{STACK_NAME}"

        def props(p: tuple[str, str]) -> dict[str, Any]:
            return {
                "ServiceToken": token,
                contract.INSTANCE_ID: target.instance_id,
                contract.EMAIL_ADDRESS_ID: p[0],
                contract.ALIAS_CONFIGURATION: {contract.ALIAS_EMAIL_ADDRESS_ID: p[1]},
            }

        request_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": token,
            "ResponseURL": self.answers.url(request_id),
            "StackId": stack_id,
            "RequestId": request_id,
            "LogicalResourceId": LOGICAL_ID,
            "ResourceType": contract.RESOURCE_TYPE,
            "ResourceProperties": props(pair),
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old is not None:
            event["OldResourceProperties"] = props(old)
        self.index.handler(event, LambdaContext(float(contract.FUNCTION_TIMEOUT_S)))
        return self.answers.bodies.get(request_id) or {"Status": "NO ANSWER"}


# -- the plan ----------------------------------------------------------------------------------------------

Rows = list[tuple[str, str]]


def lifecycle(fn: Function) -> Rows:
    """create, swap, denied swap (restored), CloudFormation's rollback, delete: through the function."""
    world = fn.world
    e1, e2, e3 = world.target.addresses
    owner_key = sys.modules["contract"].OWNER_TAG_KEY
    rows: Rows = []

    def step(name: str, answer: dict[str, Any], wanted: str | None) -> None:
        calls, fn.guard.calls = fn.guard.calls, Counter()
        lag = world.lag(e1, wanted)
        owners = [world.label(a) for a, tags in world.tags().items() if owner_key in tags]
        restored = " (says restored)" if "restored" in str(answer.get("Reason", "")).lower() else ""
        state = f"{world.relations_text(world.relations())} ({lag})"
        text = f"{answer.get('Status')}{restored}; {state}; owner tag on {', '.join(owners) or 'none'}"
        rows.append((f"lifecycle: {name}", f"{text}; calls {_calls_text(calls)}"))

    created = fn.send("Create", (e1, e2))
    step("create E1 <- E2", created, e2)
    swapped = fn.send("Update", (e1, e3), physical_id=created.get("PhysicalResourceId"), old=(e1, e2))
    step("swap to E1 <- E3", swapped, e3)
    fn.guard.deny_alias = e2
    try:
        denied = fn.send("Update", (e1, e2), physical_id=swapped.get("PhysicalResourceId"), old=(e1, e3))
    finally:
        fn.guard.deny_alias = None
    step("swap back to E1 <- E2, association denied", denied, e3)
    rollback = fn.send("Update", (e1, e3), physical_id=denied.get("PhysicalResourceId"), old=(e1, e2))
    step("CloudFormation's rollback of it", rollback, e3)
    deleted = fn.send("Delete", (e1, e3), physical_id=rollback.get("PhysicalResourceId"))
    step("delete", deleted, None)
    return rows


def probes(world: World, throttle: Callable[[], None]) -> Rows:
    """Connect's answers where its documentation is silent, from the three addresses all free."""
    e1, e2, e3 = world.target.addresses
    rows: Rows = []
    world.settle({})
    rows.append(("associate E1 <- E2", world.associate(e1, e2)))
    rows.append(("  read lag: Describe(E1) shows E2", world.lag(e1, e2)))
    rows.append(("re-associate the existing pair E1 <- E2", world.associate(e1, e2)))
    alias_view = world.describe(e2).get("AliasConfigurations") or []
    rows.append(("Describe(E2), an alias, names its primary", "yes" if alias_view else "no"))
    rows.append(("a taken alias: E3 <- E2", world.associate(e3, e2)))
    world.settle({e1: e2})
    rows.append(("chaining, the alias as primary: E2 <- E3", world.associate(e2, e3)))
    world.settle({e1: e2})
    rows.append(("chaining, the primary as alias: E3 <- E1", world.associate(e3, e1)))
    world.settle({e1: e2})
    rows.append(("disassociate E1 <- E2", world.disassociate(e1, e2)))
    rows.append(("  read lag: Describe(E1) shows no alias", world.lag(e1, None)))
    rows.append(("disassociate the absent pair E1 <- E2", world.disassociate(e1, e2)))
    rows.append(("disassociate E1 <- E3 while E1 has none", world.disassociate(e1, e3)))
    arn = world.describe(e1)["EmailAddressArn"]
    key, value = PROBE_TAG
    world.client.tag_resource(resourceArn=arn, tags={key: value})
    rows.append(("Describe carries Tags", _tag_lag(world, e1, key)))
    world.client.untag_resource(resourceArn=arn, tagKeys=[key])
    throttle()
    rows.append((f"{THROTTLE_BURST} Describes at once (throttling)", _burst(world, e1)))
    return rows


def _tag_lag(world: World, address: str, key: str) -> str:
    began, stale = time.monotonic(), 0
    while time.monotonic() - began <= LAG_WAIT_S:
        if key in (world.describe(address).get("Tags") or {}):
            return f"yes, shown after {time.monotonic() - began:.1f} s" if stale else "yes, at once"
        stale += 1
        time.sleep(LAG_POLL_S)
    return f"no (not shown after {LAG_WAIT_S:g} s)"


def _burst(world: World, address: str) -> str:
    outcomes: list[str] = []
    barrier = threading.Barrier(THROTTLE_BURST)

    def one() -> None:
        barrier.wait()
        outcomes.append(world.call("DescribeEmailAddress", raw=True, EmailAddressId=address))

    threads = [threading.Thread(target=one) for _ in range(THROTTLE_BURST)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = Counter(o for o in outcomes if o != "ok")
    return ", ".join(f"{n} x {o}" for o, n in sorted(refused.items())) or "none throttled"


def _calls_text(calls: Mapping[str, int]) -> str:
    short = {
        "DescribeEmailAddress": "Describe",
        "AssociateEmailAddressAlias": "Associate",
        "DisassociateEmailAddressAlias": "Disassociate",
        "TagResource": "Tag",
        "UntagResource": "Untag",
        "SearchEmailAddresses": "Search",
    }
    return ", ".join(f"{short.get(op, op)} {n}" for op, n in sorted(calls.items())) or "none"


# -- start, restore, compare ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    relations: dict[str, str]
    tags: dict[str, dict[str, str]]
    emails: dict[str, str]
    account: str


def preflight(world: World) -> Start:
    """The three addresses' starting state; Refused if one is missing or related to an outside address."""
    from botocore.exceptions import ClientError

    emails, arns = {}, {}
    for address in world.target.addresses:
        try:
            found = world.describe(address)
        except ClientError as err:
            raise Refused(f"live check: email address {address} could not be read: {err}") from err
        emails[address], arns[address] = found.get("EmailAddress", ""), found.get("EmailAddressArn", "")
    three = set(world.target.addresses)
    for result in _all_addresses(world):
        primary = result["EmailAddressId"]
        for item in result.get("AliasConfigurations") or []:
            if (primary in three) != (item["EmailAddressId"] in three):
                raise Refused(
                    f"live check: {primary} forwards from {item['EmailAddressId']}, and only one of them is "
                    "among the three given: choose three spare addresses (no alias to or from others)."
                )
    account = arns[world.target.addresses[0]].split(":")[4] if arns[world.target.addresses[0]] else ""
    return Start(world.relations(), world.tags(), emails, account)


def _all_addresses(world: World) -> Iterator[dict[str, Any]]:
    """Every address of the instance with the alias forwarding to it (SearchEmailAddresses, paged)."""
    token: str | None = None
    while True:
        page = world.client.search_email_addresses(
            InstanceId=world.target.instance_id, MaxResults=100, **({"NextToken": token} if token else {})
        )
        yield from page.get("EmailAddresses") or []
        token = page.get("NextToken")
        if not token:
            return


def restore(world: World, start: Start) -> str:
    """Put the relations and tags back as `start` had them; a one-line outcome."""
    world.settle(start.relations)
    for address, now in world.tags().items():
        arn = world.describe(address)["EmailAddressArn"]
        extra = [k for k in now if k not in start.tags[address]]
        changed = {k: v for k, v in start.tags[address].items() if now.get(k) != v}
        if extra:
            world.client.untag_resource(resourceArn=arn, tagKeys=extra)
        if changed:
            world.client.tag_resource(resourceArn=arn, tags=changed)
    same = world.relations() == start.relations and world.tags() == start.tags
    return "yes" if same else "NO: compare the addresses by hand"


def _client(target: Target, *, retries: bool) -> Any:
    import boto3
    from botocore.config import Config

    attempts = 10 if retries else 1
    config = Config(
        retries={"total_max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=10
    )
    return boto3.client("connect", region_name=target.region, endpoint_url=target.endpoint_url, config=config)


def _emulator_seed(target: Target, start: Start) -> dict[str, Any]:
    return {
        "Instances": [
            {
                "InstanceId": target.instance_id,
                "EmailAddresses": [
                    {"EmailAddressId": a, "EmailAddress": f"live-check-{n}@example.com"}
                    for n, a in enumerate(target.addresses, 1)
                ],
                "Aliases": [
                    {"EmailAddressId": p, "AliasConfiguration": {"EmailAddressId": a}}
                    for p, a in start.relations.items()
                ],
            }
        ]
    }


def plan_text(target: Target, start: Start, world: World) -> str:
    e1, e2, e3 = target.addresses
    return "\n".join(
        [
            f"Live check on Connect instance {target.instance_id} in {target.region}"
            + (f" via {target.endpoint_url}" if target.endpoint_url else "")
            + ", touching only:",
            *(f"  {world.label(a)} = {a}" for a in (e1, e2, e3)),
            f"Starting state: {world.relations_text(start.relations)}; tags "
            + "; ".join(f"{world.label(a)} {len(t)}" for a, t in start.tags.items())
            + ".",
            "It will:",
            "  1. clear relations among the three, then play through the function's code: create",
            "     E1 <- E2, swap to E1 <- E3, a swap back whose association is denied before sending",
            "     (the old pair is restored), CloudFormation's rollback Update, delete;",
            "  2. probe: associate E1 <- E2 twice, E3 <- E2, E2 <- E3 and E3 <- E1 (expected refused),",
            f"     disassociate twice, tag and untag E1, {THROTTLE_BURST} Describes of E1 at once;",
            "  3. restore the starting relations and tags; print Connect's answers beside the emulator's.",
            "Cost: about 150 Connect API calls, mostly DescribeEmailAddress polled while a change shows,",
            "about 20 of them changing an alias or a tag; a few minutes at most.",
        ]
    )


def run(
    target: Target,
    *,
    confirm: Callable[[str], bool],
    out: Callable[[str], None] = print,
    verbose: bool = False,
) -> int:
    """The whole check. Exit status: 0 done and restored; 1 stopped early or the restore did not verify;
    2 refused or not confirmed."""
    index_ctx = function_code()
    with index_ctx as index:
        operations = tuple(sys.modules["contract"].CONNECT_OPERATIONS)
        real = World("Connect", target, Guard(target, operations)).connect()
        try:
            start = preflight(real)
        except Refused as err:
            out(str(err))
            return 2
        out(plan_text(target, start, real))
        if not confirm("Proceed? [y/N] "):
            out("Nothing changed.")
            return 2
        from .local import ConnectEmulator

        answers = _Answers()
        try:
            with ConnectEmulator(
                target.region, start.account or "123456789012", seed=_emulator_seed(target, start)
            ) as emulator:
                local = Target(target.instance_id, target.addresses, target.region, emulator.endpoint_url)
                # Signed with the caller's credentials, like the real calls: the emulator is in this process.
                emu = World("emulator", local, Guard(local, operations)).connect()
                emu.settle({})
                emu_rows = lifecycle(Function.start(index, emu, start.account, answers))
                emu_rows += probes(emu, lambda: _default_quota(emulator))
                rows: Rows = []
                try:
                    real.settle({})
                    rows += lifecycle(Function.start(index, real, start.account, answers))
                    rows += probes(real, lambda: None)
                except Exception as err:  # e.g. a denied call: say so, restore, show what was observed
                    rows.append(("stopped early", f"{type(err).__name__}: {err}"[:300]))
                finally:
                    restored = restore(real, start)
        finally:
            answers.close()
    if verbose:
        out("The function's log lines (both runs):")
        for line in FUNCTION_LOGS.lines:
            out(f"  {line}")
    _print_table(rows, emu_rows, out)
    out(f"Restored the starting state: {restored}.")
    out(f"Probe calls made: {_calls_text(real.guard.calls)} (the function's calls are in the rows).")
    finished = not any(name == "stopped early" for name, _ in rows)
    return 0 if restored == "yes" and finished else 1


def _default_quota(emulator: Any) -> None:
    """Connect's default quota on the emulator for the throttling probe: 2 requests/s, burst 5."""
    from .local import Quota

    emulator.set_quota(Quota.DEFAULT)


def _print_table(rows: Rows, emu_rows: Rows, out: Callable[[str], None]) -> None:
    emulator = dict(emu_rows)
    width = max(len(name) for name, _ in rows)
    out("")
    out(f"{'step':<{width}}  | same? | Connect observed / emulator")
    for name, observed in rows:
        theirs = emulator.get(name, "(not run)")
        same = observed == theirs
        out(f"{name:<{width}}  | {'yes' if same else 'NO':<5} | {observed}")
        if not same:
            out(f"{'':<{width}}  |       | emulator: {theirs}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connect_email_alias.live_check",
        description="Play the alias lifecycle and probe Connect's choices on a real instance; compare with "
        "the emulator. Touches only the three addresses given and restores them.",
    )
    parser.add_argument("--instance-id", required=True, help="the Connect instance ID")
    parser.add_argument(
        "--addresses",
        nargs=3,
        required=True,
        metavar=("E1", "E2", "E3"),
        help="three spare email-address IDs of that instance (no alias to or from others)",
    )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    parser.add_argument("--region", default=region, help="the instance's region (default: AWS_REGION)")
    parser.add_argument("--endpoint-url", help="another Connect endpoint (the tests point it at an emulator)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--verbose", action="store_true", help="print the function's log lines too")
    args = parser.parse_args(argv)
    if not args.region:
        parser.error("--region is required (or set AWS_REGION)")
    if len(set(args.addresses)) != 3:
        parser.error("--addresses needs three different email-address IDs")
    target = Target(args.instance_id, tuple(args.addresses), args.region, args.endpoint_url)

    def confirm(prompt: str) -> bool:
        if args.yes:
            return True
        try:
            return input(prompt).strip().lower() in ("y", "yes")
        except EOFError:
            return False

    return run(target, confirm=confirm, verbose=args.verbose)


if __name__ == "__main__":
    sys.exit(main())
