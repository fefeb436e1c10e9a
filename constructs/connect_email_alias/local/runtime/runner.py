"""Runs a function's code the way Lambda does: its own process, its own sys.path, a real deadline.

Each invocation is a fresh ``python -S -E`` process running :mod:`.bootstrap`, whose ``sys.path`` is
exactly [asset dir, SDK site, stdlib]: the function sees nothing of this project or its virtualenv and uses
the SDK of a Lambda runtime (``CONNECT_EMAIL_ALIAS_SDK_PATH``), which predates the alias operations. Like
Lambda, the process is killed when the function's timeout passes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..environment import Environment
from .bootstrap import context_spec

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
    """What one run of the function did. Times are ``time.monotonic()`` values."""

    aws_request_id: str
    started: float
    deadline: float
    ended: float
    timed_out: bool
    exit_code: int | None
    stdout: str
    stderr: str

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


class LambdaRunner:
    """Invokes functions in child processes with a Lambda-shaped environment and context."""

    def __init__(
        self,
        env: Environment | None = None,
        *,
        sdk_path: str | Path | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        """``base_env`` is added to every invocation (e.g. the emulator endpoint, the receiver's CA).

        The SDK is ``sdk_path``, else ``$CONNECT_EMAIL_ALIAS_SDK_PATH``, else links to this interpreter's.
        """
        self.env = env or Environment()
        self.base_env = dict(base_env or {})
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
        environment = self.environment(function, env)
        context = context_spec(
            request_id=request_id,
            function_name=function.function_name,
            arn=function.arn,
            memory_mb=function.memory_mb,
            log_group=environment["AWS_LAMBDA_LOG_GROUP_NAME"],
            log_stream=environment["AWS_LAMBDA_LOG_STREAM_NAME"],
            timeout_s=timeout,
        )
        payload = json.dumps({"event": dict(event), "context": context})
        command = [sys.executable, "-S", "-E", self._bootstrap, str(function.asset_dir), str(self.sdk_path)]
        started = time.monotonic()
        deadline = started + timeout
        process = subprocess.Popen(
            [*command, function.handler],
            cwd=function.asset_dir,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(payload, timeout=max(0.0, deadline - time.monotonic()))
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            stderr += f"\nTask timed out after {timeout:.2f} seconds\n"
        return Invocation(
            aws_request_id=request_id,
            started=started,
            deadline=deadline,
            ended=time.monotonic(),
            timed_out=timed_out,
            exit_code=None if timed_out else process.returncode,
            stdout=stdout,
            stderr=stderr,
        )
