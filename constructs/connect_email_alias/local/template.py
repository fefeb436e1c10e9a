"""Reads what the CloudFormation player plays: templates, cloud assemblies, functions and their code.

Only what a custom resource needs is understood: literal properties, ``Ref`` to parameters and
pseudo parameters, and the ServiceToken as ``Fn::GetAtt [Function, Arn]`` or ``Fn::ImportValue`` of
another stack's export. Anything else fails loudly, naming the resource and property, rather than
being guessed at.
"""

from __future__ import annotations

import importlib
import json
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

DeletionPolicy = Literal["Delete", "Retain", "RetainExceptOnCreate"]
UpdateReplacePolicy = Literal["Delete", "Retain"]
_DELETION_POLICIES: tuple[DeletionPolicy, ...] = ("Delete", "Retain", "RetainExceptOnCreate")
_UPDATE_REPLACE_POLICIES: tuple[UpdateReplacePolicy, ...] = ("Delete", "Retain")
CUSTOM_RESOURCE_TYPES = ("Custom::ConnectEmailAddressAlias", "AWS::CloudFormation::CustomResource")
_P = TypeVar("_P", bound=str)
_STACK_NAMESPACE = uuid.UUID("0c6b5c1e-44b5-4c3a-9d5e-6a8a4c1f0a11")


class TemplateError(ValueError):
    """The template uses something the player cannot play; the message names where."""


@dataclass(frozen=True)
class Environment:
    """Where the stacks are played: CloudFormation's pseudo parameters."""

    region: str = "us-east-1"
    account: str = "123456789012"
    partition: str = "aws"


@dataclass(frozen=True)
class FunctionSpec:
    """The Lambda function behind a ServiceToken, as far as running it locally needs."""

    stack_name: str
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
class CustomResourceSpec:
    """One custom resource: its type, raw properties and the function that serves it."""

    logical_id: str
    resource_type: str
    raw_properties: dict[str, Any]
    function: FunctionSpec
    depends_on: tuple[str, ...] = ()
    deletion_policy: DeletionPolicy = "Delete"
    update_replace_policy: UpdateReplacePolicy = "Delete"

    @property
    def retained_on_delete(self) -> bool:
        """No Delete on stack delete or on removal from the template (CloudFormation's DeletionPolicy)."""
        return self.deletion_policy != "Delete"

    def retained_on_rollback_of_create(self) -> bool:
        """No Delete when the operation that created it rolls back: only ``Retain`` keeps it then."""
        return self.deletion_policy == "Retain"

    @property
    def retained_on_replace(self) -> bool:
        """No cleanup Delete of the physical ID an update replaced (CloudFormation's UpdateReplacePolicy)."""
        return self.update_replace_policy == "Retain"


def stack_id_for(name: str, env: Environment) -> str:
    """A CloudFormation stack ARN; the UUID is deterministic from the name so reruns compare equal."""
    unique = uuid.uuid5(_STACK_NAMESPACE, f"{env.account}/{env.region}/{name}")
    return f"arn:{env.partition}:cloudformation:{env.region}:{env.account}:stack/{name}/{unique}"


