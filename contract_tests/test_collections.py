"""Contract section 5 (collections): filters, AND-ing, sort, pagination, limits, on keys this module
creates.

Every query is scoped to the module's own keys with a unique name (or description) prefix, so that
other keys on a shared server do not matter; expectations are computed from the keys as the server
returned them. Latitudes (section 8) that shape the expectations: text matching may be case-
insensitive (all values here are lower-case and differ in more than case), `ne`/`like`/`notlike` may
or may not match null fields (only keys with a value are checked for those), and the order of nulls
in a sort is not checked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import load_spec

# (name suffix, description suffix or None); the prefix goes before both. No name is None here
# except one.
KEYS: list[tuple[str | None, str | None]] = [
    ("apple", "red"),
    ("banana", "green"),
    ("apple", "blue"),  # a tie with the first on name
    ("cherry", None),  # description null
    (None, "nameless"),  # name null
    ("applepie", "yellow"),
    ("idle", "idle"),  # deactivated
]


@dataclass
class KeySet:
    prefix: str
    keys: list[dict[str, Any]]  # as the server returned them, after waiting
    removed: dict[str, Any]  # a key that was deactivated and deleted
    secrets: dict[str, str]

    @property
    def by_name(self) -> list[dict[str, Any]]:
        """The keys a `name_prefix` scope sees."""
        return [k for k in self.keys if k["name"] is not None]

    @property
    def by_description(self) -> list[dict[str, Any]]:
        """The keys a `description_prefix` scope sees."""
        return [k for k in self.keys if k["description"] is not None]


PREFIX = unique_prefix()
_NEEDS = {
    f"collections:{index}": Need(
        "inactive" if name == "idle" else "active",
        {
            "name": None if name is None else PREFIX + name,
            "description": None if description is None else PREFIX + description,
        },
    )
    for index, (name, description) in enumerate(KEYS)
}
_NEEDS["collections:gone"] = Need(
    "removed", {"name": PREFIX + "gone", "description": PREFIX + "gone"}
)
declare(__name__, _NEEDS)


@pytest.fixture(scope="module")
def keyset(key_pool: KeyPool) -> KeySet:
    """The module's keys, prepared by the key pool (all at once, with the other modules' keys)."""
    keys = [key_pool.take(f"collections:{index}") for index in range(len(KEYS))]
    gone = key_pool.take("collections:gone")
    return KeySet(PREFIX, [k.key for k in keys], gone.key, {k.key["id"]: k.secret for k in keys})


def _ids(reply_body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in reply_body["data"]]


def _num(key_id: str) -> int:
    return int(key_id[2:])


def query(api: Api, params: list[tuple[str, str]], rule_id: str = "5.filter") -> list[str]:
    """The ids of every page of a query (limit 1000), in order."""
    ids: list[str] = []
    for page in api.walk(api.collection, [*params, ("limit", "1000")], rule_id=rule_id):
        ids += _ids(page.body)
    return ids


def expect_set(
    api: Api,
    rule_id: str,
    params: list[tuple[str, str]],
    universe: list[dict[str, Any]],
    predicate: Callable[[dict[str, Any]], bool | None],
) -> None:
    """Among `universe` (the keys in scope), exactly those where `predicate` is true are listed.

    A predicate answering None leaves that key open (section 8 latitude).
    """
    got = set(query(api, params, rule_id))
    problems = []
    for key in universe:
        wanted = predicate(key)
        if wanted is True and key["id"] not in got:
            problems.append(f"{key['id']} ({key['name']!r}, {key['description']!r}) missing")
        elif wanted is False and key["id"] in got:
            problems.append(f"{key['id']} ({key['name']!r}, {key['description']!r}) listed")
    if problems:
        shown = "&".join(f"{k}={v}" for k, v in params)
        raise ContractViolation(rule_id, f"?{shown}: " + "; ".join(problems))


def _by_number(test: Callable[[int], bool]) -> Callable[[dict[str, Any]], bool | None]:
    return lambda k: test(_num(k["id"]))


def _like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _text_cases(
    field: str, ks: KeySet
) -> list[tuple[str, str, Callable[[dict[str, Any]], bool | None]]]:
    """(modifier, value, predicate) for a text field whose values are prefix + a lower-case word."""
    p = ks.prefix
    sample = next(
        k[field] for k in ks.keys if k[field] is not None and k[field].endswith(("apple", "red"))
    )

    def on_value(test: Callable[[str], bool]) -> Callable[[dict[str, Any]], bool | None]:
        return lambda k: None if k[field] is None else test(k[field])

    return [
        ("eq", sample, lambda k: k[field] == sample),
        ("ne", sample, on_value(lambda v: v != sample)),
        ("prefix", p + "a", lambda k: k[field] is not None and k[field].startswith(p + "a")),
        ("like", p + "%an%", on_value(lambda v: _like(p + "%an%", v))),
        (
            "like",
            sample[:-1] + "_",
            on_value(lambda v: _like(sample[:-1] + "_", v)),
        ),  # not a prefix match
        ("like", sample, on_value(lambda v: v == sample)),
        ("notlike", p + "%e%", on_value(lambda v: not _like(p + "%e%", v))),
        ("null", "", lambda k: k[field] is None),
        ("notnull", "", lambda k: k[field] is not None),
    ]


@pytest.mark.contract("5.filter")
@pytest.mark.parametrize("field", ["name", "description"])
def test_text_modifiers(api: Api, keyset: KeySet, field: str) -> None:
    """§5: eq ne prefix like notlike null notnull on the text fields name and description."""
    scope_field = "description" if field == "name" else "name"
    scope = [(f"{scope_field}_prefix", keyset.prefix)]
    universe = keyset.by_description if field == "name" else keyset.by_name
    for modifier, value, predicate in _text_cases(field, keyset):
        param = field if modifier == "eq" else f"{field}_{modifier}"
        expect_set(api, "5.filter", [*scope, (param, value)], universe, predicate)


@pytest.mark.contract("5.filter")
def test_other_text_fields(api: Api, keyset: KeySet) -> None:
    """§5: the text modifiers on publicValue and uuid; kind=apiKey lists every key.

    §5/§8: Rancher replaces any `kind` condition with kind=apiKey (apiKey is a view of the
    credential table) and a server may honour it instead, so only kind=apiKey listing every key is
    certain; the other kind conditions must only answer a collection.
    """
    scope = [("name_prefix", keyset.prefix)]
    keys = keyset.by_name
    one = keys[1]
    cases: list[tuple[str, str, Callable[[dict[str, Any]], bool | None]]] = [
        ("publicValue", one["publicValue"], lambda k: k["id"] == one["id"]),
        ("publicValue_ne", one["publicValue"], lambda k: k["id"] != one["id"]),
        (
            "publicValue_prefix",
            one["publicValue"][:12],
            lambda k: k["publicValue"].startswith(one["publicValue"][:12]),
        ),
        (
            "publicValue_like",
            one["publicValue"][:-1] + "_",
            lambda k: k["publicValue"][:-1] == one["publicValue"][:-1],
        ),
        ("publicValue_notlike", one["publicValue"], lambda k: k["id"] != one["id"]),
        ("publicValue_null", "", lambda k: False),
        ("publicValue_notnull", "", lambda k: True),
        ("uuid", one["uuid"], lambda k: k["id"] == one["id"]),
        ("uuid_ne", one["uuid"], lambda k: k["id"] != one["id"]),
        ("uuid_prefix", one["uuid"][:13], lambda k: k["uuid"].startswith(one["uuid"][:13])),
        ("kind", "apiKey", lambda k: True),
    ]
    for param, value, predicate in cases:
        expect_set(api, "5.filter", [*scope, (param, value)], keys, predicate)
    for param, value in (
        ("kind_ne", "apiKey"),
        ("kind", "foo"),
        ("kind_like", "api%"),
        ("kind_notlike", "api%"),
        ("kind_prefix", "zzz"),
        ("kind_null", ""),
    ):
        api.get(api.collection, params=[*scope, (param, value)]).expect("5.filter", 200)


@pytest.mark.contract("5.filter")
def test_comparison_modifiers_on_id_and_created(api: Api, keyset: KeySet) -> None:
    """§5: eq ne lt lte gt gte null notnull on id (by its number) and created."""
    scope = [("name_prefix", keyset.prefix)]
    keys = keyset.by_name
    pivot = keys[2]
    n = _num(pivot["id"])
    id_cases: list[tuple[str, Callable[[int], bool]]] = [
        ("id", lambda m: m == n),
        ("id_ne", lambda m: m != n),
        ("id_lt", lambda m: m < n),
        ("id_lte", lambda m: m <= n),
        ("id_gt", lambda m: m > n),
        ("id_gte", lambda m: m >= n),
    ]
    for param, test in id_cases:
        expect_set(
            api,
            "5.filter",
            [*scope, (param, pivot["id"])],
            keys,
            _by_number(test),
        )
    expect_set(api, "5.filter", [*scope, ("id_null", "")], keys, lambda k: False)
    expect_set(api, "5.filter", [*scope, ("id_notnull", "")], keys, lambda k: True)

    # `created` has second precision on the wire but may be stored finer: only comparisons whose
    # outcome does
    # not depend on the sub-second part are checked (strictly before the pivot's second, or at/after
    # it).
    t = pivot["created"]
    past, future = "2001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"

    def before(k: dict[str, Any]) -> bool:
        return datetime.strptime(k["created"], "%Y-%m-%dT%H:%M:%SZ") < datetime.strptime(
            t, "%Y-%m-%dT%H:%M:%SZ"
        )

    created_cases: list[tuple[str, str, Callable[[dict[str, Any]], bool | None]]] = [
        ("created", past, lambda k: False),
        ("created_ne", past, lambda k: True),
        ("created_lt", t, before),
        ("created_gte", t, lambda k: not before(k)),
        ("created_lt", future, lambda k: True),
        ("created_lte", future, lambda k: True),
        ("created_lte", past, lambda k: False),
        ("created_gt", past, lambda k: True),
        ("created_gt", future, lambda k: False),
        ("created_null", "", lambda k: False),
        ("created_notnull", "", lambda k: True),
    ]
    for param, value, predicate in created_cases:
        expect_set(api, "5.filter", [*scope, (param, value)], keys, predicate)


@pytest.mark.contract("5.filter", "3.removed-hidden")
def test_reference_and_date_fields(api: Api, keyset: KeySet) -> None:
    """§5: state/accountId eq ne null notnull; removed null/notnull (removed keys are hidden)."""
    scope = [("name_prefix", keyset.prefix)]
    keys = keyset.by_name
    cases: list[tuple[str, str, Callable[[dict[str, Any]], bool | None]]] = [
        ("state", "inactive", lambda k: k["state"] == "inactive"),
        ("state", "active", lambda k: k["state"] == "active"),
        ("state_ne", "active", lambda k: k["state"] != "active"),
        ("state_null", "", lambda k: False),
        ("state_notnull", "", lambda k: True),
        ("removed_null", "", lambda k: True),
        ("removed_notnull", "", lambda k: False),
        ("accountId_null", "", lambda k: k["accountId"] is None),
        ("accountId_notnull", "", lambda k: k["accountId"] is not None),
    ]
    account = keys[0]["accountId"]
    if account is not None:
        cases += [
            ("accountId", account, lambda k: k["accountId"] == account),
            (
                "accountId_ne",
                account,
                lambda k: None if k["accountId"] is None else k["accountId"] != account,
            ),
        ]
    for param, value, predicate in cases:
        expect_set(api, "5.filter", [*scope, (param, value)], keys, predicate)
    # Only the plain list: whether an explicit `removed_notnull` may show removed keys is not fixed
    # by the contract (Rancher's own filter on `removed` can), so it is left open.
    listed = query(api, scope)
    if keyset.removed["id"] in listed:
        raise ContractViolation(
            "3.removed-hidden", f"the removed key {keyset.removed['id']} is listed"
        )
    # the hidden columns take their modifiers and answer a collection
    for param in (
        "removeTime_null",
        "removeTime_notnull",
        "removeTime_lt",
        "registryId_null",
        "registryId_ne",
    ):
        api.get(
            api.collection,
            params=[*scope, (param, "2000-01-01T00:00:00Z" if "lt" in param else "1")],
        ).expect("5.filter", 200)


@pytest.mark.contract("5.filter-and")
def test_filters_are_and_ed(api: Api, keyset: KeySet) -> None:
    """§5: filters on different fields and repeated filters are AND-ed."""
    p = keyset.prefix
    keys = keyset.by_name
    expect_set(
        api,
        "5.filter-and",
        [("name_prefix", p), ("name", p + "apple"), ("description", p + "blue")],
        keys,
        lambda k: k["name"] == p + "apple" and k["description"] == p + "blue",
    )
    expect_set(
        api,
        "5.filter-and",
        [("name_prefix", p), ("name_like", p + "%a%"), ("name_like", p + "%e%")],
        keys,
        lambda k: "a" in k["name"][len(p) :] and "e" in k["name"][len(p) :],
    )
    expect_set(
        api,
        "5.filter-and",
        [("name_prefix", p), ("name_ne", p + "apple"), ("name_ne", p + "banana")],
        keys,
        lambda k: k["name"] not in {p + "apple", p + "banana"},
    )
    expect_set(
        api,
        "5.filter-and",
        [("name_prefix", p), ("state", "active"), ("name_prefix", p + "i")],
        keys,
        lambda k: False,
    )


@pytest.mark.contract("5.filter-ignored", "5.envelope")
def test_unknown_filters_and_modifiers_are_ignored(api: Api, keyset: KeySet) -> None:
    """§5: unknown parameters and unsupported modifiers are ignored; `filters` shows the applied
    ones.
    """
    p = keyset.prefix
    base = [("name_prefix", p)]
    expected = query(api, base, "5.filter-ignored")
    for extra in (
        ("foo", "bar"),
        ("name_bogus", "x"),
        ("state_like", "zz%"),
        ("id_prefix", "9"),
        ("kind_lt", "a"),
    ):
        got = query(api, [*base, extra], "5.filter-ignored")
        if got != expected:
            raise ContractViolation(
                "5.filter-ignored", f"adding {extra[0]}={extra[1]} changed the result"
            )
    body = api.get(api.collection, params=base).expect("5.envelope", 200).body
    conditions = body["filters"].get("name")
    if not conditions or {"modifier": "prefix", "value": p} not in [
        {"modifier": c.get("modifier"), "value": c.get("value")} for c in conditions
    ]:
        raise ContractViolation("5.envelope", f"filters.name is {conditions!r} for name_prefix={p}")


def _check_order(
    ids: list[str], keys: dict[str, dict[str, Any]], field: str, desc: bool
) -> str | None:
    values = [(keys[i][field], _num(i)) for i in ids if i in keys and keys[i][field] is not None]
    for (a, ida), (b, idb) in itertools.pairwise(values):
        if (a > b and not desc) or (a < b and desc):
            return f"{field} {a!r} ({ida}) comes before {b!r} ({idb})"
        if a == b and not desc and ida > idb:
            return f"the tie on {field} {a!r} is not broken by id ascending ({ida} before {idb})"
    return None


@pytest.mark.contract("5.sort")
def test_sort(api: Api, keyset: KeySet) -> None:
    """§5: sort asc/desc by a field with id as tie-breaker; default id ascending; the sort object
    and reverse.
    """
    p = keyset.prefix
    keys = {k["id"]: k for k in keyset.keys}
    scope = [("description_prefix", p)]
    for field in ("name", "id", "publicValue"):
        for order in ("asc", "desc"):
            body = (
                api.get(api.collection, params=[*scope, ("sort", field), ("order", order)])
                .expect("5.sort", 200)
                .body
            )
            ids = _ids(body)
            if set(ids) & set(keys) != {k["id"] for k in keyset.by_description}:
                raise ContractViolation("5.sort", f"sort={field}&order={order} lost keys: {ids}")
            compare_field = "numid" if field == "id" else field
            if field == "id":
                keys = {i: {**k, "numid": _num(i)} for i, k in keys.items()}
            problem = _check_order(ids, keys, compare_field, order == "desc")
            if problem:
                raise ContractViolation("5.sort", f"sort={field}&order={order}: {problem}")
            sort = body["sort"]
            if (
                not isinstance(sort, dict)
                or sort.get("name") != field
                or sort.get("order") != order
            ):
                raise ContractViolation(
                    "5.sort", f"sort={field}&order={order} answers sort {sort!r}"
                )
            flipped = api.get(sort["reverse"]).expect("5.sort", 200).body
            if not isinstance(flipped["sort"], dict) or flipped["sort"].get("order") == order:
                raise ContractViolation(
                    "5.sort", f"the reverse link {sort['reverse']} does not flip the order"
                )
    for params, what in (
        ([], "no sort"),
        ([("sort", "bogus")], "an unknown sort field"),
        ([("sort", "id"), ("order", "sideways")], "an invalid order"),
    ):
        body = api.get(api.collection, params=[*scope, *params]).expect("5.sort", 200).body
        ids = [i for i in _ids(body) if i in keys]
        if ids != sorted(ids, key=_num):
            raise ContractViolation("5.sort", f"with {what} the keys are not in id order: {ids}")
        if params and params[0][1] == "bogus" and body["sort"] is not None:
            raise ContractViolation(
                "5.sort", f"an unknown sort field answers sort {body['sort']!r}, not null"
            )


@pytest.mark.contract("5.pagination")
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pagination_walk(api: Api, keyset: KeySet, order: str) -> None:
    """§5: following next (limit 2) visits every key exactly once, in order; partial on truncated
    pages.
    """
    p = keyset.prefix
    expected = sorted((k["id"] for k in keyset.by_name), key=_num, reverse=order == "desc")
    seen: list[str] = []
    pages = list(
        api.walk(
            api.collection, [("name_prefix", p), ("sort", "id"), ("order", order), ("limit", "2")]
        )
    )
    for index, page in enumerate(pages):
        body = page.body
        last = index == len(pages) - 1
        pagination = body["pagination"]
        if pagination["limit"] != 2 or len(body["data"]) > 2:
            raise ContractViolation(
                "5.pagination",
                f"page {index + 1} has limit {pagination['limit']!r} and "
                f"{len(body['data'])} keys for limit=2",
            )
        if pagination["partial"] is not (not last):
            raise ContractViolation(
                "5.pagination",
                f"page {index + 1} of {len(pages)} has partial {pagination['partial']!r}",
            )
        if not last and not body["data"]:
            raise ContractViolation(
                "5.pagination", f"page {index + 1} is empty but has a next link"
            )
        seen += _ids(body)
    if seen != expected:
        raise ContractViolation("5.pagination", f"the walk visited {seen}, expected {expected}")


@pytest.mark.contract("5.limit")
def test_limit_default_and_clamp(api: Api, keyset: KeySet) -> None:
    """§5: limit defaults to the spec's default, clamps to its maximum (also for limit<=0); a
    non-numeric limit is ignored.
    """
    limits = load_spec().resource.limits
    assert limits is not None
    default, maximum = limits.default, limits.maximum
    scope = [("name_prefix", keyset.prefix)]
    for value, expected in (
        (None, default),
        (str(maximum + 2000), maximum),
        ("0", maximum),
        ("-1", maximum),
        ("abc", default),
        (str(maximum), maximum),
        ("7", 7),
    ):
        params = [*scope, ("limit", value)] if value is not None else scope
        body = api.get(api.collection, params=params).expect("5.limit", 200).body
        if body["pagination"]["limit"] != expected:
            raise ContractViolation(
                "5.limit",
                f"limit={value} answers pagination.limit "
                f"{body['pagination']['limit']!r}, expected {expected}",
            )
    body = api.get(api.collection, params=[*scope, ("limit", "1")]).expect("5.limit", 200).body
    if (
        len(body["data"]) != 1
        or body["pagination"]["next"] is None
        or body["pagination"]["partial"] is not True
    ):
        raise ContractViolation(
            "5.limit", "limit=1 over several keys did not give one key, a next link and partial"
        )
