"""Contract section 5 (collections): filters, AND-ing, sort, pagination, limits, for every resource
of the spec set, on resources this module creates.

Nothing here names a resource or a state; what each test expects is read from the spec model
(`resource`, `spec` fixtures):

- The keyset: for each resource, eight resources from the key pool (`pool.declare_each`), seven
  listed (six in the create's done state, one in the idle state, `Spec.idle_state`) and one removed
  (`Spec.removal.done`). It varies the resource's first two *varied text fields*: the writable,
  nullable text filters (Rancher type `string`, every text modifier) in filter order (`name`,
  `description`); a resource with fewer than two is skipped. Their values are a unique prefix and a
  lower-case word (`KEYS`), some null. Any further writable nullable text filter gets a distinct
  value per resource (registryCredential's `publicValue`), so that it is tested like a generated
  one. Required fields and references come from the pool: every resource of a keyset references
  the same pool resource (one registry for the credentials).
- Every query is scoped to the keyset by a prefix on one varied field, so that other resources on a
  shared server do not matter; expectations are computed from the resources as the server returned
  them.
- The other text filters (`publicValue`, `uuid`, `serverAddress`, ...) get the text-modifier cases
  when their values are non-null on every resource in scope; read-on-create-only and `password`
  fields (`secretValue`: a server MAY ignore a filter on it) are left out.
- Reference fields (`accountId`, registryCredential's `registryId`) take eq/ne/null/notnull; hidden
  filters (`x-rancher-filters` columns with no field: `removeTime`, apiKey's `registryId`) must
  only answer a collection; `kind=<kind>` lists every resource, any other `kind` condition must
  only answer a collection.
- Sort fields: the first varied field, `id`, and every other plain text filter field whose values
  are non-null and distinct in scope; the numeric part of an id follows the prefix of the
  resource's `idPattern` (`1c12`, `1sp5`).

Latitudes (section 8) that shape the expectations: text matching may be case-insensitive (a case
whose outcome depends on it is left open; the keyset's words are lower-case and differ in more
than case), `prefix` is `LIKE 'v%'` (a value whose `_`/`%` would change the outcome is left open),
`ne`/`like`/`notlike` may or may not match null fields (only values are checked for those), the
order of nulls in a sort is not checked, and a text sort may follow a case-insensitive collation.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from rancher_contract.contract_tests.client import Api, unique_prefix
from rancher_contract.contract_tests.pool import KeyPool, Need, declare_each
from rancher_contract.contract_tests.resources import reference_target
from rancher_contract.contract_tests.rules import ContractViolation
from rancher_contract.contract_tests.spec import Spec
from rancher_contract.specmodel import Resource, filter_parameter_name

# (first varied field's word, second's, idle): the prefix goes before each word; None: null.
KEYS: list[tuple[str | None, str | None, bool]] = [
    ("apple", "red", False),
    ("banana", "green", False),
    ("apple", "blue", False),  # a tie with the first on the first field
    ("cherry", None, False),  # second field null
    (None, "nameless", False),  # first field null
    ("applepie", "yellow", False),
    ("idle", "idle", True),  # in `Spec.idle_state`
]
GONE = "gone"  # the word of the removed resource

TEXT_MODIFIERS = frozenset({"eq", "ne", "prefix", "like", "notlike", "null", "notnull"})
ORDERING_MODIFIERS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "null", "notnull"})
PAST, FUTURE = "2001-01-01T00:00:00Z", "2999-01-01T00:00:00Z"

Predicate = Callable[[dict[str, Any]], bool | None]
Case = tuple[str, str, Predicate]


def _text_filters(resource: Resource) -> list[str]:
    """The plain text filter fields a client can match on: a resource field of Rancher type
    `string` with every text modifier, not read on create only (a server MAY ignore a filter on
    such a field)."""
    found = []
    for declared in resource.filters:
        field = resource.field(declared.field)
        if (
            not declared.hidden
            and field is not None
            and field.rancher_type == "string"
            and not field.read_on_create_only
            and TEXT_MODIFIERS <= set(declared.modifiers)
        ):
            found.append(declared.field)
    return found


def _writable_text(resource: Resource) -> list[str]:
    """The text filter fields a create may set and leave null, in filter order."""
    found = []
    for name in _text_filters(resource):
        field = resource.field(name)
        if field is not None and field.create and field.nullable and not field.required:
            found.append(name)
    return found


def _varied(resource: Resource) -> tuple[str, str] | None:
    """The two text fields the keyset varies (`name`, `description`), or None."""
    fields = _writable_text(resource)
    return (fields[0], fields[1]) if len(fields) >= 2 else None


PREFIX = unique_prefix()


def _needs(spec: Spec) -> Mapping[str, Need]:
    resource = spec.resource
    varied = _varied(resource)
    if varied is None:
        return {}
    first, second = varied
    extra = [f for f in _writable_text(resource) if f not in varied]

    def body(words: tuple[str | None, str | None], index: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            first: None if words[0] is None else PREFIX + words[0],
            second: None if words[1] is None else PREFIX + words[1],
        }
        for name in extra:
            field = resource.field(name)
            value = f"{PREFIX}{name}-{words[0] or words[1]}-{index}"  # distinct, sharing words
            if field is not None and (field.max_length is None or len(value) <= field.max_length):
                values[name] = value
        return values

    needs = {
        f"collections:{index}": Need(
            spec.idle_state if idle else spec.create_done, body((one, two), index)
        )
        for index, (one, two, idle) in enumerate(KEYS)
    }
    needs["collections:gone"] = Need(spec.removal.done, body((GONE, GONE), len(KEYS)))
    return needs


declare_each(__name__, _needs)


@dataclass
class KeySet:
    prefix: str
    resource: Resource
    spec: Spec
    fields: tuple[str, str]  # the varied text fields
    keys: list[dict[str, Any]]  # as the server returned them, after waiting (in KEYS order)
    removed: dict[str, Any]  # a resource that was brought to the removal's done state

    @property
    def first(self) -> str:
        return self.fields[0]

    @property
    def second(self) -> str:
        return self.fields[1]

    def scope(self, field: str) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        """The query parameter scoping a query to the keyset by `field`, and the keys it sees."""
        return (
            [(f"{field}_prefix", self.prefix)],
            [k for k in self.keys if k[field] is not None],
        )

    def num(self, key_id: str) -> int:
        """The number of an id: the digits after the `idPattern`'s prefix (`1sp5` -> 5)."""
        prefix = self.resource.id_prefix or ""
        rest = key_id[len(prefix) :] if key_id.startswith(prefix) else key_id
        if rest.isdigit():
            return int(rest)
        match = re.search(r"[0-9]+$", key_id)
        return int(match.group()) if match else -1

    def shown(self, key: dict[str, Any]) -> str:
        return f"{key['id']} ({key[self.first]!r}, {key[self.second]!r})"


