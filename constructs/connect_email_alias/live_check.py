"""Calibrate the offline emulator against a real Amazon Connect instance (opt-in; never part of the tests).

    python -m connect_email_alias.live_check --instance-id I --addresses E1 E2 E3 [--region R] [--yes]

With the caller's credentials it refuses three addresses that forward to or from any other address, prints
its plan and asks (unless ``--yes``), plays create, swap, a denied swap (restored), CloudFormation's rollback
and delete through the staged function's ``index.handler`` straight against Connect, probes what Connect's
documentation leaves open (docs/design.md, "Emulator choices"), restores the three addresses' relations and
tags, and prints Connect's answers beside an in-process emulator's, seeded alike. Every call is checked
before it is sent: only instance I and the three addresses are ever named (SearchEmailAddresses reads the
instance to find relations to outside addresses).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ._contract import contract
from .cli.aws import CliError, one_line, session
from .local import ConnectEmulator, Environment, Quota
from .local.cloudformation.report import RequestType
from .local.cloudformation.template import stack_id_for
from .local.harness import InProcessFunction, InstantWaits, in_process, staged_asset

LOGICAL_ID = "LiveCheckAlias"
STACK_NAME = "connect-email-alias-live-check"
PROBE_TAG = ("connect-email-alias:live-check", "probe")
LAG_WAIT_S = 10.0
LAG_POLL_S = 0.5  # Connect's default quota refills 2 reads a second
THROTTLE_BURST = 10

Rows = list[tuple[str, str]]


class Refused(Exception):
    """The check will not go on: a call or a starting state outside what the caller allowed."""


@dataclass(frozen=True)
class Target:
    """What the caller allows: one instance and exactly three addresses, in one region; whose credentials
    (a profile, else the SDK's chain) and which endpoint (else Connect's, or ``AWS_ENDPOINT_URL_CONNECT``)."""

    instance_id: str
    addresses: tuple[str, str, str]
    region: str
    endpoint_url: str | None = None
    profile: str | None = None

    def function_env(self) -> dict[str, str]:
        """What the function's process would see of this target: its region, endpoint and credentials."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL_CONNECT"] = self.endpoint_url
        if self.profile:
            env["AWS_PROFILE"] = self.profile
        return env


