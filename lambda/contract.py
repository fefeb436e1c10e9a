"""The resource's contract, spelled once: names, limits, the ID/ARN grammar, ownership tag, IAM, timeouts.

Standard library only, and no imports from the rest of the function, because the construct imports it too
(as ``connect_email_alias._function.contract``): a string is then accepted or refused identically at
``cdk synth`` and at deploy time. See docs/design.md § Handler ("One grammar").
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

RESOURCE_TYPE = "Custom::ConnectEmailAddressAlias"

# -- properties (names mirror Connect's AssociateEmailAddressAlias request) ---------------------------------
INSTANCE_ID = "InstanceId"
EMAIL_ADDRESS_ID = "EmailAddressId"
ALIAS_CONFIGURATION = "AliasConfiguration"
ALIAS_EMAIL_ADDRESS_ID = "EmailAddressId"  # the one key inside AliasConfiguration
ALIAS_PROPERTY = f"{ALIAS_CONFIGURATION}.{ALIAS_EMAIL_ADDRESS_ID}"
# Either address may be named by its email address instead of its ID (contract §1b; docs/design.md § Handler,
# "Addresses named by email"): exactly one of the two keys for each.
EMAIL_ADDRESS = "EmailAddress"  # instead of EmailAddressId
ALIAS_EMAIL_ADDRESS = "EmailAddress"  # inside AliasConfiguration, instead of its EmailAddressId
ALIAS_ADDRESS_PROPERTY = f"{ALIAS_CONFIGURATION}.{ALIAS_EMAIL_ADDRESS}"
#: CloudFormation adds these itself; they carry no meaning for the resource.
IGNORED_PROPERTIES = ("ServiceToken", "ServiceTimeout")
PROPERTIES = (INSTANCE_ID, EMAIL_ADDRESS_ID, EMAIL_ADDRESS, ALIAS_CONFIGURATION)
ALIAS_KEYS = (ALIAS_EMAIL_ADDRESS_ID, ALIAS_EMAIL_ADDRESS)

# -- attributes (Fn::GetAtt) ---------------------------------------------------------------------------------
ATTR_INSTANCE_ID = "InstanceId"
ATTR_EMAIL_ADDRESS_ID = "EmailAddressId"
ATTR_ALIAS_EMAIL_ADDRESS_ID = "AliasEmailAddressId"
ATTR_EMAIL_ADDRESS = "EmailAddress"
ATTR_ALIAS_EMAIL_ADDRESS = "AliasEmailAddress"
ATTRIBUTES = (
    ATTR_INSTANCE_ID, ATTR_EMAIL_ADDRESS_ID, ATTR_ALIAS_EMAIL_ADDRESS_ID, ATTR_EMAIL_ADDRESS,
    ATTR_ALIAS_EMAIL_ADDRESS,
)

# -- limits ------------------------------------------------------------------------------------------------
INSTANCE_ID_MAX = 100  # Connect's model: InstanceId 1-100
ADDRESS_ID_MAX = 500  # Connect's model: EmailAddressId 1-500
EMAIL_MAX = 255  # Connect's model: EmailAddress 1-255
ARN_MAX = 700  # "arn:" + partition, region, account and both IDs at their maxima fit well inside
REASON_MAX = 256  # CloudFormation shows at most this much of a Reason
PHYSICAL_ID_MAX_BYTES = 1024

#: Prefix of every PhysicalResourceId the function mints; anything else is not ours and is never acted on.
PHYSICAL_ID_PREFIX = "connect-email-alias:v1:"

# -- the grammar ---------------------------------------------------------------------------------------------
#: Printable ASCII without whitespace, '/' (it would change the REST path), ':' (the ARN separator) or '@'
#: (an email address given instead of its ID). Connect's IDs are UUIDs.
ID_PATTERN = r"[!-.0-9;-?A-~]+"
PARTITION_PATTERN = r"aws(?:-[a-z]+)*"
REGION_PATTERN = r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}"
ACCOUNT_PATTERN = r"\d{12}"
#: Connect's model for an email address (`EmailAddress`); control characters are refused too.
EMAIL_PATTERN = r"[^\s@]+@[^\s@]+\.[^\s@]+"
INSTANCE_ARN_SHAPE = "arn:<partition>:connect:<region>:<account>:instance/<instanceId>"
EMAIL_ADDRESS_ARN_SHAPE = INSTANCE_ARN_SHAPE + "/email-address/<emailAddressId>"

_ID = re.compile(ID_PATTERN)
_REGION = re.compile(REGION_PATTERN)
_EMAIL = re.compile(EMAIL_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION_PATTERN}):connect:(?P<region>{REGION_PATTERN}):"
    rf"(?P<account>{ACCOUNT_PATTERN}):"
    r"instance/(?P<instance>[^/]*)(?:/email-address/(?P<address>[^/]*))?"
)

Kind = Literal["instance", "email-address"]


class GrammarError(ValueError):
    """A value that is neither a valid ID nor a valid ARN; the message names it, the problem and the fix."""


@dataclass(frozen=True)
class IdOrArn:
    """One parsed value: the plain ID, and where an ARN said it lives (all None for a plain ID)."""

    id: str
    partition: str | None = None
    region: str | None = None
    account: str | None = None
    instance: str | None = None  # the instance an ARN names

    @property
    def is_arn(self) -> bool:
        return self.region is not None


def excerpt(value: object, limit: int = 40) -> str:
    """A short, printable rendering of an untrusted value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def is_id(value: str, kind: Kind) -> bool:
    """Whether `value` is a plain ID of `kind` (length and characters)."""
    limit = INSTANCE_ID_MAX if kind == "instance" else ADDRESS_ID_MAX
    return 0 < len(value) <= limit and _ID.fullmatch(value) is not None


