"""Contract section 3: every lifecycle action and `update` (PUT) against a resource in every state
the API can reach, for every resource of the spec set, read from its `x-rancher-lifecycle`.

An action in the state's actions map answers 202 and the resource reaches the action's done state;
any other lifecycle action answers 422 ActionNotAvailable and changes nothing; PUT answers 200 in
every state and keeps it (`Spec.update_forms`). Where the contract fixes the map
(`Spec.exact_action_states`: the settled states and the create's state) the expectation is the
spec's `actionsByState`; in the other transitioning states it is the map the server itself shows
(the contract leaves it open, but not its consistency with the answers).

`test_resources.py` walks the settled states of every resource already; this module goes deeper:
the transitioning states, PUT in every state, and one test (cell) per state. All probes of a
resource run in one pass before its first cell is judged: the resources come from the key pool
(settled states), the transitioning states are entered by starting the transitions of all their
resources together and probing at once, and the resources whose actions were accepted are awaited
together at the end, once. A transitioning state shows only on a server whose transitions take
time; against an immediate one its cell is skipped. A probe that races the transition's end (the
resource settles between two requests) is judged only where both states agree on the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from rancher_contract.contract_tests.client import Api, Janitor, Recorder, Reply, unique_prefix
from rancher_contract.contract_tests.conftest import RECORDER
from rancher_contract.contract_tests.pool import KeyPool, Need, declare_each
from rancher_contract.contract_tests.resources import (
    create_body,
    references_in,
    sample_value,
    selected_resources,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec, load_spec
from rancher_contract.contract_tests.target import Target
from rancher_contract.specmodel import Resource

PREFIX = unique_prefix()


def _pool_states(spec: Spec) -> list[str]:
    """The settled states the pool prepares (at most two actions from a created resource); the
    others (purged) are probed on the resources an accepted action brought there."""
    return [state for state, path in spec.paths().items() if len(path) <= 2]


def _valid(spec: Spec, state: str) -> list[str]:
    return sorted(spec.actions_by_state.get(state, frozenset()))


@dataclass(frozen=True)
class Entry:
    """How the matrix enters a transitioning state: `action` on resources in the settled
    `start`."""

    state: str
    start: str
    action: str
    done: str


def _entries(spec: Spec) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for start in _pool_states(spec):
        for name in _valid(spec, start):
            action = spec.actions[name]
            if action.through in spec.transitioning_states and action.through not in entries:
                entries[action.through] = Entry(action.through, start, name, action.done)
    return entries


def _tag(state: str, action: str = "") -> str:
    return f"matrix:{state}" + (f":{action}" if action else "")


def _needs(spec: Spec) -> dict[str, Need]:
    """A resource per settled state (refused actions, PUT) and per action valid there, and the same
    for each transitioning state, in the settled state its entry starts from."""
    needs: dict[str, Need] = {}
    named = spec.resource.field("name")

    def add(tag: str, state: str) -> None:
        body = {"name": f"{PREFIX}{tag}"} if named is not None and named.create else {}
        needs[tag] = Need(state, body)

    for state in _pool_states(spec):
        for name in ["", *_valid(spec, state)]:
            add(_tag(state, name), state)
    for entry in _entries(spec).values():
        for name in ["", *_valid(spec, entry.state)]:
            add(_tag(entry.state, name), entry.start)
    return needs


declare_each(__name__, _needs)


def _states() -> list[str]:
    """The reachable states of the selected resources, merged in their spec order (a state one
    resource lacks is skipped for it)."""
    merged: list[str] = []
    for resource in selected_resources():
        if resource.lifecycle is None:
            continue
        previous: str | None = None
        for state in load_spec(resource.type).reachable_states():
            if state not in merged:
                merged.insert(merged.index(previous) + 1 if previous else 0, state)
            previous = state
    return merged


def _put_body(resource: Resource) -> dict[str, Any] | None:
    """A PUT body changing one writable field (the description where there is one), or None when
    the resource has no update."""
    if resource.operation("update") is None or not resource.update_fields:
        return None
    fields = {f.name: f for f in resource.update_fields}
    chosen = fields.get("description") or fields.get("name") or resource.update_fields[0]
    return {chosen.name: sample_value(chosen, f"{PREFIX}put-")}


@dataclass
class Cell:
    """What one state's probes found."""

    state: str
    recorder: Recorder = field(default_factory=Recorder)
    observed: bool = False
    problems: list[tuple[str, str]] = field(default_factory=list)  # (rule id, message)
    probed: list[str] = field(default_factory=list)  # "action -> status"
    undecided: list[str] = field(default_factory=list)  # probes that raced the transition

    def fail(self, rule_id: str, message: str) -> None:
        self.problems.append((rule_id, message))


