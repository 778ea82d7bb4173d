"""The resources the suite tests, read from the spec model: which are selected, how a create body
for one is made (its required fields filled, its references satisfied by creating the referenced
resource first), how a resource is walked through its lifecycle, and how what a run created is
retired at its end.

Nothing here names a resource: every fact comes from `rancher_contract.specmodel`.

    RANCHER_RESOURCES=apiKey,registryCredential   # the selection (`--resource`); empty: all
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import httpx

from rancher_contract.specmodel import Field, Lifecycle, Resource, SpecModel, load_model

__all__ = [
    "RESOURCES_ENV",
    "UnknownResourceError",
    "absent_id",
    "creation_order",
    "credential_fields",
    "parse_resources",
    "path_to",
    "reference_target",
    "references_in",
    "references_of",
    "retire",
    "retire_all",
    "sample_value",
    "selected_resources",
    "settled_paths",
    "spec_model",
]

RESOURCES_ENV = "RANCHER_RESOURCES"
_REFERENCE = re.compile(r"^reference\[(?P<type>[A-Za-z0-9_]+)\]$")


class UnknownResourceError(ValueError):
    """A selected resource type that the spec set does not declare."""


@cache
def spec_model() -> SpecModel:
    """The shipped spec set, read once."""
    return load_model()


def parse_resources(values: Iterable[str], model: SpecModel | None = None) -> tuple[str, ...]:
    """The resource types named by `values` (each may hold several, comma-separated; any case,
    singular or plural), in the spec's spelling; no value: every resource of the spec set."""
    model = model or spec_model()
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not names:
        return model.types
    found: list[str] = []
    for name in names:
        resource = model.resource(name)
        if resource is None:
            known = ", ".join(model.types)
            raise UnknownResourceError(f"unknown resource {name!r} (the spec set has: {known})")
        if resource.type not in found:
            found.append(resource.type)
    return tuple(found)


def selected_resources(env: Mapping[str, str] | None = None) -> tuple[Resource, ...]:
    """The resources this run tests (`RANCHER_RESOURCES`, default: all), in the spec's order."""
    env = os.environ if env is None else env
    model = spec_model()
    types = parse_resources([env.get(RESOURCES_ENV, "")], model)
    return tuple(r for r in model.resources if r.type in types)


# -- references -------------------------------------------------------------------------------


def reference_target(field: Field) -> str | None:
    """The resource type a reference field points at (`x-rancher-field.reference`, else its
    `reference[<type>]` Rancher type), or None."""
    if field.reference is not None:
        return field.reference.type
    match = _REFERENCE.match(field.rancher_type or "")
    return match.group("type") if match else None


def references_of(
    resource: Resource, model: SpecModel | None = None
) -> tuple[tuple[Field, Resource], ...]:
    """The create fields of `resource` that reference another resource of the spec set."""
    model = model or spec_model()
    found = []
    for field in resource.create_fields:
        target = reference_target(field)
        other = model.resource(target) if target else None
        if other is not None and other.type != resource.type:
            found.append((field, other))
    return tuple(found)


def references_in(resource: Resource, item: Mapping[str, Any]) -> dict[str, str]:
    """The ids `item` (a resource of that type, as the server showed it) references, by target
    type: a create body for another one (`create_body`) may reuse them."""
    return {
        other.type: str(item[field.name])
        for field, other in references_of(resource)
        if isinstance(item.get(field.name), str)
    }


def credential_fields(resource: Resource, model: SpecModel | None = None) -> tuple[str, str] | None:
    """The (username, password) fields of HTTP Basic (`x-rancher-field.basicAuth`) of the resource,
    else of a resource stored with it (same base type) that is an API credential."""
    model = model or spec_model()
    for candidate in (resource, *model.sharing_base_type(resource)):
        user = next((f.name for f in candidate.fields if f.basic_auth == "username"), None)
        password = next((f.name for f in candidate.fields if f.basic_auth == "password"), None)
        if user and password and resource.field(user) and resource.field(password):
            return user, password
    return None


def creation_order(types: Iterable[str], model: SpecModel | None = None) -> tuple[str, ...]:
    """`types` and every resource they reference, referenced ones first (the cleanup order is
    the reverse)."""
    model = model or spec_model()
    order: list[str] = []

    def visit(type_name: str, seen: tuple[str, ...]) -> None:
        resource = model.resource(type_name)
        if resource is None or resource.type in order or resource.type in seen:
            return
        for _field, other in references_of(resource, model):
            visit(other.type, (*seen, resource.type))
        order.append(resource.type)

    for type_name in types:
        visit(type_name, ())
    return tuple(order)


def absent_id(resource: Resource) -> str:
    """An id of the resource's form that no server has (`1sp987654321000` for `^1sp[0-9]+$`)."""
    pattern = resource.id_pattern or ""
    body = pattern.removeprefix("^").removesuffix("$")
    candidate = body.replace("[0-9]+", "987654321000").replace("[0-9]*", "987654321000")
    if pattern and candidate != body and re.fullmatch(pattern.strip("^$"), candidate):
        return candidate
    return "987654321000"


# -- values -------------------------------------------------------------------------------------


def sample_value(field: Field, prefix: str) -> Any:
    """A valid value for a writable field: the first option of an enum, else a text unique to this
    run within the field's lengths (its pattern, when it has one, satisfied)."""
    if field.options:
        return field.options[0]
    types = set(field.json_types) - {"null"}
    if types and "string" not in types:
        if "integer" in types or "number" in types:
            return 1
        if "boolean" in types:
            return True
        if "array" in types:
            return []
        return {}
    text = f"{prefix}{field.name}-{uuid.uuid4().hex[:8]}"
    if field.pattern and not re.search(field.pattern, text):
        text = _from_pattern(field.pattern)
    if field.max_length is not None:
        text = text[: field.max_length]
    if field.min_length is not None and len(text) < field.min_length:
        text += "x" * (field.min_length - len(text))
    return text


