"""CloudFormation's custom-resource events as it sends them: one builder, for the player and the harness.

Every property value is a string (CloudFormation stringifies scalars), ``ServiceToken`` is inside the
properties too, and the response URL is the receiver's, registered with what the answer must echo.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from .receiver import Expectation, ResponseReceiver
from .report import RequestType
from .template import cfn_stringify


def custom_resource_event(
    request_type: RequestType,
    *,
    receiver: ResponseReceiver,
    stack_id: str,
    logical_id: str,
    resource_type: str,
    service_token: str,
    properties: Mapping[str, Any],
    physical_resource_id: str | None = None,
    old_properties: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The event for one request; Update and Delete need ``physical_resource_id``, Update ``old_properties``.

    Raises ValueError when a field CloudFormation always sends for ``request_type`` is missing.
    """
    request_id = request_id or str(uuid.uuid4())
    expect = Expectation(stack_id, logical_id)
    def stringified(values: Mapping[str, Any]) -> dict[str, Any]:
        return {**cfn_stringify(dict(values)), "ServiceToken": service_token}

    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": receiver.response_url(request_id, expect=expect),
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": stringified(properties),
    }
    if request_type != "Create":
        if physical_resource_id is None:
            raise ValueError(f"{request_type} needs a PhysicalResourceId")
        event["PhysicalResourceId"] = physical_resource_id
    if request_type == "Update":
        if old_properties is None:
            raise ValueError("Update needs OldResourceProperties")
        event["OldResourceProperties"] = stringified(old_properties)
    return event
