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
    state: str  # a settled state: active, inactive, removed, purged
    last: dict[str, Any]  # the server's last view of it


def _fail(rule_id: str, key: ModelKey, message: str) -> ContractViolation:
    return ContractViolation(rule_id, f"key {key.id} (model state {key.state!r}): {message}")


def make_machine(api: Api, prefix: str) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.keys: dict[str, ModelKey] = {}
            api.recorder.clear()

        def pick(self, data: st.DataObject) -> ModelKey:
            return self.keys[data.draw(st.sampled_from(sorted(self.keys)), label="key")]

        def observe(self, key: ModelKey, view: dict[str, Any]) -> None:
            """The server's view after waiting agrees with the model (a removed key may get purged
            by itself).
            """
            state = view["state"]
            if key.state == "removed" and state in {"purging", "purged"}:
                key.state = "purged" if state == "purged" else key.state
            elif state != key.state:
                raise _fail("3.action-result", key, f"the server says {state!r}")
            if (view["name"], view["description"]) != (key.name, key.description):
                raise _fail(
                    "2.writable-fields",
                    key,
                    f"name/description are {view['name']!r}/"
                    f"{view['description']!r}, expected {key.name!r}/{key.description!r}",
                )
            if view["publicValue"] != key.credentials.access_key:
                raise _fail(
                    "2.resource-shape", key, f"publicValue changed to {view['publicValue']!r}"
                )
            if (view["removed"] is not None) != (key.state in {"removed", "purged"}):
                raise _fail(
                    "3.removed-hidden", key, f"removed is {view['removed']!r} in state {state!r}"
                )
            key.last = view

        @precondition(lambda self: len(self.keys) < MAX_KEYS)
        @rule(name=st.one_of(st.none(), TEXT), description=st.one_of(st.none(), TEXT), junk=JUNK)
        def create(self, name: str | None, description: str | None, junk: dict[str, Any]) -> None:
            name = None if name is None else prefix + name
            reply = api.create({**junk, "name": name, "description": description}).expect(
                "1.success-status", 201
            )
            body = reply.body
            if body["state"] not in {"registering", "active"}:
                raise ContractViolation(
                    "3.create-active", f"the create response shows state {body['state']!r}"
                )
            creds = Credentials(body["publicValue"], body["secretValue"])
            if any(k.credentials.access_key == creds.access_key for k in self.keys.values()):
                raise ContractViolation(
                    "2.generated-values", f"publicValue {creds.access_key} is not unique"
                )
            key = ModelKey(
                body["id"], body["links"]["self"], creds, name, description, "active", body
            )
            view = api.wait(body)
            if view["state"] != "active":
                raise _fail(
                    "3.create-active",
                    key,
                    f"a created key settled in {view['state']!r}, not active",
                )
            self.observe(key, view)
            self.keys[key.id] = key

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def get(self, data: st.DataObject) -> None:
            key = self.pick(data)
            view = api.get(key.self_url).expect("3.removed-hidden", 200).body
            self.observe(key, api.wait(view))

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def listed(self, data: st.DataObject) -> None:
            key = self.pick(data)
            ids = [
                item["id"]
                for item in api.get(api.collection, params={"id": key.id})
                .expect("5.filter", 200)
                .body["data"]
            ]
            hidden = key.state in {"removed", "purged"}
            if hidden and key.id in ids:
                raise _fail("3.removed-hidden", key, "a removed key is listed")
            if not hidden and ids != [key.id]:
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
            values = {"name": None if name is None else prefix + name, "description": description}
            body = {**junk, **{f: values[f] for f in fields}}
            view = api.put(key.self_url, json=body).expect("3.put-keeps-state", 200).body
            for f in fields:
                setattr(key, f, values[f])
            # Rancher's updating-<state> is a transient form of the same state; it must settle back
            if view["state"] not in {key.state, f"updating-{key.state}"}:
                raise _fail("3.put-keeps-state", key, f"PUT answered state {view['state']!r}")
            settled = api.wait(view)
            if settled["state"] != key.state and not (
                key.state == "removed" and settled["state"] == "purged"
            ):
                raise _fail(
                    "3.put-keeps-state", key, f"after PUT the key settled in {settled['state']!r}"
                )
            self.observe(key, settled)

        @precondition(lambda self: self.keys)
        @rule(data=st.data(), action=st.sampled_from(sorted(SPEC.actions)), slash=st.booleans())
        def act(self, data: st.DataObject, action: str, slash: bool) -> None:
            key = self.pick(data)
            rule_ = SPEC.actions[action]
            url = api.action_url(key.last, action, slash=slash)
            if key.state in rule_.start:
                reply = api.post(url).expect("3.action-result", 202)
                if reply.body["state"] not in {rule_.through, rule_.done}:
                    raise _fail(
                        "3.action-result",
                        key,
                        f"{action} answered state {reply.body['state']!r}, expected "
                        f"{rule_.through!r} or {rule_.done!r}",
                    )
                key.state = rule_.done
                self.observe(key, api.wait(reply.body))
            else:
                api.post(url).expect_error(
                    "3.action-not-available", 422, "ActionNotAvailable", "action"
                )
                view = api.wait(api.get(key.self_url).expect("3.action-not-available", 200).body)
                if view["state"] != key.state and not (
                    key.state == "removed" and view["state"] == "purged"
                ):
                    raise _fail(
                        "3.action-not-available",
                        key,
                        f"a refused {action} moved it to {view['state']!r}",
                    )
                self.observe(key, view)

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def delete(self, data: st.DataObject) -> None:
            key = self.pick(data)
            if key.state == "active":
                api.delete(key.self_url).expect_error("3.delete-active", 405, "Method not allowed")
                self.observe(
                    key, api.wait(api.get(key.self_url).expect("3.delete-active", 200).body)
                )
                return
            allowed = (
                (200, 405) if key.state == "purged" else (200,)
            )  # the contract names removed keys only
            reply = api.delete(key.self_url).expect("3.delete-removes", *allowed)
            if reply.status == 200 and reply.body["state"] not in {
                "removing",
                "removed",
                "purging",
                "purged",
            }:
                raise _fail(
                    "3.delete-removes",
                    key,
                    f"DELETE answered 200 with state {reply.body['state']!r}",
                )
            if key.state == "inactive":
                key.state = "removed"
            view = api.wait(api.get(key.self_url).expect("3.removed-hidden", 200).body)
            self.observe(key, view)

        @precondition(lambda self: self.keys and api.target.auth)
        @rule(data=st.data())
        def authenticate(self, data: st.DataObject) -> None:
            key = self.pick(data)
            reply = api.get(api.collection, params={"limit": "1"}, credentials=key.credentials)
            reply.expect("4.active-only", 200, 401)
            if (reply.status == 200) != (key.state == "active"):
                raise _fail("4.active-only", key, f"its own credentials answer {reply.status}")

    return Lifecycle


@pytest.mark.contract("3.action-result", "4.active-only")
def test_lifecycle(api: Api, prefix: str) -> None:
    """§3/§4: random sequences of create, get, list, update, actions, DELETE and self-
    authentication.
    """
    machine = make_machine(api, prefix)
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
