"""AWS as every subcommand meets it: a session from ``--region``/``--profile`` and the SDK's own chain
(environment, profiles, SSO, ``AWS_ENDPOINT_URL_<SERVICE>``), clients that stay polite under Connect's
quota, and AWS's errors turned into one line a person can act on (never a traceback)."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)

NO_CREDENTIALS = (
    "No AWS credentials found: pass --profile or set AWS_PROFILE (after `aws configure` or `aws sso login`), "
    "or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
)
#: Adaptive retries: botocore backs off on throttling and then paces itself to the rate Connect allows
#: (its default quota is 2 requests/s with a burst of 5, shared with the contact centre).
CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": 10},
    connect_timeout=5,
    read_timeout=20,
    user_agent_extra="connect-email-alias-cli",
)
_CLOUDFORMATION = frozenset({"ListStackResources", "DescribeStacks", "DescribeStackResources"})
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
_EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
_REFUSED = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"})


class CliError(Exception):
    """What stops a subcommand: one line for the operator (exit status 2)."""


def session(region: str | None, profile: str | None) -> boto3.Session:
    """A session with a region and credentials, or `CliError` saying which is missing and how to fix it.

    The region is `region`, else ``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile's (as the AWS CLI
    orders them)."""
    try:
        chosen = region or os.environ.get("AWS_REGION") or None
        found = boto3.Session(profile_name=profile, region_name=chosen)
        credentials = found.get_credentials()
    except ProfileNotFound as err:
        raise CliError(f"AWS profile {profile!r} was not found: check --profile or AWS_PROFILE.") from err
    except BotoCoreError as err:
        raise CliError(one_line(err)) from err
    if found.region_name is None:
        raise CliError("No AWS region: pass --region, set AWS_REGION, or give your profile a region.")
    if credentials is None:
        raise CliError(NO_CREDENTIALS)
    return found


def client(aws: boto3.Session, service: str, region: str | None = None, **kwargs: Any) -> Any:
    """A client with adaptive retries; ``AWS_ENDPOINT_URL_<SERVICE>`` applies as in every SDK."""
    return aws.client(service, region_name=region, config=CONFIG, **kwargs)  # type: ignore[call-overload]


def one_line(error: BaseException) -> str:
    """An AWS SDK error as one actionable line."""
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return NO_CREDENTIALS
    if isinstance(error, NoRegionError):
        return "No AWS region: pass --region, set AWS_REGION, or give your profile a region."
    if isinstance(error, (SSOError, TokenRetrievalError)):
        return f"The SSO session could not give credentials ({type(error).__name__}): run `aws sso login`."
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError)):
        return f"Could not reach AWS ({error}): check --region, the network and AWS_ENDPOINT_URL_* variables."
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code") or "Unknown")
        message = str(error.response.get("Error", {}).get("Message") or "").strip()
        operation = error.operation_name
        service = "cloudformation" if operation in _CLOUDFORMATION else "connect"
        if code in _DENIED:
            return f"{operation} was denied: grant your credentials {service}:{operation} (README, Operate)."
        if code in _EXPIRED:
            return f"{operation}: the credentials have expired ({code}): refresh them (e.g. `aws sso login`)."
        if code in _REFUSED:
            return f"{operation}: AWS did not accept the credentials ({code}): check the profile or keys."
        return f"{operation} failed ({code}): {message}"
    return f"{type(error).__name__}: {error}"