def load_template_file(path: str | Path) -> dict[str, Any]:
    """A template from JSON, or YAML with CloudFormation's short tags (``!Ref``, ``!GetAtt`` ...)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        return cast(dict[str, Any], json.loads(text))
    return _load_yaml(text)


def _load_yaml(text: str) -> dict[str, Any]:
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError as error:  # pragma: no cover - PyYAML comes with cfn-lint in dev installs
        raise TemplateError("YAML templates need PyYAML; give a JSON template instead") from error

    def construct(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    # A SafeLoader subclass, so the short tags do not leak into SafeLoader itself.
    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("!", construct)
    loaded = yaml.load(text, Loader=loader)
    if not isinstance(loaded, dict):
        raise TemplateError("the template is not a mapping")
    return cast(dict[str, Any], loaded)


class Resolver:
    """Resolves literals and ``Ref`` to parameters / pseudo parameters; refuses every other intrinsic."""

    def __init__(
        self,
        template: Mapping[str, Any],
        stack_name: str,
        env: Environment,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self._declared: dict[str, Any] = dict(template.get("Parameters") or {})
        self._given = dict(parameters or {})
        unknown = sorted(set(self._given) - set(self._declared))
        if unknown:
            raise TemplateError(f"stack {stack_name}: unknown parameters {', '.join(unknown)}")
        self.stack_name = stack_name
        self.env = env
        self.stack_id = stack_id_for(stack_name, env)

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(arg, where)
                if key.startswith("Fn::") or key == "Condition":
                    raise TemplateError(
                        f"{where}: {key} is not supported by the player (only literals and Ref)"
                    )
            return {k: self.resolve(v, f"{where}.{k}") for k, v in value.items()}
        return value

    def ref(self, name: Any, where: str) -> Any:
        pseudo = {
            "AWS::Region": self.env.region,
            "AWS::AccountId": self.env.account,
            "AWS::Partition": self.env.partition,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref needs a name")
        if name in pseudo:
            return pseudo[name]
        declared = self._declared.get(name)
        if declared is None:
            raise TemplateError(
                f"{where}: Ref {name} is not a parameter or pseudo parameter "
                "(Refs to resources are not supported)"
            )
        if name in self._given:
            value: Any = self._given[name]
        elif "Default" in declared:
            value = declared["Default"]
        else:
            raise TemplateError(f"{where}: parameter {name} has no value and no Default")
        kind = str(declared.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [v.strip() for v in str(value).split(",")] if isinstance(value, str) else list(value)
        return str(value)


def cfn_stringify(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar as a string (``300`` -> ``"300"``)."""
    if isinstance(value, dict):
        return {k: cfn_stringify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cfn_stringify(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


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

    def custom_resources(self, resolver: Resolver) -> list[CustomResourceSpec]:
        """The custom resources in dependency order (DependsOn among them, then template order)."""
        found: dict[str, CustomResourceSpec] = {}
        for logical_id, resource in self.resources().items():
            kind = str(resource.get("Type", ""))
            if kind not in CUSTOM_RESOURCE_TYPES:
                continue
            if "Condition" in resource:
                raise TemplateError(f"resource {logical_id}: Condition is not supported by the player")
            props = dict(resource.get("Properties") or {})
            if "ServiceToken" not in props:
                raise TemplateError(f"resource {logical_id}: ServiceToken is missing")
            function = self._service_function(
                props["ServiceToken"], resolver, f"resource {logical_id} ServiceToken"
            )
            depends = resource.get("DependsOn") or []
            found[logical_id] = CustomResourceSpec(
                logical_id,
                kind,
                props,
                function,
                tuple([depends] if isinstance(depends, str) else depends),
                _policy(resource, "DeletionPolicy", _DELETION_POLICIES, logical_id),
                _policy(resource, "UpdateReplacePolicy", _UPDATE_REPLACE_POLICIES, logical_id),
            )
        return _ordered(found)

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
            stack_name=self.name,
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
                target = arg.split(".", 1) if isinstance(arg, str) else list(arg)
                if len(target) != 2 or target[1] != "Arn":
                    raise TemplateError(f"{where}: Fn::GetAtt must name a function's Arn")
                return self.function(str(target[0]), resolver)
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
        if self.assembly is not None and isinstance(key, str):
            found = self.assembly.asset_for_key(key)
            if found is not None:
                return found
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
        self._assets: dict[str, Path] = {}
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

    def asset_for_key(self, s3_key: str) -> Path | None:
        return self._assets.get(s3_key)

    def exported_function(self, export: str, env: Environment) -> FunctionSpec:
        """The function whose ``Fn::GetAtt [F, Arn]`` a stack of this assembly exports as ``export``."""
        for stack in self._stacks.values():
            resolver = Resolver(stack.template, stack.name, env)
            for output_id, output in (stack.template.get("Outputs") or {}).items():
                name = (output.get("Export") or {}).get("Name")
                if name is None or resolver.resolve(name, f"stack {stack.name} output {output_id}") != export:
                    continue
                value = output.get("Value")
                target = value.get("Fn::GetAtt") if isinstance(value, dict) else None
                if isinstance(target, str):
                    target = target.split(".", 1)
                if not isinstance(target, list) or len(target) != 2 or target[1] != "Arn":
                    raise TemplateError(f"export {export!r} of stack {stack.name} is not a function's Arn")
                return stack.function(str(target[0]), resolver)
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
                    self._assets[key] = source


def _policy(resource: Mapping[str, Any], key: str, allowed: tuple[_P, ...], logical_id: str) -> _P:
    """A ``DeletionPolicy`` / ``UpdateReplacePolicy`` the player plays (Snapshot is not for custom ones)."""
    value = resource.get(key, "Delete")
    for choice in allowed:
        if value == choice:
            return choice
    raise TemplateError(
        f"resource {logical_id}: {key} {value!r} is not played; use one of {', '.join(allowed)}"
    )


def _unpacked(path: Path) -> Path:
    """A directory asset as is; a zipped one extracted once into a temporary directory."""
    if path.is_dir():
        return path
    if path.is_file() and zipfile.is_zipfile(path):
        target = Path(tempfile.mkdtemp(prefix="cfn-player-asset-"))
        with zipfile.ZipFile(path) as archive:
            archive.extractall(target)
        return target
    raise TemplateError(f"asset {path} does not exist")


def _inline_code(source: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="cfn-player-inline-"))
    (target / "index.py").write_text(source, encoding="utf-8")
    return target


def _ordered(found: Mapping[str, CustomResourceSpec]) -> list[CustomResourceSpec]:
    ordered: list[CustomResourceSpec] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        spec = found[logical_id]
        if spec in ordered:
            return
        if logical_id in visiting:
            raise TemplateError(f"resource {logical_id}: circular DependsOn")
        visiting.add(logical_id)
        for dependency in spec.depends_on:
            if dependency in found:
                visit(dependency)
        visiting.discard(logical_id)
        ordered.append(spec)

    for logical_id in found:
        visit(logical_id)
    return ordered
