"""The function's code in this process, outside Lambda: one loader, one context, one event builder, one
receiver, for the live check, the benchmarks and the CLI's ``repair`` (docs/design.md, "Harness").

The player runs the function in a process of its own (:mod:`.runtime.runner`), as Lambda does. These callers
need it here instead: the live check guards the function's own Connect client, the throughput benchmark runs
hundreds of events on threads, and ``repair`` drives a resource's same-pair Update with the operator's
credentials. So:

- :func:`load_function` imports the code flat, as Lambda does, and on exit forgets every module it loaded,
  puts back any module of the same name it shadowed, and restores ``os.environ``, the root logger and the
  SDK's log levels (crhelper sets them): nothing of the function outlives the ``with`` block.
- the context is the bootstrap's :class:`~.runtime.bootstrap.LambdaContext`, the events those of
  :mod:`.cloudformation.events` (the player's), the answers go to the validating
  :class:`~.cloudformation.receiver.ResponseReceiver`.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .._contract import contract
from .cloudformation.events import custom_resource_event
from .cloudformation.receiver import ReceivedResponse, ResponseReceiver
from .cloudformation.report import RequestType
from .environment import Environment
from .runtime.bootstrap import LambdaContext, context_spec
from .runtime.runner import FunctionSpec

FUNCTION_NAME = "connect-email-alias-local"
HANDLER = "index.handler"
#: The provider's memory (``provider.MEMORY_MB``; the function never reads it, Lambda's context carries it).
MEMORY_MB = 256
#: crhelper's log setup sets these loggers' levels for the whole process.
_SDK_LOGGERS = ("boto", "boto3", "botocore", "urllib3")
#: How long an answer may take to arrive after the handler returned (it is sent before it returns).
_ANSWER_GRACE_S = 2.0


def function_source() -> Path:
    """The function's code as this package ships it (``connect_email_alias/_function``; ``lambda/`` in a
    checkout): the handler's modules, with the installed crhelper and botocore beside them."""
    package = importlib.import_module("connect_email_alias._function")  # lambda/ to mypy: not a package
    return Path(next(iter(package.__path__)))


@contextlib.contextmanager
def staged_asset() -> Iterator[Path]:
    """The asset exactly as the construct deploys it (handler, crhelper, the cut Connect model), in a
    temporary directory removed on exit. Imports aws-cdk-lib (the construct's ``asset`` module)."""
    from ..asset import stage_function_code

    with tempfile.TemporaryDirectory(prefix="connect-email-alias-function-") as tmp:
        yield stage_function_code(Path(tmp) / "asset")


def function_spec(
    directory: Path, environment: Environment, *, timeout_s: float | None = None
) -> FunctionSpec:
    """The provider function over `directory` as the construct declares it, named :data:`FUNCTION_NAME`:
    for the runner (its own process) or :class:`InProcessFunction`."""
    env = environment
    arn = f"arn:{env.partition}:lambda:{env.region}:{env.account}:function:{FUNCTION_NAME}"
    timeout = float(contract.FUNCTION_TIMEOUT_S) if timeout_s is None else timeout_s
    return FunctionSpec("Function", FUNCTION_NAME, arn, directory, HANDLER, {}, timeout, MEMORY_MB, None)


@dataclass(frozen=True)
class FunctionCode:
    """The function's modules while loaded, each imported on first use: :attr:`index` (the handler, and
    crhelper's log setup with it) and the others by name."""

    directory: Path

    def module(self, name: str) -> ModuleType:
        """One of the function's modules (e.g. ``properties``), imported flat from :attr:`directory`."""
        module = importlib.import_module(name)
        if not str(getattr(module, "__file__", "")).startswith(str(self.directory)):
            raise ImportError(f"{name} is not a module of the function's code in {self.directory}")
        return module

    @property
    def index(self) -> ModuleType:
        return self.module(HANDLER.split(".")[0])


def _top_level_names(directory: Path) -> set[str]:
    """The module and package names `directory` offers to a flat import."""
    modules = {p.stem for p in directory.glob("*.py") if not p.stem.startswith("__")}
    return modules | {p.name for p in directory.iterdir() if (p / "__init__.py").is_file()}


