"""A cloud assembly given by a relative path still plays: the function's process runs elsewhere."""

from __future__ import annotations

import os
import shutil

from connect_email_alias.local import CloudAssembly, Environment
from connect_email_alias.local.cloudformation.template import Resolver

from tests.support.assembly import DEMO_STACK


def test_relative_cdk_out_gives_absolute_asset_dirs(tmp_path, monkeypatch, demo_stack):
    shutil.copytree(demo_stack().cdk_out, tmp_path / "cdk.out")  # the session's synth, as a folder of ours
    monkeypatch.chdir(tmp_path)
    stack = CloudAssembly("cdk.out").stack(DEMO_STACK)
    (spec,) = stack.custom_resources(Resolver(stack.template, stack.name, Environment(), None))
    assert spec.function.asset_dir.is_absolute()
    assert (spec.function.asset_dir / "index.py").is_file()
    assert os.path.samefile(spec.function.asset_dir.parent, tmp_path / "cdk.out")