def is_region(value: str) -> bool:
    return _REGION.fullmatch(value) is not None


def parse_id_or_arn(value: object, kind: Kind, name: str, *, email_name: str | None = None) -> IdOrArn:
    """Parse an instance or email-address ID or ARN; raise `GrammarError` naming `name` and the fix.

    Values starting with ``arn:`` are ARNs; anything else is a plain ID. `email_name` is where the address
    could be named by its email instead, which the message for an email address given here points at.
    """
    shape = INSTANCE_ARN_SHAPE if kind == "instance" else EMAIL_ADDRESS_ARN_SHAPE
    what = f"a Connect {kind} ID or {kind} ARN"
    if not isinstance(value, str):
        raise GrammarError(f"{name} must be a string ({what}); got {type(value).__name__} {excerpt(value)}.")
    if value == "":
        raise GrammarError(f"{name} is empty: set it to {what}.")
    if not value.startswith("arn:"):
        limit = INSTANCE_ID_MAX if kind == "instance" else ADDRESS_ID_MAX
        if len(value) > limit:
            raise GrammarError(f"{name} is {len(value)} characters, more than {limit}: use {what}.")
        if "@" in value and _ID.fullmatch(value.replace("@", "-")) and email_name is not None:
            raise GrammarError(
                f"{name} {excerpt(value)} is an email address, not an ID: use {email_name} instead to name "
                "the address by email (or give its ID or ARN here)."
            )
        if "@" in value and _ID.fullmatch(value.replace("@", "-")):
            raise GrammarError(
                f"{name} {excerpt(value)} looks like an email address: pass the email address's ID (or ARN), "
                "not the address."
            )
        if not _ID.fullmatch(value):
            raise GrammarError(
                f"{name} {excerpt(value)} contains whitespace, control or non-ASCII characters, '/', ':' or "
                f"'@': use {what}."
            )
        return IdOrArn(value)
    if len(value) > ARN_MAX:
        raise GrammarError(f"{name} is {len(value)} characters, more than {ARN_MAX}: use {what}.")
    match = _ARN.fullmatch(value)
    if match is None:
        raise GrammarError(f"{name} is not an ARN of the form {shape}: {_arn_problem(value)}.")
    instance, address = match["instance"], match["address"]
    if kind == "instance" and address is not None:
        raise GrammarError(
            f"{name} is an email-address ARN (it ends in {excerpt('/email-address/' + address, 60)}): use "
            f"the instance's ARN, {INSTANCE_ARN_SHAPE}."
        )
    if kind == "email-address" and address is None:
        raise GrammarError(
            f"{name} is an instance ARN (it ends at {excerpt('instance/' + instance, 60)}): use the email "
            "address's ARN, which adds /email-address/<emailAddressId>."
        )
    if not is_id(instance, "instance"):
        raise GrammarError(f"{name} has an invalid instance ID {excerpt(instance)}: use {shape}.")
    if address is not None and not is_id(address, "email-address"):
        raise GrammarError(f"{name} has an invalid email-address ID {excerpt(address)}: use {shape}.")
    return IdOrArn(address or instance, match["partition"], match["region"], match["account"], instance)


