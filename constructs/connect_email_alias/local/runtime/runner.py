"""Runs a function's code the way Lambda does: its own process, its own sys.path, a real deadline.

Each invocation runs in a ``python -S -E`` process running :mod:`.bootstrap`, whose ``sys.path`` is
exactly [asset dir, SDK site, stdlib]: the function sees nothing of this project or its virtualenv and uses
the SDK of a Lambda runtime (``CONNECT_EMAIL_ALIAS_SDK_PATH``), which predates the alias operations. Like
Lambda, the process is killed when the function's timeout passes. By default every invocation is a cold
start in a fresh process; ``warm=True`` reuses an idle process of the same function and environment for the
next invocation, as Lambda reuses a warm sandbox (module state, such as cached clients, carries over).
``clock=VirtualClock()`` runs the processes on virtual time (:mod:`.virtual_time`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..environment import Environment
from .bootstrap import context_spec
from .virtual_time import RealTime, RunnerClock

SDK_PATH_ENV = "CONNECT_EMAIL_ALIAS_SDK_PATH"
SDK_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


@dataclass(frozen=True)
class FunctionSpec:
    """The Lambda function behind a ServiceToken, as far as running it locally needs."""

    logical_id: str
    function_name: str
    arn: str
    asset_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_s: float
    memory_mb: int
    runtime: str | None = None


@dataclass(frozen=True)
class Invocation:
    """What one run of the function did. Times are readings of the runner's clock (``time.monotonic()``
    unless it runs on a virtual clock); ``cold`` says whether the process started for it."""

    aws_request_id: str
    started: float
    deadline: float
    ended: float
    timed_out: bool
    stdout: str
    stderr: str
    cold: bool = True

    @property
    def logs(self) -> str:
        return self.stdout + self.stderr


def link_sdk(target: Path) -> Path:
    """Fill `target` with links to this interpreter's boto3 & co, and nothing else of site-packages."""
    target.mkdir(exist_ok=True)
    for name in SDK_MODULES:
        found = importlib.util.find_spec(name)
        if found is None or found.origin is None:
            continue
        origin = Path(found.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (target / source.name).symlink_to(source, target_is_directory=source.is_dir())
    return target


class _Sandbox:
    """One function process and the runner's end of its control socket (bootstrap's JSON lines)."""

    def __init__(
        self, command: list[str], cwd: Path, environment: dict[str, str], clock: RunnerClock
    ) -> None:
        ours, theirs = socket.socketpair()
        self.environment = environment
        self._socket = ours
        self._send_lock = threading.Lock()  # the invoking thread and the clock's wakes both send
        self._clock = clock
        self._party: object = None
        self.done = threading.Event()
        self.failed = False
        self.gone = False
        self.process = subprocess.Popen(
            [*command, str(theirs.fileno()), *([clock.path] if clock.path else [])],
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
        theirs.close()
        threading.Thread(target=self._read, name="lambda-sandbox", daemon=True).start()

    def invoke(self, request: dict[str, Any], deadline: float) -> bool:
        """Send one event; True when the handler returned before ``deadline``."""
        self.done.clear()
        self._party = self._clock.join(deadline, self._wake)
        try:
            self._send({"invoke": request})
            return self._clock.until(deadline, self.done) and not self.gone
        finally:
            self._clock.leave(self._party)
            self._party = None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._socket.close()

    def _wake(self) -> None:
        self._send({"wake": True})

    def _send(self, message: dict[str, Any]) -> None:
        try:
            with self._send_lock:
                self._socket.sendall((json.dumps(message) + "\n").encode())
        except OSError:
            self._gone()

    def _read(self) -> None:
        with self._socket.makefile("r", encoding="utf-8") as lines, contextlib.suppress(OSError, ValueError):
            for line in lines:
                message = json.loads(line)
                if "done" in message:
                    self.failed = bool(message.get("failed"))
                    self.done.set()
                    self._clock.notify()
                elif "idle" in message:
                    self._clock.report(self._party, float(message["idle"]))
                elif "busy" in message:
                    self._clock.report(self._party, None)
        self._gone()

    def _gone(self) -> None:
        """The process ended (crashed, exited or was killed): the invocation waiting on it is over."""
        self.gone = True
        self.done.set()
        self._clock.notify()


class LambdaRunner:
    """Invokes functions in child processes with a Lambda-shaped environment and context."""

    def __init__(
        self,
        env: Environment | None = None,
        *,
        sdk_path: str | Path | None = None,
        base_env: Mapping[str, str] | None = None,
        warm: bool = False,
        clock: RunnerClock | None = None,
    ) -> None:
        """``base_env`` is added to every invocation (e.g. the emulator endpoint, the receiver's CA).

        The SDK is ``sdk_path``, else ``$CONNECT_EMAIL_ALIAS_SDK_PATH``, else links to this interpreter's.
        ``warm``: reuse a process for the next invocation of the same function and environment. ``clock``:
        a :class:`~.virtual_time.VirtualClock` to run the processes on (default: real time).
        """
        self.env = env or Environment()
        self.base_env = dict(base_env or {})
        self.warm = warm
        self.clock: RunnerClock = clock or RealTime()
        self._idle: dict[str, list[_Sandbox]] = {}
        self._busy: set[_Sandbox] = set()
        self._pool_lock = threading.Lock()
        self._logs = itertools.count()
        self._work = tempfile.TemporaryDirectory(prefix="lambda-runner-")
        work = Path(self._work.name)
        configured = os.environ.get(SDK_PATH_ENV)
        if sdk_path is None and configured and Path(configured).is_dir():
            sdk_path = configured
        self.sdk_path = Path(sdk_path) if sdk_path is not None else link_sdk(work / "sdk")
        # The program the child runs, copied so that its folder (sys.path[0]) holds nothing else.
        (work / "bootstrap").mkdir()
        self._bootstrap = shutil.copy(Path(__file__).with_name("bootstrap.py"), work / "bootstrap")

    def close(self) -> None:
        """Kill every process this runner started (idle or running) and remove its files."""
        with self._pool_lock:
            sandboxes = [*self._busy, *(s for idle in self._idle.values() for s in idle)]
            self._idle.clear()
            self._busy.clear()
        for sandbox in sandboxes:
            sandbox.kill()
        self._work.cleanup()

    def __enter__(self) -> LambdaRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def environment(self, function: FunctionSpec, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The child's whole environment: nothing is inherited from this process."""
        name = function.function_name
        reserved = {
            "AWS_REGION": self.env.region,
            "AWS_DEFAULT_REGION": self.env.region,
            "AWS_ACCESS_KEY_ID": "AKIDLOCALLAMBDA00000",
            "AWS_SECRET_ACCESS_KEY": "local-lambda-secret-not-a-credential",
            "AWS_SESSION_TOKEN": "local-lambda-session",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime or 'python3.13'}",
            "LAMBDA_TASK_ROOT": str(function.asset_dir),
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HOME": self._work.name,
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
        }
        return {**function.environment, **reserved, **self.base_env, **(extra or {})}

    def invoke(
        self,
        function: FunctionSpec,
        event: Mapping[str, Any],
        *,
        timeout_s: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Invocation:
        """Run the handler on ``event``; kill it at the deadline (the function's Timeout by default)."""
        request_id = str(uuid.uuid4())
        timeout = function.timeout_s if timeout_s is None else timeout_s
        started = self.clock()
        deadline = started + timeout
        sandbox, environment, cold = self._sandbox(function, env)
        logs = Path(self._work.name) / f"invocation-{next(self._logs)}"
        context = context_spec(
            request_id=request_id,
            function_name=function.function_name,
            arn=function.arn,
            memory_mb=function.memory_mb,
            log_group=environment["AWS_LAMBDA_LOG_GROUP_NAME"],
            log_stream=environment["AWS_LAMBDA_LOG_STREAM_NAME"],
            timeout_s=deadline - self.clock(),
            now=self.clock.wall(),
        )
        request = {
            "event": dict(event),
            "context": context,
            "stdout": f"{logs}.out",
            "stderr": f"{logs}.err",
        }
        returned = sandbox.invoke(request, deadline)
        timed_out = not sandbox.done.is_set()
        self._release(sandbox, function, env, reuse=returned and not sandbox.failed)
        stdout, stderr = (_read_and_remove(Path(f"{logs}.{kind}")) for kind in ("out", "err"))
        if timed_out:
            stderr += f"\nTask timed out after {timeout:.2f} seconds\n"
        return Invocation(
            aws_request_id=request_id,
            started=started,
            deadline=deadline,
            ended=self.clock(),
            timed_out=timed_out,
            stdout=stdout,
            stderr=stderr,
            cold=cold,
        )

    def _key(self, function: FunctionSpec, env: Mapping[str, str] | None) -> str:
        """Which processes can serve an invocation: same function, code and environment."""
        spec = {k: str(v) for k, v in asdict(function).items()}
        return json.dumps([spec, dict(env or {}), self.base_env], sort_keys=True)

    def _sandbox(
        self, function: FunctionSpec, env: Mapping[str, str] | None
    ) -> tuple[_Sandbox, dict[str, str], bool]:
        """An idle warm process of this function, else a new one (a cold start); with its environment."""
        with self._pool_lock:
            idle = self._idle.get(self._key(function, env), [])
            while idle:
                sandbox = idle.pop()
                if sandbox.process.poll() is None:
                    self._busy.add(sandbox)
                    return sandbox, sandbox.environment, False
                sandbox.kill()
        environment = self.environment(function, env)
        program = [sys.executable, "-S", "-E", str(self._bootstrap)]
        command = [*program, str(function.asset_dir), str(self.sdk_path), function.handler]
        sandbox = _Sandbox(command, function.asset_dir, environment, self.clock)
        with self._pool_lock:
            self._busy.add(sandbox)
        return sandbox, environment, True

    def _release(
        self, sandbox: _Sandbox, function: FunctionSpec, env: Mapping[str, str] | None, *, reuse: bool
    ) -> None:
        """Keep the process for the next invocation when warm and healthy, else end it."""
        with self._pool_lock:
            self._busy.discard(sandbox)
            if reuse and self.warm:
                self._idle.setdefault(self._key(function, env), []).append(sandbox)
                return
        sandbox.kill()


def _read_and_remove(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    path.unlink()
    return text
