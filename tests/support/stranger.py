"""A stranger's machine, once per test session: the wheel built from a clean source tree and installed into
an empty virtualenv with real dependency resolution against the package registry.

`make(folder)` builds it in steps whose results later tests read (tests/construct/test_construct_packaging.py
and, through the same virtualenv, the users' projects of tests/support/user_projects.py): the wheel alone
(`pip check`, an app synthesised outside the repository with only the declared dependencies), the `local`
extra alone (help() of the plugin without pytest), then pytest, as the README says to install them for
offline tests, and last the `cli` extra (the console script's test). pip runs with
``--no-compile``: byte-compiling aws-cdk-lib's 400 MB of bindings is most of an install's time and changes
neither the resolution nor what is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.assembly import REPO

QUIET_CDK = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true"}

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


def env(**extra: str) -> dict[str, str]:
    """The Makefile's PATH: the pinned CDK CLI and the venv's python3 (local Node.js: tests/conftest.py)."""
    path = [REPO / "node_modules" / ".bin", REPO / ".venv" / "bin"]
    return {
        **os.environ,
        **QUIET_CDK,
        **extra,
        "PATH": os.pathsep.join([*map(str, path), os.environ["PATH"]]),
    }


def run(
    args: list[str | Path], cwd: Path | None = None, timeout: int = 600, isolated: bool = False, **extra: str
) -> str:
    """Run ``args``; ``isolated`` drops PYTHONPATH: the stranger's venv sees nothing of ours but the wheel."""
    environment = env(**extra)
    if isolated:
        environment.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def s3_key(clone: Path | None = None) -> str:
    """The asset key the function's code stages to: from this checkout, or a checkout at ``clone`` (its
    lambda/, this venv's crhelper and botocore)."""
    if clone is None:
        from connect_email_alias.asset import asset_files, content_hash  # aws-cdk-lib: only when asked

        return hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + ".zip"
    script = (
        "import hashlib; from connect_email_alias.asset import asset_files, content_hash\n"
        "print(hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + '.zip')\n"
    )
    return run([sys.executable, "-c", script], PYTHONPATH=str(clone / "constructs")).strip()


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


def build(root: Path) -> Path:
    """sdist, then the wheel built from that sdist (what `pip install ./connect-email-alias` installs), from a
    copy of this checkout in ``root/clone``, into ``root/dist``; returns the wheel."""
    source = _source_tree(root / "clone")
    run([sys.executable, "-m", "build", "--no-isolation", "-o", root / "dist", source])
    (wheel,) = (root / "dist").glob("connect_email_alias-*.whl")
    return wheel


def empty_venv(path: Path) -> Path:
    """A virtualenv that sees no other site-packages (pip is driven from outside it); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", path], check=True)
    assert "include-system-site-packages = false" in (path / "pyvenv.cfg").read_text()
    return path / "bin" / "python"


def pip_install(python: Path, *requirements: str | Path) -> None:
    """Real resolution against the package registry; pip's own cache (~/.cache/pip) keeps reruns fast."""
    args = ["-m", "pip", "--python", python, "install", "--quiet", "--no-compile", *requirements]
    run([sys.executable, *args], timeout=900, isolated=True)


def python(folder: Path) -> Path:
    """The stranger's interpreter."""
    return folder / "venv" / "bin" / "python"


def make(folder: Path) -> None:
    """sdist, then the wheel built from that sdist (what `pip install ./connect-email-alias` installs), into
    an empty virtualenv; the steps' results are kept in ``folder`` for the tests."""
    wheel = build(folder)
    empty_venv(folder / "venv")
    pip_install(python(folder), wheel)
    check = run([sys.executable, "-m", "pip", "--python", python(folder), "check"], isolated=True)
    (folder / "pip-check.txt").write_text(check)

    # Its own app, outside the repository, with only the declared dependencies.
    workdir = folder / "elsewhere"
    workdir.mkdir()
    (workdir / "app.py").write_text(APP)
    (folder / "app-output.txt").write_text(run([python(folder), "app.py"], cwd=workdir, isolated=True))
    (folder / "clone-key.txt").write_text(s3_key(folder / "clone"))

    # The `local` extra alone (no pytest): the stand-ins and the plugin's manual load, help() works.
    pip_install(python(folder), f"{wheel}[local]")
    shown = run([python(folder), "-c", HELP_WITHOUT_PYTEST], cwd=workdir, isolated=True)
    (folder / "help-without-pytest.txt").write_text(shown)
    # For its own offline tests, pytest (tests/support/user_projects.py runs them); last, the `cli` extra.
    pip_install(python(folder), "pytest")
    pip_install(python(folder), f"{wheel}[cli]")


def app_report(folder: Path) -> dict[str, object]:
    """What the stranger's app printed last: its module path, the function's metadata and S3 key."""
    output = (folder / "app-output.txt").read_text()
    report: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return report
