"""The key pool: the resources the tests need in given states, prepared together at the start of a
run.

A test module declares its resources when it is imported (`declare(__name__, {tag: Need(...)})`,
or `declare_each` for every resource of the spec set); the first test that asks for the `key_pool`
fixture has every resource of the selected modules and resources created, then brought to its
state step by step: each step starts the transition of every resource that needs it and waits for
all of them at once. Bringing twenty keys to `removed` thus costs three transition waits (create,
deactivate, remove) instead of sixty. The path to each state is read from the spec's
`x-rancher-lifecycle` (`Spec.paths()`), a create body's required fields and references from its
fields (`resources.create_body`): nothing here names a resource or a state. Resources are created
through `Api.create`, so the run removes them at its end like every other one it creates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rancher_contract.contract_tests.client import Api, Credentials, unique_prefix
from rancher_contract.contract_tests.resources import (
    create_body,
    creation_order,
    credential_fields,
    references_of,
    selected_resources,
    spec_model,
)
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec, credential_resource, load_spec
from rancher_contract.specmodel import Resource

__all__ = [
    "PLAN",
    "KeyPool",
    "Need",
    "PoolKey",
    "declare",
    "declare_each",
    "make_references",
    "pool_tag",
    "select_modules",
]


@dataclass(frozen=True)
class Need:
    state: str  # a settled state of `Spec.paths()`
    body: Mapping[str, Any] = field(default_factory=dict)  # create-body fields (the rest: spec)
    path: tuple[str, ...] | None = None  # the actions to run (default: the spec's shortest path)
    type: str | None = None  # the resource type (default: the API credential resource)

    @property
    def resource_type(self) -> str:
        return self.type or credential_resource().type


@dataclass
class PoolKey:
    tag: str
    key: dict[str, Any]  # as the server showed it after the last wait
    secret: str | None  # the credential's password field, from the create response
    type: str = ""

    @property
    def credentials(self) -> Credentials:
        """The resource's own HTTP Basic values (an API credential's access and secret key)."""
        resource = spec_model().resource(self.type or str(self.key.get("type")))
        names = credential_fields(resource) if resource is not None else None
        if names is None:
            raise LookupError(f"{self.type} has no HTTP Basic fields (x-rancher-field.basicAuth)")
        return Credentials(str(self.key.get(names[0])), str(self.secret))

    @property
    def self_url(self) -> str:
        return str(self.key["links"]["self"])


def make_references(api: Api, resources: Iterable[Resource]) -> dict[str, str]:
    """One resource of each type `resources` reference (and of what those reference, first),
    settled together, by type. Created through `Api.create`, so the run removes them."""
    model = spec_model()
    targets = {other.type for r in resources for _field, other in references_of(r, model)}
    ids: dict[str, str] = {}
    made: list[dict[str, Any]] = []
    prefix = unique_prefix()
    for type_name in creation_order(sorted(targets), model):
        resource = model.resource(type_name)
        assert resource is not None
        body = create_body(resource, prefix, ids)
        created = api.create(body, resource).expect("1.success-status", 201).body
        ids[type_name] = str(created["id"])
        made.append(created)
    if made:
        api.wait_all(made)
    return ids


def pool_tag(type_name: str, tag: str) -> str:
    """The pool tag of a need `declare_each` declared for `type_name`."""
    return f"{type_name}:{tag}"


# module name -> tag -> need; filled when the test modules are imported
PLAN: dict[str, dict[str, Need]] = {}
_SELECTED: set[str] | None = None


def declare(module: str, needs: Mapping[str, Need]) -> None:
    PLAN.setdefault(module, {}).update(needs)


def declare_each(module: str, needs_of: Callable[[Spec], Mapping[str, Need]]) -> None:
    """Declare `needs_of(spec)` for every resource of the spec set that has a lifecycle and a
    create; each tag is taken back as `pool.take(tag, resource_type)`. Only the selected
    resources' needs are prepared."""
    for resource in spec_model().resources:
        if resource.lifecycle is None or resource.operation("create") is None:
            continue
        spec = load_spec(resource.type)
        declare(
            module,
            {
                pool_tag(resource.type, tag): replace(need, type=resource.type)
                for tag, need in needs_of(spec).items()
            },
        )