@dataclass
class Guard:
    """botocore hooks on each client: refuse any call naming another instance or address; count calls."""

    target: Target
    calls: Counter[str] = field(default_factory=Counter)
    deny_alias: str | None = None  # AssociateEmailAddressAlias with this alias is denied before sending

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parameter-build.connect", self._check)
        client.meta.events.register("after-call.connect", self._count)
        return client

    def _check(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        op, instance_id = model.name, self.target.instance_id
        if op not in contract.CONNECT_OPERATIONS:
            raise Refused(f"live check: {op} is not one of the operations it may call")
        if params.get("InstanceId", instance_id) != instance_id:
            raise Refused(f"live check: {op} names another instance")
        alias = (params.get("AliasConfiguration") or {}).get("EmailAddressId")
        named = [params.get("EmailAddressId"), alias]
        arn = params.get("resourceArn") or params.get("ResourceArn")
        if arn is not None:
            head, _sep, address = str(arn).rpartition("/email-address/")
            if not head.endswith(f":instance/{instance_id}"):
                raise Refused(f"live check: {op} names a resource outside the instance")
            named.append(address)
        if op != "SearchEmailAddresses" and not any(named):
            raise Refused(f"live check: {op} names no address")
        for address in filter(None, named):
            if address not in self.target.addresses:
                raise Refused(f"live check: {op} names {address}, not one of the three addresses given")
        if op == "AssociateEmailAddressAlias" and alias is not None and alias == self.deny_alias:
            denied: Any = {
                "Error": {"Code": "AccessDeniedException", "Message": "live check: denied before sending"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            }
            raise ClientError(denied, op)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


class World:
    """One Connect endpoint (real or the comparison emulator) behind one guard; E1..E3 in readable text."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.guard = Guard(target)
        self.client = self.guard.attach(_client(target, attempts=10))  # reads and probes, throttling retried
        self.raw_client = self.guard.attach(_client(target, attempts=1))  # what throttling itself answers

    def label(self, address_id: str) -> str:
        names = dict(zip(self.target.addresses, ("E1", "E2", "E3"), strict=True))
        return names.get(address_id, "another address")

    def describe(self, address_id: str) -> dict[str, Any]:
        return dict(
            self.client.describe_email_address(InstanceId=self.target.instance_id, EmailAddressId=address_id)
        )

    def relations(self) -> dict[str, str]:
        """primary -> alias among the three, as Describe shows them now."""
        return {
            address: item["EmailAddressId"]
            for address in self.target.addresses
            for item in self.describe(address).get("AliasConfigurations") or []
        }

    def tags(self) -> dict[str, dict[str, str]]:
        return {a: dict(self.describe(a).get("Tags") or {}) for a in self.target.addresses}

    def relations_text(self, relations: Mapping[str, str]) -> str:
        pairs = sorted(relations.items())
        return ", ".join(f"{self.label(p)} <- {self.label(a)}" for p, a in pairs) or "none"

    def call(self, op: str, *, raw: bool = False, **params: Any) -> str:
        """Call `op` on the probe client: 'ok', or Connect's error code and HTTP status."""
        try:
            getattr(self.raw_client if raw else self.client, xform_name(op))(
                InstanceId=self.target.instance_id, **params
            )
        except ClientError as err:
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return f"{err.response.get('Error', {}).get('Code')} (HTTP {status})"
        return "ok"

    def pair(self, op: str, primary: str, alias: str) -> str:
        """`op` (Associate or Disassociate) on the pair primary <- alias."""
        return self.call(
            f"{op}EmailAddressAlias", EmailAddressId=primary, AliasConfiguration={"EmailAddressId": alias}
        )

    def settle(self, wanted: Mapping[str, str]) -> None:
        """Make the relations among the three exactly `wanted`; each change is waited for in Describe."""
        for primary, alias in self.relations().items():
            if wanted.get(primary) != alias:
                self.pair("Disassociate", primary, alias)
                self.lag(primary, None)
        for primary, alias in wanted.items():
            if self.relations().get(primary) != alias:
                self.pair("Associate", primary, alias)
                self.lag(primary, alias)

    def lag(self, primary: str, alias: str | None) -> str:
        """How long until Describe(primary) shows `alias` (None: no alias)."""
        wanted = [alias] if alias else []
        return _lag(
            lambda: [i["EmailAddressId"] for i in self.describe(primary).get("AliasConfigurations") or []]
            == wanted
        )


def _lag(shown: Callable[[], bool]) -> str:
    """Read until `shown()`: how long that took and how many stale reads came first."""
    began, stale = time.monotonic(), 0
    while not shown():
        if time.monotonic() - began > LAG_WAIT_S:
            return f"not shown after {LAG_WAIT_S:g} s ({stale} stale reads)"
        stale += 1
        time.sleep(LAG_POLL_S)
    return f"shown after {time.monotonic() - began:.1f} s ({stale} stale reads)" if stale else "shown at once"


def _client(target: Target, *, attempts: int) -> Any:
    config = Config(
        retries={"total_max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=10
    )
    aws = session(target.region, target.profile)
    return aws.client("connect", endpoint_url=target.endpoint_url, config=config)


# -- the function's code, in-process (local/harness.py) ------------------------------------------------


class Function:
    """Sends CloudFormation-shaped events to the function's handler, as CloudFormation would for one
    resource: each Update carries the previous request's properties, and every event after the Create
    the PhysicalResourceId last answered. The function's own Connect client is guarded like the probes'."""

    def __init__(self, function: InProcessFunction, world: World, environment: Environment) -> None:
        make_client = function.code.module("connect_api").make_client
        client = make_client(world.target.region)
        if make_client(world.target.region) is not client:
            raise Refused("live check: the function's Connect client is not shared, so it cannot be guarded")
        self.guard = Guard(world.target)
        self.guard.attach(client)
        self.function, self.world = function, world
        self.stack_id = stack_id_for(STACK_NAME, environment)
        self.pair: tuple[str, str] | None = None
        self.physical_id: str | None = None

    def send(self, request_type: RequestType, pair: tuple[str, str]) -> dict[str, Any]:
        def props(p: tuple[str, str]) -> dict[str, Any]:
            return {
                contract.INSTANCE_ID: self.world.target.instance_id,
                contract.EMAIL_ADDRESS_ID: p[0],
                contract.ALIAS_CONFIGURATION: {contract.ALIAS_EMAIL_ADDRESS_ID: p[1]},
            }

        event = self.function.event(
            request_type,
            stack_id=self.stack_id,
            logical_id=LOGICAL_ID,
            properties=props(pair),
            physical_resource_id=self.physical_id,
            old_properties=props(self.pair) if request_type == "Update" and self.pair else None,
        )
        answer = self.function.send(event)
        body = dict(answer.body or {}) if answer else {"Status": "NO ANSWER"}
        if answer and answer.violations:
            body["Status"] = f"{body.get('Status')} (breaks CloudFormation's rules: {answer.violations[0]})"
        self.pair, self.physical_id = pair, body.get("PhysicalResourceId")
        return body


@contextlib.contextmanager
def _function(
    asset: Path, world: World, environment: Environment, logs: logging.Handler, waits: InstantWaits | None
) -> Iterator[Function]:
    """The staged function loaded here for one world (its endpoint and region), undone on exit."""
    env = world.target.function_env()
    with in_process(asset, environment, env=env, log_handlers=[logs], waits=waits) as function:
        yield Function(function, world, environment)


# -- the plan ----------------------------------------------------------------------------------------------


def lifecycle(fn: Function) -> Rows:
    """create, swap, denied swap (restored), CloudFormation's rollback, delete: through the function."""
    world = fn.world
    e1, e2, e3 = world.target.addresses
    rows: Rows = []
    plan: list[tuple[str, RequestType, tuple[str, str], str | None]] = [
        # (step, request type, pair sent, alias Describe(E1) should show after it)
        ("create E1 <- E2", "Create", (e1, e2), e2),
        ("swap to E1 <- E3", "Update", (e1, e3), e3),
        ("swap back to E1 <- E2, association denied", "Update", (e1, e2), e3),
        ("CloudFormation's rollback of it", "Update", (e1, e3), e3),
        ("delete", "Delete", (e1, e3), None),
    ]
    for name, request_type, pair, shown in plan:
        fn.guard.deny_alias = e2 if "denied" in name else None
        answer = fn.send(request_type, pair)
        fn.guard.deny_alias = None
        calls, fn.guard.calls = fn.guard.calls, Counter()
        lag = world.lag(e1, shown)
        owners = [world.label(a) for a, tags in world.tags().items() if contract.OWNER_TAG_KEY in tags]
        restored = " (says restored)" if "restored" in str(answer.get("Reason", "")).lower() else ""
        state = f"{world.relations_text(world.relations())} ({lag})"
        text = f"{answer.get('Status')}{restored}; {state}; owner tag on {', '.join(owners) or 'none'}"
        rows.append((f"lifecycle: {name}", f"{text}; calls {_calls_text(calls)}"))
    return rows


def probes(world: World, throttle: Callable[[], None]) -> Rows:
    """Connect's answers where its documentation is silent, from the three addresses all free."""
    e1, e2, e3 = world.target.addresses
    rows: Rows = []
    world.settle({})
    rows.append(("associate E1 <- E2", world.pair("Associate", e1, e2)))
    rows.append(("  read lag: Describe(E1) shows E2", world.lag(e1, e2)))
    rows.append(("re-associate the existing pair E1 <- E2", world.pair("Associate", e1, e2)))
    alias_view = world.describe(e2).get("AliasConfigurations") or []
    rows.append(("Describe(E2), an alias, names its primary", "yes" if alias_view else "no"))
    rows.append(("a taken alias: E3 <- E2", world.pair("Associate", e3, e2)))
    world.settle({e1: e2})
    rows.append(("chaining, the alias as primary: E2 <- E3", world.pair("Associate", e2, e3)))
    world.settle({e1: e2})
    rows.append(("chaining, the primary as alias: E3 <- E1", world.pair("Associate", e3, e1)))
    world.settle({e1: e2})
    rows.append(("disassociate E1 <- E2", world.pair("Disassociate", e1, e2)))
    rows.append(("  read lag: Describe(E1) shows no alias", world.lag(e1, None)))
    rows.append(("disassociate the absent pair E1 <- E2", world.pair("Disassociate", e1, e2)))
    rows.append(("disassociate E1 <- E3 while E1 has none", world.pair("Disassociate", e1, e3)))
    arn = world.describe(e1)["EmailAddressArn"]
    key, value = PROBE_TAG
    world.client.tag_resource(resourceArn=arn, tags={key: value})
    rows.append(("Describe carries Tags", _lag(lambda: key in (world.describe(e1).get("Tags") or {}))))
    world.client.untag_resource(resourceArn=arn, tagKeys=[key])
    throttle()
    rows.append((f"{THROTTLE_BURST} Describes at once (throttling)", _burst(world, e1)))
    return rows


def _burst(world: World, address: str) -> str:
    barrier = threading.Barrier(THROTTLE_BURST)

    def one(_: int) -> str:
        barrier.wait()
        return world.call("DescribeEmailAddress", raw=True, EmailAddressId=address)

    with ThreadPoolExecutor(THROTTLE_BURST) as pool:
        refused = Counter(o for o in pool.map(one, range(THROTTLE_BURST)) if o != "ok")
    return ", ".join(f"{n} x {o}" for o, n in sorted(refused.items())) or "none throttled"


def _calls_text(calls: Mapping[str, int]) -> str:
    """'Associate 1, Describe 3': each operation by its verb."""
    verbs = {re.sub("EmailAddress(Alias|es)?|Resource", "", op): n for op, n in calls.items()}
    return ", ".join(f"{verb} {n}" for verb, n in sorted(verbs.items())) or "none"


# -- start, restore, compare ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    relations: dict[str, str]
    tags: dict[str, dict[str, str]]
    account: str


def preflight(world: World) -> Start:
    """The three addresses' starting state; Refused if one is missing or related to an outside address."""
    for address in world.target.addresses:
        try:
            arn = str(world.describe(address).get("EmailAddressArn", ""))  # all three: one account
        except ClientError as err:
            raise Refused(f"live check: email address {address} could not be read: {err}") from err
    three = set(world.target.addresses)
    for result in _all_addresses(world):
        primary = result["EmailAddressId"]
        for item in result.get("AliasConfigurations") or []:
            if (primary in three) != (item["EmailAddressId"] in three):
                raise Refused(
                    f"live check: {item['EmailAddressId']} forwards to {primary}, and only one of them is "
                    "among the three given: choose three spare addresses (no alias to or from others)."
                )
    return Start(world.relations(), world.tags(), arn.split(":")[4] if arn else "")


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


def _emulator_seed(target: Target, start: Start) -> dict[str, Any]:
    addresses = [
        {"EmailAddressId": a, "EmailAddress": f"live-check-{n}@example.com"}
        for n, a in enumerate(target.addresses, 1)
    ]
    aliases = [
        {"EmailAddressId": p, "AliasConfiguration": {"EmailAddressId": a}} for p, a in start.relations.items()
    ]
    instance = {"InstanceId": target.instance_id, "EmailAddresses": addresses, "Aliases": aliases}
    return {"Instances": [instance]}


def plan_text(target: Target, start: Start, world: World) -> str:
    via = f" via {target.endpoint_url}" if target.endpoint_url else ""
    tags = "; ".join(f"{world.label(a)} {len(t)}" for a, t in start.tags.items())
    return "\n".join(
        [
            f"Live check on Connect instance {target.instance_id} in {target.region}{via}, touching only:",
            *(f"  {world.label(a)} = {a}" for a in target.addresses),
            f"Starting state: {world.relations_text(start.relations)}; tags {tags}.",
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
    waits: InstantWaits | None = None,
) -> int:
    """The whole check. Exit status: 0 done and restored; 1 stopped early or the restore did not verify;
    2 refused or not confirmed. `waits`: for a test against emulators only, the function's backoff (and the
    comparison emulator's time) pass at once; against Connect, time is real."""
    real = World(target)
    try:
        start = preflight(real)
    except Refused as err:
        out(str(err))
        return 2
    out(plan_text(target, start, real))
    if not confirm("Proceed? [y/N] "):
        out("Nothing changed.")
        return 2
    logs = logging.StreamHandler(io.StringIO())  # the function's log lines of this run (--verbose)
    account = start.account or "123456789012"
    environment = Environment(target.region, account)
    seed = _emulator_seed(target, start)
    with staged_asset() as asset, ConnectEmulator(
        target.region, account, seed=seed, clock=waits.monotonic if waits else time.monotonic
    ) as emu:
        # Signed with the caller's credentials, like the real calls: the emulator is in this process.
        twin = World(replace(target, endpoint_url=emu.endpoint_url))
        twin.settle({})
        with _function(asset, twin, environment, logs, waits) as fn:
            emu_rows = lifecycle(fn)
        emu_rows += probes(twin, lambda: emu.set_quota(Quota.DEFAULT))  # 2 requests/s, burst 5
        rows: Rows = []
        try:
            real.settle({})
            with _function(asset, real, environment, logs, waits) as fn:
                rows += lifecycle(fn)
            rows += probes(real, lambda: None)
        except Exception as err:  # e.g. a denied call: say so, restore, show what was observed
            rows.append(("stopped early", f"{type(err).__name__}: {err}"[:300]))
        finally:
            restored = restore(real, start)
    if verbose:
        out("The function's log lines (both runs):")
        for line in logs.stream.getvalue().splitlines():
            out(f"  {line}")
    _print_table(rows, dict(emu_rows), out)
    out(f"Restored the starting state: {restored}.")
    out(f"Probe calls made: {_calls_text(real.guard.calls)} (the function's calls are in the rows).")
    finished = not any(name == "stopped early" for name, _ in rows)
    return 0 if restored == "yes" and finished else 1


def _print_table(rows: Rows, emulator: Mapping[str, str], out: Callable[[str], None]) -> None:
    width = max(len(name) for name, _ in rows)
    out("")
    out(f"{'step':<{width}}  | same? | Connect observed / emulator")
    for name, observed in rows:
        theirs = emulator.get(name, "(not run)")
        out(f"{name:<{width}}  | {'yes' if observed == theirs else 'NO':<5} | {observed}")
        if observed != theirs:
            out(f"{'':<{width}}  |       | emulator: {theirs}")


def main(argv: Sequence[str] | None = None, prog: str = "python -m connect_email_alias.live_check") -> int:
    parser = argparse.ArgumentParser(
        prog=prog,
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
    parser.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE, else the SDK's chain)")
    parser.add_argument(
        "--endpoint-url", help="another Connect endpoint (default: AWS_ENDPOINT_URL_CONNECT, else Connect's)"
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--verbose", action="store_true", help="print the function's log lines too")
    args = parser.parse_args(argv)
    if not args.region:
        parser.error("--region is required (or set AWS_REGION)")
    if len(set(args.addresses)) != 3:
        parser.error("--addresses needs three different email-address IDs")

    def confirm(prompt: str) -> bool:
        if args.yes:
            return True
        try:
            return input(prompt).strip().lower() in ("y", "yes")
        except EOFError:
            return False

    target = Target(args.instance_id, tuple(args.addresses), args.region, args.endpoint_url, args.profile)
    try:
        session(target.region, target.profile)  # credentials and region first: one line, not a traceback
        return run(target, confirm=confirm, verbose=args.verbose)
    except CliError as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
    except (BotoCoreError, ClientError) as err:
        print(f"{parser.prog}: {one_line(err)}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
