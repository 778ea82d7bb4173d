"""Contract sections 3 and 4: the lifecycle as a hypothesis state machine with a model of every
resource it created, for each resource of the spec set.

After each step the server must agree with the model: the state after waiting (asynchronous and
immediate transitions both pass), the actions map (checked on every response), 405/422 where the
model forbids the step, list membership, the values it wrote and those that never change, and, for
an API credential, authentication with the resource itself allowed only in the states the spec
names. Everything the machine expects is read from the spec model (`Spec`, `Resource`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from rancher_contract.contract_tests.client import Api, Credentials
from rancher_contract.contract_tests.conftest import profile
from rancher_contract.contract_tests.pool import make_references
from rancher_contract.contract_tests.resources import (
    create_body,
    credential_fields,
    reference_target,
    spec_model,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import ActionRule, Spec
from rancher_contract.specmodel import Field, Resource

MAX_KEYS = 4
TEXT_SIZE = 24
# text a MySQL utf8 column (Rancher's) stores as it is: the BMP, no control characters
CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0xFFFF)
# fields the contract gives every Rancher resource, fixed once created
ENVELOPE_FIXED = ("id", "uuid", "created")


def fuzzed_fields(resource: Resource) -> tuple[Field, ...]:
    """The writable nullable free-text fields (name, description): any text or null is stored as
    it is. Enums, patterns, formats, references, unique, generated, credential and
    read-on-create-only fields are left to `create_body` and the other modules."""
    return tuple(
        f
        for f in resource.fields
        if (f.create or f.update)
        and not f.read_only
        and set(f.json_types) == {"string", "null"}
        and f.rancher_type == "string"
        and f.options is None
        and f.pattern is None
        and f.format is None
        and reference_target(f) is None
        and f.unique is None
        and f.generate is None
        and f.basic_auth is None
        and not f.read_on_create_only
    )


def fixed_fields(resource: Resource, fuzzed: tuple[Field, ...]) -> dict[str, str]:
    """Field -> the rule its change breaks, for the fields that keep their create value during the
    machine: the writable ones it never writes, the generated ones, and the envelope's identity
    (read-on-create-only fields aside: they are shown once)."""
    names = {f.name for f in fuzzed}
    found = {name: "2.resource-shape" for name in ENVELOPE_FIXED if resource.field(name)}
    for f in resource.fields:
        if f.name in names or f.read_on_create_only:
            continue
        if f.update:
            found[f.name] = "2.writable-fields"
        elif f.create:
            found[f.name] = "2.create-only"
        elif f.generate is not None:
            found[f.name] = "2.resource-shape"
    return found


def junk_bodies(spec: Spec) -> list[dict[str, Any]]:
    """Extra body fields a server must ignore (read-only or unknown): none; a state; the generated
    values, `kind` and an unknown field."""
    resource = spec.resource
    writable = {f.name for f in (*resource.create_fields, *resource.update_fields)}
    extra: dict[str, Any] = {
        f.name: f.generate.alphabet[:1] * f.generate.length
        for f in resource.fields
        if f.generate is not None
    }
    extra.update({"kind": "x", "bogus": [1]})
    return [
        {},
        {"state": spec.idle_state},
        {name: value for name, value in extra.items() if name not in writable},
    ]


def generated_unique(resource: Resource) -> tuple[str, ...]:
    """The fields the server draws that must be unique (an access key)."""
    return tuple(f.name for f in resource.fields if f.generate is not None and f.unique is not None)


@dataclass
class ModelKey:
    id: str
    self_url: str
    values: dict[str, Any]  # the fuzzed fields as last written
    fixed: dict[str, Any]  # the fields that keep their create value
    credentials: Credentials | None  # an API credential's own values
    state: str  # the state the model knows the resource is in (settled, or passing through)
    last: dict[str, Any]  # the server's last view of it
    done: str | None = None  # while passing through `state`: the state it settles in
    was_removed: bool = False  # it has been in a removed state (a restored one may keep the date)
    generated: dict[str, Any] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return self.done is None

    def expect_transition(self, view: dict[str, Any], done: str) -> None:
        """The server shows `view` after a request that started a transition ending in `done`."""
        if view.get("transitioning") == "yes":
            self.state, self.done = view["state"], done
        else:
            self.state, self.done = done, None

    def move_to(self, spec: Spec, state: str) -> None:
        """The server moved on to `state`: settled there, or passing through to its done state."""
        done = spec.done_of(state) if state in spec.transitioning_states else None
        self.state, self.done = state, done


def _fail(rule_id: str, key: ModelKey, message: str) -> ContractViolation:
    where = key.state if key.settled else f"{key.state} -> {key.done}"
    return ContractViolation(rule_id, f"resource {key.id} (model state {where!r}): {message}")


def moves_on(spec: Spec, state: str | None) -> frozenset[str]:
    """The removed states a removed resource in `state` may reach by itself (Rancher purges
    removed resources on its own): where its actions lead without leaving the removed states."""
    if state is None or state not in spec.removed_states:
        return frozenset()
    found: set[str] = set()
    frontier = [state]
    while frontier:
        current = frontier.pop()
        following = [spec.done_of(current)] if current in spec.transitioning_states else []
        for action in spec.actions.values():
            if current in action.start:
                following += [action.through, action.done]
        for nxt in following:
            if nxt in spec.removed_states and nxt != state and nxt not in found:
                found.add(nxt)
                frontier.append(nxt)
    return frozenset(found)


class LifecycleModel:
    """What the machine expects of one resource, read from its spec: the fields it fuzzes and
    those that never change, the junk bodies, the removal, and how a server's view is judged."""

    def __init__(self, spec: Spec, prefix: str) -> None:
        resource = spec.resource
        self.spec = spec
        self.resource = resource
        self.lifecycle = spec.lifecycle
        self.fuzzed = fuzzed_fields(resource)
        self.fixed = fixed_fields(resource, self.fuzzed)
        self.unique = generated_unique(resource)
        self.credential_names = credential_fields(resource) if spec.is_credential else None
        self.removal: ActionRule | None = spec.actions.get(self.lifecycle.delete.runs or "")
        # states DELETE has nothing left to do in, and those the list may still show
        self.removing = spec.removed_states | (
            {self.removal.through} if self.removal is not None else set()
        )
        self.hides_removed = self.lifecycle.hidden_from_list_when is not None
        self.methods = frozenset(resource.resource_methods)
        updatable = [f for f in self.fuzzed if f.update]
        self.create_values = st.fixed_dictionaries(
            {f.name: self._text(f, prefix) for f in self.fuzzed if f.create}
        )
        self.update_values = st.fixed_dictionaries(
            {f.name: self._text(f, prefix) for f in updatable}
        )
        self.subsets = [
            tuple(c.name for c in chosen)
            for size in range(1, len(updatable) + 1)
            for chosen in combinations(updatable, size)
        ] or [()]
        self.junk = st.sampled_from(junk_bodies(spec))

    @staticmethod
    def _text(f: Field, prefix: str) -> st.SearchStrategy[str | None]:
        room = TEXT_SIZE
        if f.max_length is not None:
            room = min(room, f.max_length - (len(prefix) if f.name == "name" else 0))
        values = st.text(CHARACTERS, min_size=min(f.min_length or 0, room), max_size=room)
        if f.name == "name":  # the run's prefix tells an operator whose resource it is
            values = values.map(lambda v: prefix + v)
        return st.one_of(st.none(), values)

    def check_view(self, key: ModelKey, view: dict[str, Any]) -> None:
        """`view` agrees with the model; the model follows the server where the transition moved
        on (a removed resource may get purged by itself; a PUT may show an `updating` form)."""
        spec, lifecycle = self.spec, self.lifecycle
        state = view["state"]
        if key.settled:
            if state == key.state:
                pass
            elif state in lifecycle.update_forms(key.state):
                key.state, key.done = state, key.state  # Rancher's update, settling back
            elif state in moves_on(spec, key.state):
                key.move_to(spec, state)
            else:
                raise _fail("3.action-result", key, f"the server says {state!r}")
        elif (
            state == key.done
            or state in moves_on(spec, key.done)
            or state in lifecycle.update_forms(key.done or "")
        ):
            key.move_to(spec, state)
        elif state != key.state:
            raise _fail("3.action-result", key, f"the server says {state!r}")
        if key.state in spec.removed_states:
            key.was_removed = True
        shown = {name: view.get(name) for name in key.values}
        if shown != key.values:
            raise _fail(
                "2.writable-fields", key, f"the fields are {shown!r}, expected {key.values!r}"
            )
        for name, rule_id in self.fixed.items():
            if view.get(name) != key.fixed.get(name):
                raise _fail(
                    rule_id,
                    key,
                    f"{name} changed from {key.fixed.get(name)!r} to {view.get(name)!r}",
                )
        if key.settled and self.resource.field("removed") is not None:
            removed_set = view.get("removed") is not None
            if key.state in spec.removed_states and not removed_set:
                raise _fail("3.removed-hidden", key, f"removed is null in state {state!r}")
            # whether leaving the removed states (a restore) clears the date, the contract leaves
            # open
            if key.state not in spec.removed_states and removed_set and not key.was_removed:
                raise _fail("3.removed-hidden", key, f"removed is {view['removed']!r} in {state!r}")

    def valid_in(self, state: str | None, action: str) -> bool:
        return state is not None and action in self.spec.actions_by_state.get(state, frozenset())

    def available(self, key: ModelKey, action: str) -> bool:
        """Whether `action` may start in the resource's current state: the spec's map where the
        contract fixes it, else the map the server showed last."""
        expected = self.spec.expected_actions(key.state)
        if expected is not None:
            return action in expected
        return action in (key.last.get("actions") or {})


