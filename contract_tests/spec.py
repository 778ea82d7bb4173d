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

# The states whose lifecycle actions the contract (section 3) fixes exactly; the others are left
# open.
EXACT_ACTION_STATES = ("active", "inactive", "removed", "registering", "purged")
# Actions a server MAY list besides the lifecycle ones (contract section 3).
OPTIONAL_ACTIONS = frozenset({"update", "create"})


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

    @property
    def lifecycle_actions(self) -> frozenset[str]:
        return frozenset(self.actions)

    def expected_actions(self, state: str) -> frozenset[str] | None:
        """The exact lifecycle actions of a state, or None where the contract leaves them open."""
        if state not in EXACT_ACTION_STATES:
            return None
        return self.actions_by_state.get(state, frozenset())

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
    )