@contextlib.contextmanager
def load_function(
    directory: Path,
    *,
    env: Mapping[str, str] | None = None,
    log_handlers: Sequence[logging.Handler] = (),
) -> Iterator[FunctionCode]:
    """The code in `directory` (:func:`function_source`, :func:`staged_asset`), importable flat, with `env`
    added to ``os.environ`` and the root logger's handlers set to `log_handlers` (crhelper formats them and
    sets the level; a caller may set it after importing ``index``). Everything is restored on exit (module
    docstring)."""
    names = _top_level_names(directory)

    def ours(module_name: str) -> bool:
        return module_name.split(".")[0] in names

    shadowed = {name: module for name, module in sys.modules.items() if ours(name)}
    saved_env = dict(os.environ)
    root = logging.getLogger()
    saved_root = root.handlers[:], root.level
    saved_sdk = {name: logging.getLogger(name).level for name in _SDK_LOGGERS}
    for name in shadowed:
        del sys.modules[name]
    os.environ.update(env or {})
    sys.path.insert(0, str(directory))
    try:
        root.handlers = list(log_handlers)
        yield FunctionCode(directory)
    finally:
        sys.path.remove(str(directory))
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(shadowed)
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers, level = saved_root
        root.setLevel(level)
        for name, sdk_level in saved_sdk.items():
            logging.getLogger(name).setLevel(sdk_level)


@contextlib.contextmanager
def _variables(env: Mapping[str, str] | None) -> Iterator[None]:
    """`env` in ``os.environ`` for one event; the previous values are put back after it."""
    before = {name: os.environ.get(name) for name in env or {}}
    os.environ.update(env or {})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class InstantWaits:
    """A clock on which the loaded function's waits (its backoff) pass at once: wall time plus every wait so
    far. For a test whose subject is not the waiting; give the emulator :meth:`monotonic` so its windows
    (IAM, read lag, quota, locks) move with the function's time. Thread-safe."""

    def __init__(self) -> None:
        self._skipped = 0.0
        self._lock = threading.Lock()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._skipped += max(0.0, seconds)

    def time(self) -> float:
        with self._lock:
            return time.time() + self._skipped

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._skipped


class InProcessFunction:
    """Sends CloudFormation's events to the loaded handler, one at a time, and returns each checked answer.

    With `waits`, the handler's retries wait on that clock and its context counts down on it."""

    def __init__(
        self, code: FunctionCode, receiver: ResponseReceiver, spec: FunctionSpec,
        waits: InstantWaits | None = None,
    ) -> None:
        self.code = code
        self.receiver = receiver
        self.spec = spec
        self.waits = waits
        if waits:
            vars(code.index)["sleep"] = waits.sleep  # `index.sleep`; gone with the module on exit

    def context(self, timeout_s: float | None = None) -> LambdaContext:
        """Lambda's context for one invocation, counting down from the function's timeout."""
        name = self.spec.function_name
        wall = self.waits.time if self.waits else None
        return LambdaContext(
            context_spec(
                request_id=str(uuid.uuid4()),
                function_name=name,
                arn=self.spec.arn,
                memory_mb=self.spec.memory_mb,
                log_group=f"/aws/lambda/{name}",
                log_stream=f"in-process/{name}",
                timeout_s=self.spec.timeout_s if timeout_s is None else timeout_s,
                now=wall() if wall else None,
            ),
            wall,
        )

    def event(
        self,
        request_type: RequestType,
        *,
        stack_id: str,
        logical_id: str,
        properties: Mapping[str, Any],
        physical_resource_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The event CloudFormation sends this function for one ``Custom::ConnectEmailAddressAlias``."""
        return custom_resource_event(
            request_type,
            receiver=self.receiver,
            stack_id=stack_id,
            logical_id=logical_id,
            resource_type=contract.RESOURCE_TYPE,
            service_token=self.spec.arn,
            properties=properties,
            physical_resource_id=physical_resource_id,
            old_properties=old_properties,
        )

    def send(
        self, event: Mapping[str, Any], *, env: Mapping[str, str] | None = None
    ) -> ReceivedResponse | None:
        """Run the handler on `event` (with `env` set for it) and return its answer, None if none came."""
        request_id = str(event["RequestId"])
        seen = len(self.receiver.responses(request_id))
        with _variables(env):
            self.code.index.handler(dict(event), self.context())
        return self.receiver.wait_for(request_id, _ANSWER_GRACE_S, count=seen + 1)


@contextlib.contextmanager
def in_process(
    directory: Path,
    environment: Environment,
    *,
    env: Mapping[str, str] | None = None,
    log_handlers: Sequence[logging.Handler] = (),
    waits: InstantWaits | None = None,
) -> Iterator[InProcessFunction]:
    """The function over `directory` loaded here, answering to a fresh receiver it trusts; all of it undone
    on exit. `environment` names the function (region, account) as the events' ServiceToken; `waits`, if
    given, is the clock its waits pass on at once."""
    with ResponseReceiver() as receiver:
        trusted = {"SSL_CERT_FILE": str(receiver.ca_bundle), **(env or {})}
        with load_function(directory, env=trusted, log_handlers=log_handlers) as code:
            yield InProcessFunction(code, receiver, function_spec(directory, environment), waits)
