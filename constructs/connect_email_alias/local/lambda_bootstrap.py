"""The program a function's process runs: Lambda's Python runtime, as far as a custom resource sees it.

Run by :mod:`.lambda_runner` as ``python -S -E lambda_bootstrap.py ASSET SDK HANDLER PAYLOAD RESULT`` (a
copy in a folder of its own), so it imports only the standard library and nothing of this package: the
function must see [asset, SDK, stdlib] on ``sys.path`` and nothing else. It reads the event and the
context's values from PAYLOAD, calls HANDLER, and writes ``{"ok", "returned" | "error"}`` to RESULT.
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


def _log_like_lambda(request_id: str) -> None:
    """Lambda's runtime installs one root handler and leaves the root level at WARNING."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t" + request_id + "\t%(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def _call(handler: str, event: Any, context: LambdaContext) -> dict[str, Any]:
    try:
        module_name, function_name = handler.rsplit(".", 1)
        function = getattr(importlib.import_module(module_name), function_name)
        returned = function(event, context)
        try:
            return {"ok": True, "returned": json.loads(json.dumps(returned))}
        except (TypeError, ValueError):
            return {"ok": True, "returned": repr(returned)}
    except BaseException as error:  # everything is reported, as Lambda's runtime does
        traceback.print_exc()
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


def main(argv: list[str]) -> None:
    asset, sdk, handler, payload_file, result_file = argv[:5]
    # sys.path[0] is this script's folder; with -S the rest is the standard library only.
    sys.path[:] = [asset, sdk] + [p for p in sys.path[1:] if os.path.exists(p)]
    with open(payload_file, encoding="utf-8") as f:
        payload = json.load(f)
    context = LambdaContext(payload["context"])
    _log_like_lambda(context.aws_request_id)
    outcome = _call(handler, payload["event"], context)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(result_file, "w", encoding="utf-8") as f:
        json.dump(outcome, f)
    # Lambda freezes the sandbox when the handler returns: background threads do not run on.
    os._exit(0 if outcome.get("ok") else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