def email_key(address: str) -> str:
    """How two email addresses compare: case-insensitively (Connect's own search ignores case too)."""
    return address.lower()


def parse_email(value: object, name: str, id_name: str) -> str:
    """An email address naming an address (``support@example.com``), as given; raise `GrammarError` naming
    `name` and pointing at `id_name` (the ID/ARN form) for anything that is not one."""
    what = "an email address like support@example.com"
    if not isinstance(value, str):
        raise GrammarError(f"{name} must be a string ({what}); got {type(value).__name__} {excerpt(value)}.")
    if value == "":
        raise GrammarError(f"{name} is empty: set it to {what}, or name the address by ID with {id_name}.")
    if len(value) > EMAIL_MAX:
        raise GrammarError(f"{name} is {len(value)} characters, more than {EMAIL_MAX}: use {what}.")
    if _EMAIL.fullmatch(value) is None or _CONTROL.search(value):
        raise GrammarError(
            f"{name} {excerpt(value)} is not an email address: use {what}, or name the address by ID or "
            f"ARN with {id_name}."
        )
    return value


def check_one_form(by_id: object, by_email: object, id_name: str, email_name: str) -> None:
    """Exactly one of the two forms names an address (None: not given)."""
    if by_id is not None and by_email is not None:
        raise GrammarError(
            f"{id_name} and {email_name} are both set: name the address one way, by ID or ARN or by its "
            "email address; remove one of them."
        )
    if by_id is None and by_email is None:
        raise GrammarError(
            f"{id_name} or {email_name} is required: set one (the address's ID or ARN, or its email address)."
        )


def check_distinct_emails(
    primary: str | None, alias: str | None, names: tuple[str, str] = (EMAIL_ADDRESS, ALIAS_ADDRESS_PROPERTY)
) -> None:
    """An alias named by email other than its primary named by email (compared as `email_key` does)."""
    if primary is not None and alias is not None and email_key(primary) == email_key(alias):
        raise GrammarError(
            f"{names[1]} equals {names[0]} ({excerpt(primary)}, ignoring case): an address cannot be its own "
            "alias; choose a different alias address."
        )


def check_account(name: str, arn_account: str | None, own_account: str | None, whose: str) -> None:
    """An ARN's account is the provider's own (a provider acts in its own account); None skips the check."""
    if arn_account is None or own_account is None or arn_account == own_account:
        return
    raise GrammarError(
        f"{name} names account {arn_account}, but {whose} is in account {own_account} and acts in its own "
        f"account only: use an instance of account {own_account}, or deploy the alias in account "
        f"{arn_account}."
    )


def _arn_problem(value: str) -> str:
    """Which part of a value that starts with ``arn:`` but does not parse is wrong, quoted."""
    parts = value.split(":", 5)
    if len(parts) < 6:
        return f"it has {len(parts) - 1} of the 5 ':' separators an ARN needs"
    _, partition, service, region, account, resource = parts
    if not re.fullmatch(PARTITION_PATTERN, partition):
        return f"its partition {excerpt(partition)} is not aws, aws-cn, aws-us-gov or another aws-..."
    if service != "connect":
        return f"its service {excerpt(service)} is not connect"
    if not is_region(region):
        return f"its region {excerpt(region)} is not a region name such as us-east-1"
    if not re.fullmatch(ACCOUNT_PATTERN, account):
        return f"its account {excerpt(account)} is not 12 digits"
    head, _, tail = resource.partition("/")
    if head != "instance":
        return f"its resource starts {excerpt(head)}, not instance/"
    rest = tail.partition("/")[2]
    return f"after its instance ID comes {excerpt('/' + rest, 60)}, not /email-address/<emailAddressId>"


#: Said where an ID has upper-case letters: Connect issues its IDs as lower-case UUIDs. Whether it would match
#: an ID in another case is not documented, so such an ID is accepted (at synth and deploy alike) and the
#: hint goes with the warning at synth and with the "not found" reason at deploy (docs/design.md § Handler).
LOWER_CASE_HINT = "Connect's IDs are lower-case UUIDs"


