"""schemathesis hooks of the contract suite (`hooks` in schemathesis.toml names this module).

Importing this module registers the Rancher checks of `checks.py`. The hooks keep generated requests
away from keys the run did not create: a mutating request (PUT, DELETE, an action) whose generated
id is not one of the keys this run created is sent to an id that does not exist, so that fuzzing a
shared server can never deactivate or delete someone else's key (or the bootstrap key the run
authenticates with). The stock checks that are false for Rancher are switched off in
schemathesis.toml, not here.

Safe on a live server: every create or update body gets the run's name prefix (`rc-contract-`,
the first characters of a generated name are replaced, so its length and validity stay), and the
keys the run created are deactivated and deleted when it ends (`clean_up_created`: the pytest suite
calls it at the end of its session, and an exit handler does it for `schemathesis run`, also after
Ctrl-C).
"""

from __future__ import annotations

import atexit
import json
import re
import sys
import threading
from typing import Any, TypeAlias

import httpx
import schemathesis

from rancher_contract.contract_tests import checks
from rancher_contract.contract_tests.client import labelled, remove_keys, same_origin

AnyCase: TypeAlias = "schemathesis.Case[Any]"

__all__ = [
    "CREATED_IDS",
    "checks",
    "clean_up_created",
    "keep_to_own_keys",
    "label_body",
    "remember_created_keys",
]

CREATED_IDS: set[str] = set()
# id -> (links.self, the Authorization header the key was created with)
_CREATED: dict[str, tuple[str, str | None]] = {}
_LABELLED = {"createApiKey", "updateApiKey"}
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
def before_call(context: schemathesis.HookContext, case: AnyCase, kwargs: dict[str, Any]) -> None:
    label_body(case)


def label_body(case: AnyCase) -> None:
    """Give the name of a create or update body the run's prefix (a create without a name gets
    the prefix as its name; an update that leaves the name alone is left alone)."""
    if case.operation.definition.raw.get("operationId") not in _LABELLED:
        return
    body = case.body
    if not isinstance(body, dict):
        return
    creating = case.operation.definition.raw.get("operationId") == "createApiKey"
    name = body.get("name")
    if isinstance(name, str) or (name is None and (creating or "name" in body)):
        case.body = {**body, "name": labelled(name or "")}


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
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return
    links = body.get("links")
    self_link = links.get("self") if isinstance(links, dict) else None
    with _LOCK:
        CREATED_IDS.add(body["id"])
        if isinstance(self_link, str) and same_origin(self_link, str(response.request.url)):
            authorization = response.request.headers.get("Authorization")
            if isinstance(authorization, bytes):
                authorization = authorization.decode("latin-1")
            _CREATED[body["id"]] = (self_link, authorization)


def clean_up_created(transition_timeout: float = 30.0) -> int:
    """Deactivate, label and delete every key schemathesis created in this process, with the
    credentials it was created with; returns how many were deleted."""
    with _LOCK:
        created = dict(_CREATED)
        _CREATED.clear()
    by_auth: dict[str | None, dict[str, str]] = {}
    for key_id, (self_link, authorization) in created.items():
        by_auth.setdefault(authorization, {})[key_id] = self_link
    removed = 0
    with httpx.Client(follow_redirects=False) as http:
        for authorization, selves in by_auth.items():
            headers = {"Authorization": authorization} if authorization else {}
            removed += remove_keys(http, selves, None, transition_timeout, headers=headers)
    return removed


@atexit.register
def _clean_up_at_exit() -> None:
    """`schemathesis run` has no end-of-run hook: the keys go when the process ends."""
    if not _CREATED:
        return
    count = len(_CREATED)
    removed = clean_up_created()
    print(
        f"rancher-contract hooks: removed {removed} of the {count} keys this run created",
        file=sys.stderr,
    )
