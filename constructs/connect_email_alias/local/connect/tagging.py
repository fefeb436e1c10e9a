"""Tag rules for Connect resources (TagResource / UntagResource), from the botocore model's TagMap.

Keys are 1-128 characters of letters, digits, spaces and ``_.:/=+-@`` and must not start with ``aws:``;
values are at most 256 characters; a request carries 1-50 tags or keys. Pure checks, no state.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from .exceptions import invalid_parameter

#: Most tags one resource may carry (the model's TagMap maximum, AWS's usual per-resource limit).
MAX_TAGS = 50
_KEY_PUNCTUATION = frozenset("_.:/=+-@")


def _key_problem(key: object) -> str | None:
    if not isinstance(key, str) or not 1 <= len(key) <= 128:
        return "must be 1 to 128 characters"
    if key.startswith("aws:"):
        return "must not start with the reserved prefix aws:"
    for char in key:
        if char not in _KEY_PUNCTUATION and unicodedata.category(char)[0] not in "LZN":
            return f"contains {char!r}; use letters, digits, spaces and _.:/=+-@"
    return None


def check_tags(tags: Any) -> dict[str, str]:
    """The tags of a TagResource/CreateEmailAddress request; InvalidParameterException names a bad one."""
    if not isinstance(tags, Mapping) or not 1 <= len(tags) <= MAX_TAGS:
        raise invalid_parameter(f"tags must be a map of 1 to {MAX_TAGS} entries")
    for key, value in tags.items():
        problem = _key_problem(key)
        if problem is not None:
            raise invalid_parameter(f"Tag key {key!r} {problem}")
        if not isinstance(value, str) or len(value) > 256:
            raise invalid_parameter(f"Tag value of {key!r} must be a string of at most 256 characters")
    return dict(tags)


def check_tag_keys(keys: Iterable[Any]) -> list[str]:
    """The keys of an UntagResource request (1-50 valid keys)."""
    listed = list(keys)
    if not 1 <= len(listed) <= MAX_TAGS:
        raise invalid_parameter(f"tagKeys must list 1 to {MAX_TAGS} keys")
    for key in listed:
        problem = _key_problem(key)
        if problem is not None:
            raise invalid_parameter(f"Tag key {key!r} {problem}")
    return [str(k) for k in listed]


def merged(current: Mapping[str, str], added: Mapping[str, str]) -> dict[str, str]:
    """``current`` with ``added`` applied; more than :data:`MAX_TAGS` in all is refused."""
    result = {**current, **added}
    if len(result) > MAX_TAGS:
        # CHOICE: TagResource models no quota error, so too many tags is InvalidParameterException.
        raise invalid_parameter(f"A resource can have at most {MAX_TAGS} tags; it would have {len(result)}")
    return result