def has_upper_case(value: str) -> bool:
    """Whether an ID (or the ID an ARN ends in) has upper-case letters, which Connect's own IDs never do."""
    return value != value.lower()


def check_one_instance(
    instance: IdOrArn | None,
    primary: IdOrArn | None,
    alias: IdOrArn | None,
    names: tuple[str, str, str] = (INSTANCE_ID, EMAIL_ADDRESS_ID, ALIAS_PROPERTY),
) -> None:
    """The rules across the three values: ARNs in one partition, region and account, addresses of the
    resource's instance, an alias other than its primary. None (a CDK token, unknown until deploy) skips
    what needs it, so synth and deploy refuse the same literals with the same words."""
    instance_name, primary_name, alias_name = names
    values = zip(names, (instance, primary, alias), strict=True)
    arns = [(n, r) for n, r in values if r is not None and r.is_arn]
    differ = [
        (field, sorted({str(getattr(r, field)) for _, r in arns}))
        for field in ("partition", "region", "account")
        if len({getattr(r, field) for _, r in arns}) > 1
    ]
    if differ:
        which = " and ".join(f"{field}s ({', '.join(found)})" for field, found in differ)
        raise GrammarError(
            f"{' and '.join(n for n, _ in arns)} are ARNs in different {which}: use ARNs of one instance, or "
            "plain IDs."
        )
    for name, ref in ((primary_name, primary), (alias_name, alias)):
        if instance is not None and ref is not None and ref.instance not in (None, instance.id):
            raise GrammarError(
                f"{name} is an ARN in instance {excerpt(ref.instance)}, but {instance_name} is "
                f"{excerpt(instance.id)}: use an address of the resource's instance."
            )
    if primary is not None and alias is not None and primary.id == alias.id:
        raise GrammarError(
            f"{alias_name} equals {primary_name} ({excerpt(primary.id)}): an address cannot be its own "
            "alias; choose a different alias address."
        )


# -- ownership (docs/design.md § Handler, "Ownership") ------------------------------------------------------
#: Tag on the ALIAS email address naming the resource that owns its alias relation.
OWNER_TAG_KEY = "connect-email-alias:owner"
_OWNER_HASH_CHARS = 16
_TAG_VALUE_MAX = 256
_TAG_SAFE = re.compile(r"[^A-Za-z0-9_.:/=+\-@ ]")


def owner_tag_value(stack_id: str, logical_id: str, primary_id: str) -> str:
    """The owner record of one pair: ``<hash>/<stack name>/<logical id>``.

    ``<hash>`` is the first 16 hex digits of sha256(StackId, LogicalResourceId and the primary's ID joined
    by ``\\x1f``).

    It goes on the alias address (which serves one primary at a time). The hash decides: it names the
    resource (StackId carries the stack's unique suffix, so a re-created stack is a new owner) and the primary
    (so a swap's cleanup Delete of (P, A) cannot take the record of this resource's new (P2, A) for its own).
    The readable tail, cut to 256 characters and to the tag-value character set, is for people.
    """
    text = f"{stack_id}\x1f{logical_id}\x1f{primary_id}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:_OWNER_HASH_CHARS]
    parts = stack_id.split("/")
    stack_name = parts[1] if len(parts) > 2 else "stack"
    readable = _TAG_SAFE.sub("_", f"{stack_name}/{logical_id}")
    return f"{digest}/{readable}"[:_TAG_VALUE_MAX]


@dataclass(frozen=True)
class OwnerRecord:
    """An owner record read back. `digest` decides who owns the pair (compare whole records, as the function
    does); `stack_name` and `logical_id` are the readable tail, for people."""

    digest: str
    stack_name: str
    logical_id: str


_OWNER_RECORD = re.compile(rf"(?P<digest>[0-9a-f]{{{_OWNER_HASH_CHARS}}})/(?P<stack>[^/]+)/(?P<logical>.+)")


def parse_owner_record(value: str) -> OwnerRecord | None:
    """The parts of a record `owner_tag_value` wrote; None for any other value (e.g. a tag set by hand)."""
    match = _OWNER_RECORD.fullmatch(value)
    return OwnerRecord(match["digest"], match["stack"], match["logical"]) if match else None


