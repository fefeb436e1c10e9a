"""Where Amazon Connect answers: the regions botocore's endpoint data lists it in; a request's signing region.

The region a request is signed for picks what the emulator serves (moto's one backend per account and
region): the seeded instances live in the emulator's own region, another Connect region has none of them, and
a region without a Connect endpoint has no server to answer (docs/design.md, "Offline test bed").
"""

from __future__ import annotations

import functools
import re

# SigV4: "AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/<service>/aws4_request, SignedHeaders=..."
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/[^/,\s]+/aws4_request")


@functools.cache
def connect_regions() -> dict[str, str]:
    """Region -> partition, for every region the installed botocore's endpoint data lists Connect in."""
    import botocore.session  # a core dependency; imported here so the package loads without touching it

    session = botocore.session.get_session()
    return {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("connect", partition)
    }


def signing_region(authorization: str) -> str | None:
    """The region of a SigV4 ``Authorization`` header's credential scope; None when it names none."""
    found = _SCOPE.search(authorization)
    return found.group(1) if found else None
