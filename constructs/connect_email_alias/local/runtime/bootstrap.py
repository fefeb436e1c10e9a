"""The program a function's process runs: Lambda's Python runtime, as far as a custom resource sees it.

Run by :mod:`.runner` as ``python -S -E bootstrap.py ASSET SDK HANDLER CONTROL_FD [CLOCK_FILE]`` (a copy
alone in its folder). It imports only the standard library and nothing of this package: the function must
see [asset, SDK, stdlib] on ``sys.path`` and nothing else.

The runner speaks JSON lines over the socket ``CONTROL_FD``: ``{"invoke": {"event", "context", "stdout",
"stderr"}}`` runs the handler once (its output going to those files) and is answered ``{"done": ...}``; the
process then waits for the next event, as a warm Lambda sandbox does, until the socket closes. The handler's
module is imported on the first event, so a cold start counts against that event's deadline.

With ``CLOCK_FILE`` the process runs on the runner's virtual clock (:mod:`.virtual_time`): ``time.time``,
``time.monotonic`` and their ``_ns`` forms add the offset the file holds; ``time.sleep`` and
``threading.Timer`` tell the runner ``{"idle": until}`` once every thread that counts (the handler's and
running timers) sleeps, and wait for ``{"wake": true}``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import mmap
import os
import queue
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any


class LambdaContext:
    """The attributes and method of Lambda's Python context object."""

    def __init__(self, spec: dict[str, Any], wall: Callable[[], float] | None = None) -> None:
        # The clock the deadline counts on: ``time.time`` when asked (virtual time replaces it in the
        # function's process), or the harness's for a test.
        self._wall = wall
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
        now = self._wall() if self._wall else time.time()
        return max(0, int(self._deadline_epoch_ms - now * 1000))


def context_spec(
    *,
    request_id: str,
    function_name: str,
    arn: str,
    memory_mb: int,
    log_group: str,
    log_stream: str,
    timeout_s: float,
    now: float | None = None,
) -> dict[str, Any]:
    """What a :class:`LambdaContext` is made of, its deadline `timeout_s` from now (``now``: the wall time
    to count from, default ``time.time()``; a runner on a virtual clock gives its own): sent as JSON to the
    function's process by the runner, or used in this process by the harness (one context, two places)."""
    return {
        "aws_request_id": request_id,
        "function_name": function_name,
        "invoked_function_arn": arn,
        "memory_limit_in_mb": str(memory_mb),
        "log_group_name": log_group,
        "log_stream_name": log_stream,
        "deadline_epoch_ms": ((time.time() if now is None else now) + timeout_s) * 1000,
    }


class _Channel:
    """The runner's socket: JSON lines both ways (sends from any thread)."""

    def __init__(self, fd: int) -> None:
        self._socket = socket.socket(fileno=fd)
        self._lines = self._socket.makefile("r", encoding="utf-8")
        self._send_lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        with self._send_lock:
            self._socket.sendall(data)

    def receive(self) -> dict[str, Any] | None:
        line = self._lines.readline()
        return json.loads(line) if line else None


