"""The offline stand-ins start without the CDK: no aws-cdk-lib import, so no Node.js process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LOCAL = Path(__file__).parents[2] / "constructs" / "connect_email_alias" / "local"


def test_stand_ins_import_without_aws_cdk():
    code = (
        "import sys, connect_email_alias, connect_email_alias.local; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_construct_api_still_loads_from_the_package_root():
    code = "from connect_email_alias import EmailAddressAlias, RESOURCE_TYPE; print(RESOURCE_TYPE)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "Custom::ConnectEmailAddressAlias"


def test_the_lambda_bootstrap_imports_only_the_standard_library():
    """It runs as the function's `python -S -E` process, whose sys.path is [asset, SDK, stdlib] only."""
    import ast

    from connect_email_alias.local.runtime import bootstrap

    tree = ast.parse(Path(bootstrap.__file__).read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported


def test_the_pytest_plugin_loads_without_the_local_extra():
    """pytest loads every installed plugin at start: without [local] it must load, and fail only when used."""
    code = (
        "import sys\n"
        "for name in ('boto3', 'botocore', 'trustme', 'yaml'): sys.modules[name] = None\n"
        "import connect_email_alias.local.pytest_plugin\n"
    )
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)


def _local_imports(system: str) -> set[str]:
    """The subpackages of ``local/`` that the modules of ``system`` import (relative imports only)."""
    import ast

    found: set[str] = set()
    for module in (LOCAL / system).glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("system", "may_use"),
    [
        ("connect", {"arns", "serving"}),
        ("runtime", {"environment"}),
        ("cloudformation", {"arns", "environment", "runtime", "serving"}),
    ],
)
def test_each_stand_in_imports_only_what_it_stands_on(system, may_use):
    """Connect knows nothing of CloudFormation or Lambda, the runner nothing of either; the player runs it."""
    assert _local_imports(system) <= may_use
