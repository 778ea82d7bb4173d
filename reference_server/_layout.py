"""How the spec model's resources are stored: one SQLite table per base type, one row per resource.

Everything here is read from the spec model (`rancher_contract.specmodel`):

- resources sharing a `baseType` share a table and its id sequence (`apiKey` and
  `registryCredential` are both rows of `credential`, their `1c<n>` ids interleave); the row's
  `kind` tells them apart, and every query of a resource is restricted to its kind;
- the id is `<prefix><n>` with the prefix read from `idPattern` and `n` the table's rowid;
- the fields Rancher computes for every resource (`id`, `kind`, `state`, `transitioning*`, `uuid`,
  `created*`, `removed*`) are fixed columns; every other field is a column of its own (snake case),
  or, for a field stored as a salted hash, a `<column>_salt`/`<column>_hash` pair;
- filters on columns that are no field (`hidden` in `x-rancher-filters`) get a column too (null).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rancher_contract.reference_server._query import Column
from rancher_contract.specmodel import (
    STORE_SALTED_HASH,
    Field,
    Lifecycle,
    Resource,
    SpecModel,
    load_model,
)

__all__ = [
    "COMPUTED_FIELDS",
    "COMPUTED_ORDER",
    "ResourceLayout",
    "TableLayout",
    "default_model",
    "layouts",
    "snake",
]

# What the backend computes for every Rancher resource (never a column of its own), in the order
# of the tuple `backend._record` builds.
COMPUTED_ORDER = (
    "id",
    "kind",
    "state",
    "transitioning",
    "transitioningMessage",
    "transitioningProgress",
    "uuid",
    "created",
    "createdTS",
    "removed",
    "removedTS",
)
COMPUTED_FIELDS = frozenset(COMPUTED_ORDER)
# The columns every table has (`n` is the number in the id).
FIXED_COLUMNS = (
    "n",
    "kind",
    "state",
    "pending_state",
    "transition_due",
    "uuid",
    "created",
    "created_ts",
    "removed",
    "removed_ts",
)
_COMPUTED_FILTERS = {
    "created": Column("created_ts", "time"),
    "removed": Column("removed_ts", "time"),
    "kind": Column("kind", "text"),
    "state": Column("state", "text"),
    "uuid": Column("uuid", "text"),
}


@lru_cache(maxsize=1)
def default_model() -> SpecModel:
    """The shipped spec set, read once."""
    return load_model()


def snake(name: str) -> str:
    """`publicValue` -> `public_value`, `storagePool` -> `storage_pool`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def quote(text: str) -> str:
    """A SQL string literal (kinds are inlined so that partial indexes on them apply)."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ResourceLayout:
    """Where one resource's rows live and how its fields map to columns."""

    resource: Resource
    lifecycle: Lifecycle
    table: str
    kind: str
    id_prefix: str
    stored: tuple[tuple[str, str], ...]  # (wire field, column): kept as written or generated
    hashed: tuple[tuple[str, str], ...]  # (wire field, column): only a salted hash is kept
    absent: tuple[str, ...]  # read-only fields nothing writes: always null
    read_on_create_only: tuple[str, ...]  # stored fields shown only in the create response
    generated: bool  # some value is drawn by the server (drawn again on a collision)
    filters: Mapping[str, Column]
    max_limit: int
    hide_removed: bool  # lists show only rows without a `removed` date

    @property
    def select_columns(self) -> tuple[str, ...]:
        return FIXED_COLUMNS + tuple(column for _, column in self.stored)

    @property
    def kind_sql(self) -> str:
        return quote(self.kind)

    def format_id(self, n: int) -> str:
        return f"{self.id_prefix}{n}"

    def parse_id(self, id: str) -> int | None:
        """The number in a canonical `<prefix><n>` id, or None (then nothing has this id)."""
        if not id.startswith(self.id_prefix):
            return None
        digits = id[len(self.id_prefix) :]
        if (
            not digits.isascii()
            or not digits.isdigit()
            or digits.startswith("0")
            or len(digits) > 19
        ):
            return None
        number = int(digits)
        return number if number < 2**63 else None

    def field(self, name: str) -> Field:
        found = self.resource.field(name)
        assert found is not None, name
        return found


