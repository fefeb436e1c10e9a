"""``python -m connect_email_alias.local.emulator_cli``: serve the Connect emulator until interrupted.

Prints the endpoint URL first (for scripts and the demo), then serves; point a client at it with
``AWS_ENDPOINT_URL_CONNECT``. A module of its own so the package never imports it (no runpy warning).
"""

from __future__ import annotations

import argparse
import contextlib
import threading

from .emulator import ConnectEmulator
from .lag import ReadLag
from .quota import Quota
from .seed import DEFAULT_SEED


def main(argv: list[str] | None = None, prog: str | None = None) -> None:
    parser = argparse.ArgumentParser(prog=prog, description="Offline Amazon Connect email-address emulator")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="seed JSON (default: the demo seed)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument(
        "--default-quota", action="store_true", help="throttle like Connect's default quota (2/s, burst 5)"
    )
    parser.add_argument(
        "--read-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="reads miss new addresses and alias changes this long (default 0)",
    )
    args = parser.parse_args(argv)
    emulator = ConnectEmulator.from_seed(
        args.seed,
        port=args.port,
        quota=Quota.DEFAULT if args.default_quota else None,
        read_lag=ReadLag(new_address=args.read_lag, alias_change=args.read_lag) if args.read_lag else None,
    )
    with emulator:
        print(emulator.endpoint_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
