"""How the generic backend stores the spec's resources: one table per base type, a view per kind,
and a database of schema 1 (one `api_key` table) carried over."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from rancher_contract.generated.server import ApiKeyCreateInput
from rancher_contract.reference_server._secrets import hash_secret
from rancher_contract.reference_server.backend import SqliteBackend

_SCHEMA_1 = """
CREATE TABLE api_key (
    n INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, description TEXT, account_id TEXT,
    kind TEXT NOT NULL, public_value TEXT NOT NULL UNIQUE, secret_salt BLOB NOT NULL,
    secret_hash BLOB NOT NULL, state TEXT NOT NULL, pending_state TEXT, transition_due REAL,
    uuid TEXT NOT NULL UNIQUE, created TEXT NOT NULL, created_ts INTEGER NOT NULL, removed TEXT,
    removed_ts INTEGER, registry_id TEXT, remove_time INTEGER
);
CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
PRAGMA user_version = 1;
"""


def test_tables_per_base_type_and_views_per_kind(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    SqliteBackend(str(path)).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        objects = dict(conn.execute("SELECT name, type FROM sqlite_master").fetchall())
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    assert objects["credential"] == objects["storage_pool"] == "table"
    assert objects["api_key"] == objects["registry_credential"] == objects["registry"] == "view"
    assert objects["ux_credential_api_key_public_value"] == "index"


def test_a_schema_1_database_is_carried_over(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    salt, digest = hash_secret("s" * 40)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(_SCHEMA_1)
        conn.execute(
            "INSERT INTO api_key (n, name, kind, public_value, secret_salt, secret_hash, state, "
            "uuid, created, created_ts) VALUES (7, 'kept', 'apiKey', 'AAAABBBBCCCCDDDDEEEE', ?, ?, "
            "'active', 'u-1', '2017-01-20T10:00:00Z', 1484906400000)",
            (salt, digest),
        )
        conn.commit()
    backend = SqliteBackend(str(path))
    try:
        kept = backend.get_api_key("1c7")
        assert kept is not None and kept.name == "kept" and kept.state == "active"
        assert backend.authenticate("AAAABBBBCCCCDDDDEEEE", "s" * 40)
        created = backend.create_api_key(ApiKeyCreateInput(fields_set=frozenset()))
        assert created.id == "1c8"  # the sequence goes on
    finally:
        backend.close()


def test_a_database_both_versions_opened_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "mixed.sqlite3"
    backend = SqliteBackend(str(path))
    first = backend.create_api_key(ApiKeyCreateInput(name="new", fields_set=frozenset({"name"})))
    backend.close()
    salt, digest = hash_secret("s" * 40)
    with contextlib.closing(sqlite3.connect(path)) as conn:  # an older version opened it too
        conn.execute("DROP VIEW api_key")
        conn.executescript(_SCHEMA_1.replace("CREATE TABLE setting", "CREATE TABLE old_setting"))
        conn.execute(
            "INSERT INTO api_key (n, name, kind, public_value, secret_salt, secret_hash, state, "
            "uuid, created, created_ts) VALUES (1, 'old', 'apiKey', 'AAAABBBBCCCCDDDDEEEE', ?, ?, "
            "'active', 'u-1', '2017-01-20T10:00:00Z', 1484906400000)",
            (salt, digest),
        )
        conn.commit()
    backend = SqliteBackend(str(path))
    try:
        kept = backend.get_api_key(first.id)
        assert kept is not None and kept.name == "new"  # the row of the new table wins
    finally:
        backend.close()
