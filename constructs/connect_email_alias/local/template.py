"""Template loading and resolution for the CloudFormation player: JSON/YAML in, plain values out.

The resolver understands what CDK apps and hand-written templates of this resource use: literals,
``Ref`` (parameters, pseudo parameters, resources the player played), ``Fn::GetAtt`` (attributes of
resources the player played), ``Fn::ImportValue`` (exports of stacks the player deployed) and
``Fn::Join``. Anything else fails loudly, naming the resource and property, rather than being guessed.
"""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

_STACK_NAMESPACE = uuid.UUID("0c6b5c1e-44b5-4c3a-9d5e-6a8a4c1f0a11")


class TemplateError(ValueError):
    """The template uses something the player cannot play; the message names where."""


class MissingAttributeError(TemplateError):
    """``Fn::GetAtt`` names an attribute the resource's answer did not carry (a failure at play time)."""


@dataclass(frozen=True)
class Environment:
    """Where the stacks are played: CloudFormation's pseudo parameters."""

    region: str = "us-east-1"
    account: str = "123456789012"
    partition: str = "aws"


class ResourceValues(Protocol):
    """What ``Ref`` (``attribute`` None) or ``Fn::GetAtt`` of a resource of the stack gives."""

    def __call__(self, logical_id: str, attribute: str | None, where: str) -> Any: ...


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
    except ImportError as error:  # pragma: no cover - PyYAML is in the [local] extra
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


def get_att_target(arg: Any, where: str) -> tuple[str, str]:
    """``Fn::GetAtt``'s (logical id, attribute), from ``[id, attr]`` or ``"id.attr"``."""
    target = arg.split(".", 1) if isinstance(arg, str) else arg
    if not isinstance(target, list) or len(target) != 2 or not all(isinstance(t, str) for t in target):
        raise TemplateError(f"{where}: Fn::GetAtt needs [LogicalId, Attribute]")
    return target[0], target[1]


def references(value: Any) -> set[str]:
    """Every name ``value`` reaches with ``Ref`` or ``Fn::GetAtt`` (parameters included)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                return {arg}
            if key == "Fn::GetAtt":
                target = arg.split(".", 1) if isinstance(arg, str) else arg
                return {str(target[0])} if isinstance(target, list) and target else set()
        for item in value.values():
            found |= references(item)
    return found


class Resolver:
    """Resolves a stack's intrinsics; ``resources`` and ``exports`` come from what the player has played."""

    def __init__(
        self,
        template: Mapping[str, Any],
        stack_name: str,
        env: Environment,
        parameters: Mapping[str, str] | None = None,
        *,
        resources: ResourceValues | None = None,
        exports: Mapping[str, Any] | None = None,
    ) -> None:
        self._declared: dict[str, Any] = dict(template.get("Parameters") or {})
        self._given = dict(parameters or {})
        unknown = sorted(set(self._given) - set(self._declared))
        if unknown:
            raise TemplateError(f"stack {stack_name}: unknown parameters {', '.join(unknown)}")
        self.stack_name = stack_name
        self.env = env
        self.stack_id = stack_id_for(stack_name, env)
        self._resources = resources
        self._exports = dict(exports or {})

    def with_resources(self, resources: ResourceValues) -> Resolver:
        """The same stack, parameters and imports; ``Ref``/``Fn::GetAtt`` of resources from ``resources``."""
        twin = Resolver({}, self.stack_name, self.env, exports=self._exports, resources=resources)
        twin._declared, twin._given = self._declared, self._given
        return twin

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref":
                    return self.ref(arg, where)
                if key == "Fn::GetAtt":
                    logical_id, attribute = get_att_target(arg, where)
                    return self._resource(
                        logical_id, attribute, f"{where}: Fn::GetAtt {logical_id}.{attribute}"
                    )
                if key == "Fn::ImportValue":
                    return self._import(self.resolve(arg, where), where)
                if key == "Fn::Join":
                    return self._join(arg, where)
                if key.startswith("Fn::") or key == "Condition":
                    raise TemplateError(
                        f"{where}: {key} is not supported by the player "
                        "(only literals, Ref, Fn::GetAtt, Fn::ImportValue and Fn::Join)"
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
            return self._resource(name, None, f"{where}: Ref {name}")
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

    def _resource(self, logical_id: str, attribute: str | None, where: str) -> Any:
        if self._resources is None:
            raise TemplateError(f"{where}: {logical_id} is not a parameter or pseudo parameter")
        return self._resources(logical_id, attribute, where)

    def _import(self, name: Any, where: str) -> Any:
        if not isinstance(name, str) or name not in self._exports:
            known = ", ".join(sorted(self._exports)) or "none"
            raise TemplateError(
                f"{where}: Fn::ImportValue {name!r}: no stack this player deployed exports it "
                f"(exports: {known}); deploy the exporting stack first"
            )
        return self._exports[name]

    def _join(self, arg: Any, where: str) -> str:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise TemplateError(f"{where}: Fn::Join needs [delimiter, [values]]")
        values = self.resolve(arg[1], f"{where}.Fn::Join")
        if not isinstance(values, list):
            raise TemplateError(f"{where}: Fn::Join needs a list of values")
        return arg[0].join(str(v) for v in values)


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