@dataclass
class Expecting:
    """A resource whose accepted action must bring it to `done` (checked after the one common
    wait)."""

    cell: Cell
    key: dict[str, Any]
    action: str
    done: str


class Matrix:
    def __init__(self, api: Api, pool: KeyPool, spec: Spec) -> None:
        self.api = api
        self.pool = pool
        self.spec = spec
        self.type = spec.type
        self.pool_states = _pool_states(spec)
        self.put_body = _put_body(spec.resource)
        self.cells = {state: Cell(state) for state in spec.reachable_states()}
        self.expecting: list[Expecting] = []

    def take(self, state: str, action: str = "") -> dict[str, Any]:
        return self.pool.take(_tag(state, action), self.type).key

    # -- one request, recorded for the state it probes ------------------------------------------
    def use(self, cell: Cell) -> Api:
        self.api.recorder = cell.recorder
        return self.api

    def run(self) -> dict[str, Cell]:
        self.registering()
        for entry in _entries(self.spec).values():
            self.transitioning(entry)
        for state in self.pool_states:
            self.settled(self.cells[state], self.take(state), state)
            for name in _valid(self.spec, state):
                self.accept(self.cells[state], self.take(state, name), name, strict=True)
        self.settle()
        return self.cells

    # -- settled states -------------------------------------------------------------------------
    def settled(self, cell: Cell, key: dict[str, Any], state: str) -> None:
        """Every action not valid in `state` is refused (422) and PUT answers 200, on one
        resource."""
        cell.observed = True
        api = self.use(cell)
        spec = self.spec
        for name in sorted(spec.lifecycle_actions - spec.actions_by_state.get(state, frozenset())):
            reply = api.post(api.action_url(key, name))
            cell.probed.append(f"{name} -> {reply.status}")
            if not self.refused(cell, reply, name, state):
                return  # the resource moved: the rest of the probes would not be in `state`
        self.put(cell, key, spec.update_forms(state))
        after = api.get(key["links"]["self"]).expect("3.action-not-available", 200).body
        if after["state"] not in spec.update_forms(state):
            cell.fail(
                "3.action-not-available",
                f"{self.type} {key['id']} went from {state!r} to {after['state']!r} after refused "
                "actions",
            )

    def refused(self, cell: Cell, reply: Reply, name: str, state: str) -> bool:
        """Records a problem unless `name` was refused as the contract says; False when the server
        accepted it (the resource moved, so further probes on it would not be in `state`).
        """
        body = reply.json if isinstance(reply.json, dict) else {}
        if (
            reply.status == 422
            and body.get("code") == "ActionNotAvailable"
            and body.get("fieldName") == "action"
        ):
            return True
        cell.fail(
            "3.action-not-available",
            f"{name} is not valid for a {self.type} in {state!r} but answered {reply.status} "
            f"(code {body.get('code')!r}, fieldName {body.get('fieldName')!r}), expected 422 "
            f"ActionNotAvailable with fieldName 'action':\n  {reply.exchange.summary()}",
        )
        return reply.status != 202

    def put(self, cell: Cell, key: dict[str, Any], states: frozenset[str]) -> None:
        """PUT answers 200 in every state and keeps it (`states`: the state's update forms)."""
        if self.put_body is None:
            cell.probed.append("update: the spec declares none")
            return
        api = self.use(cell)
        reply = api.put(key["links"]["self"], json=self.put_body)
        cell.probed.append(f"update -> {reply.status}")
        if reply.status != 200:
            cell.fail(
                "3.put-keeps-state",
                f"PUT of a {self.type} in {cell.state!r} answered {reply.status}, expected 200:\n  "
                f"{reply.exchange.summary()}",
            )
            return
        state = reply.body["state"]
        if state not in states:
            cell.fail(
                "3.put-keeps-state",
                f"PUT of a {self.type} in {cell.state!r} answered state {state!r}, expected one of "
                f"{sorted(states)}",
            )

    def accept(self, cell: Cell, key: dict[str, Any], name: str, *, strict: bool) -> bool:
        """`name` is valid here: 202, the action's state; the done state is checked at the end.
        With `strict`, any other answer is a violation (else the caller judges it).
        """
        api = self.use(cell)
        action = self.spec.actions[name]
        reply = api.post(api.action_url(key, name))
        cell.probed.append(f"{name} -> {reply.status}")
        if reply.status != 202:
            if strict:
                cell.fail(
                    "3.action-result",
                    f"{name} is valid for a {self.type} in {cell.state!r} but answered "
                    f"{reply.status}, expected 202:\n  {reply.exchange.summary()}",
                )
            return False
        state = reply.body["state"]
        if state not in {action.through, action.done}:
            cell.fail(
                "3.action-result",
                f"{name} of a {self.type} in {cell.state!r} answered state {state!r}, expected "
                f"{action.through!r} or {action.done!r}",
            )
        self.expecting.append(Expecting(cell, reply.body, name, action.done))
        return True

    # -- transitioning states -------------------------------------------------------------------
    def registering(self) -> None:
        """The create's transitioning state, on resources created now (their references are
        those of the pool's resource in the create's done state)."""
        spec = self.spec
        state = spec.create_through
        if state not in spec.transitioning_states:
            return
        cell = self.cells[state]
        api = self.use(cell)
        references = references_in(spec.resource, self.take(spec.create_done))
        keys = {}
        for name in ["", *_valid(spec, state)]:
            body = create_body(spec.resource, PREFIX, references, name=f"{PREFIX}{state}-{name}")
            reply = api.create(body, spec.resource).expect("1.success-status", 201)
            keys[name] = reply.body
        self.probe_transitioning(cell, keys, spec.create_done)

    def transitioning(self, entry: Entry) -> None:
        """Start `entry.action` on all the resources of the state, then probe them at once."""
        cell = self.cells[entry.state]
        api = self.use(cell)
        keys: dict[str, dict[str, Any]] = {}
        refused: list[str] = []
        for name in ["", *_valid(self.spec, entry.state)]:
            key = self.take(entry.state, name)
            reply = api.post(api.action_url(key, entry.action))
            if reply.status == 202:
                keys[name] = reply.body
            else:
                refused.append(reply.exchange.summary())
        if refused:
            # valid in `entry.start`: a failure of this cell, whose state was never entered
            cell.fail(
                "3.action-result",
                f"{entry.action} is valid for a {self.type} in {entry.start!r} but answered:\n  "
                + "\n  ".join(refused),
            )
            self.expecting += [Expecting(cell, k, entry.action, entry.done) for k in keys.values()]
            return
        self.probe_transitioning(cell, keys, entry.done)

    def probe_transitioning(self, cell: Cell, keys: dict[str, dict[str, Any]], done: str) -> None:
        """Probe a state the resources are passing through on their way to `done`.

        `keys[""]` takes the refused actions and the PUT; `keys[name]` the valid action `name`.
        """
        spec, state, api = self.spec, cell.state, self.use(cell)
        probe = keys[""]
        before = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
        for name, key in keys.items():
            if name:
                self.expecting.append(Expecting(cell, key, "", done))  # unless an action moves it
        self.expecting.append(Expecting(cell, before, "", done))
        if before["state"] != state or before.get("transitioning") != "yes":
            return  # the server completed it at once: nothing to probe in this state
        cell.observed = True
        listed = frozenset(before["actions"]) & spec.lifecycle_actions
        expected = spec.expected_actions(state)
        available = expected if expected is not None else listed
        in_done = spec.actions_by_state.get(done, frozenset())
        refused: list[tuple[str, Reply]] = []
        for name in sorted(spec.lifecycle_actions - available):
            reply = api.post(api.action_url(before, name))
            cell.probed.append(f"{name} -> {reply.status}")
            if reply.status == 202:
                now = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
                if name in in_done and now["state"] != state:
                    cell.undecided.append(f"{name} (202: it may have become {done!r})")
                else:
                    cell.fail(
                        "3.action-not-available",
                        f"{name} is not valid for a {self.type} in {state!r} but answered 202 "
                        f"(it is {now['state']!r} now):\n  {reply.exchange.summary()}",
                    )
                self.expecting[-1] = Expecting(cell, reply.body, name, spec.actions[name].done)
                return  # the resource moved
            refused.append((name, reply))
        self.put(cell, before, spec.update_forms(state) | spec.update_forms(done))
        after = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
        still = after["state"] == state
        for name, reply in refused:
            # a 422 is right in `state`; it stays right if the resource raced on to `done`, where
            # the action may be valid: undecided, but never a violation
            self.refused(cell, reply, name, state)
        if not still:
            cell.undecided += [n for n, _ in refused if n in in_done]
        for name, key in keys.items():
            if not name:
                continue
            if name not in available:
                continue  # the spec's action is not in this server's map of the state: not probed
            if self.accept(cell, key, name, strict=False):
                self.expecting = [e for e in self.expecting if e.key is not key]
                continue
            reply_after = api.get(key["links"]["self"]).expect("3.transitions", 200).body
            if reply_after["state"] == state or name in in_done:
                cell.fail(
                    "3.action-result",
                    f"{name} is in the actions map of {state!r} but was refused "
                    f"(the {self.type} is {reply_after['state']!r} now)",
                )
            else:
                cell.undecided.append(f"{name} (refused: it had become {done!r})")

    # -- the one wait ---------------------------------------------------------------------------
    def settles_as(self, state: str, done: str) -> bool:
        """Whether settling in `state` fulfils an action whose done state is `done`: a removed
        resource may also have been purged by the server on its own."""
        spec = self.spec
        return state == done or (done == spec.removal.done and state in spec.removed_states)

    def settle(self) -> None:
        """Wait for every resource an action moved (or that was passing through a state), all at
        once; then probe the states only those resources reached (purged).
        """
        if not self.expecting:
            return
        self.api.recorder = Recorder()
        settled = self.api.wait_all([e.key for e in self.expecting])
        later: dict[str, dict[str, Any]] = {}
        for expecting, key in zip(self.expecting, settled, strict=True):
            if not self.settles_as(key["state"], expecting.done):
                what = f"after {expecting.action}" if expecting.action else "on its way"
                expecting.cell.fail(
                    "3.action-result",
                    f"{self.type} {key['id']} settled in {key['state']!r} {what}, expected "
                    f"{expecting.done!r}",
                )
            elif key["state"] in self.cells and key["state"] not in self.pool_states:
                later.setdefault(key["state"], key)
        for state, key in later.items():
            if not self.cells[state].observed:
                self.settled(self.cells[state], key, state)


