"""The function works on a Lambda runtime whose bundled botocore predates the alias operations.

The player runs the function with only its code folder and the runtime's SDK on sys.path; `make setup`
installs that SDK as botocore 1.40.50 (the operations arrived in 1.40.60). The cut-down Connect model in
the asset is what makes the calls possible: without it the same SDK cannot make them. Every event here is
a cold start (a fresh process loading the SDK and the model), as the example app's first deploy, swap and
destroy are on Lambda: this is also the suite's smoke test of app.py's cdk.out.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from connect_email_alias.local import CloudFormationPlayer, Environment
from connect_email_alias.local.cloudformation.template import Resolver

from tests.support.assembly import DEMO_STACK, REPO
from tests.support.seed import CARE, HELP, INSTANCE, SUPPORT

OLD_SDK = Path(os.environ.get("CONNECT_EMAIL_ALIAS_SDK_PATH") or REPO / ".sdk" / "lambda-runtime")

pytestmark = [
    pytest.mark.skipif(not OLD_SDK.is_dir(), reason="the Lambda runtime SDK comes with `make setup`"),
    pytest.mark.cold_start,
]


def _in_sdk(code: str, *paths: Path) -> str:
    """Run `code` with exactly `paths` and the standard library on sys.path, as the player does."""
    setup = f"import sys; sys.path[:0] = {[str(p) for p in paths]!r}; "
    result = subprocess.run(
        [sys.executable, "-S", "-E", "-c", setup + code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def test_the_runtime_sdk_is_older_than_the_alias_operations():
    version = _in_sdk("import botocore; print(botocore.__version__)", OLD_SDK)
    assert tuple(int(n) for n in version.split(".")) < (1, 40, 60)
    has_op = (
        "import botocore.session as s; print('AssociateEmailAddressAlias' in s.get_session()"
        ".get_service_model('connect').operation_names)"
    )
    assert _in_sdk(has_op, OLD_SDK) == "False"


def test_the_app_deploys_swaps_and_destroys_on_the_old_sdk(demo_stack, player, emulator, receiver):
    assert player.runner.sdk_path.resolve() == OLD_SDK.resolve()
    created = player.deploy(demo_stack())
    assert created.ok, created
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == HELP

    swapped = player.deploy(demo_stack(aliasEmailAddressId=CARE))
    assert swapped.ok, swapped
    assert emulator.aliases_by_primary(INSTANCE)[SUPPORT] == CARE

    destroyed = player.destroy(DEMO_STACK)
    assert destroyed.ok, destroyed
    assert SUPPORT not in emulator.aliases_by_primary(INSTANCE)
    assert receiver.violations() == []
    steps = [s.result for r in (created, swapped, destroyed) for s in r.steps]
    assert all(result.invocation.cold for result in steps)


def test_without_the_shipped_model_the_old_sdk_cannot_associate(
    demo_stack, player: CloudFormationPlayer, emulator, tmp_path
):
    stack = demo_stack()
    (spec,) = stack.custom_resources(Resolver(stack.template, stack.name, Environment(), None))
    bare = tmp_path / "code"
    shutil.copytree(spec.function.asset_dir, bare, ignore=shutil.ignore_patterns("models"))
    properties = {k: v for k, v in spec.raw_properties.items() if k != "ServiceToken"}
    event = player.event("Create", spec, properties, stack_name=DEMO_STACK)
    result = player.invoke(event, dataclasses.replace(spec.function, asset_dir=bare))
    assert result.status == "FAILED" and result.answered_before_deadline
    assert "Internal error (AttributeError)" in (result.reason or ""), result.reason
    assert emulator.calls_to("AssociateEmailAddressAlias") == []
    assert SUPPORT not in emulator.aliases_by_primary(INSTANCE)
