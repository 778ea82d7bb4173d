"""Every operation of the selected resources through schemathesis: the examples, coverage and
fuzzing phases, with valid and invalid data, the stock checks that hold for Rancher
(schemathesis.toml) and the Rancher checks of checks.py.

Each selected resource's operations are read from the spec file that declares it (the spec model's
`Resource.source`); the file's operations of no resource (the API root, the schema documents) go
with it. One test per spec file: `test_operation_<file>[METHOD /path]`.

The stateful phase (the spec's links) runs under `schemathesis run`; the suite's own lifecycle is
the state machine of test_lifecycle.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import pytest
import schemathesis

from rancher_contract.contract_tests.conftest import profile
from rancher_contract.contract_tests.resources import selected_resources, spec_model
from rancher_contract.contract_tests.target import Target, TargetError
from rancher_contract.paths import SCHEMATHESIS_CONFIG, SPEC_DIR
from rancher_contract.specmodel import Resource, display_path, spec_files

AnyCase: TypeAlias = "schemathesis.Case[Any]"
CONFIG_FILE = SCHEMATHESIS_CONFIG


def spec_file(resource: Resource) -> Path:
    """The shipped spec file that declares the resource."""
    for file in spec_files(SPEC_DIR):
        if display_path(file) == resource.source:
            return file
    raise LookupError(f"no file of {SPEC_DIR} declares {resource.type} ({resource.source})")


def _config() -> schemathesis.Config:
    if not CONFIG_FILE.is_file():
        # without it the stock checks that are false for Rancher (use_after_free, ...) would run
        raise RuntimeError(
            f"{CONFIG_FILE} is missing: the suite runs from a checkout of the project"
        )
    config = schemathesis.Config.from_path(CONFIG_FILE)
    seed = os.environ.get("RANCHER_SEED", "").strip()
    config.update(seed=int(seed) if seed else None, max_failures=None)
    return config


def _load(file: Path, resources: list[Resource]) -> schemathesis.BaseSchema:
    """The file's operations of `resources` and of no resource at all."""
    owned = {op.operation_id for r in spec_model().resources for op in r.operations}
    chosen = {op.operation_id for r in resources for op in r.operations}

    def wanted(ctx: Any) -> bool:
        operation_id = ctx.operation.definition.raw.get("operationId")
        return operation_id in chosen or operation_id not in owned

    schema = schemathesis.openapi.from_path(file, config=_config()).include(wanted)
    try:
        target = Target.from_env()
    except TargetError:
        return schema  # the `target` fixture reports the problem
    schema.config.update(base_url=target.origin, basic_auth=target.credentials)
    schema.config.generation.update(max_examples=profile()["fuzz_examples"])
    if not target.auth:  # access control off: a request without credentials succeeds, as it should
        schema.config.checks.update(
            excluded_check_names=["ignored_auth", "missing_required_header"]
        )
        schema.config.generation.update(with_security_parameters=False)
    return schema


def _schemas() -> dict[Path, schemathesis.BaseSchema]:
    by_file: dict[Path, list[Resource]] = {}
    for resource in selected_resources():
        by_file.setdefault(spec_file(resource), []).append(resource)
    return {file: _load(file, resources) for file, resources in by_file.items()}


def _test_of(schema: schemathesis.BaseSchema) -> Callable[..., None]:
    # the marker tells conftest that these tests cover the selected resources by themselves
    @pytest.mark.selected_resources
    @pytest.mark.contract("6.no-server-error", "7.response-schema")
    @schema.parametrize()
    def test_operation(case: AnyCase, target: Target) -> None:
        """All sections: each generated request is answered as the contract says (stock and
        Rancher checks).
        """
        case.call_and_validate()

    test: Callable[..., None] = test_operation
    return test


SCHEMAS = _schemas()
for _file, _schema in SCHEMAS.items():
    _name = "test_operation_" + re.sub(r"\W", "_", _file.name.split(".")[0])
    _test = _test_of(_schema)
    _test.__name__ = _test.__qualname__ = _name
    globals()[_name] = _test
