"""Packaging as a stranger meets it: the real CDK CLI on the example app, the version read without
aws-cdk-lib, and the built wheel installed into an empty virtualenv from the package registry."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from connect_email_alias.asset import MODEL_PATH, asset_files, content_hash

from tests.support.feature_flags import missing_flags

from .conftest import REPO

QUIET_CDK = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true"}
WARNINGS = (
    "end-of-life",
    "EOL",
    "deprecated",
    "upgrade to a supported node",
    "notice",
    "feature flags are not configured",
    "untested",
)


def _env(**extra: str) -> dict[str, str]:
    """The Makefile's PATH: the pinned CDK CLI and the venv's python3 (local Node.js: tests/conftest.py)."""
    path = [REPO / "node_modules" / ".bin", REPO / ".venv" / "bin"]
    return {
        **os.environ,
        **QUIET_CDK,
        **extra,
        "PATH": os.pathsep.join([*map(str, path), os.environ["PATH"]]),
    }


def _expected_s3_key() -> str:
    return hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + ".zip"


def _s3_key_of(clone: Path) -> str:
    """The asset key a checkout at ``clone`` stages (its lambda/, this venv's crhelper and botocore)."""
    script = (
        "import hashlib; from connect_email_alias.asset import asset_files, content_hash\n"
        "print(hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + '.zip')\n"
    )
    env = _env(PYTHONPATH=str(clone / "constructs"))
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _run(
    args: list[str | Path], cwd: Path | None = None, timeout: int = 600, isolated: bool = False, **extra: str
) -> str:
    """Run ``args``; ``isolated`` drops PYTHONPATH: the stranger's venv sees nothing of ours but the wheel."""
    env = _env(**extra)
    if isolated:
        env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_version_is_read_without_importing_aws_cdk_lib() -> None:
    import connect_email_alias

    script = (
        "import sys; sys.modules['aws_cdk'] = sys.modules['constructs'] = None\n"
        "from setuptools.config.pyprojecttoml import read_configuration\n"
        "print(read_configuration('pyproject.toml')['project']['version'])\n"
    )
    assert _run([sys.executable, "-c", script], cwd=REPO).strip() == connect_email_alias.__version__


def test_cdk_json_sets_the_feature_flags_cdk_init_sets() -> None:
    """Else every `make synth` prints "N feature flags are not configured" (the CLI test below runs it)."""
    assert missing_flags(REPO / "cdk.json") == {}


def test_changelog_names_the_current_version_first() -> None:
    import connect_email_alias

    headings = [line for line in (REPO / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]
    assert headings[0].startswith(f"## [{connect_email_alias.__version__}]"), headings
    assert any(line.startswith("## [0.1.0]") for line in headings), headings


def test_classifiers_are_known_to_the_package_index() -> None:
    from trove_classifiers import classifiers

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["classifiers"]
    assert [c for c in declared if c not in classifiers] == []


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / "node_modules" / ".bin" / "cdk").exists(), reason="run `make setup` first")
def test_cdk_cli_synth_of_the_example_app(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    output = _run(["npx", "--no-install", "cdk", "synth", "-q", "-o", out], cwd=REPO, PIP_NO_INDEX="1")
    assert not [w for w in WARNINGS if w.lower() in output.lower()], output
    for stack in ("ConnectEmailAliasProvider", "ConnectEmailAliasDemo"):
        template = json.loads((out / f"{stack}.template.json").read_text())
        (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        assert function["Properties"]["Code"]["S3Key"] == _expected_s3_key()
    provider = json.loads((out / "ConnectEmailAliasProvider.template.json").read_text())
    assert [o["Export"]["Name"] for o in provider["Outputs"].values()] == ["ConnectEmailAliasServiceToken"]


APP = """
import json
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


HELP_WITHOUT_PYTEST = """
import importlib.util, pydoc
import connect_email_alias.local.pytest_plugin as plugin
text = pydoc.render_doc(plugin, renderer=pydoc.plaintext)
fixtures = [name for name in ("connect_seed", "connect_emulator", "cloudformation") if f"``{name}``" in text]
found = "no pytest;" if importlib.util.find_spec("pytest") is None else "pytest installed;"
print(found, "fixtures documented:", *fixtures)
"""


def _source_tree(target: Path) -> Path:
    """What a clone holds (tracked and new, not ignored, files), so the build sees no build/ or egg-info."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


def _build(tmp_path: Path) -> Path:
    """sdist, then the wheel built from that sdist: what `pip install ./connect-email-alias` would install."""
    source = _source_tree(tmp_path / "clone")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--no-isolation", "-o", dist, source])
    (wheel,) = dist.glob("connect_email_alias-*.whl")
    return wheel


def _empty_venv(path: Path) -> Path:
    """A virtualenv that sees no other site-packages (pip is driven from outside it)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    assert "include-system-site-packages = false" in (path / "pyvenv.cfg").read_text()
    return path / "bin" / "python"


def _pip_install(python: Path, *requirements: str | Path) -> None:
    """Real resolution against the package registry; pip's own cache (~/.cache/pip) keeps reruns fast."""
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", *requirements],
        timeout=900,
        isolated=True,
    )


@dataclass(frozen=True)
class Stranger:
    """The wheel built from a copy of this checkout, and an empty virtualenv with only it installed."""

    root: Path  # holds clone/ (the copy), dist/ and venv/
    wheel: Path
    python: Path


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Stranger:
    """Built and installed once for this module's tests (each adds the extras it needs)."""
    root = tmp_path_factory.mktemp("stranger")
    wheel = _build(root)
    python = _empty_venv(root / "venv")
    _pip_install(python, wheel)
    return Stranger(root, wheel, python)


@pytest.mark.slow
def test_stranger_installs_the_wheel_synthesises_and_tests_offline(stranger: Stranger) -> None:
    import connect_email_alias

    tmp_path, wheel, python = stranger.root, stranger.wheel, stranger.python
    _run([sys.executable, "-m", "pip", "--python", python, "check"], isolated=True)

    # The package's metadata: one version, the license shipped, where to find the project.
    dist_info = next((tmp_path / "venv").rglob("connect_email_alias-*.dist-info"))
    metadata = Parser().parsestr((dist_info / "METADATA").read_text())
    assert metadata["Version"] == connect_email_alias.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"  # the README renders on the index page
    assert "Apache License" in (dist_info / "licenses" / "LICENSE").read_text()
    assert any(url.startswith("Source, https://") for url in metadata.get_all("Project-URL"))

    # Its own app, outside the repository, with only the declared dependencies (the extras come after).
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    (workdir / "app.py").write_text(APP)
    output = _run([python, "app.py"], cwd=workdir, isolated=True)
    assert "end-of-life" not in output, output
    report = json.loads(output.strip().splitlines()[-1])
    assert Path(report["module"]).is_relative_to(tmp_path / "venv"), report["module"]
    asset = workdir / "cdk.out" / report["metadata"]["aws:asset:path"]
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    handler = {p.name for p in (tmp_path / "clone" / "lambda").glob("*.py")}
    assert {"index.py", *handler, "crhelper/__init__.py", "crhelper/resource_helper.py", MODEL_PATH} <= files
    # Same content from the wheel as from the checkout it was built from: one asset, wherever synthesised.
    assert report["key"] == _s3_key_of(tmp_path / "clone")

    # The `local` extra alone (no pytest): the stand-ins and the plugin's manual load, help() works.
    _pip_install(python, f"{wheel}[local]")
    output = _run([python, "-c", HELP_WITHOUT_PYTEST], cwd=workdir, isolated=True)
    fixtures = "connect_seed connect_emulator cloudformation"
    assert output.startswith(f"no pytest; fixtures documented: {fixtures}"), output

    # Its own offline test: pytest too, then the example's test file as a user runs it.
    _pip_install(python, "pytest")
    project = tmp_path / "own-project"
    shutil.copytree(REPO / "examples" / "offline_test", project, ignore=shutil.ignore_patterns("__pycache__"))
    output = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, isolated=True)
    assert " passed" in output and "failed" not in output, output