@pytest.fixture(scope="module")
def keyset(key_pool: KeyPool, resource: Resource, spec: Spec) -> KeySet:
    """The module's resources of `resource`, prepared by the key pool (all at once, with the other
    modules' resources)."""
    varied = _varied(resource)
    if varied is None:
        pytest.skip(
            f"{resource.type} has fewer than two writable, nullable text filters to vary "
            "(the keyset's scope and cases need two)"
        )
    keys = [key_pool.take(f"collections:{index}", resource.type) for index in range(len(KEYS))]
    gone = key_pool.take("collections:gone", resource.type)
    return KeySet(PREFIX, resource, spec, varied, [k.key for k in keys], gone.key)


def _ids(reply_body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in reply_body["data"]]


def query(
    api: Api, url: str, params: list[tuple[str, str]], rule_id: str = "5.filter"
) -> list[str]:
    """The ids of every page of a query (limit 1000), in order."""
    ids: list[str] = []
    for page in api.walk(url, [*params, ("limit", "1000")], rule_id=rule_id):
        ids += _ids(page.body)
    return ids


def expect_set(
    api: Api,
    ks: KeySet,
    rule_id: str,
    params: list[tuple[str, str]],
    universe: list[dict[str, Any]],
    predicate: Predicate,
) -> None:
    """Among `universe` (the keys in scope), exactly those where `predicate` is true are listed.

    A predicate answering None leaves that key open (section 8 latitude).
    """
    got = set(query(api, api.collection_of(ks.resource), params, rule_id))
    problems = []
    for key in universe:
        wanted = predicate(key)
        if wanted is True and key["id"] not in got:
            problems.append(f"{ks.shown(key)} missing")
        elif wanted is False and key["id"] in got:
            problems.append(f"{ks.shown(key)} listed")
    if problems:
        shown = "&".join(f"{k}={v}" for k, v in params)
        raise ContractViolation(rule_id, f"?{shown}: " + "; ".join(problems))


