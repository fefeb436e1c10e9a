"""The HTTPS response receiver: real TLS PUTs, CloudFormation's response rules, and its fault modes."""

from __future__ import annotations

import http.client
import json
import ssl
from urllib.parse import urlsplit

import pytest
from connect_email_alias.local.cloudformation.receiver import Expectation, validate_response

STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/S/1"


def good(request_id: str, **changes):
    body = {
        "Status": "SUCCESS",
        "Reason": "",
        "PhysicalResourceId": "phys-1",
        "StackId": STACK,
        "RequestId": request_id,
        "LogicalResourceId": "Alias",
        "NoEcho": False,
        "Data": {"EmailAddress": "a@example.com"},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def put(receiver, url: str, body) -> int:
    """A PUT like crhelper's: http.client over TLS, trusting only the receiver's CA."""
    context = ssl.create_default_context(cafile=str(receiver.ca_bundle))
    parts = urlsplit(url)
    connection = http.client.HTTPSConnection(parts.netloc, context=context, timeout=10)
    try:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection.request("PUT", f"{parts.path}?{parts.query}", body=payload, headers={"content-type": ""})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_valid_response_is_accepted_and_can_be_awaited(receiver):
    url = receiver.response_url("r1", expect=Expectation(STACK, "Alias"))
    assert url.startswith("https://127.0.0.1:") and receiver.url_secret in url
    assert put(receiver, url, good("r1")) == 200
    answer = receiver.wait_for("r1", timeout=5)
    assert answer is not None
    assert (answer.status, answer.physical_resource_id, answer.violations) == ("SUCCESS", "phys-1", ())
    assert answer.data == {"EmailAddress": "a@example.com"}


def test_the_default_ssl_context_trusts_the_receiver_through_ssl_cert_file(receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(receiver.ca_bundle))
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)  # what crhelper uses
    parts = urlsplit(receiver.response_url("r1"))
    connection = http.client.HTTPSConnection(parts.netloc, context=context, timeout=10)
    connection.request("PUT", f"{parts.path}?{parts.query}", body=json.dumps(good("r1")))
    assert connection.getresponse().status == 200
    connection.close()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"Status": "DONE"}, "Status must be SUCCESS or FAILED"),
        ({"PhysicalResourceId": ""}, "PhysicalResourceId must be a non-empty string"),
        ({"PhysicalResourceId": "p" * 1025}, "longer than 1024 bytes"),
        ({"StackId": "arn:other"}, "StackId"),
        ({"RequestId": "other"}, "RequestId"),
        ({"LogicalResourceId": "Other"}, "LogicalResourceId"),
        ({"Status": "FAILED", "Reason": None}, "Reason is required"),
        ({"Data": {"Count": 3}}, "Data values must be strings; not: Count"),
        ({"Data": {"Big": "x" * 4100}}, "at most 4096"),
    ],
)
def test_each_rule_is_checked(receiver, changes, problem):
    url = receiver.response_url("r1", expect=Expectation(STACK, "Alias"))
    assert put(receiver, url, good("r1", **changes)) == 200
    answer = receiver.wait_for("r1", timeout=5)
    assert answer is not None
    assert any(problem in v for v in answer.violations), answer.violations
    assert receiver.violations()


def test_non_json_is_a_violation():
    body, problems = validate_response(b"not json", "r1")
    assert body is None
    assert problems and "not JSON" in problems[0]


def test_refused_puts_are_not_recorded(receiver):
    receiver.refuse_next(1)
    url = receiver.response_url("r1")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        put(receiver, url, good("r1"))
    assert receiver.responses("r1") == []
    assert put(receiver, url, good("r1")) == 200
    assert [outcome for _, outcome in receiver.attempts] == ["refused", "accepted"]


def test_5xx_answers_are_not_recorded(receiver):
    receiver.fail_next(2, status=503)
    url = receiver.response_url("r1")
    assert [put(receiver, url, good("r1")) for _ in range(3)] == [503, 503, 200]
    assert len(receiver.responses("r1")) == 1


def test_a_wrong_signature_is_rejected(receiver):
    url = receiver.response_url("r1").replace(receiver.url_secret, "forged")
    assert put(receiver, url, good("r1")) == 403
    assert receiver.responses() == []


def test_waiting_for_a_response_that_never_comes_times_out(receiver):
    assert receiver.wait_for("never", timeout=0.1) is None


def test_repeated_answers_are_all_kept_in_order(receiver):
    url = receiver.response_url("r1")
    put(receiver, url, good("r1", PhysicalResourceId="first"))
    put(receiver, url, good("r1", PhysicalResourceId="second"))
    second = receiver.wait_for("r1", timeout=5, count=2)
    assert second is not None and second.physical_resource_id == "second"
