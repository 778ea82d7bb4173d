"""schemathesis hooks of the contract suite (`hooks` in schemathesis.toml names this module).

Importing this module registers the Rancher checks of `checks.py`. The hooks keep generated requests
away from keys the run did not create: a mutating request (PUT, DELETE, an action) whose generated
id is not one of the keys this run created is sent to an id that does not exist, so that fuzzing a
shared server can never deactivate or delete someone else's key (or the bootstrap key the run
authenticates with). The stock checks that are false for Rancher are switched off in
schemathesis.toml, not here.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, TypeAlias

import schemathesis

from rancher_contract.contract_tests import checks

AnyCase: TypeAlias = "schemathesis.Case[Any]"

__all__ = [
    "CREATED_IDS",
    "checks",
    "keep_to_own_keys",
    "remember_created_keys",
]

CREATED_IDS: set[str] = set()
_LOCK = threading.Lock()
_ID = re.compile(r"^1c([0-9]+)$", re.IGNORECASE)
# ids at this height exist on no real server; each generated id keeps its own digits after it
_ABSENT_BASE = "1c9876543"
_MUTATING = {"updateApiKey", "deleteApiKey", "actionApiKey"}


def _absent(generated: str) -> str:
    digits = "".join(c for c in generated[2:] if c.isdigit())[-6:]
    return f"{_ABSENT_BASE}{digits.rjust(6, '0')}"


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: AnyCase) -> AnyCase:
    return keep_to_own_keys(case)


def keep_to_own_keys(case: AnyCase) -> AnyCase:
    if case.operation.definition.raw.get("operationId") not in _MUTATING:
        return case
    params = case.path_parameters or {}
    value = params.get("id")
    if isinstance(value, str) and _ID.match(value):
        with _LOCK:
            known = value in CREATED_IDS
        if not known:
            case.path_parameters = {**params, "id": _absent(value)}
    return case


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: AnyCase, response: schemathesis.Response
) -> None:
    remember_created_keys(response)


def remember_created_keys(response: schemathesis.Response) -> None:
    if response.status_code != 201:
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if isinstance(body, dict) and isinstance(body.get("id"), str):
        with _LOCK:
            CREATED_IDS.add(body["id"])
