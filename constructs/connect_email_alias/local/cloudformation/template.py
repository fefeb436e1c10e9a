"""Template loading and resolution for the CloudFormation player: JSON/YAML in, plain values out.

The resolver knows what CDK apps and hand-written templates of this resource use: literals, ``Ref``,
``Fn::GetAtt``, ``Fn::ImportValue`` and ``Fn::Join``. Anything else fails loudly, naming the resource and
property, rather than being guessed.
"""

from __future__ import annotations

import copy
import importlib
import json
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

from ..environment import Environment

_STACK_NAMESPACE = uuid.UUID("0c6b5c1e-44b5-4c3a-9d5e-6a8a4c1f0a11")

# What ``Ref`` (attribute None) or ``Fn::GetAtt`` of a resource gives: (logical id, attribute, where).
ResourceValues = Callable[[str, str | None, str], Any]


class TemplateError(ValueError):
    """The template uses something the player cannot play; the message names where."""


class MissingAttributeError(TemplateError):
    """``Fn::GetAtt`` names an attribute the resource's answer did not carry (a failure at play time)."""


def stack_id_for(name: str, env: Environment) -> str:
    """A CloudFormation stack ARN; the UUID is deterministic from the name so reruns compare equal."""
    unique = uuid.uuid5(_STACK_NAMESPACE, f"{env.account}/{env.region}/{name}")
    return f"arn:{env.partition}:cloudformation:{env.region}:{env.account}:stack/{name}/{unique}"


def load_template_file(path: str | Path) -> dict[str, Any]:
    """A template from JSON, or YAML with CloudFormation's short tags (``!Ref``, ``!GetAtt`` ...)."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        return cast(dict[str, Any], json.loads(text))
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError as error:  # pragma: no cover - PyYAML is in the [local] extra
        raise TemplateError("YAML templates need PyYAML; give a JSON template instead") from error

    def short_tag(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    # A SafeLoader subclass, so the short tags do not leak into SafeLoader itself.
    loader: Any = type("CloudFormationLoader", (yaml.SafeLoader,), {})
    loader.add_multi_constructor("!", short_tag)
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
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref" and isinstance(arg, str):
            return {arg}
        if key == "Fn::GetAtt":
            target = arg.split(".", 1) if isinstance(arg, str) else arg
            return {str(target[0])} if isinstance(target, list) and target else set()
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(references(item) for item in items))


class Resolver:
    """Resolves a stack's intrinsics; resources and exports come from what the player has played."""

    def __init__(
        self,
        template: Mapping[str, Any],
        stack_name: str,
        env: Environment,
        parameters: Mapping[str, str] | None = None,
        *,
        exports: Mapping[str, Any] | None = None,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """``exports`` (export name -> value) serve ``Fn::ImportValue``; ``stack_outputs`` (stack name ->
        output id -> value) serve ``Fn::GetStackOutput``, the weak cross-stack reference CDK writes when
        ``@aws-cdk/core:defaultCrossStackReferences`` is ``weak`` (what a current ``cdk init`` sets)."""
        self._declared: dict[str, Any] = dict(template.get("Parameters") or {})
        self._given = dict(parameters or {})
        unknown = sorted(set(self._given) - set(self._declared))
        if unknown:
            raise TemplateError(f"stack {stack_name}: unknown parameters {', '.join(unknown)}")
        self.stack_name = stack_name
        self.env = env
        self.stack_id = stack_id_for(stack_name, env)
        self._resources: ResourceValues | None = None
        self._exports = dict(exports or {})
        self._stack_outputs = {k: dict(v) for k, v in (stack_outputs or {}).items()}

    def with_resources(self, resources: ResourceValues) -> Resolver:
        """The same stack, parameters and imports; ``Ref``/``Fn::GetAtt`` of resources from ``resources``."""
        twin = copy.copy(self)
        twin._resources = resources
        return twin

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [self.resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg, where)
            if key == "Fn::GetAtt":
                logical_id, attribute = get_att_target(arg, where)
                return self._resource(logical_id, attribute, f"{where}: Fn::GetAtt {logical_id}.{attribute}")
            if key == "Fn::ImportValue":
                name = self.resolve(arg, where)
                if not isinstance(name, str) or name not in self._exports:
                    raise TemplateError(
                        f"{where}: Fn::ImportValue {name!r}: no stack this player deployed exports it "
                        f"(exports: {', '.join(sorted(self._exports)) or 'none'}); "
                        "deploy the exporting stack first"
                    )
                return self._exports[name]
            if key == "Fn::GetStackOutput":
                return self._stack_output(arg, f"{where}: Fn::GetStackOutput")
            if key == "Fn::Join":
                return self._join(arg, where)
            if key.startswith("Fn::") or key == "Condition":
                raise TemplateError(
                    f"{where}: {key} is not supported by the player "
                    "(only literals, Ref, Fn::GetAtt, Fn::ImportValue, Fn::GetStackOutput and Fn::Join)"
                )
        return {k: self.resolve(v, f"{where}.{k}") for k, v in value.items()}

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
        if name not in self._given and "Default" not in declared:
            raise TemplateError(f"{where}: parameter {name} has no value and no Default")
        value: Any = self._given.get(name, declared.get("Default"))
        kind = str(declared.get("Type", "String"))
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            return [v.strip() for v in str(value).split(",")] if isinstance(value, str) else list(value)
        return str(value)

    def _resource(self, logical_id: str, attribute: str | None, where: str) -> Any:
        if self._resources is None:
            raise TemplateError(f"{where}: {logical_id} is not a parameter or pseudo parameter")
        return self._resources(logical_id, attribute, where)

    def _stack_output(self, arg: Any, where: str) -> Any:
        """``{StackName, OutputName, Region?}``: an Output of a stack this player deployed, in its region."""
        arg = self.resolve(arg, where)
        if not isinstance(arg, dict) or not {"StackName", "OutputName"} <= set(arg):
            raise TemplateError(f"{where} needs StackName and OutputName")
        stack, output = str(arg["StackName"]), str(arg["OutputName"])
        region = str(arg.get("Region") or self.env.region)
        if region != self.env.region:
            raise TemplateError(
                f"{where}: stack {stack} is in {region}; the player plays {self.env.region} only"
            )
        outputs = self._stack_outputs.get(stack)
        if outputs is None or output not in outputs:
            raise TemplateError(
                f"{where}: output {output} of stack {stack}: no stack this player deployed has it; deploy "
                f"{stack} first"
            )
        return outputs[output]

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
    return "" if value is None else str(value)
