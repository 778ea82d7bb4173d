"""A program that reads only `x-rancher-lifecycle` reproduces the tables of contract section 3."""

from __future__ import annotations

from typing import Any

# Written from shared/reference/apikey-contract.md, section 3, by hand (not derived from the spec).
CONTRACT_STATES = [
    "requested", "registering", "activating", "active", "deactivating", "inactive",
    "updating-active", "updating-inactive", "removing", "removed", "purging", "purged",
]  # fmt: skip
CONTRACT_TRANSITIONING = {
    "registering", "activating", "deactivating", "removing", "purging",
    "updating-active", "updating-inactive",
}  # fmt: skip
# action -> (from, through, to); `create` (POST) starts from no state.
CONTRACT_ACTIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "create": (frozenset(), "registering", "active"),
    "activate": (frozenset({"inactive", "registering"}), "activating", "active"),
    "deactivate": (
        frozenset({"requested", "registering", "active", "activating",
                   "updating-active", "updating-inactive"}),
        "deactivating",
        "inactive",
    ),
    "remove": (
        frozenset({"requested", "registering", "inactive", "updating-active", "updating-inactive"}),
        "removing",
        "removed",
    ),
    "purge": (frozenset({"removed"}), "purging", "purged"),
}  # fmt: skip
# The lifecycle actions the `actions` map MUST show, for the states the contract lists.
CONTRACT_ACTIONS_MAP: dict[str, set[str]] = {
    "active": {"deactivate"},
    "inactive": {"activate", "remove"},
    "removed": {"purge"},
    "registering": {"activate", "deactivate", "remove"},
    "purged": set(),
}


def action_table(lifecycle: dict[str, Any]) -> dict[str, tuple[frozenset[str], str, str]]:
    """The contract's action table (create first), from the lifecycle extension alone."""
    create = lifecycle["create"]
    table = {"create": (frozenset[str](), create["through"], create["to"])}
    for name, action in lifecycle["actions"].items():
        table[name] = (frozenset(action["from"]), action["through"], action["to"])
    return table


def actions_map(lifecycle: dict[str, Any], state: str) -> set[str]:
    """The lifecycle actions shown in `state`, as a server renders them from `actionsByState`."""
    return set(lifecycle["actionsByState"][state])


def actions_starting_from(lifecycle: dict[str, Any], state: str) -> set[str]:
    """The same set, derived from the actions' start states instead."""
    return {name for name, a in lifecycle["actions"].items() if state in a["from"]}


def _lifecycle(spec_document: dict[str, Any]) -> dict[str, Any]:
    life: dict[str, Any] = spec_document["components"]["schemas"]["ApiKey"]["x-rancher-lifecycle"]
    return life


def test_states_and_transitioning_states(spec_document: dict[str, Any]) -> None:
    life = _lifecycle(spec_document)
    assert life["states"] == CONTRACT_STATES
    assert set(life["transitioningStates"]) == CONTRACT_TRANSITIONING


def test_action_table(spec_document: dict[str, Any]) -> None:
    assert action_table(_lifecycle(spec_document)) == CONTRACT_ACTIONS


def test_delete_runs_remove(spec_document: dict[str, Any]) -> None:
    assert _lifecycle(spec_document)["delete"]["runs"] == "remove"


def test_actions_map_per_state(spec_document: dict[str, Any]) -> None:
    life = _lifecycle(spec_document)
    for state, expected in CONTRACT_ACTIONS_MAP.items():
        assert actions_map(life, state) == expected, state
        assert actions_starting_from(life, state) == expected, state


def test_only_active_keys_authenticate(spec_document: dict[str, Any]) -> None:
    assert _lifecycle(spec_document)["authenticatesIn"] == ["active"]