OPERATED_APP = """
import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

app = cdk.App()
stack = cdk.Stack(app, "Mail", env=cdk.Environment(account="123456789012", region="us-east-1"))
EmailAddressAlias(stack, "Help", instance_id="00000000-0000-4000-8000-000000000001",
                  email_address_id="11111111-1111-4111-8111-111111111111",
                  alias_email_address_id="22222222-2222-4222-8222-222222222222")
app.synth()
"""


@pytest.mark.slow
def test_the_wheels_console_script_lists_finds_drift_repairs_and_exports(stranger: Stranger, tmp_path: Path):
    """README, "Operate", from the wheel in an empty virtualenv: `connect-email-alias` (the [cli] extra)
    against a played stack (the emulator for Connect, the player's read API for CloudFormation)."""
    from connect_email_alias.local import (
        CloudAssembly,
        CloudFormationPlayer,
        CloudFormationReadApi,
        ConnectEmulator,
        ResponseReceiver,
    )

    from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT

    _pip_install(stranger.python, f"{stranger.wheel}[cli]")
    script = stranger.python.with_name("connect-email-alias")
    assert "repair" in _run([script, "--help"], isolated=True)

    def synth(app: str, name: str) -> CloudAssembly:
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(app)
        out = tmp_path / name / "cdk.out"
        _run([stranger.python, "app.py"], cwd=tmp_path / name, isolated=True, CDK_OUTDIR=str(out))
        return CloudAssembly(out)

    with (
        ConnectEmulator.from_seed() as emulator,
        ResponseReceiver() as receiver,
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as player,
        CloudFormationReadApi(player) as api,
    ):
        assert player.deploy(synth(OPERATED_APP, "mail").stack("Mail")).ok
        env = {k: v for k, v in _env().items() if k != "PYTHONPATH" and not k.startswith("AWS_")}
        env.update(emulator.env(), **api.env(), AWS_CONFIG_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull

        def cli(*args: str, status: int = 0) -> str:
            result = subprocess.run(
                [script, *args], env=env, capture_output=True, text=True, timeout=300, check=False
            )
            assert result.returncode == status, f"{args}\n{result.stdout}\n{result.stderr}"
            return result.stdout

        def pairs() -> set[tuple[str, str, str | None]]:
            listed = json.loads(cli("list", "--instance-id", INSTANCE, "--output", "json"))
            return {(p["EmailAddressId"], p["AliasEmailAddressId"], (p["Owner"] or {}).get("StackName"))
                    for p in listed}

        assert pairs() == {(SUPPORT, HELP, "Mail"), (SALES, INFO, None)}
        emulator.disassociate(INSTANCE, SUPPORT, HELP)  # a change in the console
        (drifted,) = json.loads(cli("drift", "--stack", "Mail", "--output", "json", status=1))
        assert drifted["StackResourceDriftStatus"] == "DELETED"
        assert "restored" in cli("repair", "--stack", "Mail", "--yes")
        assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP
        cli("drift", "--stack", "Mail")
        adopting = synth(cli("export", "--instance-id", INSTANCE), "adopt")
        assert player.deploy(adopting.stack("ConnectEmailAliases")).ok
        assert pairs() == {(SUPPORT, HELP, "Mail"), (SALES, INFO, "ConnectEmailAliases")}
