"""The program a function's process runs: Lambda's Python runtime, as far as a custom resource sees it.

Run by :mod:`.runner` as ``python -S -E bootstrap.py ASSET SDK HANDLER`` (a copy alone in its
folder) with ``{"event", "context"}`` as JSON on stdin. It imports only the standard library and nothing of
this package: the function must see [asset, SDK, stdlib] on ``sys.path`` and nothing else.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method of Lambda's Python context object."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._deadline_epoch_ms = float(spec["deadline_epoch_ms"])
        self.aws_request_id = str(spec["aws_request_id"])
        self.function_name = str(spec["function_name"])
        self.function_version = "$LATEST"
        self.invoked_function_arn = str(spec["invoked_function_arn"])
        self.memory_limit_in_mb = str(spec["memory_limit_in_mb"])
        self.log_group_name = str(spec["log_group_name"])
        self.log_stream_name = str(spec["log_stream_name"])
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_epoch_ms - time.time() * 1000))


def context_spec(
    *,
    request_id: str,
    function_name: str,
    arn: str,
    memory_mb: int,
    log_group: str,
    log_stream: str,
    timeout_s: float,
) -> dict[str, Any]:
    """What a :class:`LambdaContext` is made of, its deadline `timeout_s` from now: sent as JSON to the
    function's process by the runner, or used in this process by the harness (one context, two places)."""
    return {
        "aws_request_id": request_id,
        "function_name": function_name,
        "invoked_function_arn": arn,
        "memory_limit_in_mb": str(memory_mb),
        "log_group_name": log_group,
        "log_stream_name": log_stream,
        "deadline_epoch_ms": (time.time() + timeout_s) * 1000,
    }


def main(argv: list[str]) -> None:
    asset, sdk, handler = argv[:3]
    # sys.path[0] is this script's folder; with -S the rest is the standard library only.
    sys.path[:] = [asset, sdk] + [p for p in sys.path[1:] if os.path.exists(p)]
    payload = json.load(sys.stdin)
    context = LambdaContext(payload["context"])
    # Lambda's runtime installs one root handler and leaves the root level at WARNING.
    log = logging.StreamHandler(sys.stdout)
    log.setFormatter(
        logging.Formatter(f"[%(levelname)s]\t%(asctime)s\t{context.aws_request_id}\t%(message)s")
    )
    logging.getLogger().addHandler(log)
    logging.getLogger().setLevel(logging.WARNING)
    failed = False
    try:
        module_name, function_name = handler.rsplit(".", 1)
        getattr(importlib.import_module(module_name), function_name)(payload["event"], context)
    except BaseException:  # everything is reported, as Lambda's runtime does
        traceback.print_exc()
        failed = True
    sys.stdout.flush()
    sys.stderr.flush()
    # Lambda freezes the sandbox when the handler returns: background threads do not run on.
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
