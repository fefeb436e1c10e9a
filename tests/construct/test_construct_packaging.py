"""The real CDK CLI on the example app, and the built wheel used from outside the repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from connect_email_alias.asset import MODEL_PATH, asset_files, content_hash

from .conftest import REPO

pytestmark = pytest.mark.slow

QUIET_CDK = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true", "PIP_NO_INDEX": "1"}
WARNINGS = ("end-of-life", "EOL", "deprecated", "upgrade to a supported node", "notice")


def _env() -> dict[str, str]:
    """The Makefile's PATH: the pinned CDK CLI and the venv's python3 (local Node.js: tests/conftest.py)."""
    path = [
        REPO / "node_modules" / ".bin",
        REPO / ".venv" / "bin",
    ]
    return {**os.environ, **QUIET_CDK, "PATH": os.pathsep.join([*map(str, path), os.environ["PATH"]])}


def _expected_s3_key() -> str:
    return hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + ".zip"


@pytest.mark.skipif(not (REPO / "node_modules" / ".bin" / "cdk").exists(), reason="run `make setup` first")
def test_cdk_cli_synth_of_the_example_app(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    result = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "-q", "-o", str(out)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not [w for w in WARNINGS if w.lower() in output.lower()], output
    for stack in ("ConnectEmailAliasProvider", "ConnectEmailAliasDemo"):
        template = json.loads((out / f"{stack}.template.json").read_text())
        (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        assert function["Properties"]["Code"]["S3Key"] == _expected_s3_key()
    provider = json.loads((out / "ConnectEmailAliasProvider.template.json").read_text())
    assert [o["Export"]["Name"] for o in provider["Outputs"].values()] == ["ConnectEmailAliasServiceToken"]


APP = """
import json, sys
import aws_cdk as cdk
import connect_email_alias
from connect_email_alias import EmailAddressAlias

app = cdk.App(outdir="cdk.out", context={"aws:cdk:enable-asset-metadata": True})
stack = cdk.Stack(app, "Outside", env=cdk.Environment(region="us-east-1"))
EmailAddressAlias(stack, "Alias", instance_id="i-1", email_address_id="p-1", alias_email_address_id="a-1")
assembly = app.synth()
template = assembly.get_stack_by_name("Outside").template
(function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
print(json.dumps({"module": connect_email_alias.__file__, "metadata": function["Metadata"],
                  "key": function["Properties"]["Code"]["S3Key"]}))
"""


def test_wheel_installs_and_synthesises_outside_the_repo(tmp_path: Path) -> None:
    # Build from a copy so the checkout gets no build/ or egg-info, and nothing races other tests.
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("constructs", "lambda"):
        shutil.copytree(REPO / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "-o",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        env=_env(),
    )
    (wheel,) = (tmp_path / "dist").glob("connect_email_alias-*.whl")

    # A fresh venv; the third-party dependencies come from this venv through a .pth (no network),
    # our package only from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_deps_from_dev_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            wheel,
        ],
        check=True,
        capture_output=True,
        env=_env(),
    )

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    (workdir / "app.py").write_text(APP)
    result = subprocess.run(
        [python, "app.py"], cwd=workdir, env=_env(), capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["module"]).is_relative_to(venv), report["module"]
    asset = workdir / "cdk.out" / report["metadata"]["aws:asset:path"]
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    handler = {p.name for p in (REPO / "lambda").glob("*.py")}
    assert {"index.py", *handler, "crhelper/__init__.py", "crhelper/resource_helper.py", MODEL_PATH} <= files
    # Same content from the wheel as from the checkout: the same asset, wherever it is synthesised.
    assert report["key"] == _expected_s3_key()