def _like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _match(modifier: str, pattern: str, value: str) -> bool | None:
    """eq/prefix/like of a value, or None when the outcome depends on case or on reading `prefix`
    as `LIKE 'v%'` rather than literally (section 8)."""
    outcomes = set()
    for p, v in ((pattern, value), (pattern.casefold(), value.casefold())):
        if modifier == "eq":
            outcomes.add(v == p)
        elif modifier == "prefix":
            outcomes |= {v.startswith(p), _like(p + "%", v)}
        else:
            outcomes.add(_like(p, v))
    return outcomes.pop() if len(outcomes) == 1 else None


def _text_predicate(field: str, modifier: str, pattern: str) -> Predicate:
    """Whether a text filter condition selects a key; None where the contract leaves it open (ne,
    like and notlike on a null value)."""

    def test(key: dict[str, Any]) -> bool | None:
        value = key[field]
        if modifier == "null":
            return value is None
        if modifier == "notnull":
            return value is not None
        if value is None:
            return False if modifier in {"eq", "prefix"} else None
        positive = {"ne": "eq", "notlike": "like"}.get(modifier, modifier)
        outcome = _match(positive, pattern, str(value))
        if outcome is None or positive == modifier:
            return outcome
        return not outcome

    return test


def _text_cases(field: str, ks: KeySet) -> list[Case]:
    """(parameter, value, predicate) for a varied field, whose values are prefix + a word."""
    p = ks.prefix
    sample = ks.keys[0][field]
    cases = [
        ("eq", sample),
        ("ne", sample),
        ("prefix", p + "a"),
        ("like", p + "%an%"),
        ("like", sample[:-1] + "_"),  # not a prefix match
        ("like", sample),
        ("notlike", p + "%e%"),
        ("null", ""),
        ("notnull", ""),
    ]
    return [(filter_parameter_name(field, m), v, _text_predicate(field, m, v)) for m, v in cases]


@pytest.mark.contract("5.filter")
@pytest.mark.parametrize("which", [0, 1], ids=["first-text-field", "second-text-field"])
def test_text_modifiers(api: Api, keyset: KeySet, which: int) -> None:
    """§5: eq ne prefix like notlike null notnull on the two varied text fields (`name`,
    `description`), each scoped by the other."""
    field = keyset.fields[which]
    scope, universe = keyset.scope(keyset.fields[1 - which])
    for param, value, predicate in _text_cases(field, keyset):
        expect_set(api, keyset, "5.filter", [*scope, (param, value)], universe, predicate)


def _shared_prefix(values: list[str]) -> int:
    """The length of the longest prefix every value has."""
    length = 0
    for chars in zip(*values, strict=False):
        if len(set(chars)) > 1:
            break
        length += 1
    return length


@pytest.mark.contract("5.filter")
def test_other_text_fields(api: Api, keyset: KeySet) -> None:
    """§5: the text modifiers on the other text filters with a value on every key (`publicValue`,
    `uuid`, `serverAddress`); kind=<the resource's kind> lists every key.

    §5/§8: Rancher replaces any `kind` condition with the resource's kind (apiKey and
    registryCredential are views of the credential table) and a server may honour it instead, so
    only kind=<kind> listing every key is certain; the other kind conditions must only answer a
    collection.
    """
    scope, keys = keyset.scope(keyset.first)
    one, other = keys[0], keys[1]
    fields = [
        f
        for f in _text_filters(keyset.resource)
        if f not in keyset.fields and f != "kind" and all(isinstance(k[f], str) for k in keys)
    ]
    for field in fields:
        value = str(other[field])
        # the shortest prefix of a value that not every key shares (some keys, or just the one)
        start = str(one[field])
        shared = _shared_prefix([str(k[field]) for k in keys])
        cases = [
            ("eq", value),
            ("ne", value),
            ("prefix", start[: shared + 1]),
            ("like", value[:-1] + "_"),  # not a prefix match
            ("notlike", value),
            ("null", ""),
            ("notnull", ""),
        ]
        for modifier, pattern in cases:
            param = filter_parameter_name(field, modifier)
            predicate = _text_predicate(field, modifier, pattern)
            expect_set(api, keyset, "5.filter", [*scope, (param, pattern)], keys, predicate)
    if "kind" not in keyset.spec.filters:
        return
    kind = keyset.resource.kind or keyset.resource.type
    expect_set(api, keyset, "5.filter", [*scope, ("kind", kind)], keys, lambda k: True)
    url = api.collection_of(keyset.resource)
    for param, value in (
        ("kind_ne", kind),
        ("kind", "foo"),
        ("kind_like", kind[:3] + "%"),
        ("kind_notlike", kind[:3] + "%"),
        ("kind_prefix", "zzz"),
        ("kind_null", ""),
    ):
        api.get(url, params=[*scope, (param, value)]).expect("5.filter", 200)


