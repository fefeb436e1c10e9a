"""A tiny custom-resource function for the player's tests: it answers like crhelper and reports what it saw.

It answers with an ``http.client`` PUT to the ResponseURL (as crhelper does); its PhysicalResourceId is
``res-<Name>``, and ``Mode`` = ``fail`` / ``sleep`` makes Create and Update fail or hang.
"""

from __future__ import annotations

from pathlib import Path

HANDLER = r"""
import http.client, json, os, ssl, sys, time, urllib.parse


def _answer(event, status, physical, data=None, reason=None):
    body = {"Status": status, "PhysicalResourceId": physical, "StackId": event["StackId"],
            "RequestId": event["RequestId"], "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {}}
    if reason:
        body["Reason"] = reason
    url = urllib.parse.urlsplit(event["ResponseURL"])
    connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
    connection.request("PUT", url.path + "?" + url.query, body=json.dumps(body), headers={"content-type": ""})
    connection.getresponse().read()


def handler(event, context):
    props = event["ResourceProperties"]
    mode = props.get("Mode", "ok")
    if mode == "sleep" and event["RequestType"] != "Delete":
        time.sleep(600)
    physical = "res-" + props.get("Name", "unnamed")
    if event["RequestType"] == "Delete":
        physical = event["PhysicalResourceId"]
    try:
        import connect_email_alias  # noqa: F401
        project_visible = "yes"
    except ImportError:
        project_visible = "no"
    import boto3
    data = {
        "SysPath": json.dumps(sys.path),
        "ProjectVisible": project_visible,
        "Boto3": boto3.__file__,
        "Greeting": os.environ.get("GREETING", ""),
        "Endpoint": os.environ.get("AWS_ENDPOINT_URL_CONNECT", ""),
        "FunctionName": context.function_name,
        "RemainingPositive": str(context.get_remaining_time_in_millis() > 0),
    }
    if mode == "fail" and event["RequestType"] != "Delete":
        _answer(event, "FAILED", event.get("PhysicalResourceId", physical), reason="asked to fail")
        return
    _answer(event, "SUCCESS", physical, data)
"""


def recording_function(folder: Path) -> Path:
    """``folder`` holding the function as ``index.handler``."""
    folder.mkdir(parents=True)
    (folder / "index.py").write_text(HANDLER)
    return folder
