"""Lambda entry point (`index.handler`): wiring only.

CloudFormation event -> properties (validated, normalised; where the calls go checked) -> addresses named
by email looked up -> lifecycle decision -> Connect port -> answer. The PhysicalResourceId the answer would
carry is set BEFORE any change, so crhelper's timeout answer is right too: the old id for Update/Delete, the
minted id for Create once its pair is known (a failed Create whose outcome is certain answers an id we did not
mint, so its rollback Delete makes no call). See docs/design.md § Handler.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import time
import traceback
from collections.abc import Callable
from typing import Any

import lifecycle
from backoff import Clock
from cfn_response import Responder
from connect_api import ConnectApi, TokenSeed, has_endpoint
from errors import LifecycleError, ReasonError, redact
from lifecycle import Outcome, Request
from properties import (
    Declared,
    PropertyError,
    check_where,
    mint_physical_id,
    parse_physical_id,
    parse_properties,
)

logger = logging.getLogger("index")
helper = Responder()


def handler(event: dict[str, Any], context: Any) -> None:
    """The function's handler."""
    helper(event, context)


def foreign_physical_id(event: dict[str, Any]) -> str:
    """A non-empty id for a Create that changed nothing: crhelper's shape, deterministic, never ours."""
    stack = str(event.get("StackId", "")).split("/")
    name = stack[1] if len(stack) > 1 else "stack"
    digest = hashlib.sha256(str(event.get("RequestId", "")).encode()).hexdigest()[:8].upper()
    return f"{name}_{str(event.get('LogicalResourceId', 'Resource'))[:200]}_{digest}"


def _region() -> str | None:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")


def _account(context: Any) -> str | None:
    """The function's own account, from the ARN Lambda invoked it by; None outside Lambda."""
    parts = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4] else None


def _declared(props: Any, context: Any) -> Declared:
    """The properties, parsed, with where the calls would go checked before any call (contract §1)."""
    declared = parse_properties(props, _region())
    check_where(declared, _account(context), has_endpoint)
    return declared


#: How the retries wait: ``time.sleep`` when None, as in Lambda. The in-process harness may set a test's clock
#: (with a context counting on it), so a test of something else does not wait out the backoff
#: (docs/design.md, "Harness").
sleep: Callable[[float], None] | None = None


def _clock(context: Any) -> Clock:
    wait = sleep or time.sleep
    return Clock(remaining_ms=context.get_remaining_time_in_millis, sleep=wait, rand=random.random)


def _port(event: dict[str, Any], context: Any) -> lifecycle.ConnectPort:
    seed = TokenSeed(str(event["StackId"]), str(event["LogicalResourceId"]), str(event["RequestId"]))
    return ConnectApi(clock=_clock(context), seed=seed)


def _request(event: dict[str, Any], context: Any) -> Request:
    return Request(str(event["StackId"]), str(event["LogicalResourceId"]), _clock(context))


def _create(event: dict[str, Any], context: Any, port: lifecycle.ConnectPort, req: Request) -> Outcome:
    foreign = foreign_physical_id(event)
    helper.PhysicalResourceId = foreign
    pair, _ = lifecycle.resolve(port, req, _declared(event.get("ResourceProperties"), context))
    helper.PhysicalResourceId = mint_physical_id(pair)
    try:
        return lifecycle.create(pair, port, req)
    except LifecycleError as err:
        if not err.maybe_changed:
            helper.PhysicalResourceId = foreign
        raise


def _update(event: dict[str, Any], context: Any, port: lifecycle.ConnectPort, req: Request) -> Outcome:
    helper.PhysicalResourceId = event.get("PhysicalResourceId") or foreign_physical_id(event)
    declared = _declared(event.get("ResourceProperties"), context)
    old: Declared | None
    try:
        old = _declared(event.get("OldResourceProperties"), context)
    except PropertyError:
        old = None  # never valid, so never created by us
    new, old_props = lifecycle.resolve(port, req, declared, old)
    recorded = parse_physical_id(event.get("PhysicalResourceId"))
    return lifecycle.update(new, recorded, old_props, port, req)


def _delete(event: dict[str, Any], context: Any, port: lifecycle.ConnectPort, req: Request) -> Outcome:
    physical_id = event.get("PhysicalResourceId") or foreign_physical_id(event)
    helper.PhysicalResourceId = physical_id
    return Outcome(physical_id, note=lifecycle.delete(parse_physical_id(physical_id), port, req))


_ACTIONS = {"Create": _create, "Update": _update, "Delete": _delete}


def _run(event: dict[str, Any], context: Any) -> str:
    """Do the request; return the PhysicalResourceId or raise with the Reason CloudFormation will show."""
    started = time.monotonic()
    request_type = str(event.get("RequestType"))
    summary: dict[str, Any] = {"request_type": request_type, "logical_id": event.get("LogicalResourceId")}
    try:
        # cfn_response answers any other RequestType before this runs.
        outcome = _ACTIONS[request_type](event, context, _port(event, context), _request(event, context))
    except ReasonError as err:
        # The reason may quote the address the template gave; the log may not.
        summary.update(outcome="FAILED", reason=redact(str(err)))
        raise
    except Exception as err:
        logger.error("unexpected error\n%s", redact("".join(traceback.format_exception(err))))
        summary.update(outcome="FAILED", error=type(err).__name__)
        raise RuntimeError(
            f"Internal error ({type(err).__name__}) in the alias provider: see its logs for RequestId "
            f"{str(event.get('RequestId'))[:64]}, then retry the stack operation."
        ) from err
    else:
        helper.Data.update(outcome.data)
        helper.PhysicalResourceId = outcome.physical_id
        summary.update(outcome="SUCCESS", note=outcome.note)
        return outcome.physical_id
    finally:
        pair = parse_physical_id(helper.PhysicalResourceId)
        if pair is not None:
            summary.update(region=pair.region, instance_id=pair.instance_id, email_address_id=pair.primary_id,
                           alias_email_address_id=pair.alias_id)
        summary.update(physical_id=helper.PhysicalResourceId,
                       latency_ms=round((time.monotonic() - started) * 1000, 1))
        logger.info(json.dumps(summary))


helper.create(_run)
helper.update(_run)
helper.delete(_run)
