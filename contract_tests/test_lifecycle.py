"""Contract sections 3 and 4: the lifecycle as a hypothesis state machine with a model of every key
it created.

After each step the server must agree with the model: the state after waiting (asynchronous and
immediate transitions both pass), the actions map (checked on every response), 405/422 where the
model forbids the step, list membership, and authentication with the key itself allowed only while
it is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from rancher_contract.contract_tests.client import Api, Credentials
from rancher_contract.contract_tests.conftest import profile
from rancher_contract.contract_tests.resources import spec_model
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

SPEC = load_spec()
MAX_KEYS = 4
# text a MySQL utf8 column (Rancher's) stores as it is: the BMP, no control characters
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0xFFFF), max_size=24)
JUNK = st.sampled_from(
    [{}, {"state": "inactive"}, {"publicValue": "0" * 20, "kind": "x", "bogus": [1]}]
)


@dataclass
class ModelKey:
    id: str
    self_url: str
    credentials: Credentials
    name: str | None
    description: str | None
    state: str  # the state the model knows the key is in (settled, or passing through)
    last: dict[str, Any]  # the server's last view of it
    done: str | None = None  # while passing through `state`: the state it settles in

    @property
    def settled(self) -> bool:
        return self.done is None

    def expect_transition(self, view: dict[str, Any], done: str) -> None:
        """The server shows `view` after a request that started a transition ending in `done`."""
        if view.get("transitioning") == "yes":
            self.state, self.done = view["state"], done
        else:
            self.state, self.done = done, None


def _fail(rule_id: str, key: ModelKey, message: str) -> ContractViolation:
    where = key.state if key.settled else f"{key.state} -> {key.done}"
    return ContractViolation(rule_id, f"key {key.id} (model state {where!r}): {message}")


HIDDEN = SPEC.removed_states  # a removed date is set: never listed
REMOVAL = HIDDEN | {SPEC.removal.through}


def make_machine(api: Api, prefix: str, seen: list[ModelKey]) -> type[RuleBasedStateMachine]:
    """The machine never waits for a transition: a key the server shows passing through a state is
    modelled as such (`ModelKey.done`), and a step on it first reads it again; only where the
    server still shows the transitioning state, and the step's answer would differ between that
    state and the done one, are both answers accepted. Every key is awaited at the end of the test,
    all together (`test_lifecycle`): against a server whose transitions take seconds the machine
    keeps its depth and costs one wait.
    """

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
            """The server's view agrees with the model (a removed key may get purged by itself; a
            PUT may show Rancher's updating-<state> for a while).
            """
            check_view(key, view)
            key.last = view

        def refresh(self, key: ModelKey) -> None:
            """Read a key the model sees passing through a state: it may have settled since."""
            if not key.settled:
                view = api.get(key.self_url).expect("3.removed-hidden", 200).body
                self.observe(key, view)

        @precondition(lambda self: len(self.keys) < MAX_KEYS)
        @rule(name=st.one_of(st.none(), TEXT), description=st.one_of(st.none(), TEXT), junk=JUNK)
        def create(self, name: str | None, description: str | None, junk: dict[str, Any]) -> None:
            name = None if name is None else prefix + name
            reply = api.create({**junk, "name": name, "description": description}).expect(
                "1.success-status", 201
            )
            body = reply.body
            if body["state"] not in {SPEC.create_through, SPEC.create_done}:
                raise ContractViolation(
                    "3.create-active", f"the create response shows state {body['state']!r}"
                )
            creds = Credentials(body["publicValue"], body["secretValue"])
            if any(k.credentials.access_key == creds.access_key for k in self.keys.values()):
                raise ContractViolation(
                    "2.generated-values", f"publicValue {creds.access_key} is not unique"
                )
            key = ModelKey(body["id"], body["links"]["self"], creds, name, description, "", body)
            key.expect_transition(body, SPEC.create_done)
            self.observe(key, body)
            self.keys[key.id] = key

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def get(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.observe(key, api.get(key.self_url).expect("3.removed-hidden", 200).body)

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def listed(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.refresh(key)
            ids = [
                item["id"]
                for item in api.get(api.collection, params={"id": key.id})
                .expect("5.filter", 200)
                .body["data"]
            ]
            # hidden once its removed date is set; a key still in removing may be listed (§3)
            hidden = key.state in HIDDEN
            shown = key.state not in REMOVAL and (key.done is None or key.done not in REMOVAL)
            if hidden and key.id in ids:
                raise _fail("3.removed-hidden", key, "a removed key is listed")
            if shown and ids != [key.id]:
                raise _fail("3.removed-hidden", key, f"?id={key.id} lists {ids}")

        @precondition(lambda self: self.keys)
        @rule(
            data=st.data(),
            name=st.one_of(st.none(), TEXT),
            description=st.one_of(st.none(), TEXT),
            junk=JUNK,
            fields=st.sampled_from([("name",), ("description",), ("name", "description")]),
        )
        def update(
            self,
            data: st.DataObject,
            name: str | None,
            description: str | None,
            junk: dict[str, Any],
            fields: tuple[str, ...],
        ) -> None:
            key = self.pick(data)
            self.refresh(key)
            values = {"name": None if name is None else prefix + name, "description": description}
            body = {**junk, **{f: values[f] for f in fields}}
            view = api.put(key.self_url, json=body).expect("3.put-keeps-state", 200).body
            for f in fields:
                setattr(key, f, values[f])
            allowed = {key.state, f"updating-{key.state}"}
            if key.done is not None:
                allowed |= {key.done, f"updating-{key.done}"}
            if key.state == "removed":
                allowed |= HIDDEN
            if view["state"] not in allowed:
                raise _fail("3.put-keeps-state", key, f"PUT answered state {view['state']!r}")
            self.observe(key, view)

        @precondition(lambda self: self.keys)
        @rule(data=st.data(), action=st.sampled_from(sorted(SPEC.actions)), slash=st.booleans())
        def act(self, data: st.DataObject, action: str, slash: bool) -> None:
            key = self.pick(data)
            self.refresh(key)
            rule_ = SPEC.actions[action]
            url = api.action_url(key.last, action, slash=slash)
            now = _available(key, action)
            later = now if key.settled else _valid_in(key.done, action)
            reply = api.post(url)
            if now and later:
                reply.expect("3.action-result", 202)
            elif not now and not later:
                reply.expect_error("3.action-not-available", 422, "ActionNotAvailable", "action")
            elif reply.status != 202:
                # valid in one of the two states the key may be in: refused only if not yet there
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
                    f"{action} is valid in {before!r} but was refused while the key was there",
                )

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.refresh(key)
            remove = SPEC.removal
            if key.settled and key.state == SPEC.create_done:
                api.delete(key.self_url).expect_error(
                    "3.delete-active", 405, spec_model().errors.reason(405) or ""
                )
                self.observe(key, api.get(key.self_url).expect("3.delete-active", 200).body)
                return
            if not key.settled:
                allowed: tuple[int, ...] = (200, 405)  # the contract names settled states only
            elif key.state == "purged":
                allowed = (200, 405)  # the contract names removed keys only
            else:
                allowed = (200,)
            reply = api.delete(key.self_url).expect("3.delete-removes", *allowed)
            if reply.status == 200:
                if reply.body["state"] not in REMOVAL:
                    raise _fail(
                        "3.delete-removes",
                        key,
                        f"DELETE answered 200 with state {reply.body['state']!r}",
                    )
                if key.state not in REMOVAL:
                    key.expect_transition(reply.body, remove.done)
            self.observe(key, api.get(key.self_url).expect("3.removed-hidden", 200).body)

        @precondition(lambda self: self.keys and api.target.auth)
        @rule(data=st.data())
        def authenticate(self, data: st.DataObject) -> None:
            key = self.pick(data)
            self.refresh(key)
            reply = api.get(api.collection, params={"limit": "1"}, credentials=key.credentials)
            reply.expect("4.active-only", 200, 401)
            if key.settled and (reply.status == 200) != (key.state in SPEC.authenticates_in):
                raise _fail("4.active-only", key, f"its own credentials answer {reply.status}")

    return Lifecycle


def _valid_in(state: str | None, action: str) -> bool:
    return state is not None and action in SPEC.actions_by_state.get(state, frozenset())


def _available(key: ModelKey, action: str) -> bool:
    """Whether `action` may start in the key's current state: the spec's map where the contract
    fixes it, else the map the server showed last.
    """
    expected = SPEC.expected_actions(key.state)
    if expected is not None:
        return action in expected
    return action in (key.last.get("actions") or {})


def check_view(key: ModelKey, view: dict[str, Any]) -> None:
    """`view` agrees with the model; the model follows the server where the transition moved on."""
    state = view["state"]
    if key.settled:
        if state == key.state:
            pass
        elif state == f"updating-{key.state}":
            key.state, key.done = state, key.state  # Rancher's update, settling back
        elif key.state == "removed" and state in HIDDEN:
            key.state, key.done = (state, "purged") if state == "purging" else ("purged", None)
        else:
            raise _fail("3.action-result", key, f"the server says {state!r}")
    elif state == key.done or (key.done == "removed" and state in HIDDEN):
        key.state, key.done = state, None
        if state == "purging":
            key.done = "purged"
    elif state != key.state:
        raise _fail("3.action-result", key, f"the server says {state!r}")
    if (view["name"], view["description"]) != (key.name, key.description):
        raise _fail(
            "2.writable-fields",
            key,
            f"name/description are {view['name']!r}/{view['description']!r}, expected "
            f"{key.name!r}/{key.description!r}",
        )
    if view["publicValue"] != key.credentials.access_key:
        raise _fail("2.resource-shape", key, f"publicValue changed to {view['publicValue']!r}")
    removed_set = view["removed"] is not None
    if key.settled and removed_set != (key.state in {"removed", "purged"}):
        raise _fail("3.removed-hidden", key, f"removed is {view['removed']!r} in state {state!r}")


@pytest.mark.contract("3.action-result", "4.active-only")
def test_lifecycle(api: Api, prefix: str) -> None:
    """§3/§4: random sequences of create, get, list, update, actions, DELETE and self-
    authentication; at the end every key settles as the model expects (one wait for all).
    """
    seen: list[ModelKey] = []
    machine = make_machine(api, prefix, seen)
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
        check_view(key, view)
        if not key.settled:
            raise _fail("3.transitions", key, f"it settled in {view['state']!r}")
