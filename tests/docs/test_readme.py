"""README as a stranger uses it: every code block runs as written (or says it is illustrative), every YAML
block lints, and every link works from a package index page (absolute, pointing at a file that exists)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from tests.support.stranger import s3_key
from tests.support.user_projects import readme_test_file

from .markdown import Block, blocks, links

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
REPO_URL = "https://github.com/connect-email-alias/connect-email-alias"
BLOCKS = blocks(README)
QUIET = {"CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true", "CDK_CLI_NOTICES": "false"}
WARNINGS = ("end-of-life", "EOL", "deprecated", "upgrade to a supported node", "notice")


def _of(*languages: str) -> list[Block]:
    return [b for b in BLOCKS if b.language in languages and not b.illustrative]


def _run(args: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # The reader's shell has the package installed (README, Install): this virtualenv's scripts come first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {**os.environ, **QUIET, "PATH": path}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_every_block_runs_or_says_it_is_illustrative() -> None:
    unknown = [b.id for b in BLOCKS if b.language not in ("python", "bash", "yaml") and not b.illustrative]
    assert not unknown, (
        f"mark these README blocks <!-- illustrative: why --> or give them a language: {unknown}"
    )
    assert not [b.id for b in BLOCKS if b.is_pytest and b.language != "python"]
    assert _of("python"), "README shows no runnable python"


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in _of("python") if not b.is_pytest], ids=lambda b: b.id)
def test_python_block_runs_outside_the_repo(block: Block, tmp_path: Path) -> None:
    (tmp_path / "snippet.py").write_text(block.code)
    result = _run([sys.executable, "snippet.py"], cwd=tmp_path)
    assert result.returncode == 0, (
        f"README line {block.line}:\n{block.code}\n{result.stdout}\n{result.stderr}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("block", [b for b in _of("python") if b.is_pytest], ids=lambda b: b.id)
def test_pytest_block_passes_in_a_users_project(block: Block, users_pytest) -> None:
    """A test file of the session's nested pytest of users' projects, run with the installed wheel
    (tests/support/user_projects.py): every one of its tests must pass."""
    run = users_pytest("readme")
    found = run.of(readme_test_file(block.line))
    assert found, f"README line {block.line} ran no test:\n{run.output}"
    assert set(found.values()) == {"passed"}, f"README line {block.line}:\n{block.code}\n{run.output}"


@pytest.mark.slow
@pytest.mark.skipif(not (REPO / "node_modules" / ".bin" / "cdk").exists(), reason="run `make setup` first")
def test_bash_blocks_run_from_the_repo_root() -> None:
    """One test, in README order: the blocks share cdk.out and build on each other as in a reader's shell.
    They run the real CDK CLI on the example app, so its output is checked here too: no warning (Node.js
    end-of-life, notices), the function's asset where this checkout stages it, the provider's export."""
    shown = ""
    for block in _of("bash"):
        result = _run(["bash", "-euo", "pipefail", "-c", block.code], cwd=REPO)
        assert result.returncode == 0, (
            f"README line {block.line}:\n{block.code}\n{result.stdout}\n{result.stderr}"
        )
        shown += result.stdout + result.stderr
    assert not [w for w in WARNINGS if w.lower() in shown.lower()], shown
    out = REPO / "cdk.out"
    for stack in ("ConnectEmailAliasProvider", "ConnectEmailAliasDemo"):
        template = json.loads((out / f"{stack}.template.json").read_text())
        (function,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
        assert function["Properties"]["Code"]["S3Key"] == s3_key()
    provider = json.loads((out / "ConnectEmailAliasProvider.template.json").read_text())
    assert [o["Export"]["Name"] for o in provider["Outputs"].values()] == ["ConnectEmailAliasServiceToken"]


@pytest.mark.parametrize("block", _of("yaml"), ids=lambda b: b.id)
def test_yaml_block_is_a_cfn_lint_clean_template(block: Block, tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(block.code)
    findings = lint_file(template)
    assert not findings, [str(f) for f in findings]


def _anchors(markdown: Path) -> set[str]:
    """GitHub's anchors for the headings of ``markdown``: lower case, no punctuation, hyphens for spaces."""
    prose = re.sub(r"^```.*?^```", "", markdown.read_text(), flags=re.S | re.M)
    headings = re.findall(r"^#+ (.+)$", prose, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_work_on_a_package_index_page() -> None:
    for target in links(README):
        if target.startswith("#"):
            continue
        assert target.startswith("https://"), f"README link {target!r} is relative: it breaks off GitHub"
        match = re.fullmatch(rf"{re.escape(REPO_URL)}/(?:blob|tree)/main/([^#]+)(#.*)?", target)
        if match:
            target_file = REPO / match.group(1)
            assert target_file.exists(), f"README links to {match.group(1)}, which does not exist"
            if match.group(2):
                assert match.group(2)[1:] in _anchors(target_file), f"no heading for {target}"


def test_every_example_is_listed() -> None:
    text = README.read_text()
    for example in sorted(p.name for p in (REPO / "examples").iterdir() if p.is_dir()):
        assert f"{REPO_URL}/tree/main/examples/{example}" in text, f"README does not list examples/{example}"
