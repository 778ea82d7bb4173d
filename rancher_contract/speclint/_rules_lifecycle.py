"""The rule on `x-rancher-lifecycle`: states, actions and the per-state actions map agree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._registry import rule
from rancher_contract.speclint._view import Node, Resource, SpecView
from rancher_contract.specmodel import TRANSITIONING_VALUES

NAME = "lifecycle"


def _names(values: Iterable[object]) -> str:
    text = ", ".join(sorted(str(v) for v in values))
    return text or "none"


def _action_enum(view: SpecView, resource: Resource) -> tuple[list[Any] | None, str]:
    """The enum of the `action` query parameter of the resource's action operation."""
    op_id = resource.extension.child("operations", "action").value
    op = view.operations_by_id.get(op_id) if isinstance(op_id, str) else None
    if op is None:
        return None, "the resource names no action operation (x-rancher-resource.operations.action)"
    for param in view.parameters(op):
        if param.location == "query" and param.name == "action":
            enum = view.enum_of(param.node.child("schema"))
            if enum is None:
                return None, f"the action parameter of {op_id} has no enum"
            return enum, op_id
    return None, f"{op_id} has no `action` query parameter"


def _check_lifecycle(view: SpecView, resource: Resource, life: Node) -> Iterator[Finding]:
    props = view.properties(resource.schema)
    state_prop = props.get("state")
    enum = view.enum_of(state_prop) if state_prop is not None else None
    if state_prop is None or enum is None:
        where = state_prop.pointer if state_prop else resource.schema.child("properties").pointer
        yield Finding(NAME, where, f"{resource.name} has no `state` property with an enum")
        return
    known = set(enum)

    def state(node: Node, what: str) -> Iterator[Finding]:
        if node.value not in known:
            yield Finding(NAME, node.pointer, f"{what} {node.value!r} is not in the state enum")

    # the states list is the enum
    listed = life.child("states")
    seen: set[Any] = set()
    for item in listed.elements():
        yield from state(item, "state")
        if item.value in seen:
            yield Finding(NAME, item.pointer, f"state {item.value!r} is listed twice")
        seen.add(item.value)
    if missing := known - seen:
        yield Finding(NAME, listed.pointer, f"the states omit enum values: {_names(missing)}")

    transitioning = {item.value for item in life.child("transitioningStates").elements()}
    for item in life.child("transitioningStates").elements():
        yield from state(item, "transitioning state")
    create = life.child("create")
    for key in ("through", "to"):
        if key in create.as_dict():
            yield from state(create.child(key), f"create.{key}")
    if create.as_dict().get("to") in transitioning:
        yield Finding(NAME, create.child("to").pointer, "create.to is a transitioning state")

    # actions: start, transitioning and done states
    actions = life.child("actions")
    starts: dict[str, set[Any]] = {}
    for action, spec in actions.items():
        starts[action] = {item.value for item in spec.child("from").elements()}
        if not starts[action]:
            yield Finding(NAME, spec.child("from").pointer, f"{action} starts from no state")
        for item in spec.child("from").elements():
            yield from state(item, f"{action}.from state")
        if "to" not in spec.as_dict():
            yield Finding(NAME, spec.pointer, f"{action} has no done state (`to`)")
        else:
            yield from state(spec.child("to"), f"{action}.to")
            if spec.as_dict()["to"] in transitioning:
                yield Finding(NAME, spec.child("to").pointer, f"{action}.to is transitioning")
        if "through" in spec.as_dict():
            yield from state(spec.child("through"), f"{action}.through")
            if spec.as_dict()["through"] not in transitioning:
                yield Finding(
                    NAME,
                    spec.child("through").pointer,
                    f"{action}.through is not among the transitioningStates",
                )

    # actionsByState: one entry per state; A listed for S iff S is in A.from
    by_state = life.child("actionsByState")
    for name, listed_actions in by_state.items():
        if name not in known:
            yield Finding(NAME, listed_actions.pointer, f"state {name!r} is not in the state enum")
        names = set()
        for item in listed_actions.elements():
            names.add(item.value)
            if item.value not in starts:
                yield Finding(NAME, item.pointer, f"{item.value!r} is not a lifecycle action")
            elif name not in starts[item.value]:
                yield Finding(
                    NAME,
                    item.pointer,
                    f"{item.value} is listed for {name} but does not start there",
                )
        expected = {a for a, froms in starts.items() if name in froms}
        if missing_actions := expected - names:
            yield Finding(
                NAME,
                listed_actions.pointer,
                f"{name} omits {_names(missing_actions)}, which start from {name}",
            )
    for value in enum:
        if str(value) not in by_state.as_dict():
            yield Finding(NAME, by_state.pointer, f"state {value!r} has no actionsByState entry")

    # delete and authentication
    delete = life.child("delete")
    for item in delete.child("alreadyDoneStates").elements():
        yield from state(item, "delete.alreadyDoneStates")
    runs = delete.child("runs")
    if "runs" in delete.as_dict() and runs.value not in starts:
        yield Finding(NAME, runs.pointer, f"delete runs {runs.value!r}, which is not an action")
    for item in life.child("authenticatesIn").elements():
        yield from state(item, "authenticatesIn")
    updating = life.child("updating")
    for settled, entry in updating.items():
        if settled not in known or entry.value not in known:
            yield Finding(NAME, entry.pointer, f"updating {settled} -> {entry.value}: not states")
        elif entry.value not in transitioning:
            yield Finding(NAME, entry.pointer, f"updating form {entry.value!r} is not a transition")

    # the action names are the action operation's enum
    action_enum, where = _action_enum(view, resource)
    if action_enum is None:
        if starts:
            yield Finding(NAME, actions.pointer, where)
    elif set(action_enum) != set(starts):
        yield Finding(
            NAME,
            actions.pointer,
            f"the actions differ from the `action` enum of {where}: only in the lifecycle: "
            f"{_names(set(starts) - set(action_enum))}; only in the enum: "
            f"{_names(set(action_enum) - set(starts))}",
        )

    # the transitioning field
    flag = props.get("transitioning")
    if flag is not None:
        values = view.enum_of(flag) or []
        if missing_values := set(TRANSITIONING_VALUES) - set(values):
            yield Finding(
                NAME, flag.pointer, f"the transitioning enum lacks {_names(missing_values)}"
            )
    else:
        yield Finding(
            NAME, resource.schema.child("properties").pointer, "no `transitioning` property"
        )


@rule(NAME)
def lifecycle_consistent(view: SpecView) -> Iterator[Finding]:
    """`x-rancher-lifecycle` names only enum states, and its actions and actionsByState agree."""
    for resource in view.resources:
        life = resource.schema.child("x-rancher-lifecycle")
        if isinstance(life.value, dict):
            yield from _check_lifecycle(view, resource, life)
