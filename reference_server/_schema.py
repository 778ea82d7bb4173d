"""The SQLite schema: a row per key, a settings table, the indexes the collection queries use."""

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA_VERSION", "create_schema"]

SCHEMA_VERSION = 1

# `n` is the number in the id (`1c<n>`). AUTOINCREMENT: an id is never reused, even after rows are
# deleted.
# `pending_state`/`transition_due`: the done state of the running transition and when it completes
# (epoch
# seconds); the backend completes due transitions lazily, on the next read, write or authentication.
# `registry_id` and `remove_time` exist because Rancher filters on them; here they are always null.
_TABLES = """
CREATE TABLE IF NOT EXISTS api_key (
    n               INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT,
    description     TEXT,
    account_id      TEXT,
    kind            TEXT NOT NULL,
    public_value    TEXT NOT NULL UNIQUE,
    secret_salt     BLOB NOT NULL,
    secret_hash     BLOB NOT NULL,
    state           TEXT NOT NULL,
    pending_state   TEXT,
    transition_due  REAL,
    uuid            TEXT NOT NULL UNIQUE,
    created         TEXT NOT NULL,
    created_ts      INTEGER NOT NULL,
    removed         TEXT,
    removed_ts      INTEGER,
    registry_id     TEXT,
    remove_time     INTEGER
);
CREATE TABLE IF NOT EXISTS setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# Lists only ever show rows with `removed IS NULL`, so the list indexes are partial: a removed key
# leaves them
# at once. Each ends with `n` so that "ORDER BY field, n" (id is the tie-breaker) and a range or
# equality on
# the field are served by one index walk, with LIMIT stopping it early (no temporary B-tree).
_INDEXES = {
    "ix_api_key_visible_name": "(name, n)",
    "ix_api_key_visible_description": "(description, n)",
    "ix_api_key_visible_public_value": "(public_value, n)",
    "ix_api_key_visible_uuid": "(uuid, n)",
    "ix_api_key_visible_created": "(created_ts, n)",
    "ix_api_key_visible_state": "(state, n)",
    "ix_api_key_visible_state_name": "(state, name, n)",
    "ix_api_key_visible_state_created": "(state, created_ts, n)",
}


def create_schema(conn: sqlite3.Connection) -> None:
    """Create what is missing (idempotent), inside the caller's transaction."""
    for statement in _TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)
    for name, columns in _INDEXES.items():
        conn.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON api_key {columns} WHERE removed IS NULL"
        )
    # Due transitions are found through this one (tiny: only keys in a transition are in it).
    conn.execute(
        "CREATE INDEX IF NOT EXISTS ix_api_key_pending ON api_key (transition_due) "
        "WHERE pending_state IS NOT NULL"
    )
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
