"""The key pool: the keys the tests need in given states, prepared together at the start of a run.

A test module declares its keys when it is imported (`declare(__name__, {tag: Need(...)})`); the
first test that asks for the `pool` fixture has every key of the selected modules created, then
brought to its state step by step: each step starts the transition of every key that needs it and
waits for all of them at once. Bringing twenty keys to `removed` thus costs three transition waits
(create, deactivate, remove) instead of sixty. The path to each state is read from the spec's
`x-rancher-lifecycle` (`Spec.paths()`), never written here. Keys are created through `Api.create`,
so the run removes them at its end like every other key it creates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rancher_contract.contract_tests.client import Api, Credentials
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

__all__ = ["PLAN", "KeyPool", "Need", "PoolKey", "declare", "select_modules"]


@dataclass(frozen=True)
class Need:
    state: str  # a settled state of `Spec.paths()`: active, inactive, removed, ...
    body: Mapping[str, Any] = field(default_factory=dict)  # the create body
    path: tuple[str, ...] | None = None  # the actions to run (default: the spec's shortest path)


@dataclass
class PoolKey:
    tag: str
    key: dict[str, Any]  # as the server showed it after the last wait
    secret: str  # from the create response

    @property
    def credentials(self) -> Credentials:
        return Credentials(str(self.key["publicValue"]), self.secret)

    @property
    def self_url(self) -> str:
        return str(self.key["links"]["self"])


# module name -> tag -> need; filled when the test modules are imported
PLAN: dict[str, dict[str, Need]] = {}
_SELECTED: set[str] | None = None


def declare(module: str, needs: Mapping[str, Need]) -> None:
    PLAN.setdefault(module, {}).update(needs)


def select_modules(modules: set[str]) -> None:
    """Only the keys of these modules (those with a selected test) are prepared."""
    global _SELECTED
    _SELECTED = set(modules)


def planned() -> dict[str, Need]:
    return {
        tag: need
        for module, needs in PLAN.items()
        if _SELECTED is None or module in _SELECTED
        for tag, need in needs.items()
    }


class KeyPool:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.keys: dict[str, PoolKey] = {}

    def take(self, tag: str) -> PoolKey:
        """The prepared key of `tag` (each tag belongs to one test, which may change the key)."""
        return self.keys[tag]

    def prepare(self, needs: Mapping[str, Need]) -> None:
        try:
            self._prepare(needs)
        except ContractViolation as exc:
            shown = self.api.recorder.curl_lines()[-12:]
            raise ContractViolation(
                exc.rule.id,
                f"{exc.detail}\n(while the key pool brought keys to their states; its last "
                "requests:)\n" + "\n".join(shown),
            ) from None

    def _prepare(self, needs: Mapping[str, Need]) -> None:
        spec = load_spec()
        paths = spec.paths()
        plans = {
            tag: need.path if need.path is not None else paths[need.state]
            for tag, need in needs.items()
        }
        for tag, need in needs.items():
            reply = self.api.create(dict(need.body)).expect("1.success-status", 201)
            body = reply.body
            self.keys[tag] = PoolKey(tag, body, str(body["secretValue"]))
        # An action valid both in the create's state and in its done state (deactivate) starts at
        # once: whether the key is still registering or already active does not matter.
        early = {
            spec.create_through,
            spec.create_done,
        }
        step = {tag: 0 for tag in needs}
        for tag, plan in plans.items():
            if plan and early <= spec.actions[plan[0]].start:
                self._start(tag, plan[0])
                step[tag] = 1
        self._settle_many(
            {
                state: [t for t in needs if self._expected(plans[t], step[t]) == state]
                for state in {self._expected(plans[t], step[t]) for t in needs}
            },
            "3.action-result",
        )
        while todo := [tag for tag in needs if len(plans[tag]) > step[tag]]:
            for tag in todo:
                self._start(tag, plans[tag][step[tag]])
                step[tag] += 1
            by_done: dict[str, list[str]] = {}
            for tag in todo:
                by_done.setdefault(self._expected(plans[tag], step[tag]), []).append(tag)
            self._settle_many(by_done)

    @staticmethod
    def _expected(plan: tuple[str, ...], step: int) -> str:
        """The state a key settles in after the first `step` actions of its plan."""
        spec = load_spec()
        return spec.actions[plan[step - 1]].done if step else spec.create_done

    def _start(self, tag: str, name: str) -> None:
        action = load_spec().actions[name]
        pool_key = self.keys[tag]
        reply = self.api.post(self.api.action_url(pool_key.key, action.name))
        body = reply.expect("3.action-result", 202).body
        if body["state"] not in {action.through, action.done}:
            raise ContractViolation(
                "3.action-result",
                f"{action.name} of key {body['id']} answered state {body['state']!r}, "
                f"expected {action.through!r} or {action.done!r}",
            )
        pool_key.key = body

    def _settle_many(
        self, by_state: dict[str, list[str]], rule_id: str = "3.action-result"
    ) -> None:
        """One wait for all the keys; each must settle in the state it is listed under."""
        tags = [tag for group in by_state.values() for tag in group]
        settled = self.api.wait_all([self.keys[tag].key for tag in tags])
        for tag, body in zip(tags, settled, strict=True):
            self.keys[tag].key = body
        for expected, group in by_state.items():
            for tag in group:
                state = self.keys[tag].key["state"]
                if state != expected:
                    raise ContractViolation(
                        rule_id,
                        f"key {self.keys[tag].key['id']} settled in {state!r}, expected "
                        f"{expected!r}",
                    )
