"""Collection queries (filters, sort, pagination) as SQL that the indexes of `_schema` serve.

Semantics (contract section 5): filters are AND-ed; `ne`, `like` and `notlike` never match NULL
(plain SQL); `null`/`notnull` ignore the value; `prefix` is `LIKE 'v%'`, written as a range
condition so that an index serves it; `id` filters and sorting compare the number in the id; dates
compare as instants. A value that cannot be a stored value (an id that is not `<prefix><n>`, a
date that does not parse, text SQLite cannot store) matches nothing, and its negation matches
every non-null value, as it would in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["MAX_OFFSET", "Column", "compile_list_query", "parse_time_ms"]

MAX_OFFSET = 2**62
_MAX_INT = 2**63 - 1
# SQLite refuses LIKE patterns longer than SQLITE_MAX_LIKE_PATTERN_LENGTH (50,000 bytes by default).
_MAX_LIKE_BYTES = 50_000
_DIGITS_RE = re.compile(r"[0-9]+")

Kind = Literal["id", "time", "text"]


@dataclass(frozen=True)
class Column:
    """How a filterable wire field is stored: its SQL column (None: always null) and kind; an id
    column also has the letters its values start with (`1c`)."""

    sql: str | None
    kind: Kind
    id_prefix: str = ""


_COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def parse_time_ms(value: str) -> int | None:
    """An ISO-8601 date (naive: UTC) or epoch milliseconds, as epoch ms; None if neither."""
    text = value.strip()
    if _DIGITS_RE.fullmatch(text):
        return _clamped_int(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return int(parsed.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_id(value: str, prefix: str) -> int | None:
    text = value.strip()
    if text[: len(prefix)].lower() == prefix.lower():
        text = text[len(prefix) :]
    match = _DIGITS_RE.fullmatch(text)
    # Larger than any rowid: clamping keeps lt/lte/gt/gte/eq/ne right without overflowing the
    # binding.
    return _clamped_int(match.group(0)) if match else None


def _clamped_int(digits: str) -> int:
    """At most 2**63-1; never int() on thousands of digits (Python refuses over 4,300)."""
    stripped = digits.lstrip("0") or "0"
    return _MAX_INT if len(stripped) > 19 else min(int(stripped), _MAX_INT)


def _storable(value: str) -> str | None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def _successor(prefix: str) -> str | None:
    """The smallest string above every string starting with `prefix` (None: there is none)."""
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


@dataclass
class _Builder:
    where: list[str]
    params: list[object]

    def never(self) -> None:
        self.where.append("0")

    def add(self, sql: str, *params: object) -> None:
        self.where.append(sql)
        self.params.extend(params)


def _add_filter(builder: _Builder, column: Column, modifier: str, raw: str) -> None:
    if modifier in ("null", "notnull"):
        if column.sql is None:
            if modifier == "notnull":
                builder.never()
            return
        builder.add(f"{column.sql} IS {'NOT ' if modifier == 'notnull' else ''}NULL")
        return
    if column.sql is None:  # every other modifier is false on NULL
        builder.never()
        return
    col = column.sql
    value: object | None
    if column.kind == "id":
        value = _parse_id(raw, column.id_prefix)
    elif column.kind == "time":
        value = parse_time_ms(raw)
    else:
        value = _storable(raw)
    if value is None:
        # Nothing stored can equal (or be ordered against, or match) this value.
        if modifier in ("ne", "notlike"):
            builder.add(f"{col} IS NOT NULL")
        elif modifier in _COMPARISONS or modifier in ("prefix", "like"):
            builder.never()
        return
    if modifier in _COMPARISONS:
        builder.add(f"{col} {_COMPARISONS[modifier]} ?", value)
    elif column.kind != "text":
        return  # an unsupported modifier for this field: ignored (the stubs already drop these)
    elif modifier == "prefix":
        assert isinstance(value, str)
        _add_prefix(builder, col, value)
    elif modifier in ("like", "notlike"):
        assert isinstance(value, str)
        if len(value.encode("utf-8")) > _MAX_LIKE_BYTES:
            builder.add(f"{col} IS NOT NULL" if modifier == "notlike" else "0")
        else:
            builder.add(f"{col} {'NOT ' if modifier == 'notlike' else ''}LIKE ?", value)


def _add_prefix(builder: _Builder, col: str, value: str) -> None:
    """`col LIKE 'value%'`: a range on the literal part (indexable), LIKE only for wildcards."""
    cut = min((i for i in (value.find("%"), value.find("_")) if i >= 0), default=len(value))
    literal = value[:cut]
    if not literal:
        builder.add(f"{col} IS NOT NULL")
    else:
        upper = _successor(literal)
        if upper is None:
            builder.add(f"{col} >= ?", literal)
        else:
            builder.add(f"{col} >= ? AND {col} < ?", literal, upper)
    if cut < len(value):
        pattern = value + "%"
        if len(pattern.encode("utf-8")) <= _MAX_LIKE_BYTES:
            builder.add(f"{col} LIKE ?", pattern)
        else:
            builder.never()


def _conjunction(conditions: Sequence[str]) -> str:
    """`a AND b AND ...` as a balanced tree: depth log2(n), not n.

    SQLite parses a flat chain of ANDs into a tree as deep as the chain is long and refuses trees
    deeper than 1,000 ("Expression tree is too large"); a client may repeat a filter that often.
    """
    if len(conditions) == 1:
        return f"({conditions[0]})"
    middle = len(conditions) // 2
    return f"({_conjunction(conditions[:middle])} AND {_conjunction(conditions[middle:])})"


def compile_list_query(
    table: str,
    columns_sql: str,
    conditions: Sequence[str],
    fields: Mapping[str, Column],
    filters: Sequence[tuple[str, str, str]],
    sort: str | None,
    order: str,
    limit: int,
    offset: int,
    max_limit: int,
) -> tuple[str, list[object], int]:
    """SELECT for a page of `table` rows meeting `conditions` (SQL the caller wrote: the kind, the
    hidden removed rows) and the `filters`; fetches limit+1 rows to tell whether more exist.

    Returns (sql, params, limit).
    """
    builder = _Builder(where=list(conditions), params=[])
    for field, modifier, value in dict.fromkeys(filters):  # a repeated condition changes nothing
        column = fields.get(field)
        if column is not None:
            _add_filter(builder, column, modifier, value)
    direction = "DESC" if order == "desc" else "ASC"
    sort_column = fields[sort].sql if sort is not None and sort in fields else None
    order_by = [f"{sort_column} {direction}"] if sort_column and sort_column != "n" else []
    order_by.append(f"n {direction}")  # id (its number) is the default order and the tie-breaker
    limit = max_limit if limit <= 0 else min(limit, max_limit)
    offset = min(max(offset, 0), MAX_OFFSET)
    where = _conjunction(builder.where) if builder.where else "1"
    sql = (
        f"SELECT {columns_sql} FROM {table} WHERE {where} "
        f"ORDER BY {', '.join(order_by)} LIMIT ? OFFSET ?"
    )
    return sql, [*builder.params, limit + 1, offset], limit
