"""The cloud-assembly model the player plays: stacks (a ``cdk.out`` or a template file), functions, code.

The player plays custom resources whose ServiceToken is a Python function of the assembly (run locally),
``AWS::Connect::EmailAddress`` (through Connect's API), and skips :data:`NOT_PLAYED`, which only serve the
function the player runs itself. Any other type raises :class:`TemplateError` naming the resource.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast, get_args

from ..environment import Environment
from ..runtime.runner import FunctionSpec
from .template import (
    Resolver,
    TemplateError,
    cfn_stringify,
    get_att_target,
    load_template_file,
    references,
)

DeletionPolicy = Literal["Delete", "Retain", "RetainExceptOnCreate"]
UpdateReplacePolicy = Literal["Delete", "Retain"]

EMAIL_ADDRESS_TYPE = "AWS::Connect::EmailAddress"
# Skipped, with their Conditions.
NOT_PLAYED = (
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::Logs::LogGroup",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::SQS::Queue",
    "AWS::SQS::QueuePolicy",
    "AWS::CDK::Metadata",
)


def is_custom_resource(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource"


@dataclass(frozen=True)
class ResourceSpec:
    """One resource the player plays: its type, raw properties, policies, and the function serving it.

    ``function`` is None for a resource CloudFormation itself handles (``AWS::Connect::EmailAddress``).
    ``depends_on`` holds ``DependsOn`` and every played resource the properties ``Ref`` or ``Fn::GetAtt``.
    """

    logical_id: str
    resource_type: str
    raw_properties: dict[str, Any]
    function: FunctionSpec | None
    depends_on: tuple[str, ...] = ()
    deletion_policy: DeletionPolicy = "Delete"
    update_replace_policy: UpdateReplacePolicy = "Delete"

    @property
    def service_token(self) -> str | None:
        return self.function.arn if self.function else None

    @property
    def retained_on_delete(self) -> bool:
        """No Delete on stack delete or on removal from the template (CloudFormation's DeletionPolicy)."""
        return self.deletion_policy != "Delete"

    @property
    def retained_on_rollback_of_create(self) -> bool:
        """No Delete when the operation that created it rolls back: only ``Retain`` keeps it then."""
        return self.deletion_policy == "Retain"

    @property
    def retained_on_replace(self) -> bool:
        """No cleanup Delete of the physical ID an update replaced (CloudFormation's UpdateReplacePolicy)."""
        return self.update_replace_policy == "Retain"


@dataclass
class StackSource:
    """One stack's template plus where its functions' code lives."""

    name: str
    template: dict[str, Any]
    cdk_out: Path | None = None
    asset_dirs: dict[str, Path] = field(default_factory=dict)
    default_asset_dir: Path | None = None
    assembly: CloudAssembly | None = None

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        name: str | None = None,
        asset_dir: str | Path | None = None,
        asset_dirs: Mapping[str, str | Path] | None = None,
        assembly: CloudAssembly | None = None,
    ) -> StackSource:
        """A plain template; ``asset_dir`` is every function's code, ``asset_dirs`` per function id.

        ``assembly`` is searched for the exports that ``Fn::ImportValue`` service tokens name.
        """
        return cls(
            name or Path(path).name.split(".")[0],
            load_template_file(path),
            asset_dirs={k: Path(v) for k, v in (asset_dirs or {}).items()},
            default_asset_dir=Path(asset_dir) if asset_dir is not None else None,
            assembly=assembly,
        )

    def resources(self) -> dict[str, dict[str, Any]]:
        return cast(dict[str, dict[str, Any]], self.template.get("Resources") or {})

    def played_resources(self, resolver: Resolver | None = None) -> list[ResourceSpec]:
        """What the player plays, in dependency order (DependsOn and references, then template order)."""
        resolver = resolver or Resolver(self.template, self.name, Environment())
        resources = self.resources()
        found: dict[str, ResourceSpec] = {}
        for logical_id, resource in resources.items():
            kind = str(resource.get("Type", ""))
            if kind in NOT_PLAYED:
                continue
            where = f"resource {logical_id} ({kind})"
            if kind != EMAIL_ADDRESS_TYPE and not is_custom_resource(kind):
                raise TemplateError(
                    f"{where}: the player plays custom resources and {EMAIL_ADDRESS_TYPE} only; "
                    "test this stack without it, or create what it stands for in the emulator's seed"
                )
            if "Condition" in resource:
                raise TemplateError(f"{where}: Condition is not supported by the player")
            props = dict(resource.get("Properties") or {})
            function = None
            if is_custom_resource(kind):
                if "ServiceToken" not in props:
                    raise TemplateError(f"{where}: ServiceToken is missing")
                function = self._service_function(props["ServiceToken"], resolver, f"{where} ServiceToken")
                runtime = function.runtime or "python"
                if not runtime.startswith("python"):
                    raise TemplateError(
                        f"{where}: its function {function.logical_id} runs {runtime}; "
                        "the player runs Python functions only"
                    )
            depends = resource.get("DependsOn") or []
            named = {depends} if isinstance(depends, str) else set(depends)
            referenced = references({k: v for k, v in props.items() if k != "ServiceToken"})
            found[logical_id] = ResourceSpec(
                logical_id,
                kind,
                props,
                function,
                tuple(sorted(d for d in named | referenced if d in resources)),
                _policy(resource, "DeletionPolicy", get_args(DeletionPolicy), where),
                _policy(resource, "UpdateReplacePolicy", get_args(UpdateReplacePolicy), where),
            )
        return _ordered(found)

    def custom_resources(self, resolver: Resolver | None = None) -> list[ResourceSpec]:
        """The played custom resources (those a function serves), in dependency order."""
        return [spec for spec in self.played_resources(resolver) if spec.function is not None]

    def function(self, logical_id: str, resolver: Resolver) -> FunctionSpec:
        resource = self.resources().get(logical_id)
        if resource is None or resource.get("Type") != "AWS::Lambda::Function":
            raise TemplateError(f"stack {self.name}: {logical_id} is not an AWS::Lambda::Function")
        props = resource.get("Properties") or {}
        where = f"function {logical_id}"
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        environment = {
            k: str(cfn_stringify(resolver.resolve(v, f"{where} Environment.{k}")))
            for k, v in variables.items()
        }
        name = props.get("FunctionName")
        name = (
            str(resolver.resolve(name, f"{where} FunctionName")) if name else f"{self.name}-{logical_id}"[:64]
        )
        env = resolver.env
        return FunctionSpec(
            logical_id=logical_id,
            function_name=name,
            arn=f"arn:{env.partition}:lambda:{env.region}:{env.account}:function:{name}",
            # Absolute: the function's process runs with its code folder as working directory.
            asset_dir=self._asset_dir(logical_id, resource).absolute(),
            handler=str(props.get("Handler") or "index.handler"),
            environment=environment,
            timeout_s=float(props.get("Timeout") or 3),
            memory_mb=int(props.get("MemorySize") or 128),
            runtime=props.get("Runtime"),
        )

    def _service_function(self, token: Any, resolver: Resolver, where: str) -> FunctionSpec:
        if isinstance(token, dict) and len(token) == 1:
            ((key, arg),) = token.items()
            if key == "Fn::GetAtt":
                logical_id, attribute = get_att_target(arg, where)
                if attribute != "Arn":
                    raise TemplateError(f"{where}: Fn::GetAtt must name a function's Arn")
                return self.function(logical_id, resolver)
            if key == "Fn::ImportValue":
                export = str(resolver.resolve(arg, where))
                if self.assembly is None:
                    raise TemplateError(
                        f"{where}: imports {export!r} but no cloud assembly was given for exports"
                    )
                return self.assembly.exported_function(export, resolver.env)
        raise TemplateError(
            f"{where}: must be Fn::GetAtt [Function, Arn] or Fn::ImportValue of a provider stack's export"
        )

    def _asset_dir(self, logical_id: str, resource: Mapping[str, Any]) -> Path:
        if logical_id in self.asset_dirs:
            return self.asset_dirs[logical_id]
        code = (resource.get("Properties") or {}).get("Code") or {}
        if isinstance(code.get("ZipFile"), str):
            return _inline_code(code["ZipFile"])
        path = (resource.get("Metadata") or {}).get("aws:asset:path")
        if self.cdk_out is not None and isinstance(path, str):
            return _unpacked(self.cdk_out / path)
        key = code.get("S3Key")
        if self.assembly is not None and key in self.assembly.assets:
            return self.assembly.assets[key]
        if self.default_asset_dir is not None:
            return self.default_asset_dir
        raise TemplateError(f"function {logical_id}: cannot find its code (no asset for S3Key {key!r})")