class _VirtualTime:
    """The runner's virtual clock inside this process (see the module's docstring)."""

    def __init__(self, channel: _Channel, path: str) -> None:
        self._channel = channel
        with open(path, "rb") as shared:
            self._offset = mmap.mmap(shared.fileno(), struct.calcsize("d"), access=mmap.ACCESS_READ)
        self._real_monotonic = time.monotonic
        self._real_time = time.time
        self._real_sleep = time.sleep
        self._lock = threading.Lock()
        # Sleepers by token (a thread's ident, or a timer not yet running): until when, and what wakes them.
        self._sleepers: dict[object, tuple[float, threading.Event]] = {}
        self._counted: set[object] = set()  # the tokens whose sleep the runner waits for
        self._reported: float | None = None

    def install(self) -> None:
        time.monotonic = self.monotonic
        time.time = self.time
        time.monotonic_ns = lambda: int(self.monotonic() * 1e9)
        time.time_ns = lambda: int(self.time() * 1e9)
        time.sleep = self.sleep  # type: ignore[assignment]
        virtual = self

        class VirtualTimer(threading.Timer):
            """crhelper's timeout timer (and any other) fires on the virtual clock."""

            def start(self) -> None:
                self._woken = threading.Event()
                virtual._asleep(self, virtual.monotonic() + float(self.interval), self._woken, counted=True)
                super().start()

            def cancel(self) -> None:
                super().cancel()
                virtual._wake_one(self)

            def run(self) -> None:
                self._woken.wait()
                me = threading.get_ident()
                virtual._swap(self, me)
                try:
                    if not self.finished.is_set():
                        self.function(*self.args, **self.kwargs)
                    self.finished.set()
                finally:
                    virtual._uncount(me)

        threading.Timer = VirtualTimer  # type: ignore[misc]

    def monotonic(self) -> float:
        return self._real_monotonic() + float(struct.unpack_from("d", self._offset)[0])

    def time(self) -> float:
        return self._real_time() + float(struct.unpack_from("d", self._offset)[0])

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            self._real_sleep(0)
            return
        woken = threading.Event()
        self._asleep(threading.get_ident(), self.monotonic() + seconds, woken, counted=False)
        woken.wait()

    # -- the handler's thread counts while it runs -----------------------------------------------

    def count(self) -> None:
        with self._lock:
            self._counted.add(threading.get_ident())
            self._reported = None

    def uncount(self) -> None:
        self._uncount(threading.get_ident())

    # -- the runner moved the clock ----------------------------------------------------------------

    def wake(self) -> None:
        now = self.monotonic()
        with self._lock:
            for token, (until, woken) in list(self._sleepers.items()):
                if until <= now:
                    del self._sleepers[token]
                    woken.set()
            self._report(always=True)

    # -- bookkeeping (the runner hears only about changes) ---------------------------------------

    def _asleep(self, token: object, until: float, woken: threading.Event, *, counted: bool) -> None:
        with self._lock:
            if counted:
                self._counted.add(token)
            self._sleepers[token] = (until, woken)
            self._report()

    def _wake_one(self, token: object) -> None:
        with self._lock:
            found = self._sleepers.pop(token, None)
            if found is not None:
                found[1].set()
                self._report()

    def _swap(self, old: object, new: object) -> None:
        with self._lock:
            if old in self._counted:
                self._counted.discard(old)
                self._counted.add(new)

    def _uncount(self, token: object) -> None:
        with self._lock:
            self._counted.discard(token)
            self._report()

    def _report(self, *, always: bool = False) -> None:
        """``{"idle": until}`` when every counted thread sleeps, else ``{"busy": true}`` (lock held)."""
        idle = bool(self._counted) and self._counted <= set(self._sleepers)
        until = min(u for u, _ in self._sleepers.values()) if idle else None
        if always or until != self._reported:
            self._reported = until
            with contextlib.suppress(OSError):  # the runner is gone
                self._channel.send({"idle": until} if until is not None else {"busy": True})


class _Invocations:
    """The runner's messages, read on a thread of their own: events for the main thread, wakes at once."""

    def __init__(self, channel: _Channel, virtual: _VirtualTime | None) -> None:
        self._channel = channel
        self._virtual = virtual
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, name="runtime-api", daemon=True).start()

    def next(self) -> dict[str, Any] | None:
        return self._events.get()

    def _read(self) -> None:
        while True:
            try:
                message = self._channel.receive()
            except (OSError, ValueError):
                message = None
            if message is None:
                self._events.put(None)
                return
            if "wake" in message and self._virtual is not None:
                self._virtual.wake()
            elif "invoke" in message:
                self._events.put(message["invoke"])


def _redirect(stdout: str, stderr: str) -> None:
    """This invocation's output goes to its own files (the runner reads them as the invocation's logs)."""
    sys.stdout.flush()
    sys.stderr.flush()
    for path, fd in ((stdout, 1), (stderr, 2)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(target, fd)
        os.close(target)


def main(argv: list[str]) -> None:
    asset, sdk, handler, control = argv[:4]
    clock_file = argv[4] if len(argv) > 4 else None
    # sys.path[0] is this script's folder; with -S the rest is the standard library only.
    sys.path[:] = [asset, sdk] + [p for p in sys.path[1:] if os.path.exists(p)]
    channel = _Channel(int(control))
    virtual = _VirtualTime(channel, clock_file) if clock_file else None
    if virtual is not None:
        virtual.install()  # before the handler's modules bind time.sleep or threading.Timer
    invocations = _Invocations(channel, virtual)
    # Lambda's runtime installs one root handler and leaves the root level at WARNING.
    log = logging.StreamHandler(sys.stdout)
    logging.getLogger().addHandler(log)
    logging.getLogger().setLevel(logging.WARNING)
    function: Callable[[Any, Any], Any] | None = None
    while (request := invocations.next()) is not None:
        _redirect(request["stdout"], request["stderr"])
        context = LambdaContext(request["context"])
        log.setFormatter(
            logging.Formatter(f"[%(levelname)s]\t%(asctime)s\t{context.aws_request_id}\t%(message)s")
        )
        failed = False
        if virtual is not None:
            virtual.count()
        try:
            if function is None:
                module_name, function_name = handler.rsplit(".", 1)
                function = getattr(importlib.import_module(module_name), function_name)
            function(request["event"], context)
        except BaseException:  # everything is reported, as Lambda's runtime does
            traceback.print_exc()
            failed = True
        finally:
            if virtual is not None:
                virtual.uncount()
        sys.stdout.flush()
        sys.stderr.flush()
        channel.send({"done": True, "failed": failed})
    # The runner closed the socket (or went away): nothing may run on, as when Lambda ends a sandbox.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
