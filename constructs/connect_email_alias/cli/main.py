"""``connect-email-alias``: the console script (``pip install 'connect-email-alias[cli]'``).

``list``, ``drift``, ``repair`` and ``export`` read Connect and CloudFormation with the caller's AWS
credentials; ``live-check`` and ``emulator`` are the live check and the Connect emulator's own commands
(their module paths still work). Every subcommand has ``--help``; exit statuses: :mod:`.commands`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .export import SERVICE_TOKEN_EXPORT

PROG = "connect-email-alias"
_AWS_HELP = (
    "AWS credentials come from --profile, AWS_PROFILE or the SDK's chain; endpoints honour "
    "AWS_ENDPOINT_URL_CONNECT and AWS_ENDPOINT_URL_CLOUDFORMATION."
)


def _live_check(argv: Sequence[str]) -> int:
    from ..live_check import main

    return main(argv, prog=f"{PROG} live-check")


def _emulator(argv: Sequence[str]) -> int:
    from ..local.connect.cli import main

    main(list(argv), prog=f"{PROG} emulator")
    return 0


#: Subcommands that are programs of their own: their arguments go to them untouched.
DELEGATED: dict[str, Callable[[Sequence[str]], int]] = {"live-check": _live_check, "emulator": _emulator}


def parser() -> argparse.ArgumentParser:
    from connect_email_alias import __version__

    top = argparse.ArgumentParser(
        prog=PROG,
        description="Operate the Amazon Connect email-address aliases of Custom::ConnectEmailAddressAlias.",
        epilog=_AWS_HELP,
    )
    top.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    aws = argparse.ArgumentParser(add_help=False)
    aws.add_argument(
        "--region", help="the AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)"
    )
    aws.add_argument("--profile", help="the AWS profile (default: AWS_PROFILE, else the SDK's chain)")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--output", choices=("table", "json"), default="table", help="default: table")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=summary, description=summary, parents=[*parents], epilog=_AWS_HELP
        )

    listing = command("list", "Every alias pair of an instance, with the resource that owns it.", aws, output)
    listing.add_argument("--instance-id", required=True, help="the Connect instance ID")
    listing.set_defaults(run="list_pairs")

    drift = command(
        "drift",
        "Compare each stack's Custom::ConnectEmailAddressAlias resources with Connect (IN_SYNC, MODIFIED, "
        "DELETED). Exit status 0 all in sync, 1 drift found, 2 could not check.",
        aws,
        output,
    )
    drift.add_argument("--stack", nargs="+", required=True, metavar="NAME", help="stack names or IDs")
    drift.set_defaults(run="drift")

    repair = command(
        "repair",
        "Restore what each stack's alias resources own, through the function's own lifecycle: re-associate a "
        "missing pair, write a missing owner record. Never removes or takes over a pair the resource does "
        "not own. Prints its plan and asks first.",
        aws,
    )
    repair.add_argument("--stack", nargs="+", required=True, metavar="NAME", help="stack names or IDs")
    repair.add_argument("--yes", action="store_true", help="repair without asking")
    repair.set_defaults(run="repair")

    export = command(
        "export",
        "Print a CDK app (python) or a raw template (yaml) declaring the pairs no resource owns; deploying "
        "it adopts them.",
        aws,
    )
    export.add_argument("--instance-id", required=True, help="the Connect instance ID")
    export.add_argument("--format", choices=("python", "yaml"), default="python", help="default: python")
    export.add_argument("--all", action="store_true", help="every pair, also those a resource owns")
    export.add_argument("--stack-name", default="ConnectEmailAliases", help="python: the stack's name")
    export.add_argument(
        "--service-token-export",
        default=SERVICE_TOKEN_EXPORT,
        help=f"yaml: the export naming the shared provider (default: {SERVICE_TOKEN_EXPORT})",
    )
    export.set_defaults(run="export")

    commands.add_parser("live-check", help="Calibrate the emulator against a real instance (its own --help).")
    commands.add_parser("emulator", help="Serve the offline Connect emulator (its own --help).")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; its exit status (`commands`). Errors are one line on stderr, never a traceback."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = args_list[0] if args_list else ""
    try:
        if command in DELEGATED:
            return DELEGATED[command](args_list[1:])
        args = parser().parse_args(args_list)
        return _run(args)
    except ImportError as err:  # installed without the [cli] extra
        missing = f"{err.name} is missing" if isinstance(err, ModuleNotFoundError) else str(err)
        print(f"{PROG} {command}: {missing}: pip install 'connect-email-alias[cli]'", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {command}: interrupted.", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from . import commands
    from .aws import CliError, one_line

    try:
        status: int = getattr(commands, args.run)(args)
    except CliError as err:
        print(f"{PROG} {args.command}: {err}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as err:
        print(f"{PROG} {args.command}: {one_line(err)}", file=sys.stderr)
        return 2
    return status