class CloudAssembly:
    """A synthesised ``cdk.out``: its stacks, their asset manifests and their exports."""

    def __init__(self, cdk_out: str | Path) -> None:
        self.path = Path(cdk_out)
        manifest = json.loads((self.path / "manifest.json").read_text(encoding="utf-8"))
        self._artifacts: dict[str, dict[str, Any]] = manifest.get("artifacts") or {}
        self._stacks: dict[str, StackSource] = {}
        self.assets: dict[str, Path] = {}  # S3 object key -> the asset's folder or zip
        for artifact in self._artifacts.values():
            if artifact.get("type") == "cdk:asset-manifest":
                self._index_assets(self.path / artifact["properties"]["file"])
        for artifact_id, artifact in self._artifacts.items():
            if artifact.get("type") == "aws:cloudformation:stack":
                props = artifact.get("properties") or {}
                name = str(props.get("stackName") or artifact.get("displayName") or artifact_id)
                template = json.loads((self.path / props["templateFile"]).read_text(encoding="utf-8"))
                self._stacks[name] = StackSource(name, template, cdk_out=self.path, assembly=self)

    @property
    def stack_names(self) -> list[str]:
        return list(self._stacks)

    def stack(self, name: str) -> StackSource:
        if name not in self._stacks:
            raise TemplateError(f"no stack {name!r} in {self.path}; stacks: {', '.join(self._stacks)}")
        return self._stacks[name]

    def exported_function(self, export: str, env: Environment) -> FunctionSpec:
        """The function whose ``Fn::GetAtt [F, Arn]`` a stack of this assembly exports as ``export``."""
        for stack in self._stacks.values():
            resolver = Resolver(stack.template, stack.name, env)
            for output_id, output in (stack.template.get("Outputs") or {}).items():
                name = (output.get("Export") or {}).get("Name")
                if name is None or resolver.resolve(name, f"stack {stack.name} output {output_id}") != export:
                    continue
                value = output.get("Value")
                where = f"export {export!r} of stack {stack.name}"
                target = value.get("Fn::GetAtt") if isinstance(value, dict) else None
                logical_id, attribute = get_att_target(target, where)
                if attribute != "Arn":
                    raise TemplateError(f"{where} is not a function's Arn")
                return stack.function(logical_id, resolver)
        raise TemplateError(f"no stack in {self.path} exports {export!r}")

    def _index_assets(self, manifest_path: Path) -> None:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for asset_hash, entry in (manifest.get("files") or {}).items():
            source = self.path / entry["source"]["path"]
            if (entry["source"].get("packaging") or "file") != "zip" and not source.is_dir():
                continue
            keys = {d.get("objectKey") for d in (entry.get("destinations") or {}).values()}
            for key in keys | {f"{asset_hash}.zip"}:
                if isinstance(key, str):
                    self.assets[key] = source


