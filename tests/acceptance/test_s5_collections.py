"""Contract section 5: the collection envelope, filters, sort and pagination.

A module-scoped data set of keys under one unique name prefix; every check is of the form "my keys
that match are in, my keys that do not are out, and every item returned matches". Text matching is
checked so that it holds whether the server's text comparison is case-sensitive or not, and what
`ne`/`like`/`notlike` do with null fields is never checked (contract section 8)."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from ._support import (
    FILTERABLE_FIELDS,
    Api,
    assert_status,
    describe,
    epoch_ms,
    id_number,
    query_of,
    unique,
)

Item = dict[str, Any]
Predicate = Callable[[Item], "bool | None"]  # None: the contract does not say (section 8)


@dataclass
class Data:
    prefix: str
    keys: dict[str, Item]  # label -> resource (as read after creation)
    removed: Item
    first_second: str  # the latest `created` of group 1
    second_second: str  # the earliest `created` of group 2 (a later second)
    group1: set[str] = field(default_factory=set)
    group2: set[str] = field(default_factory=set)

    @property
    def ids(self) -> set[str]:
        return {key["id"] for key in self.keys.values()}

    def where(self, predicate: Callable[[Item], bool]) -> set[str]:
        return {key["id"] for key in self.keys.values() if predicate(key)}


@pytest.fixture(scope="module")
def data(api: Api) -> Data:
    prefix = unique("s5")
    specs: dict[str, dict[str, Any]] = {
        "alpha": {"name": f"{prefix}-alpha", "description": "desc-one"},
        "alphabet": {"name": f"{prefix}-alphabet", "description": "desc-two"},
        "beta": {"name": f"{prefix}-beta", "description": "other-three"},
        "beta2": {"name": f"{prefix}-beta", "description": None},
        "noname": {"name": None, "description": f"{prefix}-no-name"},
        "f1": {"name": f"{prefix}-filler-1", "description": "desc-f1"},
        "f2": {"name": f"{prefix}-filler-2", "description": "desc-f2"},
        "f3": {"name": f"{prefix}-filler-3", "description": "desc-f3"},
    }
    group2_specs: dict[str, dict[str, Any]] = {
        "gamma": {"name": f"{prefix}-gamma", "description": "desc-gamma"},
        "delta": {"name": f"{prefix}-delta", "description": "desc-delta"},
        "f4": {"name": f"{prefix}-filler-4", "description": "desc-f4"},
        "f5": {"name": f"{prefix}-filler-5", "description": "desc-f5"},
    }
    keys: dict[str, Item] = {}
    for label, body in specs.items():
        keys[label] = api.create(**body)
    first = {keys[label]["created"] for label in specs}
    # group 2 in a later second than every key of group 1
    last_first = max(first)
    for _ in range(5):
        time.sleep(max(0.0, 1.02 - (time.time() % 1)))
        probe = api.create(name=f"{prefix}-probe", description="probe")
        if probe["created"] > last_first:
            break
        api.do(api.do(api.wait(probe), "deactivate"), "remove")  # hidden: not one of my keys
    else:
        raise AssertionError("the server's created never moved to the next second")
    for label, body in group2_specs.items():
        keys[label] = api.create(**body)
    keys["probe"] = probe
    removed = api.create(name=f"{prefix}-removed", description="desc-removed")
    for label in keys:
        keys[label] = api.wait(keys[label])
    for label in ("beta", "gamma", "f2"):
        keys[label] = api.do(keys[label], "deactivate")
    removed = api.do(api.do(api.wait(removed), "deactivate"), "remove")
    assert removed["state"] == "removed"
    second = {keys[label]["created"] for label in (*group2_specs, "probe")}
    assert len(second) == 1 or max(second) > last_first, second
    data = Data(prefix, keys, removed, last_first, min(second))
    data.group1 = {keys[label]["id"] for label in specs}
    data.group2 = {keys[label]["id"] for label in (*group2_specs, "probe")}
    return data


def _like_regex(pattern: str) -> str:
    out = []
    for char in pattern:
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return "^" + "".join(out) + "$"


def _either_case(exact: bool, folded: bool) -> bool | None:
    """A text comparison whose result must not depend on the database's case sensitivity."""
    return exact if exact == folded else None


