"""Packaging as a stranger meets it: the version read without aws-cdk-lib, and the built wheel installed
into an empty virtualenv from the package registry. (The real CDK CLI on the example app: the README's bash
blocks, tests/docs/test_readme.py.)"""

from __future__ import annotations

import sys
from email.parser import Parser
from pathlib import Path

import pytest
import tomllib
from connect_email_alias.asset import MODEL_PATH

from tests.support.stranger import app_report, run

from .conftest import REPO


def test_version_is_read_without_importing_aws_cdk_lib() -> None:
    import connect_email_alias

    script = (
        "import sys; sys.modules['aws_cdk'] = sys.modules['constructs'] = None\n"
        "from setuptools.config.pyprojecttoml import read_configuration\n"
        "print(read_configuration('pyproject.toml')['project']['version'])\n"
    )
    assert run([sys.executable, "-c", script], cwd=REPO).strip() == connect_email_alias.__version__


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
def test_the_wheel_installs_into_an_empty_virtualenv_with_real_resolution(stranger: Path) -> None:
    import connect_email_alias

    assert "No broken requirements found" in (stranger / "pip-check.txt").read_text()
    assert "include-system-site-packages = false" in (stranger / "venv" / "pyvenv.cfg").read_text()
    # The package's metadata: one version, the license shipped, where to find the project.
    dist_info = next((stranger / "venv").rglob("connect_email_alias-*.dist-info"))
    metadata = Parser().parsestr((dist_info / "METADATA").read_text())
    assert metadata["Version"] == connect_email_alias.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"  # the README renders on the index page
    assert "Apache License" in (dist_info / "licenses" / "LICENSE").read_text()
    assert any(url.startswith("Source, https://") for url in metadata.get_all("Project-URL"))


@pytest.mark.slow
def test_a_stranger_synthesises_outside_the_repo_with_only_the_declared_dependencies(stranger: Path) -> None:
    """Its own app, run before the `local` extra is installed; the asset is the one the checkout stages."""
    output = (stranger / "app-output.txt").read_text()
    assert "end-of-life" not in output, output
    report = app_report(stranger)
    assert Path(str(report["module"])).is_relative_to(stranger / "venv"), report["module"]
    metadata = report["metadata"]
    assert isinstance(metadata, dict)
    asset = stranger / "elsewhere" / "cdk.out" / metadata["aws:asset:path"]
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    handler = {p.name for p in (stranger / "clone" / "lambda").glob("*.py")}
    assert {"index.py", *handler, "crhelper/__init__.py", "crhelper/resource_helper.py", MODEL_PATH} <= files
    # Same content from the wheel as from the checkout it was built from: one asset, wherever synthesised.
    assert report["key"] == (stranger / "clone-key.txt").read_text()
    # Its own offline tests (the `local` extra and pytest, installed next): tests/support/user_projects.py.
