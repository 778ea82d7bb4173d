"""`SqliteApiKeyBackend`: the generated `ApiKeyBackend` protocol and `Authenticator` on SQLite.

Storage: the standard library's `sqlite3`, a file in WAL mode or `:memory:`.

- Durability: `synchronous=FULL`. In WAL mode, NORMAL already survives a crash of the process
  (`kill -9`): a commit is in the OS once it returns; FULL also fsyncs the WAL on every commit, so
  an acknowledged write survives a power loss too. Writes to API keys are rare next to reads, so the
  fsync is cheap where it counts.
- Concurrency: a bounded pool of connections owned by the backend (`pool_size`, default 8): each
  call checks one out and gives it back, so the number of open connections (and their page caches)
  never depends on how many worker threads the server has started and retired; `close()` closes
  them all. WAL: readers never wait for the writer. Writes run in `BEGIN IMMEDIATE` transactions
  behind an in-process lock; a write that cannot get the lock (or any call that cannot get a
  connection) within `lock_timeout` seconds answers 409 Conflict. Every lifecycle check runs in the
  same transaction as the change it guards.
- Files: a database file the backend creates is mode 0600 (SQLite gives its -wal and -shm files the
  mode of the database); an existing file keeps its mode.
- Transitions: lazy. A transition stores its done state and when it is due; the next read, write or
  authentication after that completes it. No background thread, and a delay of 0 still shows the
  transitioning state in the response of the request that started it.
- Secrets: only a salted SHA-256 is stored; authentication compares in constant time.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rancher_contract.generated.server import (
    ActionNotAvailableError,
    ApiKeyAction,
    ApiKeyCreateInput,
    ApiKeyRecord,
    ApiKeyUpdateInput,
    CollectionQuery,
    ConflictError,
    InvalidActionError,
    MethodNotAllowedError,
    NotFoundError,
    Page,
    ValidationError,
)
from rancher_contract.reference_server import _lifecycle
from rancher_contract.reference_server._query import compile_list_query
from rancher_contract.reference_server._schema import create_schema
from rancher_contract.reference_server._secrets import (
    hash_secret,
    new_public_value,
    new_secret,
    verify_secret,
)

__all__ = ["BootstrapKey", "DatabaseError", "SqliteApiKeyBackend", "format_time"]

KIND = "apiKey"
_ID_PREFIX = "1c"
_COLUMNS = (
    "n, name, description, account_id, kind, public_value, state, pending_state, transition_due, "
    "uuid, created, created_ts, removed, removed_ts"
)
_WRITABLE = ("name", "description")


class DatabaseError(Exception):
    """The database cannot be opened or used (bad path, not a database, read-only, ...)."""


@dataclass(frozen=True)
class BootstrapKey:
    """The key `serve` starts with: an ordinary active apiKey row."""

    id: str
    access_key: str
    secret_key: str | None  # None when the key already existed (the database only has its hash)
    generated: bool


def format_time(epoch_seconds: float) -> str:
    """`2017-01-20T10:00:00Z`: UTC, second precision."""
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_id(id: str) -> int | None:
    """The number in a canonical `1c<n>` id, or None (then nothing has this id)."""
    if not id.startswith(_ID_PREFIX):
        return None
    digits = id[len(_ID_PREFIX) :]
    if not digits.isascii() or not digits.isdigit() or digits.startswith("0") or len(digits) > 19:
        return None
    number = int(digits)
    return number if number < 2**63 else None


def _text_or_invalid(field: str, value: object) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): not storable text
        raise ValidationError("InvalidFormat", field) from None
    return text


def _create_private(path: str) -> None:
    """Create the database file readable by its owner only (0600) if it does not exist yet.

    SQLite creates its -wal and -shm files with the mode of the database file. An existing file (or
    a path that cannot be created: SQLite then reports why) is left as it is.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return
    os.close(fd)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SqliteApiKeyBackend:
    """API keys in SQLite; also the server's `Authenticator`."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        transition_delay: float = 0.0,
        lock_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        pool_size: int = 8,
    ) -> None:
        self.path = str(path)
        self.transition_delay = float(transition_delay)
        self.lock_timeout = float(lock_timeout)
        self._clock = clock
        self._memory = self.path == ":memory:" or self.path == ""
        if pool_size < 1:
            raise ValueError(f"pool_size must be >= 1, not {pool_size}")
        # :memory: is one connection shared by every thread, so it is serialised as a whole;
        # a file has a pool of connections and only its writers are serialised.
        self.pool_size = 1 if self._memory else pool_size
        self._opened = 0  # connections open (idle or checked out) or being opened
        # Those not checked out, taken in turn (FIFO): every connection warms up in the first busy
        # spell, so the memory the pool holds reaches its bound at once instead of creeping up.
        self._idle: deque[sqlite3.Connection] = deque()
        self._pool = threading.Condition(threading.Lock())
        self._write_lock: threading.Lock | threading.RLock = (
            threading.RLock() if self._memory else threading.Lock()
        )
        self._closed = False
        if not self._memory:
            _create_private(self.path)
        try:
            with self._write() as conn:
                create_schema(conn)
            self._fill_pool()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise DatabaseError(f"cannot use database {self.path!r}: {exc}") from None
        except BaseException:
            self.close()
            raise

    def _fill_pool(self) -> None:
        """Open every connection of the pool now: from the first request on, the backend holds
        the same files open (and a burst of requests never opens more)."""
        while True:
            with self._pool:
                if self._opened >= self.pool_size:
                    return
                self._opened += 1
            try:
                conn = self._open()
            except BaseException:
                with self._pool:
                    self._opened -= 1
                raise
            with self._pool:
                self._idle.append(conn)

    # -- connections and transactions -------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path if not self._memory else ":memory:",
                timeout=self.lock_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open database {self.path!r}: {exc}") from None
        try:
            if not self._memory:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise DatabaseError(f"cannot use WAL mode on {self.path!r} (got {mode})")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA cache_size=-16384")  # 16 MiB of pages per connection
            if not self._memory:
                conn.execute("PRAGMA mmap_size=268435456")  # reads straight from the OS page cache
            # LIKE as case-sensitive as `=` and the prefix range, so that all text filters agree.
            conn.execute("PRAGMA case_sensitive_like=ON")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatabaseError(f"cannot use database {self.path!r}: {exc}") from None
        except DatabaseError:
            conn.close()
            raise
        return conn

    @contextmanager
    def _checkout(self) -> Iterator[sqlite3.Connection]:
        """A connection of the pool for the length of one call.

        Waits up to `lock_timeout` for one to come back (409 Conflict after that); opens one only
        if the pool is short (one failed to open). No connection belongs to a thread: the server's
        worker threads come and go, the pool stays.
        """
        deadline = time.monotonic() + self.lock_timeout
        conn: sqlite3.Connection | None = None
        with self._pool:
            while True:
                if self._closed:
                    raise DatabaseError("the backend is closed")
                if self._idle:
                    conn = self._idle.popleft()
                    break
                if self._opened < self.pool_size:
                    self._opened += 1  # reserved now, opened outside the lock
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._pool.wait(remaining):
                    raise ConflictError(detail="the database is busy (no free connection)")
        if conn is None:
            try:
                conn = self._open()
            except BaseException:
                with self._pool:
                    self._opened -= 1
                    self._pool.notify()
                raise
        try:
            yield conn
        finally:
            with self._pool:
                if self._closed:
                    self._opened -= 1
                    conn.close()
                else:
                    self._idle.append(conn)
                    self._pool.notify()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        if self._memory:
            with self._write_lock, self._checkout() as conn:
                yield conn
        else:
            with self._checkout() as conn:
                yield conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if not self._write_lock.acquire(timeout=self.lock_timeout):
            raise ConflictError(detail="the database is busy (write lock timeout)")
        try:
            with self._checkout() as conn:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if _is_busy(exc):
                        raise ConflictError(
                            detail="the database is busy (write lock timeout)"
                        ) from None
                    raise
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise ConflictError(detail="the database is busy") from None
            raise
        finally:
            self._write_lock.release()

    @property
    def open_connections(self) -> int:
        """How many SQLite connections are open now (at most `pool_size`)."""
        with self._pool:
            return self._opened

    def close(self) -> None:
        """Close every connection (idempotent); one checked out closes when it comes back."""
        with self._pool:
            self._closed = True
            idle, self._idle = self._idle, deque()
            self._opened -= len(idle)
            self._pool.notify_all()
        for conn in idle:
            try:
                conn.close()
            except sqlite3.Error:
                pass

    # -- transitions -------------------------------------------------------------------------------

    def _complete_due(self, conn: sqlite3.Connection, now: float) -> None:
        """In a write transaction: every transition whose time has come reaches its done state."""
        removed_state = _lifecycle.REMOVED_STATE
        conn.execute(
            "UPDATE api_key SET state = pending_state, pending_state = NULL, "
            "transition_due = NULL, "
            "removed = CASE WHEN pending_state = ? AND removed IS NULL "
            "  THEN strftime('%Y-%m-%dT%H:%M:%SZ', CAST(transition_due AS INTEGER), 'unixepoch') "
            "  ELSE removed END, "
            "removed_ts = CASE WHEN pending_state = ? AND removed_ts IS NULL "
            "  THEN CAST(transition_due AS INTEGER) * 1000 ELSE removed_ts END "
            "WHERE pending_state IS NOT NULL AND transition_due < ?",
            (removed_state, removed_state, now),
        )

    def _settle(self, now: float) -> None:
        """Before a read: complete due transitions if any (otherwise a cheap indexed probe).

        If the write lock is busy the read goes on; `_record` shows due transitions as done anyway.
        """
        with self._read() as conn:
            due = conn.execute(
                "SELECT 1 FROM api_key "
                "WHERE pending_state IS NOT NULL AND transition_due < ? LIMIT 1",
                (now,),
            ).fetchone()
        if due is None:
            return
        try:
            with self._write() as conn:
                self._complete_due(conn, now)
        except ConflictError:
            pass

    def _start(self, conn: sqlite3.Connection, n: int, through: str, to: str, now: float) -> None:
        if through == to:
            conn.execute(
                "UPDATE api_key SET state = ?, pending_state = NULL, transition_due = NULL "
                "WHERE n = ?",
                (to, n),
            )
        else:
            conn.execute(
                "UPDATE api_key SET state = ?, pending_state = ?, transition_due = ? WHERE n = ?",
                (through, to, now + self.transition_delay, n),
            )

    # -- rows and records --------------------------------------------------------------------------

    def _record(
        self, row: tuple[Any, ...], now: float | None = None, secret: str | None = None
    ) -> ApiKeyRecord:
        """The record of a row; with `now` (reads), a transition due by then shows as done."""
        (n, name, description, account_id, kind, public_value, state, pending, due) = row[:9]
        (uuid_, created, created_ts, removed, removed_ts) = row[9:]
        if now is not None and pending is not None and due is not None and due < now:
            state = pending
            if pending == _lifecycle.REMOVED_STATE and removed is None:
                removed, removed_ts = format_time(due), int(due) * 1000
        transitioning = state in _lifecycle.TRANSITIONING_STATES
        return ApiKeyRecord(
            id=f"{_ID_PREFIX}{n}",
            name=name,
            description=description,
            account_id=account_id,
            kind=kind,
            public_value=public_value,
            secret_value=secret,
            state=state,
            transitioning="yes" if transitioning else "no",
            transitioning_message="In Progress" if transitioning else None,
            transitioning_progress=None,
            uuid=uuid_,
            created=created,
            created_ts=created_ts,
            removed=removed,
            removed_ts=removed_ts,
        )

    @staticmethod
    def _row(conn: sqlite3.Connection, n: int) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = conn.execute(
            f"SELECT {_COLUMNS} FROM api_key WHERE n = ?", (n,)
        ).fetchone()
        return row

    def _insert(
        self,
        conn: sqlite3.Connection,
        *,
        name: str | None,
        description: str | None,
        state: str,
        pending: str | None,
        due: float | None,
        now: float,
        public_value: str | None = None,
        secret: str,
    ) -> int:
        salt, digest = hash_secret(secret)
        created_s = int(now)
        for _ in range(8):
            try:
                cursor = conn.execute(
                    "INSERT INTO api_key (name, description, account_id, kind, public_value, "
                    "secret_salt, secret_hash, state, pending_state, transition_due, uuid, "
                    "created, created_ts) "
                    "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        name,
                        description,
                        KIND,
                        public_value or new_public_value(),
                        salt,
                        digest,
                        state,
                        pending,
                        due,
                        str(uuid.uuid4()),
                        format_time(created_s),
                        created_s * 1000,
                    ),
                )
            except sqlite3.IntegrityError:
                if public_value is not None:
                    raise
                continue  # an access key (or uuid) collision: 80 random bits, but draw again
            assert cursor.lastrowid is not None
            return cursor.lastrowid
        raise ConflictError(detail="could not draw a unique access key")

    # -- ApiKeyBackend -----------------------------------------------------------------------------

    def list_api_keys(self, query: CollectionQuery) -> Page[ApiKeyRecord]:
        now = self._clock()
        self._settle(now)
        sql, params, limit = compile_list_query(
            _COLUMNS,
            [(f.field, str(f.modifier), f.value) for f in query.filters],
            query.sort,
            str(query.order),
            query.limit,
            query.offset,
        )
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return Page(items=[self._record(r, now) for r in rows[:limit]], has_more=len(rows) > limit)

    def create_api_key(self, data: ApiKeyCreateInput) -> ApiKeyRecord:
        name = _text_or_invalid("name", data.name)
        description = _text_or_invalid("description", data.description)
        secret = new_secret()
        now = self._clock()
        create = _lifecycle.CREATE
        with self._write() as conn:
            self._complete_due(conn, now)
            through_is_done = create.through == create.to
            n = self._insert(
                conn,
                name=name,
                description=description,
                state=create.through,
                pending=None if through_is_done else create.to,
                due=None if through_is_done else now + self.transition_delay,
                now=now,
                secret=secret,
            )
            row = self._row(conn, n)
        assert row is not None
        return self._record(row, secret=secret)

    def get_api_key(self, id: str) -> ApiKeyRecord | None:
        n = _parse_id(id)
        if n is None:
            return None
        now = self._clock()
        self._settle(now)
        with self._read() as conn:
            row = self._row(conn, n)
        return None if row is None else self._record(row, now)

    def update_api_key(self, id: str, data: ApiKeyUpdateInput) -> ApiKeyRecord | None:
        n = _parse_id(id)
        if n is None:
            return None
        changes = {
            field: _text_or_invalid(field, getattr(data, field))
            for field in _WRITABLE
            if field in data.fields_set
        }
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            if changes:
                assignments = ", ".join(f"{field} = ?" for field in changes)
                conn.execute(
                    f"UPDATE api_key SET {assignments} WHERE n = ?", (*changes.values(), n)
                )
            row = self._row(conn, n)
        return None if row is None else self._record(row)

    def delete_api_key(self, id: str) -> ApiKeyRecord:
        n = _parse_id(id)
        if n is None:
            raise NotFoundError()
        now = self._clock()
        remove = _lifecycle.DELETE_RUNS
        with self._write() as conn:
            self._complete_due(conn, now)
            row = self._row(conn, n)
            if row is None:
                raise NotFoundError()
            state = row[6]
            if remove.name in _lifecycle.actions_in(state):
                self._start(conn, n, remove.through, remove.to, now)
                row = self._row(conn, n)
                assert row is not None
            elif state not in _lifecycle.DELETE_ALREADY_DONE:
                # an active (or otherwise not deactivated) key must be deactivated first
                raise MethodNotAllowedError()
        return self._record(row)

    def perform_api_key_action(self, id: str, action: ApiKeyAction) -> ApiKeyRecord:
        name = str(getattr(action, "value", action))
        transition = _lifecycle.ACTIONS.get(name)
        if transition is None:
            raise InvalidActionError()
        n = _parse_id(id)
        if n is None:
            raise NotFoundError()
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            row = self._row(conn, n)
            if row is None:
                raise NotFoundError()
            if name not in _lifecycle.actions_in(row[6]):
                raise ActionNotAvailableError()
            self._start(conn, n, transition.through, transition.to, now)
            row = self._row(conn, n)
        assert row is not None
        return self._record(row)

    # -- Authenticator -----------------------------------------------------------------------------

    def authenticate(self, access_key: str, secret_key: str) -> bool:
        """True for the right secret of an `active` key; constant-time, unknown keys included."""
        try:
            access_key.encode("utf-8")
        except UnicodeEncodeError:
            return verify_secret(secret_key, None, None)
        now = self._clock()
        self._settle(now)
        with self._read() as conn:
            row = conn.execute(
                "SELECT state, pending_state, transition_due, secret_salt, secret_hash "
                "FROM api_key WHERE public_value = ?",
                (access_key,),
            ).fetchone()
        if row is None:
            return verify_secret(secret_key, None, None)
        state, pending, due, salt, digest = row
        if pending is not None and due is not None and due < now:
            state = pending
        matches = verify_secret(secret_key, salt, digest)
        return matches and state in _lifecycle.AUTHENTICATES_IN

    # -- bootstrap and settings --------------------------------------------------------------------

    def _setting(self, conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _insert_bootstrap(
        self, conn: sqlite3.Connection, now: float, public_value: str, secret: str
    ) -> int:
        """The bootstrap key: an ordinary key row, active from the start."""
        return self._insert(
            conn,
            name="bootstrap",
            description="created by rancher-contract serve",
            state=_lifecycle.ACTIVE_STATE,
            pending=None,
            due=None,
            now=now,
            public_value=public_value,
            secret=secret,
        )

    def ensure_bootstrap_key(
        self, access_key: str | None = None, secret_key: str | None = None
    ) -> BootstrapKey:
        """The key `serve` prints: the given pair, else the stored one if active, else a new one.

        Raises ValueError if the given access key belongs to a removed key.
        """
        now = self._clock()
        active = _lifecycle.ACTIVE_STATE
        with self._write() as conn:
            self._complete_due(conn, now)
            if access_key is not None and secret_key is not None:
                row = conn.execute(
                    "SELECT n, removed FROM api_key WHERE public_value = ?", (access_key,)
                ).fetchone()
                if row is not None and row[1] is not None:
                    raise ValueError(f"access key {access_key} belongs to a removed key")
                if row is None:
                    n = self._insert_bootstrap(conn, now, access_key, secret_key)
                else:
                    n = int(row[0])
                    salt, digest = hash_secret(secret_key)
                    conn.execute(
                        "UPDATE api_key SET secret_salt = ?, secret_hash = ?, state = ?, "
                        "pending_state = NULL, transition_due = NULL WHERE n = ?",
                        (salt, digest, active, n),
                    )
                generated = False
                secret: str | None = secret_key
            else:
                stored = self._setting(conn, "bootstrap_id")
                row = None
                if stored is not None and stored.isdigit():
                    row = conn.execute(
                        "SELECT n, public_value FROM api_key WHERE n = ? AND state = ?",
                        (int(stored), active),
                    ).fetchone()
                if row is not None:
                    n, access_key, secret, generated = int(row[0]), str(row[1]), None, False
                else:
                    secret, access_key = new_secret(), new_public_value()
                    n = self._insert_bootstrap(conn, now, access_key, secret)
                    generated = True
            conn.execute(
                "INSERT INTO setting (key, value) VALUES ('bootstrap_id', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(n),),
            )
        return BootstrapKey(
            id=f"{_ID_PREFIX}{n}", access_key=access_key, secret_key=secret, generated=generated
        )

    def check_secret(self, access_key: str, secret_key: str) -> bool:
        """Whether `secret_key` is the secret of `access_key`, whatever the key's state."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT secret_salt, secret_hash FROM api_key WHERE public_value = ?", (access_key,)
            ).fetchone()
        return verify_secret(secret_key, *(row or (None, None)))

    # -- bulk seeding (benchmarks and tests) -------------------------------------------------------

    def seed(self, count: int, *, name_prefix: str = "seed-", state: str | None = None) -> None:
        """Insert `count` keys in one transaction, straight into the table (secret unknown)."""
        now = self._clock()
        created_s = int(now)
        state = state or _lifecycle.ACTIVE_STATE
        salt, digest = hash_secret(new_secret())
        with self._write() as conn:
            start = conn.execute("SELECT COALESCE(MAX(n), 0) FROM api_key").fetchone()[0]
            conn.executemany(
                "INSERT INTO api_key (name, description, account_id, kind, public_value, "
                "secret_salt, secret_hash, state, uuid, created, created_ts) "
                "VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        f"{name_prefix}{start + i:07d}",
                        f"seeded key {start + i}",
                        KIND,
                        f"{start + i:020X}",
                        salt,
                        digest,
                        state,
                        str(uuid.uuid4()),
                        format_time(created_s - (count - i)),
                        (created_s - (count - i)) * 1000,
                    )
                    for i in range(1, count + 1)
                ),
            )