def text_predicate(name: str, modifier: str, value: str) -> Predicate:
    def check(item: Item) -> bool | None:
        v = item.get(name)
        if modifier == "null":
            return v is None
        if modifier == "notnull":
            return v is not None
        if v is None:
            return False if modifier in ("eq", "prefix", "like") else None
        if modifier in ("eq", "ne"):
            exact, folded = v == value, v.lower() == value.lower()
        else:
            pattern = value + "%" if modifier == "prefix" else value
            regex = _like_regex(pattern)
            exact = re.match(regex, v, re.S) is not None
            folded = re.match(regex, v, re.S | re.I) is not None
        result = _either_case(exact, folded)
        if result is None:
            return None
        return (not result) if modifier in ("ne", "notlike") else result

    return check


def compare_predicate(name: str, modifier: str, value: str) -> Predicate:
    def number(v: str) -> int:
        return id_number(v) if name == "id" else epoch_ms(v)

    def check(item: Item) -> bool | None:
        v = item.get(name)
        if modifier == "null":
            return v is None
        if modifier == "notnull":
            return v is not None
        if v is None:
            return None if modifier == "ne" else False
        a, b = number(v), number(value)
        return {
            "eq": a == b,
            "ne": a != b,
            "lt": a < b,
            "lte": a <= b,
            "gt": a > b,
            "gte": a >= b,
        }[modifier]

    return check


def reference_predicate(name: str, modifier: str, value: str) -> Predicate:
    def check(item: Item) -> bool | None:
        v = item.get(name)
        if modifier == "null":
            return v is None
        if modifier == "notnull":
            return v is not None
        if v is None:
            return None if modifier == "ne" else False
        return (v == value) if modifier == "eq" else (v != value)

    return check


def check_filter(
    api: Api,
    data: Data,
    params: list[tuple[str, str]],
    expected_mine: set[str],
    predicate: Predicate | None,
    dont_care: set[str] | frozenset[str] = frozenset(),
) -> list[Item]:
    """My keys in the result are exactly `expected_mine` (but for `dont_care`: keys the contract
    says nothing about, e.g. a null field under `ne`); every item returned satisfies `predicate`."""
    items = api.list_all(params)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), f"{params}: an item listed twice"
    got_mine = (set(ids) & data.ids) - dont_care
    expected_mine = expected_mine - dont_care
    assert got_mine == expected_mine, (
        f"{params}: of my keys, expected {sorted(expected_mine, key=id_number)}, "
        f"got {sorted(got_mine, key=id_number)}"
    )
    assert data.removed["id"] not in ids, f"{params}: the removed key is listed"
    if predicate is not None:
        for item in items:
            assert predicate(item) is not False, f"{params}: {item['id']} does not match: {item}"
    page = api.list(params)
    for name, modifier in _filter_fields(params):
        conditions = page["filters"].get(name)
        assert isinstance(conditions, list), f"{params}: filters.{name} = {conditions!r}"
        assert any(c.get("modifier") == modifier for c in conditions), f"{params}: {conditions}"
    return items