def same_stack(record: str, other: str) -> bool:
    """Whether two owner records name resources of one stack (by the readable tail's stack name, which
    the cut to 256 characters never reaches: stack names have at most 128)."""
    mine, theirs = parse_owner_record(record), parse_owner_record(other)
    return mine is not None and theirs is not None and mine.stack_name == theirs.stack_name


# -- what the function calls, and the IAM it needs -----------------------------------------------------------
#: Connect operations the function calls; the staged model is cut to exactly these.
CONNECT_OPERATIONS = (
    "DescribeEmailAddress",
    "AssociateEmailAddressAlias",
    "DisassociateEmailAddressAlias",
    "TagResource",
    "UntagResource",
    "SearchEmailAddresses",
)
#: The calls that change an alias relation: the "mutating" calls the budget counts (tag calls apart).
MUTATING_OPERATIONS = ("AssociateEmailAddressAlias", "DisassociateEmailAddressAlias")
#: On `arn:<partition>:connect:<region>:<account>:instance/<id>/email-address/*`.
IAM_ADDRESS_ACTIONS = (
    "connect:AssociateEmailAddressAlias",
    "connect:DisassociateEmailAddressAlias",
    "connect:DescribeEmailAddress",
    "connect:TagResource",
    "connect:UntagResource",
)
#: On `arn:<partition>:connect:<region>:<account>:instance/<id>`: to resolve addresses named by email, and to
#: explain a conflict.
IAM_INSTANCE_ACTIONS = ("connect:SearchEmailAddresses",)

# -- time ----------------------------------------------------------------------------------------------------
#: The function's timeout, Lambda's maximum (docs/design.md § Handler, "Quota"): at Connect's default quota
#: 497 Creates need at least 497 s of DescribeEmailAddress alone, and every invocation starts at once.
FUNCTION_TIMEOUT_S = 900
#: CloudFormation's ServiceTimeout on every resource: the function's timeout, Lambda's retry of a crashed
#: event (up to 2 minutes later) and that retry's own timeout.
SERVICE_TIMEOUT_S = 1920

# -- the quota a provider may be told (docs/design.md § Handler, "Quota") ----------------------------------
#: Connect's default rate quota for each API the function calls (requests per second, per account-region).
DEFAULT_REQUESTS_PER_SECOND = 2.0
#: The rates a provider may be told: from half the default (leaving part of the quota to the account's other
#: callers; much slower, and a large stack outlasts the function's timeout) to 1000/s (beyond, the value is
#: more likely a burst or a per-minute figure than a rate).
REQUESTS_PER_SECOND_RANGE = (1.0, 1000.0)
#: The function's environment variable holding the rate its provider was told; absent: the default.
REQUESTS_PER_SECOND_ENV = "CONNECT_REQUESTS_PER_SECOND"
#: The function's environment variable holding how many aliases its provider serves, rounded up to a multiple
#: of `ALIASES_SERVED_STEP` (so the function's configuration changes only every so many aliases): the
#: construct counts them at synth; absent (raw templates, a provider with no alias of its own): sized for the
#: largest stack.
ALIASES_SERVED_ENV = "CONNECT_ALIASES_SERVED"
ALIASES_SERVED_STEP = 50


def aliases_served_text(count: int) -> str:
    """The variable's value for `count` aliases: rounded up to a multiple of `ALIASES_SERVED_STEP`."""
    return str(-(-count // ALIASES_SERVED_STEP) * ALIASES_SERVED_STEP)


def parse_requests_per_second(value: object, name: str) -> float:
    """A told request rate, as a float; raise `GrammarError` naming `name`, the problem and the fix."""
    low, high = REQUESTS_PER_SECOND_RANGE
    fix = (
        "set it to the per-API request rate your account's Connect quota allows (Service Quotas → Amazon "
        f"Connect), or leave it unset for Connect's default of {DEFAULT_REQUESTS_PER_SECOND:g}"
    )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GrammarError(
            f"{name} must be a number of requests per second from {low:g} to {high:g}; got "
            f"{type(value).__name__} {excerpt(value)}: {fix}."
        )
    rate = float(value)
    if not low <= rate <= high:  # NaN fails this too
        raise GrammarError(f"{name} {value!r} is not between {low:g} and {high:g}: {fix}.")
    return rate
