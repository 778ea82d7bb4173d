"""The lifecycle facts the backend needs, read once from the generated `API_KEY_LIFECYCLE`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rancher_contract.generated.server import API_KEY_LIFECYCLE

__all__ = [
    "ACTIONS",
    "ACTIVE_STATE",
    "AUTHENTICATES_IN",
    "CREATE",
    "DELETE_ALREADY_DONE",
    "DELETE_RUNS",
    "REMOVED_STATE",
    "TRANSITIONING_STATES",
    "Step",
    "actions_in",
]


@dataclass(frozen=True)
class Step:
    name: str
    through: str
    to: str


ACTIONS: Mapping[str, Step] = {
    name: Step(name, t.through, t.to) for name, t in API_KEY_LIFECYCLE.actions.items()
}
CREATE = Step("create", API_KEY_LIFECYCLE.create.through, API_KEY_LIFECYCLE.create.to)
TRANSITIONING_STATES = frozenset(API_KEY_LIFECYCLE.transitioning_states)
_BY_STATE: Mapping[str, frozenset[str]] = {
    state: frozenset(actions) for state, actions in API_KEY_LIFECYCLE.actions_by_state.items()
}
ACTIVE_STATE = CREATE.to
_DELETE = API_KEY_LIFECYCLE.delete
# DELETE runs `remove`; from a removed key (or further: purging, purged) it answers 200 and leaves
# the key as it is; from any other state 405.
DELETE_RUNS = ACTIONS[_DELETE.runs if _DELETE is not None else "remove"]
REMOVED_STATE = DELETE_RUNS.to
DELETE_ALREADY_DONE: frozenset[str] = (
    frozenset(_DELETE.already_done_states) if _DELETE is not None else frozenset({REMOVED_STATE})
)
AUTHENTICATES_IN: frozenset[str] = frozenset(API_KEY_LIFECYCLE.authenticates_in) or frozenset(
    {ACTIVE_STATE}
)


def actions_in(state: str) -> frozenset[str]:
    """The lifecycle actions that may start in `state` (the `actions` map the stubs render)."""
    return _BY_STATE.get(state, frozenset())
