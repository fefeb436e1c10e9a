"""The feature flags a current `cdk init` writes into cdk.json: those the installed aws-cdk-lib recommends.

Without them the CDK CLI prints "N feature flags are not configured" on every synth. The list ships inside
aws-cdk-lib's jsii bundle (`recommended-feature-flags.json`), which `cdk init` copies from."""

from __future__ import annotations

import json
import tarfile
from functools import cache
from pathlib import Path
from typing import Any


@cache
def recommended_flags() -> dict[str, Any]:
    import aws_cdk

    (bundle,) = (Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz")
    with tarfile.open(bundle) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        return dict(json.load(member))


def missing_flags(cdk_json: Path) -> dict[str, Any]:
    """The recommended flags `cdk_json`'s context lacks or sets otherwise (paste them in to fix)."""
    context = json.loads(cdk_json.read_text())["context"]
    return {k: v for k, v in recommended_flags().items() if context.get(k) != v}
