"""The function's asset: what it holds, that it is byte-for-byte deterministic, that the model loads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk.assertions import Template
from connect_email_alias import EmailAddressAlias
from connect_email_alias._contract import contract
from connect_email_alias.asset import MODEL_PATH, asset_files, content_hash, stage_function_code

from tests.support.seed import HELP, INSTANCE, SUPPORT

from .conftest import REPO, resources_of


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_staging_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = _tree(stage_function_code(tmp_path / "one"))
    second = _tree(stage_function_code(tmp_path / "deeper" / "two"))
    assert first == second
    stats = {(p.stat().st_mtime, p.stat().st_mode) for p in (tmp_path / "one").rglob("*") if p.is_file()}
    assert len(stats) == 1  # one fixed mtime and mode: nothing depends on when or where


def test_asset_layout(tmp_path: Path) -> None:
    files = set(_tree(stage_function_code(tmp_path / "code")))
    handler = {p.name for p in (REPO / "lambda").glob("*.py")}
    assert {"index.py", *handler} <= files
    assert {
        "crhelper/__init__.py",
        "crhelper/resource_helper.py",
        "crhelper/log_helper.py",
        MODEL_PATH,
    } <= files
    assert not [f for f in files if "__pycache__" in f or f.endswith((".pyi", ".pyc"))]


def test_staging_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "stale.py").write_text("")
    with pytest.raises(FileExistsError, match="not empty"):
        stage_function_code(tmp_path)


def test_cut_model_is_small_and_has_only_the_operations_the_function_calls() -> None:
    data = asset_files()[MODEL_PATH]
    model = json.loads(data)
    assert sorted(model["operations"]) == sorted(contract.CONNECT_OPERATIONS)
    assert len(data) < 16_000
    assert b"documentation" not in data and b"\n" not in data and b", " not in data
    assert model["metadata"]["protocol"] == "rest-json" and model["metadata"]["apiVersion"] == "2017-08-08"
    errors = {e["shape"] for op in model["operations"].values() for e in op["errors"]}
    assert {"ThrottlingException", "ResourceConflictException", "ResourceNotFoundException"} <= errors
    assert errors <= set(model["shapes"])


def test_cut_model_loads_under_botocore(tmp_path: Path) -> None:
    staged = stage_function_code(tmp_path / "code")
    session = botocore.session.Session()
    session.set_config_variable("data_path", str(staged / "models"))
    loader = session.get_component("data_loader")
    assert loader.load_service_model("connect", "service-2") == json.loads((staged / MODEL_PATH).read_text())
    client = session.create_client(
        "connect", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    methods = {api: method for method, api in client.meta.method_to_api_mapping.items()}
    for operation in contract.CONNECT_OPERATIONS:
        assert callable(getattr(client, methods[operation]))
    model = client.meta.service_model
    assert model.operation_model("AssociateEmailAddressAlias").input_shape.members["AliasConfiguration"]


def _asset_key(app: cdk.App) -> Any:
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    EmailAddressAlias(stack, "A", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP)
    (function,) = resources_of(Template.from_stack(stack).to_json(), "AWS::Lambda::Function").values()
    return function["Properties"]["Code"]["S3Key"]


def test_asset_hash_is_content_based_and_the_same_across_apps_and_directories(
    new_app: Callable[[], cdk.App],
) -> None:
    first, second = _asset_key(new_app()), _asset_key(new_app())
    assert first == second
    # CDK hashes the custom hash once more; the input is the content hash of the staged files.
    assert first == hashlib.sha256(content_hash(asset_files()).encode()).hexdigest() + ".zip"
