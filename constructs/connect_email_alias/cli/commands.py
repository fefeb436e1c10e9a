"""The subcommands that read and repair: each takes the parsed arguments and returns the exit status.

Exit status (README, "Operate"): 0 done (drift: all in sync); 1 drift found, or something left as it is;
2 could not check or refused (an error is one line on stderr, raised as `CliError`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from .aws import CliError, client, session
from .drift import IN_SYNC, NOT_CHECKED, Drift, ResourceDrift
from .export import python_app, yaml_template
from .inventory import Instance, InstanceGone, owner, owner_record, owner_text, read_instance
from .output import Progress, print_json, table
from .repair import apply, plan_text
from .stacks import Stack, read_stack

PROG = "connect-email-alias"


def _instance(args: argparse.Namespace, progress: Progress) -> tuple[Any, Instance]:
    aws = session(args.region, args.profile)
    connect = client(aws, "connect")
    try:
        return connect, read_instance(connect, str(aws.region_name), args.instance_id, progress)
    except InstanceGone as err:
        raise CliError(f"{err}: check --instance-id and --region.") from err


def list_pairs(args: argparse.Namespace) -> int:
    """Every pair of the instance, with the resource its owner record names."""
    progress = Progress(f"{PROG} list")
    connect, instance = _instance(args, progress)
    pairs = instance.pairs()
    records = []
    for done, (_, alias) in enumerate(pairs, 1):
        records.append(owner_record(connect, instance.instance_id, alias.address_id))
        progress.note(f"read {done} of {len(pairs)} owner records")
    if args.output == "json":
        print_json([
            {
                "EmailAddress": primary.email or None,
                "EmailAddressId": primary.address_id,
                "AliasEmailAddress": alias.email or None,
                "AliasEmailAddressId": alias.address_id,
                "Owner": owner(record),
            }
            for (primary, alias), record in zip(pairs, records, strict=True)
        ])
    elif not pairs:
        print(f"No aliases in Connect instance {instance.instance_id}.")
    else:
        rows = [
            (primary.email, alias.email, owner_text(record), primary.address_id, alias.address_id)
            for (primary, alias), record in zip(pairs, records, strict=True)
        ]
        print(table(("EMAIL ADDRESS", "ALIAS", "OWNER", "EMAIL ADDRESS ID", "ALIAS ID"), rows))
    return 0


def _drifts(args: argparse.Namespace, command: str) -> tuple[list[ResourceDrift], list[Stack], bool]:
    """Each named stack's alias resources checked against Connect; False when a stack could not be read."""
    aws = session(args.region, args.profile)
    progress = Progress(f"{PROG} {command}")
    cloudformation = client(aws, "cloudformation")
    clients: dict[str, Any] = {}

    def connect(region: str) -> Any:
        if region not in clients:
            clients[region] = client(aws, "connect", region)
        return clients[region]

    stacks, complete = [], True
    for name in dict.fromkeys(args.stack):
        try:
            stacks.append(read_stack(cloudformation, name))
        except CliError as err:
            print(f"{PROG} {command}: {err}", file=sys.stderr)
            complete = False
    for stack in stacks:
        if not stack.resources:
            print(f"{PROG} {command}: stack {stack.name} has no Custom::ConnectEmailAddressAlias resources.",
                  file=sys.stderr)
    return Drift(connect, progress).check(stacks), stacks, complete


def drift(args: argparse.Namespace) -> int:
    """Each alias resource's drift; 0 all in sync, 1 drift found, 2 could not check (all or part)."""
    drifts, _, complete = _drifts(args, "drift")
    if args.output == "json":
        print_json([d.to_json() for d in drifts])
    elif drifts:
        rows = [(d.stack.name, d.resource.logical_id, d.status, d.reason) for d in drifts]
        print(table(("STACK", "RESOURCE", "DRIFT", "REASON"), rows))
    if not complete or any(d.status == NOT_CHECKED for d in drifts):
        return 2
    return 1 if any(d.status != IN_SYNC for d in drifts) else 0


def _confirmed(ask: Callable[[str], str] = input) -> bool:
    if not sys.stdin or not sys.stdin.isatty():
        raise CliError(
            "stdin is not a terminal, so repair cannot ask before it changes Connect: run it in a terminal, "
            "or pass --yes."
        )
    try:
        return ask("Proceed? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def repair(args: argparse.Namespace) -> int:
    """Restore what the stacks' resources own; 0 all in sync after, 1 something left, 2 could not check or
    not confirmed."""
    drifts, stacks, complete = _drifts(args, "repair")
    plan = plan_text(drifts)
    names = ", ".join(s.name for s in stacks) or "none"
    if not plan:
        print(f"Every alias resource of {names} is in sync: nothing to repair.")
        return 0 if complete else 2
    todo = [d for d in drifts if d.repair is not None]
    print(f"Repair of {names}: {len(todo)} to repair through the function, {len(plan) - len(todo)} left:")
    for line in plan:
        print(line)
    if not todo:
        print("Nothing that repair may change.")
        return 1 if complete else 2
    if not args.yes and not _confirmed():
        print("Nothing changed.")
        return 2
    env = {"AWS_PROFILE": args.profile} if args.profile else None
    repaired = apply(drifts, print, env)
    if not complete:
        return 2
    return 0 if repaired and len(todo) == len(plan) else 1


def export(args: argparse.Namespace) -> int:
    """The pairs no resource owns (every pair with --all) as a CDK app or a raw template; 1 when none."""
    progress = Progress(f"{PROG} export")
    connect, instance = _instance(args, progress)
    pairs = instance.pairs()
    if not args.all:
        pairs = [p for p in pairs if owner_record(connect, instance.instance_id, p[1].address_id) is None]
    if not pairs:
        which = "has no aliases" if args.all else "has no alias without an owner record (--all: every one)"
        print(f"{PROG} export: Connect instance {instance.instance_id} {which}.", file=sys.stderr)
        return 1
    if args.format == "yaml":
        print(yaml_template(instance.instance_id, instance.region, pairs, args.service_token_export), end="")
    else:
        print(python_app(instance.instance_id, instance.region, pairs, args.stack_name), end="")
    return 0