def select_modules(modules: set[str]) -> None:
    """Only the keys of these modules (those with a selected test) are prepared."""
    global _SELECTED
    _SELECTED = set(modules)


def planned() -> dict[str, Need]:
    """The needs of the selected modules, for the selected resources."""
    types = {r.type for r in selected_resources()}
    return {
        tag: need
        for module, needs in PLAN.items()
        if _SELECTED is None or module in _SELECTED
        for tag, need in needs.items()
        if need.resource_type in types
    }


class KeyPool:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.keys: dict[str, PoolKey] = {}

    def take(self, tag: str, type_name: str | None = None) -> PoolKey:
        """The prepared resource of `tag` (each tag belongs to one test, which may change it);
        with `type_name`, of the tag `declare_each` declared for that resource type."""
        return self.keys[pool_tag(type_name, tag) if type_name else tag]

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

    def _references(self, needs: Mapping[str, Need]) -> dict[str, str]:
        """One resource of each type the needed ones reference: the pool's resources share them."""
        model = spec_model()
        wanted = [model.resource(need.resource_type) for need in needs.values()]
        return make_references(self.api, [r for r in wanted if r is not None])

    def _prepare(self, needs: Mapping[str, Need]) -> None:
        specs = {tag: load_spec(need.resource_type) for tag, need in needs.items()}
        plans = {
            tag: need.path if need.path is not None else specs[tag].paths()[need.state]
            for tag, need in needs.items()
        }
        references = self._references(needs)
        prefix = unique_prefix()
        model = spec_model()
        for tag, need in needs.items():
            resource = model.resource(need.resource_type)
            assert resource is not None
            body = {**create_body(resource, prefix, references), **need.body}
            reply = self.api.create(body, resource).expect("1.success-status", 201)
            created = reply.body
            names = credential_fields(resource)
            secret = created.get(names[1]) if names else None
            self.keys[tag] = PoolKey(
                tag, created, None if secret is None else str(secret), resource.type
            )
        # An action valid both in the create's state and in its done state (deactivate) starts at
        # once: whether the key is still registering or already active does not matter.
        step = {tag: 0 for tag in needs}
        for tag, plan in plans.items():
            spec = specs[tag]
            if plan and {spec.create_through, spec.create_done} <= spec.actions[plan[0]].start:
                self._start(tag, plan[0])
                step[tag] = 1
        self._settle_many({tag: self._expected(specs[tag], plans[tag], step[tag]) for tag in needs})
        while todo := [tag for tag in needs if len(plans[tag]) > step[tag]]:
            for tag in todo:
                self._start(tag, plans[tag][step[tag]])
                step[tag] += 1
            self._settle_many(
                {tag: self._expected(specs[tag], plans[tag], step[tag]) for tag in todo}
            )

    @staticmethod
    def _expected(spec: Spec, plan: tuple[str, ...], step: int) -> str:
        """The state a resource settles in after the first `step` actions of its plan."""
        return spec.actions[plan[step - 1]].done if step else spec.create_done

    def _start(self, tag: str, name: str) -> None:
        action = load_spec(self.keys[tag].type).actions[name]
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

    def _settle_many(self, expected: dict[str, str], rule_id: str = "3.action-result") -> None:
        """One wait for all the resources (tag -> the state each must settle in)."""
        tags = list(expected)
        settled = self.api.wait_all([self.keys[tag].key for tag in tags])
        for tag, body in zip(tags, settled, strict=True):
            self.keys[tag].key = body
            state = body["state"]
            if state != expected[tag]:
                raise ContractViolation(
                    rule_id,
                    f"{self.keys[tag].type} {body['id']} settled in {state!r}, expected "
                    f"{expected[tag]!r}",
                )
