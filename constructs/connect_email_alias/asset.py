"""Stage the provider function's code: the handler, crhelper and a cut-down Connect model.

Deterministic by construction (same inputs -> same bytes -> same asset hash on any machine or
directory) and free of Docker and network, so ``cdk synth`` works offline. See docs/design.md
("The function's asset").
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import botocore.loaders
from aws_cdk import AssetHashType
from aws_cdk import aws_lambda as lambda_

from ._contract import contract

#: The function's Connect model: only the operations it calls and the shapes they reach.
MODEL_PATH = "models/connect/2017-08-08/service-2.json"
#: Every staged file gets this mtime (1980-01-01, the zip epoch) so nothing depends on when it was staged.
_FIXED_MTIME = 315532800


def _function_source_dir() -> Path:
    """The handler's source: inside the package in a wheel, ``<repo>/lambda`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_function", here.parents[1] / "lambda"):
        if (candidate / "index.py").is_file():
            return candidate
    raise FileNotFoundError(
        f"function code not found: no index.py in {here / '_function'} or {here.parents[1] / 'lambda'}"
    )


def _crhelper_dir() -> Path:
    """crhelper's source, found without importing it (importing it imports boto3, which synth never needs)."""
    spec = importlib.util.find_spec("crhelper")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("crhelper is not installed: pip install connect-email-alias's dependencies")
    return Path(next(iter(spec.submodule_search_locations)))


def _python_files(root: Path, prefix: str) -> Iterator[tuple[str, bytes]]:
    """``*.py`` directly under ``root`` (no ``__pycache__``, no stubs), as (asset path, bytes)."""
    for path in sorted(root.glob("*.py")):
        yield f"{prefix}{path.name}", path.read_bytes()


def _strip_documentation(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_documentation(v) for k, v in node.items() if k != "documentation"}
    if isinstance(node, list):
        return [_strip_documentation(v) for v in node]
    return node


def _shape_refs(shape: Mapping[str, Any]) -> Iterator[str]:
    """Names of the shapes one shape refers to (structure members, list member, map key/value)."""
    for member in shape.get("members", {}).values():
        yield member["shape"]
    for key in ("member", "key", "value"):
        if key in shape:
            yield shape[key]["shape"]


def cut_connect_model(model: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the function's operations and the shapes they reach (inputs, outputs, errors), undocumented."""
    ops = {name: model["operations"][name] for name in contract.CONNECT_OPERATIONS}
    pending = [ref["shape"] for op in ops.values() for ref in (op.get("input"), op.get("output")) if ref]
    pending += [err["shape"] for op in ops.values() for err in op.get("errors", [])]
    shapes: dict[str, Any] = {}
    while pending:
        name = pending.pop()
        if name not in shapes:
            shapes[name] = model["shapes"][name]
            pending.extend(_shape_refs(shapes[name]))
    cut = {
        "version": model.get("version", "2.0"),
        "metadata": model["metadata"],
        "operations": ops,
        "shapes": shapes,
    }
    return dict(_strip_documentation(cut))


def asset_files() -> dict[str, bytes]:
    """Every file of the asset, keyed by its POSIX path inside the asset, in sorted order."""
    files = dict(_python_files(_function_source_dir(), ""))
    files.update(_python_files(_crhelper_dir(), "crhelper/"))
    model = cut_connect_model(botocore.loaders.Loader().load_service_model("connect", "service-2"))
    files[MODEL_PATH] = json.dumps(model, sort_keys=True, separators=(",", ":")).encode()  # a few KB
    return dict(sorted(files.items()))


def content_hash(files: Mapping[str, bytes]) -> str:
    """SHA-256 over paths and contents: the asset's identity, independent of where it is staged."""
    digest = hashlib.sha256()
    for path, data in sorted(files.items()):
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _write(target: Path, files: Mapping[str, bytes]) -> None:
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o644)
        os.utime(path, (_FIXED_MTIME, _FIXED_MTIME))
    for directory in sorted({p for rel in files for p in (target / rel).parents if target in p.parents}):
        os.utime(directory, (_FIXED_MTIME, _FIXED_MTIME))


def stage_function_code(target: Path) -> Path:
    """Write the asset into ``target`` (created if missing; must be empty) and return it."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty: stage the function code into an empty directory")
    _write(target, asset_files())
    return target


@functools.cache
def _staged() -> tuple[Path, str]:
    """Stage once per process into a private temporary directory (removed at exit)."""
    files = asset_files()
    directory = Path(tempfile.mkdtemp(prefix="connect-email-alias-asset-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    _write(directory, files)
    return directory, content_hash(files)


def function_code() -> lambda_.Code:
    """The function's ``Code``, hashed by content so the asset is identical across runs and directories."""
    directory, digest = _staged()
    return lambda_.Code.from_asset(str(directory), asset_hash=digest, asset_hash_type=AssetHashType.CUSTOM)
