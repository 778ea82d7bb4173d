"""The spec model as the suite's modules read a resource: `load_spec(type)` gives the `Spec` view of
one resource of the spec set, with the views the tests derive from its lifecycle (paths to the
settled states, the state DELETE starts from, the removed states, the `updating` forms a PUT may
show, the states whose actions map the contract fixes). The `spec` fixture is the view of the
module's `resource`; `load_spec()` without a type is the API credential resource (the one whose
fields carry `x-rancher-field.basicAuth`, the bootstrap keys' type). Nothing here is read from
YAML: the spec model (`rancher_contract.specmodel`) is the one loader.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rancher_contract.contract_tests.resources import path_to, settled_paths, spec_model
from rancher_contract.specmodel import Lifecycle, Resource

__all__ = ["ActionRule", "Spec", "credential_resource", "load_spec"]


@dataclass(frozen=True)
class ActionRule:
    name: str
    start: frozenset[str]
    through: str
    done: str


def credential_resource() -> Resource:
    """The resource of the spec set that is an API credential (the bootstrap keys' type)."""
    for resource in spec_model().resources:
        if resource.basic_auth_fields is not None:
            return resource
    raise LookupError("the spec set declares no API credential (x-rancher-field.basicAuth)")


@dataclass(frozen=True)
class Spec:
    resource: Resource
    states: tuple[str, ...]
    transitioning_states: frozenset[str]
    actions: dict[str, ActionRule]
    actions_by_state: dict[str, frozenset[str]]
    filters: dict[str, tuple[str, ...]]
    hidden_filters: frozenset[str]
    schema_actions: tuple[str, ...]
    collection_methods: tuple[str, ...]
    resource_methods: tuple[str, ...]
    create_through: str
    create_done: str
    removed_states: frozenset[str]  # removed date set: hidden from lists; DELETE answers 200
    authenticates_in: frozenset[str]

    @property
    def type(self) -> str:
        return self.resource.type

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
        assert self.resource.lifecycle is not None
        return settled_paths(self.resource.lifecycle)

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

    @property
    def removal(self) -> ActionRule:
        """The lifecycle action DELETE runs (`x-rancher-lifecycle.delete.runs`)."""
        assert self.resource.lifecycle is not None
        return self.actions[self.resource.lifecycle.delete.runs or ""]

    @property
    def lifecycle(self) -> Lifecycle:
        assert self.resource.lifecycle is not None
        return self.resource.lifecycle

    @property
    def is_credential(self) -> bool:
        """Whether the resource's own values authenticate in some state (an API credential)."""
        return bool(self.authenticates_in)

    def update_forms(self, state: str) -> frozenset[str]:
        """The states a PUT may answer in `state`: itself and its `updating` form (the same state
        for the contract), and for a removed resource every removed state (it may be purged by
        the server on its own)."""
        forms = set(self.lifecycle.update_forms(state))
        if state in self.removed_states:
            forms |= self.removed_states
        return frozenset(forms)

    def done_of(self, state: str) -> str | None:
        """Where a transitioning `state` settles: the done state of the action (or create) that
        passes through it, or the settled state of an `updating` form."""
        if state == self.create_through:
            return self.create_done
        for action in self.actions.values():
            if action.through == state:
                return action.done
        return self.lifecycle.settles_from_update(state)

    @property
    def deletable_state(self) -> str:
        """The settled state nearest a created resource where DELETE runs its action
        (`inactive`)."""
        paths = self.paths()
        starts = [s for s in paths if s in self.removal.start and s not in self.removed_states]
        return min(starts, key=lambda s: len(paths[s]))

    @property
    def idle_state(self) -> str:
        """The settled state nearest a created resource that is neither the create's state nor
        removed (`inactive`): still listed, no longer in use."""
        paths = self.paths()
        others = [s for s in paths if s != self.create_done and s not in self.removed_states]
        return min(others, key=lambda s: len(paths[s]))

    def round_trip(self) -> tuple[str, ...]:
        """Actions that leave the create's state and come back to it (deactivate, activate)."""
        paths = self.paths()
        there = paths[self.idle_state]
        back = path_to(self.lifecycle, self.idle_state, (self.create_done,))
        return (*there, *(back or ()))

    def max_length(self, field: str) -> int | None:
        found = self.resource.field(field)
        return found.declared_max_length if found is not None else None


@cache
def load_spec(type_name: str | None = None) -> Spec:
    """The resource `type_name` of the spec model (default: the API credential resource)."""
    if type_name is None:
        resource = credential_resource()
    else:
        found = spec_model().resource(type_name)
        if found is None:
            raise LookupError(f"the spec set declares no resource {type_name!r}")
        resource = found
    lifecycle = resource.lifecycle
    if lifecycle is None:
        raise LookupError(f"{resource.type} has no x-rancher-lifecycle")
    return Spec(
        resource=resource,
        states=lifecycle.states,
        transitioning_states=frozenset(lifecycle.transitioning_states),
        actions={
            a.name: ActionRule(a.name, frozenset(a.from_states), a.through or "", a.to or "")
            for a in lifecycle.actions
        },
        actions_by_state={s: frozenset(names) for s, names in lifecycle.actions_by_state},
        filters={f.field: f.modifiers for f in resource.filters},
        hidden_filters=frozenset(f.field for f in resource.filters if f.hidden),
        schema_actions=tuple(a.name for a in resource.schema_actions),
        collection_methods=resource.collection_methods,
        resource_methods=resource.resource_methods,
        create_through=lifecycle.create_through or "",
        create_done=lifecycle.create_to or "",
        removed_states=frozenset(lifecycle.removed_states),
        authenticates_in=frozenset(lifecycle.authenticates_in),
    )
