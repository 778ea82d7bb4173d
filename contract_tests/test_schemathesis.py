"""Every operation of the spec through schemathesis: the examples, coverage and fuzzing phases, with
valid and invalid data, the stock checks that hold for Rancher (schemathesis.toml) and the Rancher
checks of checks.py.

The stateful phase (the spec's links) runs under `schemathesis run`; the suite's own lifecycle is
the state machine of test_lifecycle.py.
"""

from __future__ import annotations

import os
from typing import Any, TypeAlias

import pytest
import schemathesis

from rancher_contract.contract_tests.conftest import profile
from rancher_contract.contract_tests.target import Target, TargetError
from rancher_contract.paths import DEFAULT_SPEC, SCHEMATHESIS_CONFIG

AnyCase: TypeAlias = "schemathesis.Case[Any]"
CONFIG_FILE = SCHEMATHESIS_CONFIG


def _load() -> schemathesis.BaseSchema:
    if not CONFIG_FILE.is_file():
        # without it the stock checks that are false for Rancher (use_after_free, ...) would run
        raise RuntimeError(
            f"{CONFIG_FILE} is missing: the suite runs from a checkout of the project"
        )
    config = schemathesis.Config.from_path(CONFIG_FILE)
    seed = os.environ.get("RANCHER_SEED", "").strip()
    config.update(seed=int(seed) if seed else None, max_failures=None)
    schema = schemathesis.openapi.from_path(DEFAULT_SPEC, config=config)
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


schema = _load()


@pytest.mark.contract("6.no-server-error", "7.response-schema")
@schema.parametrize()
def test_operation(case: AnyCase, target: Target) -> None:
    """All sections: each generated request is answered as the contract says (stock and Rancher
    checks).
    """
    case.call_and_validate()