def _from_pattern(pattern: str) -> str:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    found: list[str] = []

    @settings(max_examples=1, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern, fullmatch=True))
    def pick(value: str) -> None:
        found.append(value)

    pick()
    return found[0]


def create_body(
    resource: Resource, prefix: str, references: Mapping[str, str], *, name: str | None = None
) -> dict[str, Any]:
    """A create body: a prefixed name (when the resource has one) and every required field; a
    reference field gets the id given for its target type in `references`."""
    body: dict[str, Any] = {}
    named = resource.field("name")
    if named is not None and named.create:
        body["name"] = name if name is not None else f"{prefix}{resource.type}"[:255]
    for field in resource.required_fields:
        if field.name in body:
            continue
        target = reference_target(field)
        if target is not None and target in references:
            body[field.name] = references[target]
        else:
            body[field.name] = sample_value(field, prefix)
    return body


# -- the lifecycle --------------------------------------------------------------------------------


def settled_paths(lifecycle: Lifecycle) -> dict[str, tuple[str, ...]]:
    """Every settled state a client can bring a resource to, with the shortest list of actions from
    a created one (breadth first over the lifecycle's actions, in spec order)."""
    start = lifecycle.create_to or ""
    found: dict[str, tuple[str, ...]] = {start: ()}
    frontier = [start]
    while frontier:
        following = []
        for state in frontier:
            for action in lifecycle.actions:
                if state in action.from_states and action.to and action.to not in found:
                    found[action.to] = (*found[state], action.name)
                    following.append(action.to)
        frontier = following
    return found


def path_to(lifecycle: Lifecycle, state: str, goals: Sequence[str]) -> tuple[str, ...] | None:
    """The shortest list of actions from `state` to one of `goals` (empty: already there)."""
    found: dict[str, tuple[str, ...]] = {state: ()}
    frontier = [state]
    while frontier:
        for current in frontier:
            if current in goals:
                return found[current]
        following = []
        for current in frontier:
            for action in lifecycle.actions:
                if current in action.from_states and action.to and action.to not in found:
                    found[action.to] = (*found[current], action.name)
                    following.append(action.to)
        frontier = following
    return None


def final_states(lifecycle: Lifecycle) -> tuple[str, ...]:
    """The removed states no action leaves (purged)."""
    removed = lifecycle.removed_states
    return tuple(
        s for s in removed if not lifecycle.actions_in(s) and not lifecycle.is_transitioning(s)
    )


def retire(
    http: httpx.Client,
    url: str,
    lifecycle: Lifecycle,
    credentials: tuple[str, str] | None,
    timeout: float = 10.0,
    *,
    to_the_end: bool = True,
) -> str | None:
    """Bring the resource at `url` (its links.self) out of use: by the lifecycle's actions to a
    removed state, and with `to_the_end` on to its final state (purged). Errors are skipped:
    cleaning up never fails a run. Returns the last state seen."""
    deadline = time.monotonic() + timeout

    def read() -> dict[str, Any] | None:
        try:
            reply = http.request("GET", url, auth=credentials, timeout=10.0)
        except httpx.HTTPError:
            return None
        if reply.status_code != 200:
            return None
        try:
            body = reply.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def settle() -> dict[str, Any] | None:
        body = read()
        while body is not None and body.get("transitioning") == "yes":
            if time.monotonic() > deadline:
                return body
            time.sleep(0.05)
            body = read()
        return body

    goals = final_states(lifecycle) if to_the_end else lifecycle.removed_states
    body = settle()
    for _round in range(len(lifecycle.states)):
        if body is None:
            return None
        state = str(body.get("state"))
        if state in goals or time.monotonic() > deadline:
            return state
        plan = path_to(lifecycle, state, goals)
        if not plan:
            return state
        link = (body.get("actions") or {}).get(plan[0])
        if not isinstance(link, str):
            base = url.rstrip("/")
            link = f"{base}?action={plan[0]}"
        try:
            http.request("POST", link, auth=credentials, timeout=10.0)
        except httpx.HTTPError:
            return state
        body = settle()
    return None if body is None else str(body.get("state"))


def retire_all(
    http: httpx.Client,
    items: Sequence[tuple[str, Lifecycle]],
    credentials: tuple[str, str] | None,
    timeout: float = 10.0,
) -> dict[str, str | None]:
    """`retire` for many resources (links.self, lifecycle) at once, to their final states: each
    round reads every one still on its way and starts its next action, so that transitions run
    together. Items are handled in the order given within a round (referencing resources first).
    Returns the last state seen of each."""
    deadline = time.monotonic() + timeout
    last: dict[str, str | None] = {url: None for url, _ in items}
    pending = list(items)
    delay = 0.02
    while pending and time.monotonic() <= deadline:
        following = []
        for url, lifecycle in pending:
            try:
                reply = http.request("GET", url, auth=credentials, timeout=10.0)
                body = reply.json() if reply.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                body = None
            if not isinstance(body, dict):
                continue
            state = str(body.get("state"))
            last[url] = state
            if body.get("transitioning") == "yes":
                following.append((url, lifecycle))
                continue
            plan = path_to(lifecycle, state, final_states(lifecycle))
            if not plan:
                continue
            link = (body.get("actions") or {}).get(plan[0])
            if not isinstance(link, str):
                link = f"{url.rstrip('/')}?action={plan[0]}"
            try:
                http.request("POST", link, auth=credentials, timeout=10.0)
            except httpx.HTTPError:
                continue
            following.append((url, lifecycle))
        pending = following
        if pending:
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
    return last
