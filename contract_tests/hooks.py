"""schemathesis hooks of the contract suite (`hooks` in schemathesis.toml names this module).

Importing this module registers the Rancher checks of `checks.py`. Everything the hooks know of an
operation is read from the spec model by its operationId (`x-rancher-resource.operations`): its
resource, its kind (create, update, delete, action, ...) and the resource's id form (`idPattern`).

The hooks keep generated requests away from resources the run did not create: a mutating request
(update, delete, an action) whose generated id has the resource's id form but is not one this run
created is sent to an id of that form that does not exist, so that fuzzing a shared server can never
deactivate or delete someone else's resource (or the bootstrap key the run authenticates with). The
stock checks that are false for Rancher are switched off in schemathesis.toml, not here.

A generated create body is made to succeed where only the server's data decides: a reference
that must resolve (`x-rancher-field.reference`) given as a string gets the id of a referenced
resource the hooks create once per server and credentials (named `rc-contract-...`); a value that
must be unique (`x-rancher-field.unique` with an error code) gets a fresh beginning of the run's
own, when that keeps it valid. So positive data is accepted and the spec's links can follow a
created resource.

Safe on a live server: every create or update body gets the run's name prefix (`rc-contract-`,
the first characters of a generated name are replaced, so its length and validity stay), and
whatever the run created is deactivated and deleted when it ends, referencing resources first
(`clean_up_created`: the pytest suite calls it at the end of its session, and an exit handler does
it for `schemathesis run`, also after Ctrl-C).
"""

from __future__ import annotations

import atexit
import itertools
import json
import re
import sys
import threading
from functools import cache
from typing import Any, TypeAlias

import httpx
import schemathesis

from rancher_contract.contract_tests import checks
from rancher_contract.contract_tests.client import (
    labelled,
    remove_keys,
    same_origin,
    unique_prefix,
)
from rancher_contract.contract_tests.resources import (
    create_body,
    creation_order,
    references_of,
    spec_model,
)
from rancher_contract.contract_tests.spec import credential_resource
from rancher_contract.specmodel import Field, Resource

AnyCase: TypeAlias = "schemathesis.Case[Any]"

__all__ = [
    "CREATED_IDS",
    "checks",
    "clean_up_created",
    "keep_to_own_keys",
    "label_body",
    "remember_created_keys",
    "resolve_references",
]

CREATED_IDS: set[str] = set()
# id -> (links.self, the Authorization header it was created with, its type)
_CREATED: dict[str, tuple[str, str | None, str]] = {}
_LOCK = threading.Lock()
# (origin, Authorization, type) -> the id of the referenced resource the hooks created for it
_REFERENCED: dict[tuple[str, str | None, str], str | None] = {}
_MUTATING = frozenset({"update", "delete", "action"})
_WRITING = frozenset({"create", "update"})
_FRESH = itertools.count(1)
_RUN = unique_prefix()  # unique values stay unique on a server that other runs share


@cache
def _operations() -> dict[str, tuple[Resource, str]]:
    """operationId -> (its resource, its kind), for every operation of the spec set."""
    return {
        op.operation_id: (resource, op.kind)
        for resource in spec_model().resources
        for op in resource.operations
    }


def _operation(case: AnyCase) -> tuple[Resource, str] | None:
    return _operations().get(str(case.operation.definition.raw.get("operationId")))


@cache
def _id_form(resource: Resource) -> re.Pattern[str] | None:
    """The resource's id form (`idPattern`), matched in any case (nothing says ids are
    case-sensitive)."""
    if resource.id_pattern is None:
        return None
    try:
        return re.compile(resource.id_pattern, re.IGNORECASE)
    except re.error:
        return None


def _absent(generated: str, resource: Resource | None = None) -> str:
    """An id of the resource's form that exists on no real server (its letters, then `9876543`:
    ids at that height are never reached), keeping the generated id's last six digits so that
    generated ids stay distinct."""
    resource = resource or credential_resource()
    letters = resource.id_prefix or ""
    digits = "".join(c for c in generated[len(letters) :] if c.isdigit())[-6:]
    return f"{letters}9876543{digits.rjust(6, '0')}"


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: AnyCase) -> AnyCase:
    return keep_to_own_keys(case)


def keep_to_own_keys(case: AnyCase) -> AnyCase:
    found = _operation(case)
    if found is None or found[1] not in _MUTATING:
        return case
    resource = found[0]
    params = case.path_parameters or {}
    value = params.get("id")
    form = _id_form(resource)
    if isinstance(value, str) and (form is None or form.fullmatch(value)):
        with _LOCK:
            known = value in CREATED_IDS
        if not known:
            case.path_parameters = {**params, "id": _absent(value, resource)}
    return case


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: AnyCase, kwargs: dict[str, Any]) -> None:
    label_body(case)
    resolve_references(case)


def label_body(case: AnyCase) -> None:
    """Give the name of a create or update body the run's prefix (a create without a name gets
    the prefix as its name; an update that leaves the name alone is left alone), and a unique
    value a fresh beginning of the run's own."""
    found = _operation(case)
    if found is None or found[1] not in _WRITING:
        return
    resource, kind = found
    body = case.body
    if not isinstance(body, dict):
        return
    creating = kind == "create"
    named = resource.field("name")
    writable = named is not None and (named.create if creating else named.update)
    name = body.get("name")
    if writable and (isinstance(name, str) or (name is None and (creating or "name" in body))):
        body = {**body, "name": labelled(name or "")}
    for field in resource.fields:
        if (
            field.name in body
            and _client_unique(field)
            and (field.create if creating else field.update)
        ):
            fresh = _fresh(field, body[field.name])
            if fresh is not None:
                body = {**body, field.name: fresh}
    if body is not case.body:
        case.body = body