@dataclass(frozen=True)
class TableLayout:
    """One table: the resources stored in it and the columns they need."""

    name: str
    resources: tuple[ResourceLayout, ...]
    text_columns: tuple[str, ...]  # beyond FIXED_COLUMNS
    hash_columns: tuple[str, ...]  # each gives <column>_salt and <column>_hash
    index_columns: tuple[str, ...]  # filterable columns the list indexes serve


def _resource_layout(resource: Resource, table: str) -> ResourceLayout | None:
    lifecycle = resource.lifecycle
    prefix = resource.id_prefix
    if lifecycle is None or prefix is None:
        return None
    stored: list[tuple[str, str]] = []
    hashed: list[tuple[str, str]] = []
    absent: list[str] = []
    for field in resource.fields:
        if field.name in COMPUTED_FIELDS or not field.is_rancher_field:
            continue
        pair = (field.name, snake(field.name))
        if field.store == STORE_SALTED_HASH:
            hashed.append(pair)
        elif field.rancher_type is not None and field.rancher_type.startswith("array"):
            absent.append(field.name)
        else:
            stored.append(pair)
    filters: dict[str, Column] = {}
    stored_columns = dict(stored)
    for spec in resource.filters:
        if spec.field == "id":
            filters["id"] = Column("n", "id", prefix)
        elif spec.field in _COMPUTED_FILTERS:
            filters[spec.field] = _COMPUTED_FILTERS[spec.field]
        elif spec.field in stored_columns:
            filters[spec.field] = Column(stored_columns[spec.field], "text")
        elif spec.hidden:
            hidden = Column(snake(spec.field), "time" if spec.type == "date" else "text")
            filters[spec.field] = hidden
        else:  # a hashed or never-stored field: filters as a null column
            filters[spec.field] = Column(None, "text")
    return ResourceLayout(
        resource=resource,
        lifecycle=lifecycle,
        table=table,
        kind=resource.kind or resource.type,
        id_prefix=prefix,
        stored=tuple(stored),
        hashed=tuple(hashed),
        absent=tuple(absent),
        read_on_create_only=tuple(
            wire
            for wire, _ in stored
            if resource.field(wire) is not None
            and getattr(resource.field(wire), "read_on_create_only", False)
        ),
        generated=any(f.generate is not None for f in resource.fields),
        filters=filters,
        max_limit=resource.limits.maximum if resource.limits else 1000,
        hide_removed=lifecycle.hidden_from_list_when == "removedSet",
    )


def layouts(model: SpecModel) -> tuple[TableLayout, ...]:
    """Every table the model needs, with the resources it stores (the model's order)."""
    by_table: dict[str, list[ResourceLayout]] = {}
    for resource in model.resources:
        table = snake(resource.base_type)
        layout = _resource_layout(resource, table)
        if layout is not None:
            by_table.setdefault(table, []).append(layout)
    tables = []
    for name, members in by_table.items():
        text = dict.fromkeys(
            [column for m in members for _, column in m.stored]
            + [
                c.sql
                for m in members
                for c in m.filters.values()
                if c.sql is not None and c.sql not in FIXED_COLUMNS
            ]
        )
        hashes = dict.fromkeys(column for m in members for _, column in m.hashed)
        # a list index for each filterable column something writes (a column that is always
        # null, such as a hidden filter's, needs none)
        written = {"created_ts", "state", "uuid"} | {
            column
            for m in members
            for wire, column in m.stored
            if (f := m.field(wire)).create or f.update or f.generate is not None
        }
        indexed = dict.fromkeys(
            c.sql for m in members for c in m.filters.values() if c.sql in written
        )
        tables.append(TableLayout(name, tuple(members), tuple(text), tuple(hashes), tuple(indexed)))
    return tuple(tables)