@pytest.fixture(scope="module")
def matrix(
    spec: Spec, target: Target, http: httpx.Client, janitor: Janitor, key_pool: KeyPool
) -> Iterator[dict[str, Cell]]:
    """The cells of the module's resource (one pass, run once per resource)."""
    if spec.resource.operation("create") is None:
        pytest.skip(f"{spec.type} has no create: the key pool prepares none")
    api = Api(target, Recorder(), http=http)
    api.janitor = janitor
    yield Matrix(api, key_pool, spec).run()


@pytest.mark.contract("3.action-not-available", "3.action-result", "3.put-keeps-state")
@pytest.mark.parametrize("state", _states())
def test_every_action_in_state(
    state: str, spec: Spec, matrix: dict[str, Cell], request: pytest.FixtureRequest
) -> None:
    """§3: each lifecycle action answers 202 (valid in the state) or 422 ActionNotAvailable, and
    PUT answers 200 and keeps the state, for a resource in this state.
    """
    cell = matrix.get(state)
    if cell is None:
        pytest.skip(f"{state!r} is not a reachable state of {spec.type}")
    request.node.stash[RECORDER] = cell.recorder
    if cell.problems:
        rule_id = cell.problems[0][0]
        raise ContractViolation(rule_id, "\n".join(message for _, message in cell.problems))
    if not cell.observed:
        pytest.skip(
            f"the server never showed a {spec.type} in {state!r} (its transitions are immediate)"
        )