def _policy(resource: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str) -> Any:
    """A ``DeletionPolicy`` / ``UpdateReplacePolicy`` the player plays (not Snapshot)."""
    value = resource.get(key, "Delete")
    if value not in allowed:
        raise TemplateError(f"{where}: {key} {value!r} is not played; use one of {', '.join(allowed)}")
    return value


class _Extracted:
    """Code the player had to write out (zipped assets, inline ``ZipFile`` source), once per content, in one
    temporary folder of this process that is removed when the process ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: tempfile.TemporaryDirectory[str] | None = None
        self._made: dict[str, Path] = {}

    def folder(self, key: str, fill: Callable[[Path], None]) -> Path:
        """The folder for ``key``, filled by ``fill`` the first time."""
        with self._lock:
            if key not in self._made:
                if self._root is None:
                    self._root = tempfile.TemporaryDirectory(prefix="cfn-player-code-")
                target = Path(self._root.name) / hashlib.sha256(key.encode()).hexdigest()[:16]
                target.mkdir()
                fill(target)
                self._made[key] = target
            return self._made[key]


_EXTRACTED = _Extracted()


def _unpacked(path: Path) -> Path:
    """A directory asset as is; a zipped one extracted once (per path and content) for this process."""
    if path.is_dir():
        return path
    if path.is_file() and zipfile.is_zipfile(path):
        stat = path.stat()

        def extract(target: Path) -> None:
            with zipfile.ZipFile(path) as archive:
                archive.extractall(target)

        return _EXTRACTED.folder(f"zip:{path.resolve()}:{stat.st_mtime_ns}:{stat.st_size}", extract)
    raise TemplateError(f"asset {path} does not exist")


def _inline_code(source: str) -> Path:
    """Inline ``Code.ZipFile`` source as ``index.py``, written once per source text."""

    def write(target: Path) -> None:
        (target / "index.py").write_text(source, encoding="utf-8")

    return _EXTRACTED.folder(f"inline:{source}", write)


def _ordered(found: Mapping[str, ResourceSpec]) -> list[ResourceSpec]:
    ordered: list[ResourceSpec] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        spec = found[logical_id]
        if spec in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"resource {logical_id}: circular dependency")
        visiting.add(logical_id)
        for dependency in spec.depends_on:
            if dependency in found:
                visit(dependency)
        visiting.discard(logical_id)
        ordered.append(spec)

    for logical_id in found:
        visit(logical_id)
    return ordered