def make_machine(
    api: Api,
    model: LifecycleModel,
    prefix: str,
    references: dict[str, str],
    seen: list[ModelKey],
) -> type[RuleBasedStateMachine]:
    """The machine never waits for a transition: a resource the server shows passing through a
    state is modelled as such (`ModelKey.done`), and a step on it first reads it again; only where
    the server still shows the transitioning state, and the step's answer would differ between
    that state and the done one, are both answers accepted. Every resource is awaited at the end
    of the test, all together (`test_lifecycle`): against a server whose transitions take seconds
    the machine keeps its depth and costs one wait.
    """
    spec, resource, lifecycle = model.spec, model.resource, model.lifecycle
    removal, removing, names, methods = (
        model.removal,
        model.removing,
        model.credential_names,
        model.methods,
    )
    collection = api.collection_of(resource)
    check_view, valid_in, available = model.check_view, model.valid_in, model.available

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.keys: dict[str, ModelKey] = {}
            api.recorder.clear()

        def teardown(self) -> None:
            seen.extend(self.keys.values())

        def pick(self, data: st.DataObject) -> ModelKey:
            return self.keys[data.draw(st.sampled_from(sorted(self.keys)), label="key")]

        def observe(self, key: ModelKey, view: dict[str, Any]) -> None:
            check_view(key, view)
            key.last = view

        def refresh(self, key: ModelKey) -> None:
            """Read a resource the model sees passing through a state: it may have settled
            since."""
            if not key.settled:
                view = api.get(key.self_url).expect("3.removed-hidden", 200).body
                self.observe(key, view)

        @precondition(lambda self: len(self.keys) < MAX_KEYS)
        @rule(values=model.create_values, junk=model.junk)
        def create(self, values: dict[str, Any], junk: dict[str, Any]) -> None:
            body = {**junk, **create_body(resource, prefix, references), **values}
            reply = api.create(body, resource).expect("1.success-status", 201)
            view = reply.body
            if view["state"] not in {spec.create_through, spec.create_done}:
                raise ContractViolation(
                    "3.create-active", f"the create response shows state {view['state']!r}"
                )
            for name in model.unique:
                if any(k.generated.get(name) == view.get(name) for k in self.keys.values()):
                    raise ContractViolation(
                        "2.generated-values", f"{name} {view.get(name)} is not unique"
                    )
            credentials = None
            if names is not None:
                secret = view.get(names[1])
                if not isinstance(secret, str):
                    raise ContractViolation(
                        "2.secret-once", f"the create response carries {names[1]} {secret!r}"
                    )
                credentials = Credentials(str(view.get(names[0])), secret)
            key = ModelKey(
                id=view["id"],
                self_url=view["links"]["self"],
                values={f.name: body.get(f.name, view.get(f.name)) for f in model.fuzzed},
                fixed={name: view.get(name) for name in model.fixed},
                credentials=credentials,
                state="",
                last=view,
                generated={name: view.get(name) for name in model.unique},
            )
            key.expect_transition(view, spec.create_done)
            self.observe(key, view)
            self.keys[key.id] = key

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def get(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.observe(key, api.get(key.self_url).expect("3.removed-hidden", 200).body)

        @precondition(lambda self: self.keys and "id" in spec.filters)
        @rule(data=st.data())
        def listed(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.refresh(key)
            ids = [
                item["id"]
                for item in api.get(collection, params={"id": key.id})
                .expect("5.filter", 200)
                .body["data"]
            ]
            # hidden once its removed date is set; one still on its way there may be listed (§3)
            hidden = model.hides_removed and key.state in spec.removed_states
            shown = (
                key.state not in removing
                and (key.done is None or key.done not in removing)
                and not (model.hides_removed and key.last.get("removed") is not None)
            )
            if hidden and key.id in ids:
                raise _fail("3.removed-hidden", key, "a removed resource is listed")
            if shown and ids != [key.id]:
                raise _fail("3.removed-hidden", key, f"?id={key.id} lists {ids}")

        @precondition(lambda self: self.keys and "PUT" in methods)
        @rule(
            data=st.data(),
            values=model.update_values,
            junk=model.junk,
            fields=st.sampled_from(model.subsets),
        )
        def update(
            self,
            data: st.DataObject,
            values: dict[str, Any],
            junk: dict[str, Any],
            fields: tuple[str, ...],
        ) -> None:
            key = self.pick(data)
            self.refresh(key)
            body = {**junk, **{f: values[f] for f in fields}}
            view = api.put(key.self_url, json=body).expect("3.put-keeps-state", 200).body
            key.values.update({f: values[f] for f in fields})
            allowed = spec.update_forms(key.state)
            if key.done is not None:
                allowed |= spec.update_forms(key.done)
            if view["state"] not in allowed:
                raise _fail("3.put-keeps-state", key, f"PUT answered state {view['state']!r}")
            self.observe(key, view)

        @precondition(lambda self: bool(self.keys) and bool(spec.actions))
        @rule(data=st.data(), action=st.sampled_from(sorted(spec.actions)), slash=st.booleans())
        def act(self, data: st.DataObject, action: str, slash: bool) -> None:
            key = self.pick(data)
            self.refresh(key)
            rule_ = spec.actions[action]
            url = api.action_url(key.last, action, slash=slash)
            now = available(key, action)
            # the states the resource may be in by the time the server handles the request
            later = [key.done] if not key.settled else []
            later += sorted(moves_on(spec, key.done or key.state))
            sure = all(valid_in(state, action) == now for state in later)
            reply = api.post(url)
            if sure and now:
                reply.expect("3.action-result", 202)
            elif sure or reply.status != 202:
                # refused; where it is valid in one of the states the resource may be in: refused
                # only if not yet there (checked below)
                reply.expect_error("3.action-not-available", 422, "ActionNotAvailable", "action")
            if reply.status == 202:
                if reply.body["state"] not in {rule_.through, rule_.done}:
                    raise _fail(
                        "3.action-result",
                        key,
                        f"{action} answered state {reply.body['state']!r}, expected "
                        f"{rule_.through!r} or {rule_.done!r}",
                    )
                key.expect_transition(reply.body, rule_.done)
                self.observe(key, reply.body)
                return
            before = key.state
            view = api.get(key.self_url).expect("3.action-not-available", 200).body
            self.observe(key, view)
            if now and key.state == before:
                raise _fail(
                    "3.action-result",
                    key,
                    f"{action} is valid in {before!r} but was refused while the resource was there",
                )

        @precondition(lambda self: self.keys and "DELETE" in methods)
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.refresh(key)
            rule_ = lifecycle.delete
            runs_from = removal.start if removal is not None else frozenset()
            refused = rule_.otherwise_status
            if key.settled and key.state not in runs_from | set(rule_.already_done_states):
                api.delete(key.self_url).expect_error(
                    "3.delete-active", refused, spec_model().errors.reason(refused) or ""
                )
                self.observe(key, api.get(key.self_url).expect("3.delete-active", 200).body)
                return
            if not key.settled:
                allowed: tuple[int, ...] = (200, refused)  # the contract names settled states only
            elif key.state in runs_from or (removal is not None and key.state == removal.done):
                allowed = (200,)
            else:
                allowed = (200, refused)  # the contract names the delete's done state only
            reply = api.delete(key.self_url).expect("3.delete-removes", *allowed)
            if reply.status == 200:
                if reply.body["state"] not in removing:
                    raise _fail(
                        "3.delete-removes",
                        key,
                        f"DELETE answered 200 with state {reply.body['state']!r}",
                    )
                if key.state not in removing and removal is not None:
                    key.expect_transition(reply.body, removal.done)
            self.observe(key, api.get(key.self_url).expect("3.removed-hidden", 200).body)

        if names is not None:

            @precondition(lambda self: self.keys and api.target.auth)
            @rule(data=st.data())
            def authenticate(self, data: st.DataObject) -> None:
                key = self.pick(data)
                self.refresh(key)
                reply = api.get(collection, params={"limit": "1"}, credentials=key.credentials)
                reply.expect("4.active-only", 200, 401)
                if key.settled and (reply.status == 200) != (key.state in spec.authenticates_in):
                    raise _fail("4.active-only", key, f"its own credentials answer {reply.status}")

    return Lifecycle


@pytest.mark.contract("3.action-result", "4.active-only")
def test_lifecycle(api: Api, prefix: str, resource: Resource, spec: Spec) -> None:
    """§3/§4: random sequences of create, get, list, update, actions, DELETE and (an API
    credential) self-authentication; at the end every resource settles as the model expects (one
    wait for all).
    """
    if resource.operation("create") is None:
        pytest.skip(f"{resource.type} has no create operation")
    seen: list[ModelKey] = []
    model = LifecycleModel(spec, prefix)
    machine = make_machine(api, model, prefix, make_references(api, [resource]), seen)
    phases = [Phase.explicit, Phase.reuse, Phase.generate] + (
        [Phase.shrink] if profile()["shrink"] else []
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=profile()["machine_examples"],
            stateful_step_count=profile()["machine_steps"],
            phases=phases,
        ),
    )
    moving = [key for key in seen if not key.settled]
    for key, view in zip(moving, api.wait_all([key.last for key in moving]), strict=True):
        model.check_view(key, view)
        if not key.settled:
            raise _fail("3.transitions", key, f"it settled in {view['state']!r}")
