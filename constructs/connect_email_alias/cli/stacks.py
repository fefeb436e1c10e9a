"""A stack's ``Custom::ConnectEmailAddressAlias`` resources, read through CloudFormation's API.

``DescribeStacks`` gives the StackId (the owner records hash it in), ``ListStackResources`` every resource,
page by page; resources of other types are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .._contract import contract
from .aws import CliError


@dataclass(frozen=True)
class AliasResource:
    """One alias resource as CloudFormation holds it."""

    logical_id: str
    physical_id: str | None
    status: str


@dataclass(frozen=True)
class Stack:
    """A stack and its alias resources, in CloudFormation's order."""

    name: str
    stack_id: str
    resources: tuple[AliasResource, ...]

    @property
    def partition(self) -> str:
        return self.stack_id.split(":")[1]

    @property
    def region(self) -> str:
        return self.stack_id.split(":")[3]

    @property
    def account(self) -> str:
        return self.stack_id.split(":")[4]


def read_stack(cloudformation: Any, name: str) -> Stack:
    """The stack's alias resources; `CliError` naming the stack when CloudFormation does not know it."""
    try:
        (described,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as err:
        error = err.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in str(error.get("Message")):
            region = cloudformation.meta.region_name
            raise CliError(f"Stack {name} does not exist in {region}: check --stack and --region.") from err
        raise
    stack_id = str(described["StackId"])
    resources = [
        AliasResource(str(s["LogicalResourceId"]), s.get("PhysicalResourceId"), str(s["ResourceStatus"]))
        for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_id)
        for s in page.get("StackResourceSummaries") or ()
        if s.get("ResourceType") == contract.RESOURCE_TYPE
    ]
    return Stack(str(described["StackName"]), stack_id, tuple(resources))