def _client_unique(field: Field) -> bool:
    """A value the client writes that no two resources may share (a duplicate is an error)."""
    return field.unique is not None and field.unique.error is not None


def _fresh(field: Field, value: object) -> str | None:
    """`value` with a beginning no other request of any run used, when the result is as
    valid as the value was (a string within the field's lengths, no pattern to keep); else None."""
    if not isinstance(value, str) or field.pattern or field.options:
        return None
    if field.min_length is not None and len(value) < field.min_length:
        return None  # an invalid value stays invalid
    if field.max_length is not None and len(value) > field.max_length:
        return None
    token = f"{_RUN}{next(_FRESH)}-"
    fresh = token + value[len(token) :] if len(value) >= len(token) else token
    if field.max_length is not None and len(fresh) > field.max_length:
        return None
    return fresh


def resolve_references(case: AnyCase) -> None:
    """In a create body, a reference that must resolve given as a string (the create schemas give
    references as plain strings: which one resolves is the server's data) names a resource of the
    referenced type that the hooks created for this server and these credentials."""
    found = _operation(case)
    if found is None or found[1] != "create" or not isinstance(case.body, dict):
        return
    resource = found[0]
    body = case.body
    for field, target in references_of(resource):
        reference = field.reference
        must_resolve = reference is None or reference.must_resolve
        if field.name not in body or not isinstance(body[field.name], str) or not must_resolve:
            continue
        referenced = _referenced_id(case, target)
        if referenced is not None:
            body = {**body, field.name: referenced}
    if body is not case.body:
        case.body = body


def _request_auth(case: AnyCase) -> tuple[tuple[str, str] | None, dict[str, str]]:
    config = case.operation.schema.config
    auth = config.auth_for(operation=case.operation)
    headers = {
        k: v for k, v in config.headers_for(operation=case.operation).items()
        if k.lower() == "authorization"
    }  # fmt: skip
    return auth, headers


def _referenced_id(case: AnyCase, target: Resource) -> str | None:
    """The id of the `target` resource the hooks created for the case's server and credentials
    (created now, with its own references, the first time); None when it cannot be created."""
    base = (case.operation.base_url or "").rstrip("/")
    if not base:
        return None
    auth, headers = _request_auth(case)
    key_auth = repr(auth) if auth is not None else headers.get("Authorization")
    with _LOCK:
        if (base, key_auth, target.type) in _REFERENCED:
            return _REFERENCED[(base, key_auth, target.type)]
        made: dict[str, str] = {}
        prefix = unique_prefix()
        with httpx.Client(auth=auth, headers=headers, timeout=15.0) as http:
            for type_name in creation_order([target.type]):
                known = _REFERENCED.get((base, key_auth, type_name))
                if known is not None:
                    made[type_name] = known
                    continue
                resource = spec_model().resource(type_name)
                create = resource.operation("create") if resource is not None else None
                created = None
                if resource is not None and create is not None:
                    body = create_body(resource, prefix, made)
                    created = _create(http, base + create.path, resource, body)
                _REFERENCED[(base, key_auth, type_name)] = created
                if created is None:
                    break
                made[type_name] = created
        return _REFERENCED.get((base, key_auth, target.type))


def _create(http: httpx.Client, url: str, resource: Resource, body: dict[str, Any]) -> str | None:
    """POST the body to the resource's collection; the new id (remembered for the cleanup, not
    offered to fuzzing), or None."""
    try:
        reply = http.post(url, json=body)
        created = reply.json() if reply.status_code == 201 else None
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        return None
    links = created.get("links")
    self_link = links.get("self") if isinstance(links, dict) else None
    if isinstance(self_link, str) and same_origin(self_link, url):
        authorization = reply.request.headers.get("Authorization")
        _CREATED[created["id"]] = (self_link, authorization, resource.type)
    return str(created["id"])


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
            _CREATED[body["id"]] = (self_link, authorization, str(body.get("type")))


def clean_up_created(transition_timeout: float = 30.0) -> int:
    """Deactivate, label and delete everything schemathesis and the hooks created in this process,
    with the credentials it was created with, referencing resources before the ones they reference;
    returns how many were deleted."""
    with _LOCK:
        created = dict(_CREATED)
        _CREATED.clear()
        _REFERENCED.clear()
    order = creation_order(sorted({type_name for _, _, type_name in created.values()}))
    rank = {type_name: -position for position, type_name in enumerate(order)}
    removed = 0
    with httpx.Client(follow_redirects=False) as http:
        for type_name in sorted({t for _, _, t in created.values()}, key=lambda t: rank.get(t, 0)):
            by_auth: dict[str | None, dict[str, str]] = {}
            for key_id, (self_link, authorization, of_type) in created.items():
                if of_type == type_name:
                    by_auth.setdefault(authorization, {})[key_id] = self_link
            for authorization, selves in by_auth.items():
                headers = {"Authorization": authorization} if authorization else {}
                removed += remove_keys(http, selves, None, transition_timeout, headers=headers)
    return removed


@atexit.register
def _clean_up_at_exit() -> None:
    """`schemathesis run` has no end-of-run hook: what it created goes when the process ends."""
    if not _CREATED:
        return
    count = len(_CREATED)
    removed = clean_up_created()
    print(
        f"rancher-contract hooks: removed {removed} of the {count} resources this run created",
        file=sys.stderr,
    )
