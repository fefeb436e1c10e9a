"""SearchEmailAddresses: criteria, tag filter and pagination, per the API reference and the botocore model.

The reference says: ``OrConditions`` and ``AndConditions`` are lists of criteria joined by OR and by AND,
a ``StringCondition`` is a leaf of FieldName, Value and ComparisonType (STARTS_WITH, CONTAINS or EXACT; all
three optional), and a page holds 1 to 100 results. What it leaves open is marked CHOICE. Each result carries
``AliasConfigurations`` like DescribeEmailAddress does (docs/design.md, "Offline test bed").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .exceptions import invalid_parameter
from .models import EmailAddress, Seen

#: Page size when the request gives no MaxResults (CHOICE: the model's maximum).
DEFAULT_PAGE = 100

# CHOICE: the model leaves StringCondition.FieldName open; these are the text fields an email address
# has, matched case-insensitively with or without underscores ("email_address", "EmailAddress").
_FIELDS: dict[str, Callable[[EmailAddress], str | None]] = {
    "emailaddress": lambda a: a.email_address,
    "displayname": lambda a: a.display_name,
    "description": lambda a: a.description,
}
_BAD_TOKEN = "NextToken is not a token this search returned"


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise invalid_parameter(f"{name} must be an object")
    return value


def _list(value: Any, name: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise invalid_parameter(f"{name} must be a list")
    return value


def _string_match(address: EmailAddress, condition: Mapping[str, Any]) -> bool:
    field = _FIELDS.get(str(condition.get("FieldName", "")).replace("_", "").lower())
    if field is None:
        raise invalid_parameter(
            f"StringCondition.FieldName {condition.get('FieldName')!r} is not one of "
            "email_address, display_name, description"
        )
    wanted = condition.get("Value")
    if not isinstance(wanted, str):
        # CHOICE: the reference marks Value optional, but a condition on nothing has no meaning: 400.
        raise invalid_parameter("StringCondition.Value must be a string")
    # CHOICE: comparisons ignore case (an email address's domain does; the reference does not say).
    value, wanted = (field(address) or "").lower(), wanted.lower()
    # CHOICE: ComparisonType is optional in the reference; without one the value must match exactly.
    kind = condition.get("ComparisonType", "EXACT")
    if kind == "STARTS_WITH":
        return value.startswith(wanted)
    if kind == "CONTAINS":
        return wanted in value
    if kind == "EXACT":
        return value == wanted
    raise invalid_parameter(f"StringCondition.ComparisonType {kind!r} is not STARTS_WITH, CONTAINS or EXACT")


def criteria_match(address: EmailAddress, criteria: Mapping[str, Any]) -> bool:
    """SearchCriteria: a StringCondition leaf and/or nested And/Or lists.

    CHOICE: when one level gives several of the three, every one must hold; an empty OrConditions matches
    nothing and an empty AndConditions everything (as OR and AND over no terms do).
    """
    if "StringCondition" in criteria and not _string_match(
        address, _object(criteria["StringCondition"], "StringCondition")
    ):
        return False
    if "AndConditions" in criteria and not all(
        criteria_match(address, _object(c, "AndConditions[]"))
        for c in _list(criteria["AndConditions"], "AndConditions")
    ):
        return False
    return "OrConditions" not in criteria or any(
        criteria_match(address, _object(c, "OrConditions[]"))
        for c in _list(criteria["OrConditions"], "OrConditions")
    )


def _tag_holds(seen: Seen, condition: Any) -> bool:
    condition = _object(condition, "TagCondition")
    key, value = condition.get("TagKey"), condition.get("TagValue")
    if not isinstance(key, str):
        raise invalid_parameter("TagCondition.TagKey must be a string")
    # CHOICE: a condition without TagValue matches any value of the key.
    return key in seen.tags and (value is None or seen.tags[key] == value)


def tags_match(seen: Seen, tag_filter: Mapping[str, Any]) -> bool:
    """TagFilter: TagCondition, AndConditions (all), OrConditions (any of AND-lists).

    CHOICE: when several of the three are given, every one must hold.
    """
    if "TagCondition" in tag_filter and not _tag_holds(seen, tag_filter["TagCondition"]):
        return False
    if "AndConditions" in tag_filter and not all(
        _tag_holds(seen, c) for c in _list(tag_filter["AndConditions"], "AndConditions")
    ):
        return False
    return "OrConditions" not in tag_filter or any(
        all(_tag_holds(seen, c) for c in _list(group, "OrConditions[]"))
        for group in _list(tag_filter["OrConditions"], "OrConditions")
    )


def _sort_key(hit: Seen) -> list[str]:
    return [hit.address.email_address.lower(), hit.address.email_address_id]


def page(
    hits: list[Seen], body: Mapping[str, Any], describe: Callable[[Seen], dict[str, Any]]
) -> dict[str, Any]:
    """One page of ``hits`` for the request ``body``; each hit rendered by ``describe``.

    CHOICE: NextToken is opaque and names the last address returned (sorted by address string, then
    ID), so addresses added or removed between pages neither repeat nor shift the others.
    """
    size = body.get("MaxResults", DEFAULT_PAGE)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100:
        raise invalid_parameter("MaxResults must be an integer from 1 to 100")
    rest = sorted(hits, key=_sort_key)
    if body.get("NextToken") is not None:
        try:
            after = json.loads(base64.urlsafe_b64decode(str(body["NextToken"]).encode()))
        except (binascii.Error, ValueError) as error:
            raise invalid_parameter(_BAD_TOKEN) from error
        if not (isinstance(after, list) and len(after) == 2 and all(isinstance(k, str) for k in after)):
            raise invalid_parameter(_BAD_TOKEN)
        rest = [hit for hit in rest if _sort_key(hit) > after]
    result: dict[str, Any] = {
        "EmailAddresses": [describe(hit) for hit in rest[:size]],
        "ApproximateTotalCount": len(hits),
    }
    if len(rest) > size:
        last = json.dumps(_sort_key(rest[size - 1])).encode()
        result["NextToken"] = base64.urlsafe_b64encode(last).decode()
    return result


def filters(body: Mapping[str, Any]) -> Callable[[Seen], bool]:
    """The predicate of the request's SearchCriteria and SearchFilter.TagFilter."""
    criteria = _object(body.get("SearchCriteria") or {}, "SearchCriteria")
    search_filter = _object(body.get("SearchFilter") or {}, "SearchFilter")
    tag_filter = _object(search_filter.get("TagFilter") or {}, "SearchFilter.TagFilter")
    return lambda seen: criteria_match(seen.address, criteria) and tags_match(seen, tag_filter)
