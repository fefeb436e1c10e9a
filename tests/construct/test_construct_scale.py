"""Scale: a stack of 400 aliases stays one function + one role and inside CloudFormation's limits.

``pytest tests/construct/test_construct_scale.py -s`` prints the template bytes and resource counts.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from cfnlint.api import lint_file
from connect_email_alias import RESOURCE_TYPE

from .conftest import add_aliases

MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000  # through S3, which the CDK CLI uses for large templates


def _synth(outdir: Path, count: int) -> Path:
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, f"Aliases{count}", env=cdk.Environment(region="us-east-1"))
    add_aliases(stack, count, prefix="Alias")
    app.synth()
    return outdir / f"{stack.stack_name}.template.json"


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, int, int, int]]:
    """count -> (template, bytes as written, compact bytes, resources)."""
    out = {}
    for count in (1, 100, 400):
        path = _synth(tmp_path_factory.mktemp(f"scale{count}"), count)
        template = json.loads(path.read_text())
        compact = len(json.dumps(template, separators=(",", ":")))
        out[count] = (path, path.stat().st_size, compact, len(template["Resources"]))
    return out


def test_resources_and_bytes_per_alias(figures: dict[int, tuple[Path, int, int, int]]) -> None:
    print("\naliases  resources  template bytes  bytes/alias  compact bytes/alias")
    for count, (path, size, compact, resources) in figures.items():
        template = json.loads(path.read_text())
        aliases = [r for r in template["Resources"].values() if r["Type"] == RESOURCE_TYPE]
        assert len(aliases) == count
        assert resources == count + 3  # + function, role, log group
        assert resources <= MAX_RESOURCES and size <= MAX_TEMPLATE_BYTES
        print(f"{count:7d}  {resources:9d}  {size:14d}  {size / count:11.0f}  {compact / count:19.0f}")
    (_, small, _, _), (_, large, _, _) = figures[100], figures[400]
    assert (large - small) / 300 < 600  # each alias adds a few hundred bytes, nothing else grows


@pytest.mark.slow
def test_cfn_lint_400_aliases(figures: dict[int, tuple[Path, int, int, int]]) -> None:
    assert [f"{m.rule.id}: {m.message}" for m in lint_file(figures[400][0])] == []