@pytest.mark.contract("5.filter")
def test_comparison_modifiers_on_id_and_created(api: Api, keyset: KeySet) -> None:
    """§5: eq ne lt lte gt gte null notnull on id (by its number) and created."""
    scope, keys = keyset.scope(keyset.first)
    filters = keyset.spec.filters
    if not ORDERING_MODIFIERS <= set(filters.get("id", ())):
        pytest.skip(f"{keyset.resource.type} has no id filter with the ordering modifiers")
    pivot = keys[2]
    n = keyset.num(pivot["id"])
    id_cases: list[tuple[str, Callable[[int], bool]]] = [
        ("id", lambda m: m == n),
        ("id_ne", lambda m: m != n),
        ("id_lt", lambda m: m < n),
        ("id_lte", lambda m: m <= n),
        ("id_gt", lambda m: m > n),
        ("id_gte", lambda m: m >= n),
    ]
    for param, test in id_cases:
        predicate = _by_number(keyset, test)
        expect_set(api, keyset, "5.filter", [*scope, (param, pivot["id"])], keys, predicate)
    expect_set(api, keyset, "5.filter", [*scope, ("id_null", "")], keys, lambda k: False)
    expect_set(api, keyset, "5.filter", [*scope, ("id_notnull", "")], keys, lambda k: True)

    if not ORDERING_MODIFIERS <= set(filters.get("created", ())):
        return
    # `created` has second precision on the wire but may be stored finer: only comparisons whose
    # outcome does not depend on the sub-second part are checked (strictly before the pivot's
    # second, or at/after it).
    t = pivot["created"]

    def before(k: dict[str, Any]) -> bool:
        return datetime.strptime(k["created"], "%Y-%m-%dT%H:%M:%SZ") < datetime.strptime(
            t, "%Y-%m-%dT%H:%M:%SZ"
        )

    created_cases: list[Case] = [
        ("created", PAST, lambda k: False),
        ("created_ne", PAST, lambda k: True),
        ("created_lt", t, before),
        ("created_gte", t, lambda k: not before(k)),
        ("created_lt", FUTURE, lambda k: True),
        ("created_lte", FUTURE, lambda k: True),
        ("created_lte", PAST, lambda k: False),
        ("created_gt", PAST, lambda k: True),
        ("created_gt", FUTURE, lambda k: False),
        ("created_null", "", lambda k: False),
        ("created_notnull", "", lambda k: True),
    ]
    for param, value, predicate in created_cases:
        expect_set(api, keyset, "5.filter", [*scope, (param, value)], keys, predicate)


def _by_number(ks: KeySet, test: Callable[[int], bool]) -> Predicate:
    return lambda k: test(ks.num(k["id"]))


def _reference_cases(field: str, keys: list[dict[str, Any]]) -> list[tuple[str, str, Predicate]]:
    """(modifier, value, predicate): eq ne null notnull on a reference field, from the keys'
    values (all the keyset's resources reference the same pool resource)."""
    cases: list[tuple[str, str, Predicate]] = [
        ("null", "", lambda k: k[field] is None),
        ("notnull", "", lambda k: k[field] is not None),
    ]
    value = keys[0][field]
    if value is not None:
        cases += [
            ("eq", str(value), lambda k: k[field] == value),
            ("ne", str(value), lambda k: None if k[field] is None else k[field] != value),
        ]
    return cases