def _filter_fields(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for param, _ in params:
        name, _, modifier = param.rpartition("_")
        if not name:
            name, modifier = param, "eq"
        if name in FILTERABLE_FIELDS:
            out.append((name, modifier))
    return out


# --- envelope -------------------------------------------------------------------------------------


def test_s5_collection_envelope_keys(api: Api, data: Data) -> None:
    response = api.client.get(api.collection, params={"name": data.keys["alpha"]["name"]})
    body = assert_status(response, 200)
    for key in (
        "type",
        "resourceType",
        "links",
        "createTypes",
        "actions",
        "data",
        "sortLinks",
        "pagination",
        "sort",
        "filters",
        "createDefaults",
    ):
        assert key in body, f"no {key!r}: {describe(response)}"
    assert body["type"] == "collection" and body["resourceType"] == "apiKey", body
    assert isinstance(body["links"]["self"], str) and body["links"]["self"].startswith("http"), body
    assert body["createTypes"] == {} and body["actions"] == {} and body["createDefaults"] == {}, (
        body
    )
    assert isinstance(body["data"], list) and [i["id"] for i in body["data"]] == [
        data.keys["alpha"]["id"]
    ]
    for item in body["data"]:
        assert item["type"] == "apiKey", item
    pagination = body["pagination"]
    for key in ("first", "previous", "next", "limit", "total", "partial"):
        assert key in pagination, pagination
    assert body["sort"] is None or isinstance(body["sort"], dict), body["sort"]


def test_s5_collection_sort_links_one_per_filterable_field(api: Api, data: Data) -> None:
    body = api.list({"name_prefix": data.prefix})
    missing = set(FILTERABLE_FIELDS) - set(body["sortLinks"])
    assert not missing, f"sortLinks lack {missing}: {sorted(body['sortLinks'])}"
    for name in FILTERABLE_FIELDS:
        url = body["sortLinks"][name]
        assert url.startswith(("http://", "https://")), url
        page = api.list(url=url)
        assert page["sort"] is not None and page["sort"]["name"] == name, (name, page["sort"])


def test_s5_collection_filters_every_filterable_field(api: Api, data: Data) -> None:
    body = api.list({"name": data.keys["alpha"]["name"], "state": "active"})
    missing = set(FILTERABLE_FIELDS) - set(body["filters"])
    assert not missing, f"filters lack {missing}"
    for name, conditions in body["filters"].items():
        assert conditions is None or isinstance(conditions, list), (name, conditions)
        for condition in conditions or []:
            assert set(condition) >= {"modifier", "value"}, (name, condition)
    assert body["filters"]["name"] == [{"modifier": "eq", "value": data.keys["alpha"]["name"]}]
    assert body["filters"]["state"] == [{"modifier": "eq", "value": "active"}]
    assert body["filters"]["uuid"] is None and body["filters"]["id"] is None, body["filters"]


# --- filters: id ----------------------------------------------------------------------------------


def _id_cases(data: Data) -> dict[str, tuple[str, set[str]]]:
    ordered = sorted(data.ids, key=id_number)
    # a pivot where the number of digits changes if there is one (1c9 < 1c10 numerically)
    pivot = ordered[len(ordered) // 2]
    for a, b in itertools.pairwise(ordered):
        if len(a) != len(b):
            pivot = b
            break
    n = id_number(pivot)
    return {
        "eq": (pivot, {pivot}),
        "ne": (pivot, data.ids - {pivot}),
        "lt": (pivot, {i for i in data.ids if id_number(i) < n}),
        "lte": (pivot, {i for i in data.ids if id_number(i) <= n}),
        "gt": (pivot, {i for i in data.ids if id_number(i) > n}),
        "gte": (pivot, {i for i in data.ids if id_number(i) >= n}),
        "null": ("", set()),
        "notnull": ("", set(data.ids)),
    }


@pytest.mark.parametrize("modifier", ["eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"])
def test_s5_filter_id_numeric_modifiers(api: Api, data: Data, modifier: str) -> None:
    value, expected = _id_cases(data)[modifier]
    param = "id" if modifier == "eq" else f"id_{modifier}"
    items = check_filter(
        api, data, [(param, value)], expected, compare_predicate("id", modifier, value)
    )
    if modifier == "null":
        assert items == [], "every key has an id"


def test_s5_filter_id_crosses_digit_boundary(api: Api, data: Data) -> None:
    ordered = sorted(data.ids, key=id_number)
    short = [i for i in ordered if len(i) == len(ordered[0])]
    long = [i for i in ordered if len(i) > len(ordered[0])]
    if not short or not long:
        pytest.skip("my ids all have the same number of digits")
    ids = {i["id"] for i in api.list_all([("id_lt", long[0])])}
    assert set(short) <= ids, f"id_lt={long[0]} misses {set(short) - ids}: compared as text?"
    ids = {i["id"] for i in api.list_all([("id_gt", short[-1])])}
    assert set(long) <= ids, f"id_gt={short[-1]} misses {set(long) - ids}: compared as text?"


# --- filters: created and removed -----------------------------------------------------------------


@pytest.mark.parametrize("modifier", ["eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"])
def test_s5_filter_created_modifiers(api: Api, data: Data, modifier: str) -> None:
    t1, t2 = data.first_second, data.second_second
    g1 = {key["id"] for key in data.keys.values() if key["created"] == t1}
    late = data.group2
    early = data.ids - late
    cases: dict[str, tuple[str, set[str] | None]] = {
        "eq": (t1, g1),
        "ne": (t1, data.ids - g1),
        "lt": (t2, early),
        "lte": (t1, early),
        "gt": (t1, late),
        "gte": (t2, late),
        "null": ("", set()),
        "notnull": ("", set(data.ids)),
    }
    value, expected = cases[modifier]
    assert expected is not None
    param = "created" if modifier == "eq" else f"created_{modifier}"
    check_filter(
        api, data, [(param, value)], expected, compare_predicate("created", modifier, value)
    )


@pytest.mark.parametrize("modifier", ["eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"])
def test_s5_filter_removed_modifiers(api: Api, data: Data, modifier: str) -> None:
    """Listed keys all have `removed` null (removed keys are hidden): comparisons match none of
    them."""
    value = data.removed["removed"]
    expected = {
        "eq": set(),
        "ne": None,  # what ne does with null fields: not the suite's business (section 8)
        "lt": set(),
        "lte": set(),
        "gt": set(),
        "gte": set(),
        "null": set(data.ids),
        "notnull": set(),
    }[modifier]
    param = "removed" if modifier == "eq" else f"removed_{modifier}"
    if modifier == "ne":
        page = api.list([(param, value)])
        assert data.removed["id"] not in [i["id"] for i in page["data"]]
        return
    items = check_filter(
        api, data, [(param, value)], expected, compare_predicate("removed", modifier, value)
    )
    if modifier not in ("null",):
        assert items == [], f"removed_{modifier}: listed keys have removed null: {items}"


@pytest.mark.parametrize("modifier", ["eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"])
def test_s5_filter_remove_time_modifiers_accepted(api: Api, data: Data, modifier: str) -> None:
    """`removeTime` is a hidden column: the filter is accepted and echoed; its values cannot be
    seen."""
    param = "removeTime" if modifier == "eq" else f"removeTime_{modifier}"
    page = api.list([(param, data.removed["removed"])])
    assert data.removed["id"] not in [i["id"] for i in page["data"]]
    conditions = page["filters"]["removeTime"]
    assert isinstance(conditions, list) and conditions[0]["modifier"] == modifier, conditions


# --- filters: text fields -------------------------------------------------------------------------

TEXT_MODIFIERS = ["eq", "ne", "prefix", "like", "notlike", "null", "notnull"]


def _text_cases(data: Data, name: str) -> dict[str, tuple[str, set[str] | None]]:
    k, p = data.keys, data.prefix
    if name == "name":
        return {
            "eq": (f"{p}-alpha", {k["alpha"]["id"]}),
            "ne": (f"{p}-alpha", data.where(lambda x: x["name"] is not None) - {k["alpha"]["id"]}),
            "prefix": (f"{p}-alpha", {k["alpha"]["id"], k["alphabet"]["id"]}),
            # no trailing %: `{p}-alphabet` must not match (LIKE is not a prefix match)
            "like": (f"{p}-_lpha", {k["alpha"]["id"]}),
            "notlike": (
                f"{p}-alpha%",
                data.where(lambda x: x["name"] is not None)
                - {
                    k["alpha"]["id"],
                    k["alphabet"]["id"],
                },
            ),
            "null": ("", {k["noname"]["id"]}),
            "notnull": ("", data.ids - {k["noname"]["id"]}),
        }
    if name == "description":
        with_desc = data.where(lambda x: x["description"] is not None)
        desc_like = data.where(lambda x: (x["description"] or "").startswith("desc-f"))
        return {
            "eq": ("other-three", {k["beta"]["id"]}),
            "ne": ("other-three", with_desc - {k["beta"]["id"]}),
            "prefix": ("desc-f", desc_like),
            "like": ("desc-%e", {k["alpha"]["id"]}),  # not desc-delta, desc-gamma
            "notlike": (
                "desc-%",
                with_desc - data.where(lambda x: (x["description"] or "").startswith("desc-")),
            ),
            "null": ("", data.ids - with_desc),
            "notnull": ("", with_desc),
        }
    if name == "kind":
        return {
            "eq": ("apiKey", set(data.ids)),
            "ne": ("apiKey", set()),
            "prefix": ("api", set(data.ids)),
            "like": ("a_iK%", set(data.ids)),
            "notlike": ("%Key", set()),
            "null": ("", set()),
            "notnull": ("", set(data.ids)),
        }
    # publicValue, uuid: unique per key
    one = k["alpha"]
    value = one[name]
    return {
        "eq": (value, {one["id"]}),
        "ne": (value, data.ids - {one["id"]}),
        "prefix": (
            value[:10],
            {i for i in data.ids if _by_id(data, i)[name].lower().startswith(value[:10].lower())},
        ),
        "like": (
            "%" + value[-8:],
            {i for i in data.ids if _by_id(data, i)[name].lower().endswith(value[-8:].lower())},
        ),
        "notlike": (
            value[:4] + "%" + value[-4:],
            {
                i
                for i in data.ids
                if not re.match(
                    _like_regex(value[:4] + "%" + value[-4:]), _by_id(data, i)[name], re.I
                )
            },
        ),
        "null": ("", set()),
        "notnull": ("", set(data.ids)),
    }


def _by_id(data: Data, key_id: str) -> Item:
    return next(key for key in data.keys.values() if key["id"] == key_id)


@pytest.mark.parametrize("modifier", TEXT_MODIFIERS)
@pytest.mark.parametrize("name", ["name", "description", "kind", "publicValue", "uuid"])
def test_s5_filter_text_field_modifiers(api: Api, data: Data, name: str, modifier: str) -> None:
    value, expected = _text_cases(data, name)[modifier]
    assert expected is not None
    param = name if modifier == "eq" else f"{name}_{modifier}"
    dont_care = data.where(lambda x: x[name] is None) if modifier in ("ne", "notlike") else set()
    check_filter(
        api, data, [(param, value)], expected, text_predicate(name, modifier, value), dont_care
    )


@pytest.mark.parametrize("modifier", TEXT_MODIFIERS)
def test_s5_filter_secret_value_modifiers_accepted(api: Api, data: Data, modifier: str) -> None:
    """The secret is stored hashed and shown as null: the filter is accepted, echoed, and never
    answers with the secret in clear."""
    param = "secretValue" if modifier == "eq" else f"secretValue_{modifier}"
    page = api.list([(param, "A%")])
    conditions = page["filters"]["secretValue"]
    assert isinstance(conditions, list) and conditions[0]["modifier"] == modifier, conditions
    for item in page["data"]:
        assert item["secretValue"] is None, item


# --- filters: reference fields --------------------------------------------------------------------


@pytest.mark.parametrize("modifier", ["eq", "ne", "null", "notnull"])
def test_s5_filter_state_modifiers(api: Api, data: Data, modifier: str) -> None:
    inactive = data.where(lambda x: x["state"] == "inactive")
    assert inactive and inactive != data.ids
    expected = {
        "eq": inactive,
        "ne": data.ids - inactive,
        "null": set(),
        "notnull": set(data.ids),
    }[modifier]
    param = "state" if modifier == "eq" else f"state_{modifier}"
    check_filter(
        api,
        data,
        [(param, "inactive")],
        expected,
        reference_predicate("state", modifier, "inactive"),
    )


@pytest.mark.parametrize("modifier", ["eq", "ne", "null", "notnull"])
def test_s5_filter_account_id_modifiers(api: Api, data: Data, modifier: str) -> None:
    account = data.keys["alpha"]["accountId"]
    same = data.where(lambda x: x["accountId"] == account)
    value = account if account is not None else "1a999999"
    if account is None:
        expected = {"eq": set(), "ne": None, "null": set(data.ids), "notnull": set()}[modifier]
    else:
        expected = {"eq": same, "ne": data.ids - same, "null": set(), "notnull": set(data.ids)}[
            modifier
        ]
    param = "accountId" if modifier == "eq" else f"accountId_{modifier}"
    if expected is None:
        assert_status(api.client.get(api.collection, params={param: value}), 200)
        return
    check_filter(
        api, data, [(param, value)], expected, reference_predicate("accountId", modifier, value)
    )


@pytest.mark.parametrize("modifier", ["eq", "ne", "null", "notnull"])
def test_s5_filter_registry_id_modifiers_accepted(api: Api, data: Data, modifier: str) -> None:
    """`registryId` is a hidden column: the filter is accepted and echoed."""
    param = "registryId" if modifier == "eq" else f"registryId_{modifier}"
    page = api.list([(param, "1r1")])
    conditions = page["filters"]["registryId"]
    assert isinstance(conditions, list) and conditions[0]["modifier"] == modifier, conditions


# --- filters: combinations, unknown parameters and modifiers --------------------------------------


def test_s5_filters_on_different_fields_are_anded(api: Api, data: Data) -> None:
    k = data.keys
    check_filter(
        api,
        data,
        [("name_prefix", f"{data.prefix}-alpha"), ("description", "desc-two")],
        {k["alphabet"]["id"]},
        None,
    )
    check_filter(
        api,
        data,
        [("name_prefix", data.prefix), ("state", "inactive")],
        data.where(lambda x: x["state"] == "inactive" and x["name"] is not None),
        None,
    )


def test_s5_repeated_filters_are_anded(api: Api, data: Data) -> None:
    k, p = data.keys, data.prefix
    check_filter(
        api,
        data,
        [("name_like", f"{p}-alpha%"), ("name_like", "%bet")],
        {k["alphabet"]["id"]},
        None,
    )
    check_filter(api, data, [("name", f"{p}-alpha"), ("name", f"{p}-beta")], set(), None)
    ordered = sorted(data.ids, key=id_number)
    check_filter(
        api,
        data,
        [("id_gt", ordered[1]), ("id_gt", ordered[3]), ("id_lt", ordered[6])],
        set(ordered[4:6]),
        None,
    )


def test_s5_like_underscore_and_percent_wildcards(api: Api, data: Data) -> None:
    k, p = data.keys, data.prefix
    beta = {k["beta"]["id"], k["beta2"]["id"]}
    check_filter(api, data, [("name_like", f"{p}-_eta")], beta, None)
    check_filter(api, data, [("name_like", f"%{p[-6:]}-b%a")], beta, None)
    check_filter(api, data, [("name_like", f"{p}-alpha_")], set(), None)
    check_filter(
        api, data, [("name_like", f"{p}-alpha%")], {k["alpha"]["id"], k["alphabet"]["id"]}, None
    )
    check_filter(api, data, [("description_like", "%-no-_ame")], {k["noname"]["id"]}, None)


def test_s5_explicit_eq_modifier(api: Api, data: Data) -> None:
    check_filter(api, data, [("name_eq", f"{data.prefix}-alpha")], {data.keys["alpha"]["id"]}, None)


@pytest.mark.parametrize(
    "extra",
    [
        ("foo", "bar"),
        ("foo_eq", "bar"),
        ("state_like", "zzz%"),
        ("state_prefix", "zzz"),
        ("name_lt", "a"),
        ("name_bogus", "x"),
        ("id_prefix", "zzz"),
        ("accountId_like", "zzz"),
        ("kind_gt", "zzz"),
    ],
    ids=lambda e: e[0] if isinstance(e, tuple) else e,
)
def test_s5_unknown_parameters_and_unsupported_modifiers_ignored(
    api: Api, data: Data, extra: tuple[str, str]
) -> None:
    scope = [("name_prefix", data.prefix)]
    baseline = [item["id"] for item in api.list_all(scope)]
    with_extra = [item["id"] for item in api.list_all([*scope, extra])]
    assert with_extra == baseline, f"{extra} changed the result"


# --- sort -----------------------------------------------------------------------------------------


def _ids(items: list[Item]) -> list[int]:
    return [id_number(item["id"]) for item in items]


def test_s5_default_order_is_id_ascending_by_number(api: Api, data: Data) -> None:
    for params in ([], [("name_prefix", data.prefix)]):
        numbers = _ids(api.list_all(params))
        assert numbers == sorted(numbers), f"{params}: not id ascending by number: {numbers}"


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_s5_sort_by_id_numeric(api: Api, data: Data, order: str) -> None:
    page = api.list([("sort", "id"), ("order", order), ("limit", "3000")])
    numbers = _ids(page["data"])
    assert numbers == sorted(numbers, reverse=order == "desc"), numbers
    assert page["sort"]["name"] == "id" and page["sort"]["order"] == order, page["sort"]


def _assert_sorted_by_name(items: list[Item], order: str) -> None:
    names = [item["name"] for item in items]
    assert names == sorted(names, reverse=order == "desc"), f"not sorted by name {order}: {names}"
    for name in set(names):
        ties = [id_number(item["id"]) for item in items if item["name"] == name]
        if order == "asc":
            assert ties == sorted(ties), f"ties on {name!r} not broken by id: {ties}"
        else:
            assert ties in (sorted(ties), sorted(ties, reverse=True)), f"ties on {name!r}: {ties}"


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_s5_sort_by_name_with_id_tie_break(api: Api, data: Data, order: str) -> None:
    params = [("name_prefix", data.prefix), ("sort", "name"), ("order", order)]
    items = api.list_all(params)
    assert len(items) == len(data.ids) - 1
    _assert_sorted_by_name(items, order)
    beta = [data.keys["beta"]["id"], data.keys["beta2"]["id"]]
    assert len([i for i in items if i["id"] in beta]) == 2


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_s5_sort_object_name_order_reverse(api: Api, data: Data, order: str) -> None:
    params = [("name_prefix", data.prefix), ("sort", "name"), ("order", order)]
    page = api.list(params)
    sort = page["sort"]
    assert isinstance(sort, dict), sort
    assert sort["name"] == "name" and sort["order"] == order, sort
    flipped = "desc" if order == "asc" else "asc"
    reverse = dict(query_of(sort["reverse"]))
    assert reverse.get("order") == flipped, sort["reverse"]
    assert reverse.get("sort") == "name", sort["reverse"]
    assert reverse.get("name_prefix") == data.prefix, sort["reverse"]
    reversed_page = api.list(url=sort["reverse"])
    assert reversed_page["sort"]["order"] == flipped, reversed_page["sort"]
    _assert_sorted_by_name(reversed_page["data"], flipped)
    assert {i["id"] for i in reversed_page["data"]} == {i["id"] for i in page["data"]}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("name", ["publicValue", "uuid", "kind", "state", "created"])
def test_s5_sort_by_field_with_id_tie_break(api: Api, data: Data, name: str, order: str) -> None:
    items = api.list_all([("name_prefix", data.prefix), ("sort", name), ("order", order)])
    assert {i["id"] for i in items} == data.ids - {data.keys["noname"]["id"]}
    values = [i[name] for i in items]
    assert values == sorted(values, reverse=order == "desc"), (
        f"not sorted by {name} {order}: {values}"
    )
    if order == "asc":
        for value in set(values):
            ties = [id_number(i["id"]) for i in items if i[name] == value]
            assert ties == sorted(ties), f"ties on {name}={value!r} not broken by id: {ties}"


def test_s5_sort_by_created_desc(api: Api, data: Data) -> None:
    items = api.list_all([("name_prefix", data.prefix), ("sort", "created"), ("order", "desc")])
    created = [epoch_ms(i["created"]) for i in items]
    assert created == sorted(created, reverse=True), created


def test_s5_sort_by_state(api: Api, data: Data) -> None:
    items = api.list_all([("name_prefix", data.prefix), ("sort", "state")])
    states = [i["state"] for i in items]
    assert states == sorted(states), states


def test_s5_unknown_sort_field_ignored_sort_null(api: Api, data: Data) -> None:
    for field_name in ("bogus", "secret", "links"):
        page = api.list([("name_prefix", data.prefix), ("sort", field_name), ("limit", "3000")])
        assert page["sort"] is None, f"sort={field_name}: {page['sort']}"
        numbers = _ids(page["data"])
        assert numbers == sorted(numbers), numbers


def test_s5_invalid_order_means_asc(api: Api, data: Data) -> None:
    for order in ("sideways", "DESCENDING", ""):
        page = api.list(
            [("name_prefix", data.prefix), ("sort", "name"), ("order", order), ("limit", "3000")]
        )
        assert page["sort"] is not None and page["sort"]["order"] == "asc", (order, page["sort"])
        _assert_sorted_by_name(page["data"], "asc")


# --- pagination -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many(api: Api) -> tuple[str, list[str]]:
    """101 keys under one prefix: one more than the default page."""
    prefix = unique("s5-many")
    ids = [api.create(name=f"{prefix}-{n:03d}")["id"] for n in range(101)]
    return prefix, ids


def test_s5_limit_defaults_to_100(api: Api, many: tuple[str, list[str]]) -> None:
    prefix, ids = many
    page = api.list({"name_prefix": prefix})
    assert page["pagination"]["limit"] == 100, page["pagination"]
    assert len(page["data"]) == 100, len(page["data"])
    assert page["pagination"]["partial"] is True, page["pagination"]
    assert page["pagination"]["next"], page["pagination"]
    rest = api.list(url=page["pagination"]["next"])
    assert [i["id"] for i in page["data"] + rest["data"]] == ids
    assert rest["pagination"]["next"] is None and rest["pagination"]["partial"] is False


@pytest.mark.parametrize(("limit", "expected"), [("3000", 3000), ("3001", 3000), ("100000", 3000)])
def test_s5_limit_clamped_to_3000(api: Api, limit: str, expected: int) -> None:
    assert api.list({"limit": limit})["pagination"]["limit"] == expected


@pytest.mark.parametrize("limit", ["0", "-1", "-100"])
def test_s5_limit_zero_or_negative_means_3000(
    api: Api, many: tuple[str, list[str]], limit: str
) -> None:
    prefix, ids = many
    page = api.list({"limit": limit, "name_prefix": prefix})
    assert page["pagination"]["limit"] == 3000, page["pagination"]
    assert [i["id"] for i in page["data"]] == ids


@pytest.mark.parametrize("limit", ["abc", "", "ten"])
def test_s5_non_numeric_limit_ignored(api: Api, many: tuple[str, list[str]], limit: str) -> None:
    prefix, _ = many
    page = api.list({"limit": limit, "name_prefix": prefix})
    assert page["pagination"]["limit"] == 100, page["pagination"]
    assert len(page["data"]) == 100


@pytest.mark.parametrize(
    "params",
    [
        [("limit", "3")],
        [("limit", "4"), ("sort", "name"), ("order", "desc")],
        [("limit", "1"), ("state", "active")],
    ],
    ids=["limit-3", "limit-4-name-desc", "limit-1-active"],
)
def test_s5_next_walk_visits_every_key_once_in_order(
    api: Api, data: Data, params: list[tuple[str, str]]
) -> None:
    scope = [("name_prefix", data.prefix), *params]
    limit = int(dict(params)["limit"])
    everything = [i["id"] for i in api.list_all([p for p in scope if p[0] != "limit"])]
    seen: list[str] = []
    page = api.list(scope)
    for _ in range(100):
        pagination = page["pagination"]
        assert len(page["data"]) <= limit, pagination
        assert pagination["limit"] == limit, pagination
        seen.extend(i["id"] for i in page["data"])
        if pagination["next"] is None:
            assert pagination["partial"] is False, pagination
            break
        assert pagination["partial"] is True, pagination
        assert len(page["data"]) == limit, pagination
        next_query = query_of(pagination["next"])
        assert pagination["next"].startswith(("http://", "https://")), pagination["next"]
        markers = [v for k, v in next_query if k == "marker"]
        assert markers == [f"m{len(seen)}"], f"marker {markers}, expected m{len(seen)}"
        assert sorted(p for p in next_query if p[0] != "marker") == sorted(scope), pagination[
            "next"
        ]
        page = api.list(url=pagination["next"])
    assert seen == everything, f"walk {seen} != list {everything}"
    assert len(seen) == len(set(seen))


def test_s5_page_exactly_full_has_no_next(api: Api, data: Data) -> None:
    scope = [("name_prefix", f"{data.prefix}-filler")]
    count = len(api.list_all(scope))
    assert count == 5
    page = api.list([*scope, ("limit", str(count))])
    assert len(page["data"]) == count
    assert page["pagination"]["next"] is None and page["pagination"]["partial"] is False, page[
        "pagination"
    ]


def test_s5_removed_keys_do_not_take_places_in_pages(api: Api, data: Data) -> None:
    page = api.list([("name_prefix", data.prefix), ("limit", "3000")])
    assert data.removed["id"] not in [i["id"] for i in page["data"]]
    assert len(page["data"]) == len(data.ids) - 1  # the key without name has no prefix
