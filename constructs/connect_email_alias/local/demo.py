"""`make demo`: the example app's cloud assemblies played against the emulator, step by step.

Four steps, each printed as who forwards to whom (mail sent to an alias is forwarded to its primary),
CloudFormation's events and the Connect calls made: create, swap the alias, a swap that Connect refuses
(restored, then rolled back), delete. Exits 1 when a step does not end in the expected state, so the demo
doubles as a smoke test of a fresh checkout.

    python -m connect_email_alias.local.demo [--quota default] CDK_OUT_V1 CDK_OUT_V2

CDK_OUT_V1 and CDK_OUT_V2 are `cdk synth` outputs of app.py whose demo stack differs only in the
alias (the Makefile synthesises them with the seed IDs). ``--quota default`` runs Connect at its default
API quota (2 requests/s per operation, burst 5), as a new account's instance does; the default is none.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .._contract import contract
from .cloudformation.assembly import CloudAssembly, StackSource
from .cloudformation.player import CloudFormationPlayer
from .cloudformation.receiver import ResponseReceiver
from .cloudformation.report import PlayReport
from .connect.emulator import ConnectEmulator
from .connect.quota import Quota
from .runtime.runner import LambdaRunner
from .runtime.virtual_time import VirtualClock

STACK = "ConnectEmailAliasDemo"


@dataclass(frozen=True)
class Scene:
    """One step of the demo: what to play, and which alias (or none) the primary must end with."""

    title: str
    play: Callable[[], PlayReport]
    expected_status: str
    expected_alias: str | None


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join("    " + row for row in out)


def _forwarding(emulator: ConnectEmulator, instance_id: str) -> str:
    def email(address_id: str) -> str:
        return emulator.address(instance_id, address_id).email_address

    rows = [
        [email(alias), "forwards to", email(primary)]
        for alias, primary in sorted(emulator.forwards_to(instance_id).items(), key=lambda item: item[1])
    ]
    return _table(rows, ["alias", "", "primary"]) if rows else "    (no aliases)"


def _tail(text: str | None, width: int) -> str:
    """The end of a physical ID is what tells two apart: the alias it records."""
    text = text or ""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _events(report: PlayReport) -> str:
    rows = [
        [
            s.phase,
            s.result.request_type,
            s.result.logical_id,
            s.result.status or "NO ANSWER",
            _tail(s.result.physical_resource_id, 48),
        ]
        for s in report.steps
    ]
    reasons = [
        f"    {s.phase} {s.result.request_type}: {s.result.reason}" for s in report.steps if s.result.reason
    ]
    return "\n".join([_table(rows, ["phase", "event", "resource", "answer", "physical id (end)"]), *reasons])


def _calls(emulator: ConnectEmulator) -> str:
    mutating = contract.MUTATING_OPERATIONS
    rows = [
        [c.operation, str(c.status), c.error_code or "", "mutating" if c.operation in mutating else ""]
        for c in emulator.calls
    ]
    return _table(rows, ["Connect call", "HTTP", "error", ""]) if rows else "    (none)"


QUOTAS: dict[str, Quota | None] = {"none": None, "default": Quota.DEFAULT}


def run(
    v1: StackSource, v2: StackSource, quota: Quota | None = None, *, clock: VirtualClock | None = None
) -> int:
    """Play the four scenes (Connect at ``quota``, none by default); 0 when every one ends as expected.

    ``clock``: a :class:`~.runtime.virtual_time.VirtualClock` for the emulator and the function, so the
    waits at a quota pass at once (tests); default: real time."""
    failures = 0
    with (
        ConnectEmulator.from_seed(quota=quota, clock=clock or time.monotonic) as emulator,
        ResponseReceiver() as receiver,
        LambdaRunner(warm=True, clock=clock) as runner,  # warm, as Lambda reuses a sandbox between events
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url, runner=runner) as player,
    ):
        instance, primary, alias_v1, alias_v2 = _demo_ids(v1, v2)

        def refused_swap() -> PlayReport:
            # Connect refuses the next association for good, as it does once the instance's quota is
            # reached (an AccessDenied is retried for a while: IAM may still be propagating).
            emulator.faults.fail_next("AssociateEmailAddressAlias", 1, error="ServiceQuotaExceededException")
            return player.deploy(v1)

        scenes = [
            Scene("1. create: deploy the demo stack", lambda: player.deploy(v1), "CREATE_COMPLETE", alias_v1),
            Scene(
                "2. swap: update the stack to another alias",
                lambda: player.deploy(v2),
                "UPDATE_COMPLETE",
                alias_v2,
            ),
            Scene(
                "3. failing swap: Connect refuses the new alias; the old pair is restored, then rolled back",
                refused_swap,
                "UPDATE_ROLLBACK_COMPLETE",
                alias_v2,
            ),
            Scene("4. delete: destroy the stack", lambda: player.destroy(STACK), "DELETE_COMPLETE", None),
        ]
        limits = "no quota" if quota is None else f"quota {quota.rate:g} requests/s, burst {quota.burst}"
        print(
            f"Connect emulator at {emulator.endpoint_url} ({limits}); CloudFormation answers over HTTPS to "
            f"{receiver.base_url}\n"
        )
        print("Before:")
        print(_forwarding(emulator, instance) + "\n")
        for scene in scenes:
            emulator.clear_calls()
            report = scene.play()
            actual_alias = emulator.aliases_by_primary(instance).get(primary)
            ok = report.status == scene.expected_status and actual_alias == scene.expected_alias
            ok = ok and not receiver.violations()
            failures += not ok
            print(f"== {scene.title}")
            print(f"  stack: {report.status} (expected {scene.expected_status})")
            print("  CloudFormation events:")
            print(_events(report))
            print("  Connect calls:")
            print(_calls(emulator))
            print("  who forwards to whom:")
            print(_forwarding(emulator, instance))
            print(f"  {'OK' if ok else 'UNEXPECTED'}\n")
        for problem in receiver.violations():
            print(f"  response rule broken: {problem}")
    print("demo: all steps ended as expected" if not failures else f"demo: {failures} step(s) did not")
    return 1 if failures else 0


def _demo_ids(v1: StackSource, v2: StackSource) -> tuple[str, str, str, str]:
    """(instance, primary, alias in v1, alias in v2) of the one alias resource each stack holds."""
    found = []
    for source in (v1, v2):
        resources = [r for r in source.resources().values() if r["Type"] == contract.RESOURCE_TYPE]
        if len(resources) != 1:
            raise SystemExit(
                f"expected one {contract.RESOURCE_TYPE} in {source.name}, found {len(resources)}"
            )
        props = resources[0]["Properties"]
        alias = props[contract.ALIAS_CONFIGURATION][contract.ALIAS_EMAIL_ADDRESS_ID]
        found.append((props[contract.INSTANCE_ID], props[contract.EMAIL_ADDRESS_ID], alias))
    (instance, primary, alias_v1), (_, primary_v2, alias_v2) = found
    if primary != primary_v2 or alias_v1 == alias_v2:
        raise SystemExit("the two assemblies must share the primary and differ in the alias")
    return instance, primary, alias_v1, alias_v2


def main(argv: list[str] | None = None, *, clock: VirtualClock | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("v1", help="cdk.out of app.py (the alias to create)")
    parser.add_argument("v2", help="cdk.out of app.py with another aliasEmailAddressId (the swap)")
    parser.add_argument(
        "--quota",
        choices=sorted(QUOTAS),
        default="none",
        help="Connect's API quota: 'default' is Connect's default, 2 requests/s per operation, burst 5",
    )
    args = parser.parse_args(argv)
    source = CloudAssembly(args.v1).stack(STACK), CloudAssembly(args.v2).stack(STACK)
    return run(*source, quota=QUOTAS[args.quota], clock=clock)


if __name__ == "__main__":
    sys.exit(main())