@pytest.mark.contract("5.filter", "3.removed-hidden")
def test_reference_and_date_fields(api: Api, keyset: KeySet) -> None:
    """§5: state and the reference fields (`accountId`, `registryId`) eq ne null notnull; removed
    null/notnull (removed keys are hidden); the hidden filter columns answer a collection."""
    spec = keyset.spec
    scope, keys = keyset.scope(keyset.first)
    cases: list[Case] = []
    if "state" in spec.filters:
        idle, done = spec.idle_state, spec.create_done
        cases += [
            ("state", idle, lambda k: k["state"] == idle),
            ("state", done, lambda k: k["state"] == done),
            ("state_ne", done, lambda k: k["state"] != done),
            ("state_null", "", lambda k: False),
            ("state_notnull", "", lambda k: True),
        ]
    if "removed" in spec.filters:
        cases += [
            ("removed_null", "", lambda k: True),
            ("removed_notnull", "", lambda k: False),
        ]
    for declared in keyset.resource.filters:
        field = keyset.resource.field(declared.field)
        if declared.hidden or field is None or reference_target(field) is None:
            continue
        cases += [
            (filter_parameter_name(declared.field, modifier), value, predicate)
            for modifier, value, predicate in _reference_cases(declared.field, keys)
            if modifier in declared.modifiers
        ]
    for param, value, predicate in cases:
        expect_set(api, keyset, "5.filter", [*scope, (param, value)], keys, predicate)
    # Only the plain list: whether an explicit `removed_notnull` may show removed keys is not fixed
    # by the contract (Rancher's own filter on `removed` can), so it is left open.
    url = api.collection_of(keyset.resource)
    listed = query(api, url, scope)
    if keyset.removed["id"] in listed:
        raise ContractViolation(
            "3.removed-hidden",
            f"the removed {keyset.resource.type} {keyset.removed['id']} is listed",
        )
    # the hidden columns take their modifiers and answer a collection (a server MAY ignore them)
    for declared in keyset.resource.filters:
        if not declared.hidden:
            continue
        dated = declared.type == "date"
        for modifier in ("null", "notnull", "lt" if "lt" in declared.modifiers else "ne"):
            if modifier not in declared.modifiers:
                continue
            value = "2000-01-01T00:00:00Z" if dated else "1"
            param = filter_parameter_name(declared.field, modifier)
            api.get(url, params=[*scope, (param, value)]).expect("5.filter", 200)


@pytest.mark.contract("5.filter-and")
def test_filters_are_and_ed(api: Api, keyset: KeySet) -> None:
    """§5: filters on different fields and repeated filters are AND-ed."""
    p, a, b = keyset.prefix, keyset.first, keyset.second
    scope, keys = keyset.scope(a)
    apple, banana, blue = (p + str(word) for word in (KEYS[0][0], KEYS[1][0], KEYS[2][1]))
    expect_set(
        api,
        keyset,
        "5.filter-and",
        [*scope, (a, apple), (b, blue)],
        keys,
        lambda k: k[a] == apple and k[b] == blue,
    )
    expect_set(
        api,
        keyset,
        "5.filter-and",
        [*scope, (f"{a}_like", p + "%a%"), (f"{a}_like", p + "%e%")],
        keys,
        lambda k: "a" in k[a][len(p) :] and "e" in k[a][len(p) :],
    )
    expect_set(
        api,
        keyset,
        "5.filter-and",
        [*scope, (f"{a}_ne", apple), (f"{a}_ne", banana)],
        keys,
        lambda k: k[a] not in {apple, banana},
    )
    if "state" in keyset.spec.filters:
        # the only key whose word starts with "i" is the idle one
        expect_set(
            api,
            keyset,
            "5.filter-and",
            [*scope, ("state", keyset.spec.create_done), (f"{a}_prefix", p + "i")],
            keys,
            lambda k: False,
        )


# A modifier a filter may lack, and a value that would list none of the keyset if it were applied.
_UNSUPPORTED = (("prefix", "zz9"), ("lt", "0"), ("like", "zz%"))


@pytest.mark.contract("5.filter-ignored", "5.envelope")
def test_unknown_filters_and_modifiers_are_ignored(api: Api, keyset: KeySet) -> None:
    """§5: unknown parameters and unsupported modifiers are ignored; `filters` shows the applied
    ones.
    """
    p, a = keyset.prefix, keyset.first
    url = api.collection_of(keyset.resource)
    base, _keys = keyset.scope(a)
    expected = query(api, url, base, "5.filter-ignored")
    extras = [("foo", "bar"), (f"{a}_bogus", "x")]
    for declared in keyset.resource.filters:
        if declared.hidden:
            continue
        for modifier, value in _UNSUPPORTED:
            if modifier not in declared.modifiers:
                extras.append((f"{declared.field}_{modifier}", value))
                break
    for extra in extras:
        got = query(api, url, [*base, extra], "5.filter-ignored")
        if got != expected:
            raise ContractViolation(
                "5.filter-ignored", f"adding {extra[0]}={extra[1]} changed the result"
            )
    body = api.get(url, params=base).expect("5.envelope", 200).body
    conditions = body["filters"].get(a)
    if not conditions or {"modifier": "prefix", "value": p} not in [
        {"modifier": c.get("modifier"), "value": c.get("value")} for c in conditions
    ]:
        raise ContractViolation("5.envelope", f"filters.{a} is {conditions!r} for {a}_prefix={p}")


