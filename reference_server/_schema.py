"""The SQLite schema, built from the table layouts (`_layout`): a table per base type, a settings
table, the indexes the collection queries use, and a view per resource kind."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from rancher_contract.reference_server._layout import TableLayout, snake

__all__ = ["SCHEMA_VERSION", "create_schema"]

# 2: one table per base type (`credential`, `storage_pool`), rows told apart by `kind`.
SCHEMA_VERSION = 2

# `n` is the number in the id (`1c<n>`). AUTOINCREMENT: an id is never reused, even after rows are
# deleted, and every kind of the table draws from the one sequence.
# `pending_state`/`transition_due`: the done state of the running transition and when it completes
# (epoch seconds); the backend completes due transitions lazily, on the next read, write or
# authentication.
_FIXED = """
    n               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    state           TEXT NOT NULL,
    pending_state   TEXT,
    transition_due  REAL,
    uuid            TEXT NOT NULL UNIQUE,
    created         TEXT NOT NULL,
    created_ts      INTEGER NOT NULL,
    removed         TEXT,
    removed_ts      INTEGER"""

_SETTINGS = """
CREATE TABLE IF NOT EXISTS setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
)"""

# Lists only ever show rows with `removed IS NULL` of one kind, so the list indexes are partial and
# start with `kind`: a removed row leaves them at once. Each ends with `n` so that
# "ORDER BY field, n" (id is the tie-breaker) and a range or equality on the field are served by
# one index walk, with LIMIT stopping it early (no temporary B-tree). The busiest list pages also
# filter on the state: (kind, state, field, n) for the name and the creation time.
_STATE_PAIRS = ("name", "created_ts")


def _table_sql(table: TableLayout, time_columns: set[str]) -> str:
    columns = [_FIXED]
    for column in table.text_columns:
        columns.append(f"    {column} {'INTEGER' if column in time_columns else 'TEXT'}")
    for column in table.hash_columns:
        columns.append(f"    {column}_salt BLOB")
        columns.append(f"    {column}_hash BLOB")
    return f"CREATE TABLE IF NOT EXISTS {table.name} (" + ",\n".join(columns) + "\n)"


def create_schema(conn: sqlite3.Connection, tables: Sequence[TableLayout]) -> None:
    """Create what is missing (idempotent), inside the caller's transaction."""
    conn.execute(_SETTINGS)
    for table in tables:
        time_columns = {
            c.sql
            for member in table.resources
            for c in member.filters.values()
            if c.kind == "time" and c.sql
        }
        conn.execute(_table_sql(table, time_columns))
        name = table.name
        for column in table.index_columns:
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS ix_{name}_visible_{column} "
                f"ON {name} (kind, {column}, n) WHERE removed IS NULL"
            )
        if "state" in table.index_columns:
            for column in _STATE_PAIRS:
                if column in table.index_columns:
                    conn.execute(
                        f"CREATE INDEX IF NOT EXISTS ix_{name}_visible_state_{column} "
                        f"ON {name} (kind, state, {column}, n) WHERE removed IS NULL"
                    )
        # Due transitions are found through this one (tiny: only rows in a transition are in it).
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS ix_{name}_pending ON {name} (transition_due) "
            "WHERE pending_state IS NOT NULL"
        )
        for member in table.resources:
            kind = member.kind_sql
            for field in member.resource.fields:
                unique = field.unique
                if unique is None or unique.per or unique.ignore_case or unique.among != "all":
                    continue  # scoped or case-insensitive: checked in the write transaction
                column = snake(field.name)
                # one per kind: another kind may repeat the value (registry credentials' user
                # names are not unique); an access key is found through it
                conn.execute(
                    f"CREATE UNIQUE INDEX IF NOT EXISTS ux_{name}_{snake(member.kind)}_{column} "
                    f"ON {name} ({column}) WHERE kind = {kind}"
                )
    _migrate_from_1(conn, tables)
    for table in tables:
        for member in table.resources:
            view = snake(member.resource.type)
            if view != table.name:
                # for people reading the database: the rows of one kind (`api_key`)
                conn.execute(
                    f"CREATE VIEW IF NOT EXISTS {view} AS SELECT * FROM {table.name} "
                    f"WHERE kind = {member.kind_sql}"
                )
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _migrate_from_1(conn: sqlite3.Connection, tables: Sequence[TableLayout]) -> None:
    """Schema 1 had one table, `api_key`, with the secret's hash in `secret_salt`/`secret_hash`:
    its rows move into the table of their base type (ids kept), and the old table goes."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != 1:
        return
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_key'"
    ).fetchone()
    target = next(
        (
            (table, member)
            for table in tables
            for member in table.resources
            if snake(member.resource.type) == "api_key" and table.name != "api_key"
        ),
        None,
    )
    if found is None or target is None:
        return
    table, member = target
    new = {row[1] for row in conn.execute(f"PRAGMA table_info({table.name})")}
    moved: dict[str, str] = {}
    for row in conn.execute("PRAGMA table_info(api_key)").fetchall():
        column = str(row[1])
        if column in new:
            moved[column] = column
        elif column in ("secret_salt", "secret_hash") and member.hashed:
            renamed = f"{member.hashed[0][1]}_{column.split('_')[1]}"
            if renamed in new:
                moved[renamed] = column
    # OR IGNORE: a row the new table already has (a database opened by both versions) wins
    conn.execute(
        f"INSERT OR IGNORE INTO {table.name} ({', '.join(moved)}) "
        f"SELECT {', '.join(moved.values())} FROM api_key"
    )
    conn.execute("DROP TABLE api_key")
