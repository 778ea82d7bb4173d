"""Contract section 3: every lifecycle action and `update` (PUT) against a key in every state the
API can reach, read from the spec's `x-rancher-lifecycle`.

An action in the state's actions map answers 202 and the key reaches the action's done state; any
other lifecycle action answers 422 ActionNotAvailable and changes nothing; PUT answers 200 in every
state and keeps it. Where the contract fixes the map (`Spec.exact_action_states`: the settled states
and the create's state) the expectation is the spec's `actionsByState`; in the other transitioning
states it is the map the server itself shows (the contract leaves it open, but not its consistency
with the answers).

All probes run in one pass before the first test of this module: the keys come from the key pool
(settled states), the transitioning states are entered by starting the transitions of all their
keys together and probing at once, and the keys whose actions were accepted are awaited together at
the end, once. A transitioning state shows only on a server whose transitions take time; against an
immediate one its test is skipped. A probe that races the transition's end (the key settles between
two requests) is judged only where both states agree on the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from rancher_contract.contract_tests.client import Api, Janitor, Recorder, Reply, unique_prefix
from rancher_contract.contract_tests.conftest import RECORDER
from rancher_contract.contract_tests.pool import KeyPool, Need, declare
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec
from rancher_contract.contract_tests.target import Target

SPEC = load_spec()
PREFIX = unique_prefix()
PATHS = SPEC.paths()
REACHABLE = SPEC.reachable_states()
# The settled states the pool prepares (at most two actions from a created key); the others (purged)
# are probed on the keys an accepted action brought there.
POOL_STATES = [state for state, path in PATHS.items() if len(path) <= 2]


def _valid(state: str) -> list[str]:
    return sorted(SPEC.actions_by_state.get(state, frozenset()))


@dataclass(frozen=True)
class Entry:
    """How the matrix enters a transitioning state: `action` on keys in the settled `start`."""

    state: str
    start: str
    action: str
    done: str


def _entries() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for start in POOL_STATES:
        for name in _valid(start):
            action = SPEC.actions[name]
            if action.through in SPEC.transitioning_states and action.through not in entries:
                entries[action.through] = Entry(action.through, start, name, action.done)
    return entries


ENTRIES = _entries()


def _needs() -> dict[str, Need]:
    needs: dict[str, Need] = {}

    def add(tag: str, state: str) -> None:
        needs[tag] = Need(state, {"name": f"{PREFIX}{tag}"})

    for state in POOL_STATES:
        add(f"matrix:{state}", state)
        for name in _valid(state):
            add(f"matrix:{state}:{name}", state)
    for entry in ENTRIES.values():
        add(f"matrix:{entry.state}", entry.start)
        for name in _valid(entry.state):
            add(f"matrix:{entry.state}:{name}", entry.start)
    return needs


declare(__name__, _needs())


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
    """A key whose accepted action must bring it to `done` (checked after the one common wait)."""

    cell: Cell
    key: dict[str, Any]
    action: str
    done: str


class Matrix:
    def __init__(self, api: Api, pool: KeyPool) -> None:
        self.api = api
        self.pool = pool
        self.cells = {state: Cell(state) for state in REACHABLE}
        self.expecting: list[Expecting] = []

    # -- one request, recorded for the state it probes ------------------------------------------
    def use(self, cell: Cell) -> Api:
        self.api.recorder = cell.recorder
        return self.api

    def run(self) -> dict[str, Cell]:
        self.registering()
        for entry in ENTRIES.values():
            self.transitioning(entry)
        for state in POOL_STATES:
            self.settled(self.cells[state], self.pool.take(f"matrix:{state}").key, state)
            for name in _valid(state):
                key = self.pool.take(f"matrix:{state}:{name}").key
                self.accept(self.cells[state], key, name, strict=True)
        self.settle()
        return self.cells

    # -- settled states -------------------------------------------------------------------------
    def settled(self, cell: Cell, key: dict[str, Any], state: str) -> None:
        """Every action not valid in `state` is refused (422) and PUT answers 200, on one key."""
        cell.observed = True
        api = self.use(cell)
        for name in sorted(SPEC.lifecycle_actions - SPEC.actions_by_state.get(state, frozenset())):
            reply = api.post(api.action_url(key, name))
            cell.probed.append(f"{name} -> {reply.status}")
            if not self.refused(cell, reply, name, state):
                return  # the key moved: the rest of the probes would not be in `state`
        self.put(cell, key, {state} | (set(SPEC.removed_states) if state == "removed" else set()))
        after = api.get(key["links"]["self"]).expect("3.action-not-available", 200).body
        if after["state"] not in {state, f"updating-{state}"} and not (
            state == "removed" and after["state"] in SPEC.removed_states
        ):
            cell.fail(
                "3.action-not-available",
                f"key {key['id']} went from {state!r} to {after['state']!r} after refused actions",
            )

    def refused(self, cell: Cell, reply: Reply, name: str, state: str) -> bool:
        """Records a problem unless `name` was refused as the contract says; False when the server
        accepted it (the key moved, so further probes on it would not be in `state`).
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
            f"{name} is not valid in {state!r} but answered {reply.status} "
            f"(code {body.get('code')!r}, fieldName {body.get('fieldName')!r}), expected 422 "
            f"ActionNotAvailable with fieldName 'action':\n  {reply.exchange.summary()}",
        )
        return reply.status != 202

    def put(self, cell: Cell, key: dict[str, Any], states: set[str]) -> None:
        """PUT answers 200 in every state and keeps it (an updating-<state> form is the same)."""
        api = self.use(cell)
        reply = api.put(key["links"]["self"], json={"description": f"{PREFIX}put"})
        cell.probed.append(f"update -> {reply.status}")
        if reply.status != 200:
            cell.fail(
                "3.put-keeps-state",
                f"PUT of a key in {cell.state!r} answered {reply.status}, expected 200:\n  "
                f"{reply.exchange.summary()}",
            )
            return
        state = reply.body["state"]
        if state not in states and state not in {f"updating-{s}" for s in states}:
            cell.fail(
                "3.put-keeps-state",
                f"PUT of a key in {cell.state!r} answered state {state!r}, expected one of "
                f"{sorted(states)}",
            )

    def accept(self, cell: Cell, key: dict[str, Any], name: str, *, strict: bool) -> bool:
        """`name` is valid here: 202, the action's state; the done state is checked at the end.
        With `strict`, any other answer is a violation (else the caller judges it).
        """
        api = self.use(cell)
        action = SPEC.actions[name]
        reply = api.post(api.action_url(key, name))
        cell.probed.append(f"{name} -> {reply.status}")
        if reply.status != 202:
            if strict:
                cell.fail(
                    "3.action-result",
                    f"{name} is valid in {cell.state!r} but answered {reply.status}, expected "
                    f"202:\n  {reply.exchange.summary()}",
                )
            return False
        state = reply.body["state"]
        if state not in {action.through, action.done}:
            cell.fail(
                "3.action-result",
                f"{name} of a key in {cell.state!r} answered state {state!r}, expected "
                f"{action.through!r} or {action.done!r}",
            )
        self.expecting.append(Expecting(cell, reply.body, name, action.done))
        return True

    # -- transitioning states -------------------------------------------------------------------
    def registering(self) -> None:
        state = SPEC.create_through
        if state not in SPEC.transitioning_states:
            return
        cell = self.cells[state]
        api = self.use(cell)
        keys = {
            name: api.create({"name": f"{PREFIX}{state}-{name}"})
            .expect("1.success-status", 201)
            .body
            for name in ["", *_valid(state)]
        }
        self.probe_transitioning(cell, keys, SPEC.create_done)

    def transitioning(self, entry: Entry) -> None:
        cell = self.cells[entry.state]
        api = self.use(cell)
        keys: dict[str, dict[str, Any]] = {}
        for name in ["", *_valid(entry.state)]:
            tag = f"matrix:{entry.state}" + (f":{name}" if name else "")
            key = self.pool.take(tag).key
            reply = api.post(api.action_url(key, entry.action)).expect("3.action-result", 202)
            keys[name] = reply.body
        self.probe_transitioning(cell, keys, entry.done)

    def probe_transitioning(self, cell: Cell, keys: dict[str, dict[str, Any]], done: str) -> None:
        """Probe a state the keys are passing through on their way to `done`.

        `keys[""]` takes the refused actions and the PUT; `keys[name]` the valid action `name`.
        """
        state, api = cell.state, self.use(cell)
        probe = keys[""]
        before = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
        for name, key in keys.items():
            if name:
                self.expecting.append(Expecting(cell, key, "", done))  # unless an action moves it
        self.expecting.append(Expecting(cell, before, "", done))
        if before["state"] != state or before.get("transitioning") != "yes":
            return  # the server completed it at once: nothing to probe in this state
        cell.observed = True
        listed = frozenset(before["actions"]) & SPEC.lifecycle_actions
        expected = SPEC.expected_actions(state)
        available = expected if expected is not None else listed
        in_done = SPEC.actions_by_state.get(done, frozenset())
        refused: list[tuple[str, Reply]] = []
        for name in sorted(SPEC.lifecycle_actions - available):
            reply = api.post(api.action_url(before, name))
            cell.probed.append(f"{name} -> {reply.status}")
            if reply.status == 202:
                now = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
                if name in in_done and now["state"] != state:
                    cell.undecided.append(f"{name} (202: the key may have become {done!r})")
                else:
                    cell.fail(
                        "3.action-not-available",
                        f"{name} is not valid in {state!r} but answered 202 (the key is "
                        f"{now['state']!r} now):\n  {reply.exchange.summary()}",
                    )
                self.expecting[-1] = Expecting(cell, reply.body, name, SPEC.actions[name].done)
                return  # the key moved
            refused.append((name, reply))
        self.put(cell, before, {state, done})
        after = api.get(probe["links"]["self"]).expect("3.transitions", 200).body
        still = after["state"] == state
        for name, reply in refused:
            # a 422 is right in `state`; it stays right if the key raced on to `done`, where the
            # action may be valid: undecided, but never a violation
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
                    f"(the key is {reply_after['state']!r} now)",
                )
            else:
                cell.undecided.append(f"{name} (refused: the key had become {done!r})")

    # -- the one wait ---------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait for every key an action moved (or that was passing through a state), all at once;
        then probe the states only those keys reached (purged).
        """
        if not self.expecting:
            return
        self.api.recorder = Recorder()
        settled = self.api.wait_all([e.key for e in self.expecting])
        later: dict[str, dict[str, Any]] = {}
        for expecting, key in zip(self.expecting, settled, strict=True):
            ok = key["state"] == expecting.done or (
                expecting.done == "removed" and key["state"] in SPEC.removed_states
            )
            if not ok:
                what = f"after {expecting.action}" if expecting.action else "on its way"
                expecting.cell.fail(
                    "3.action-result",
                    f"key {key['id']} settled in {key['state']!r} {what}, expected "
                    f"{expecting.done!r}",
                )
            elif key["state"] in self.cells and key["state"] not in POOL_STATES:
                later.setdefault(key["state"], key)
        for state, key in later.items():
            if not self.cells[state].observed:
                self.settled(self.cells[state], key, state)


@pytest.fixture(scope="module")
def matrix(
    target: Target, http: httpx.Client, janitor: Janitor, key_pool: KeyPool
) -> Iterator[dict[str, Cell]]:
    api = Api(target, Recorder(), http=http)
    api.janitor = janitor
    yield Matrix(api, key_pool).run()


@pytest.mark.contract("3.action-not-available", "3.action-result", "3.put-keeps-state")
@pytest.mark.parametrize("state", REACHABLE)
def test_every_action_in_state(
    state: str, matrix: dict[str, Cell], request: pytest.FixtureRequest
) -> None:
    """§3: each lifecycle action answers 202 (valid in the state) or 422 ActionNotAvailable, and
    PUT answers 200 and keeps the state, for a key in this state.
    """
    cell = matrix[state]
    request.node.stash[RECORDER] = cell.recorder
    if cell.problems:
        rule_id = cell.problems[0][0]
        raise ContractViolation(rule_id, "\n".join(message for _, message in cell.problems))
    if not cell.observed:
        pytest.skip(f"the server never showed a key in {state!r} (its transitions are immediate)")