def _before(a: Any, b: Any) -> bool | None:
    """Whether `a` sorts strictly before `b`; None when a case-insensitive collation and a
    case-sensitive one disagree (section 8), or the two tie for one of them only."""
    if not (isinstance(a, str) and isinstance(b, str)):
        return bool(a < b)
    if a != b and a.casefold() == b.casefold():
        return None
    outcomes = {a < b, a.casefold() < b.casefold()}
    return outcomes.pop() if len(outcomes) == 1 else None


def _check_order(
    ks: KeySet, ids: list[str], keys: dict[str, dict[str, Any]], field: str, desc: bool
) -> str | None:
    def value(key_id: str) -> Any:
        return ks.num(key_id) if field == "id" else keys[key_id][field]

    values = [(value(i), ks.num(i), i) for i in ids if i in keys and value(i) is not None]
    for (a, na, ida), (b, nb, idb) in itertools.pairwise(values):
        wrong = _before(a, b) if desc else _before(b, a)
        if wrong:
            return f"{field} {a!r} ({ida}) comes before {b!r} ({idb})"
        if a == b and not desc and na > nb:
            return f"the tie on {field} {a!r} is not broken by id ascending ({ida} before {idb})"
    return None


def _sort_fields(ks: KeySet, keys: list[dict[str, Any]]) -> list[str]:
    """The first varied field, id, and every other plain text filter whose values are non-null and
    distinct on `keys`."""
    fields = [ks.first, "id"]
    for name in _text_filters(ks.resource):
        values = [k[name] for k in keys]
        if name not in fields and None not in values and len(set(values)) == len(values):
            fields.append(name)
    return fields


@pytest.mark.contract("5.sort")
def test_sort(api: Api, keyset: KeySet) -> None:
    """§5: sort asc/desc by a field with id as tie-breaker; default id ascending; the sort object
    and reverse.
    """
    url = api.collection_of(keyset.resource)
    scope, in_scope = keyset.scope(keyset.second)
    keys = {k["id"]: k for k in keyset.keys}
    wanted = {k["id"] for k in in_scope}
    for field in _sort_fields(keyset, in_scope):
        for order in ("asc", "desc"):
            body = (
                api.get(url, params=[*scope, ("sort", field), ("order", order)])
                .expect("5.sort", 200)
                .body
            )
            ids = _ids(body)
            if set(ids) & set(keys) != wanted:
                raise ContractViolation("5.sort", f"sort={field}&order={order} lost keys: {ids}")
            problem = _check_order(keyset, ids, keys, field, order == "desc")
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
        body = api.get(url, params=[*scope, *params]).expect("5.sort", 200).body
        ids = [i for i in _ids(body) if i in keys]
        if ids != sorted(ids, key=keyset.num):
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
    scope, keys = keyset.scope(keyset.first)
    expected = sorted((k["id"] for k in keys), key=keyset.num, reverse=order == "desc")
    seen: list[str] = []
    params = [*scope, ("sort", "id"), ("order", order), ("limit", "2")]
    pages = list(api.walk(api.collection_of(keyset.resource), params))
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
    limits = keyset.resource.limits
    if limits is None:
        pytest.skip(f"{keyset.resource.type} declares no limits (x-rancher-max)")
    default, maximum = limits.default, limits.maximum
    url = api.collection_of(keyset.resource)
    scope, _keys = keyset.scope(keyset.first)
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
        body = api.get(url, params=params).expect("5.limit", 200).body
        if body["pagination"]["limit"] != expected:
            raise ContractViolation(
                "5.limit",
                f"limit={value} answers pagination.limit "
                f"{body['pagination']['limit']!r}, expected {expected}",
            )
    body = api.get(url, params=[*scope, ("limit", "1")]).expect("5.limit", 200).body
    if (
        len(body["data"]) != 1
        or body["pagination"]["next"] is None
        or body["pagination"]["partial"] is not True
    ):
        raise ContractViolation(
            "5.limit", "limit=1 over several keys did not give one key, a next link and partial"
        )
