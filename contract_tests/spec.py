"""What the suite reads from the spec (`spec/apikey.openapi.yaml`): lifecycle, filters, Rancher
fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from rancher_contract.paths import DEFAULT_SPEC

__all__ = ["ActionRule", "Spec", "load_spec"]


@dataclass(frozen=True)
class ActionRule:
    name: str
    start: frozenset[str]
    through: str
    done: str


@dataclass(frozen=True)
class Spec:
    path: Path
    raw: dict[str, Any]
    states: tuple[str, ...]
    transitioning_states: frozenset[str]
    actions: dict[str, ActionRule]
    actions_by_state: dict[str, frozenset[str]]
    filters: dict[str, tuple[str, ...]]
    hidden_filters: frozenset[str]
    properties: dict[str, dict[str, Any]]
    schema_actions: tuple[str, ...]
    collection_methods: tuple[str, ...]
    resource_methods: tuple[str, ...]
    create_through: str = "registering"
    create_done: str = "active"
    # the states of a removed key (removed date set: hidden from lists; DELETE answers 200)
    removed_states: frozenset[str] = frozenset({"removed", "purging", "purged"})
    authenticates_in: frozenset[str] = frozenset({"active"})

    @property
    def lifecycle_actions(self) -> frozenset[str]:
        return frozenset(self.actions)

    @property
    def optional_actions(self) -> frozenset[str]:
        """Actions a server MAY list besides the lifecycle ones: the Rancher schema's other actions
        (`update`, `create`; contract section 3).
        """
        return frozenset(self.schema_actions) - self.lifecycle_actions

    def paths(self) -> dict[str, tuple[str, ...]]:
        """Every settled state a client can bring a key to, with the shortest list of actions that
        leads there from a created key (breadth first over the lifecycle's actions, in spec order).
        """
        found: dict[str, tuple[str, ...]] = {self.create_done: ()}
        frontier = [self.create_done]
        while frontier:
            following = []
            for state in frontier:
                for action in self.actions.values():
                    if state in action.start and action.done not in found:
                        found[action.done] = (*found[state], action.name)
                        following.append(action.done)
            frontier = following
        return found

    @property
    def exact_action_states(self) -> frozenset[str]:
        """The states whose lifecycle actions the contract fixes exactly (section 3): the settled
        states a client can reach, and the state a create answers with. Elsewhere (the other
        transitioning states) the map is the server's, and only its consistency is checked.
        """
        return frozenset(self.paths()) | {self.create_through}

    def expected_actions(self, state: str) -> frozenset[str] | None:
        """The exact lifecycle actions of a state, or None where the contract leaves them open."""
        if state not in self.exact_action_states:
            return None
        return self.actions_by_state.get(state, frozenset())

    def reachable_states(self) -> tuple[str, ...]:
        """Every state a key can be seen in through the API, in the spec's order: the create's
        states, the settled states of `paths()`, and the transitioning state of each action that can
        start in one of them (observable only on a server whose transitions take time).
        """
        settled = self.paths()
        seen = {self.create_through, self.create_done, *settled}
        for action in self.actions.values():
            if action.start & (set(settled) | {self.create_through}):
                seen.add(action.through)
        return tuple(state for state in self.states if state in seen)

    def max_length(self, field: str) -> int | None:
        prop = self.properties[field]
        rancher = prop.get("x-rancher-field", {})
        value = rancher.get("maxLength", prop.get("maxLength"))
        return int(value) if value is not None else None


@cache
def load_spec(path: Path = DEFAULT_SPEC) -> Spec:
    with path.open(encoding="utf-8") as fh:
        raw: dict[str, Any] = yaml.safe_load(fh)
    api_key = raw["components"]["schemas"]["ApiKey"]
    lifecycle = api_key["x-rancher-lifecycle"]
    resource = api_key["x-rancher-resource"]
    actions = {
        name: ActionRule(name, frozenset(rule["from"]), rule["through"], rule["to"])
        for name, rule in lifecycle["actions"].items()
    }
    filters = {
        field: tuple(item["modifiers"]) for field, item in api_key["x-rancher-filters"].items()
    }
    hidden = frozenset(
        field for field, item in api_key["x-rancher-filters"].items() if item.get("hidden")
    )
    return Spec(
        path=path,
        raw=raw,
        states=tuple(lifecycle["states"]),
        transitioning_states=frozenset(lifecycle["transitioningStates"]),
        actions=actions,
        actions_by_state={
            state: frozenset(names) for state, names in lifecycle["actionsByState"].items()
        },
        filters=filters,
        hidden_filters=hidden,
        properties=dict(api_key["properties"]),
        schema_actions=tuple(resource["schemaActions"]),
        collection_methods=tuple(resource["collectionMethods"]),
        resource_methods=tuple(resource["resourceMethods"]),
        create_through=str(lifecycle["create"]["through"]),
        create_done=str(lifecycle["create"]["to"]),
        removed_states=frozenset(lifecycle["delete"]["alreadyDoneStates"]),
        authenticates_in=frozenset(lifecycle["authenticatesIn"]),
    )
