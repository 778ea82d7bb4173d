"""`SqliteBackend`: every resource of the spec model on SQLite, behind the generated stubs.

One generic backend, driven by the spec model (`rancher_contract.specmodel`): the tables, ids,
columns, lifecycle, filters, limits, generated and hashed values, unique values, references and
their cascades all come from the spec (see `_layout`); nothing here names a resource. It serves
every generated backend protocol at once (`list_api_keys`, `create_registry_credential`, ... are
looked up by name: `backend.for_stubs(...)`), and is the server's `Authenticator` (the resources
whose lifecycle `authenticatesIn` and whose fields carry `basicAuth`).

Storage: the standard library's `sqlite3`, a file in WAL mode or `:memory:`.

- Durability: `synchronous=FULL`. In WAL mode, NORMAL already survives a crash of the process
  (`kill -9`): a commit is in the OS once it returns; FULL also fsyncs the WAL on every commit, so
  an acknowledged write survives a power loss too. Writes are rare next to reads, so the fsync is
  cheap where it counts.
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
- Secrets: a field stored as `saltedHash` keeps only a salted SHA-256; authentication compares in
  constant time.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

from rancher_contract.generated.server import (
    RESOURCES,
    ActionNotAvailableError,
    CollectionQuery,
    ConflictError,
    InvalidActionError,
    MethodNotAllowedError,
    NotFoundError,
    Page,
    RancherError,
    ResourceSpec,
    ValidationError,
)
from rancher_contract.reference_server._layout import (
    COMPUTED_ORDER,
    ResourceLayout,
    TableLayout,
    default_model,
    layouts,
    quote,
    snake,
)
from rancher_contract.reference_server._query import compile_list_query
from rancher_contract.reference_server._schema import create_schema
from rancher_contract.reference_server._secrets import draw, hash_secret, verify_secret
from rancher_contract.specmodel import Action, Field, SpecModel

__all__ = [
    "BootstrapKey",
    "DatabaseError",
    "SqliteApiKeyBackend",
    "SqliteBackend",
    "format_time",
]

_TIME_SQL = "strftime('%Y-%m-%dT%H:%M:%SZ', CAST(transition_due AS INTEGER), 'unixepoch')"


class DatabaseError(Exception):
    """The database cannot be opened or used (bad path, not a database, read-only, ...)."""


@dataclass(frozen=True)
class BootstrapKey:
    """The key `serve` starts with: an ordinary active row of the API credential resource."""

    id: str
    access_key: str
    secret_key: str | None  # None when the key already existed (the database only has its hash)
    generated: bool


def format_time(epoch_seconds: float) -> str:
    """`2017-01-20T10:00:00Z`: UTC, second precision."""
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")" if values else "(NULL)"


@dataclass(frozen=True)
class _Kind:
    """A resource as the backend serves it: its layout, SQL and record type."""

    layout: ResourceLayout
    record: type[Any]  # a frozen dataclass with the stubs' attribute names
    attrs: tuple[tuple[str, str], ...]  # (wire name, record attribute), every rendered field
    columns_sql: str
    removed_states: frozenset[str]
    transitioning: frozenset[str]
    # the record's values in attribute order, picked from (computed values + the row's stored
    # columns): built once, so that a page of records costs one tuple pick per row
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]


_NULL = len(COMPUTED_ORDER)  # the index of a None


def _picker(
    layout: ResourceLayout, attrs: Sequence[tuple[str, str]]
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    stored = {wire: _NULL + 1 + i for i, (wire, _) in enumerate(layout.stored)}
    hidden = set(layout.read_on_create_only)
    indices: list[int] = []
    for wire, _ in attrs:
        if wire in COMPUTED_ORDER:
            indices.append(COMPUTED_ORDER.index(wire))
        elif wire in stored and wire not in hidden:
            indices.append(stored[wire])
        else:
            indices.append(_NULL)
    if len(indices) == 1:
        only = indices[0]
        return lambda values: (values[only],)
    getter = itemgetter(*indices)
    return lambda values: tuple(getter(values))


def _record_type(
    layout: ResourceLayout, stub: ResourceSpec | None
) -> tuple[type[Any], tuple[tuple[str, str], ...]]:
    if stub is not None:
        pairs = tuple((f.wire_name, f.attr) for f in stub.fields)
    else:
        pairs = tuple((f.name, snake(f.name)) for f in layout.resource.fields)
    name = layout.resource.type[:1].upper() + layout.resource.type[1:] + "Record"
    record = dataclasses.make_dataclass(
        name,
        [(attr, Any, dataclasses.field(default=None)) for _, attr in pairs],
        frozen=True,
    )
    return record, pairs


class SqliteBackend:
    """Every resource of the spec model in SQLite; also the server's `Authenticator`."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        model: SpecModel | None = None,
        stubs: Sequence[ResourceSpec] | None = None,
        transition_delay: float = 0.0,
        lock_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
        pool_size: int = 8,
    ) -> None:
        self.model = model if model is not None else default_model()
        self.tables: tuple[TableLayout, ...] = layouts(self.model)
        stub_by_type = {spec.type: spec for spec in (RESOURCES if stubs is None else stubs)}
        self._kinds: dict[str, _Kind] = {}
        self._methods: dict[str, Callable[..., Any]] = {}
        for table in self.tables:
            for layout in table.resources:
                record, attrs = _record_type(layout, stub_by_type.get(layout.resource.type))
                life = layout.lifecycle
                self._kinds[layout.resource.type] = _Kind(
                    layout=layout,
                    record=record,
                    attrs=attrs,
                    columns_sql=", ".join(layout.select_columns),
                    removed_states=frozenset(life.removed_states),
                    transitioning=frozenset(life.transitioning_states),
                    pick=_picker(layout, attrs),
                )
                self._register_methods(layout)
        self._table_sql = {table.name: self._completion_sql(table) for table in self.tables}
        self._credentials = [
            kind
            for kind in self._kinds.values()
            if kind.layout.resource.basic_auth_fields is not None
        ]
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
                create_schema(conn, self.tables)
            self._fill_pool()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise DatabaseError(f"cannot use database {self.path!r}: {exc}") from None
        except BaseException:
            self.close()
            raise

    # -- the generated protocols: `list_api_keys`, `perform_registry_action`, ... ------------------

    def _register_methods(self, layout: ResourceLayout) -> None:
        one, many = snake(layout.resource.type), snake(layout.resource.plural)
        type_name = layout.resource.type
        self._methods.update(
            {
                f"list_{many}": partial(self.list, type_name),
                f"create_{one}": partial(self.create, type_name),
                f"get_{one}": partial(self.get, type_name),
                f"update_{one}": partial(self.update, type_name),
                f"delete_{one}": partial(self.delete, type_name),
                f"perform_{one}_action": partial(self.action, type_name),
            }
        )

    def __getattr__(self, name: str) -> Any:
        methods = self.__dict__.get("_methods")
        if methods is not None and name in methods:
            return methods[name]
        raise AttributeError(name)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self._kinds)

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

    def _completion_sql(self, table: TableLayout) -> str:
        """Complete every due transition of `table`: the done state, and the `removed` date set
        when it is a removed state of the row's kind (cleared when it is not: `restore`)."""
        removed = " OR ".join(
            f"(kind = {member.kind_sql} AND pending_state IN "
            f"{_in(member.lifecycle.removed_states)})"
            for member in table.resources
        )
        return (
            f"UPDATE {table.name} SET state = pending_state, pending_state = NULL, "
            "transition_due = NULL, "
            f"removed = CASE WHEN NOT ({removed}) THEN NULL "
            f"  WHEN removed IS NULL THEN {_TIME_SQL} ELSE removed END, "
            f"removed_ts = CASE WHEN NOT ({removed}) THEN NULL "
            "  WHEN removed_ts IS NULL THEN CAST(transition_due AS INTEGER) * 1000 "
            "  ELSE removed_ts END "
            "WHERE pending_state IS NOT NULL AND transition_due < ?"
        )

    def _complete_due(self, conn: sqlite3.Connection, now: float) -> None:
        """In a write transaction: every transition whose time has come reaches its done state."""
        for sql in self._table_sql.values():
            conn.execute(sql, (now,))

    def _settle(self, now: float, table: str) -> None:
        """Before a read: complete due transitions if any (otherwise a cheap indexed probe).

        If the write lock is busy the read goes on; `_values` shows due transitions as done anyway.
        """
        with self._read() as conn:
            due = conn.execute(
                f"SELECT 1 FROM {table} "
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

    def _start(
        self, conn: sqlite3.Connection, kind: _Kind, n: int, through: str, to: str, now: float
    ) -> None:
        table = kind.layout.table
        if through == to:
            conn.execute(
                f"UPDATE {table} SET state = ?, pending_state = NULL, transition_due = NULL "
                "WHERE n = ?",
                (to, n),
            )
        else:
            conn.execute(
                f"UPDATE {table} SET state = ?, pending_state = ?, transition_due = ? WHERE n = ?",
                (through, to, now + self.transition_delay, n),
            )

    def _cascade(
        self, conn: sqlite3.Connection, kind: _Kind, id: str, action: str, now: float
    ) -> None:
        """The referrers of this resource whose reference cascades on `action` run their actions
        (`x-rancher-field.reference.cascade`): each applicable one in turn, the last one as a
        transition, the ones before it done at once."""
        for resource, field in self.model.referrers(kind.layout.resource.type):
            reference = field.reference
            if reference is None or reference.cascade is None:
                continue
            if reference.cascade.trigger != action:
                continue
            referrer = self._kinds.get(resource.type)
            if referrer is None:
                continue
            layout = referrer.layout
            rows = conn.execute(
                f"SELECT n, state, pending_state FROM {layout.table} "
                f"WHERE kind = {layout.kind_sql} AND {snake(field.name)} = ? AND removed IS NULL",
                (id,),
            ).fetchall()
            for n, state, pending in rows:
                current = pending if pending is not None else state
                chain: list[Action] = []
                for name in reference.cascade.run:
                    step = layout.lifecycle.action(name)
                    if (
                        step is not None
                        and step.to
                        and name in layout.lifecycle.actions_in(current)
                    ):
                        chain.append(step)
                        current = step.to
                if chain:
                    last = chain[-1]
                    self._start(
                        conn, referrer, n, last.through or last.to or "", last.to or "", now
                    )

    # -- rows and records --------------------------------------------------------------------------

    def _record(
        self,
        kind: _Kind,
        row: tuple[Any, ...],
        now: float | None = None,
        shown: Mapping[str, Any] | None = None,
    ) -> Any:
        """The record of a row; with `now` (reads), a transition due by then shows as done.
        `shown`: values only this response carries (a generated secret, in the create response)."""
        (n, kind_value, state, pending, due, uuid_, created, created_ts, removed, removed_ts) = row[
            :10
        ]
        if now is not None and pending is not None and due is not None and due < now:
            state = pending
            if pending not in kind.removed_states:
                removed = removed_ts = None
            elif removed is None:
                removed, removed_ts = format_time(due), int(due) * 1000
        transitioning = state in kind.transitioning
        computed = (
            f"{kind.layout.id_prefix}{n}",
            kind_value,
            state,
            "yes" if transitioning else "no",
            "In Progress" if transitioning else None,
            None,  # transitioningProgress
            uuid_,
            created,
            created_ts,
            removed,
            removed_ts,
            None,  # _NULL
        )
        record = kind.record(*kind.pick(computed + row[10:]))
        if shown:
            record = dataclasses.replace(
                record, **{attr: shown[wire] for wire, attr in kind.attrs if wire in shown}
            )
        return record

    def _row(self, conn: sqlite3.Connection, kind: _Kind, n: int) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = conn.execute(
            f"SELECT {kind.columns_sql} FROM {kind.layout.table} "
            f"WHERE n = ? AND kind = {kind.layout.kind_sql}",
            (n,),
        ).fetchone()
        return row

    def _kind(self, type_name: str) -> _Kind:
        return self._kinds[type_name]

    def _resolve_references(
        self, conn: sqlite3.Connection, kind: _Kind, values: Mapping[str, Any]
    ) -> None:
        for wire, value in values.items():
            field = kind.layout.resource.field(wire)
            reference = field.reference if field is not None else None
            if reference is None or not reference.must_resolve or value is None:
                continue
            target = self._kinds.get(reference.type)
            n = target.layout.parse_id(str(value)) if target is not None else None
            found = (
                n is not None
                and target is not None
                and conn.execute(
                    f"SELECT 1 FROM {target.layout.table} "
                    f"WHERE n = ? AND kind = {target.layout.kind_sql}",
                    (n,),
                ).fetchone()
                is not None
            )
            if not found:
                raise ValidationError(reference.error or "InvalidReference", wire)

    def _check_unique(
        self,
        conn: sqlite3.Connection,
        kind: _Kind,
        values: Mapping[str, Any],
        scope: Mapping[str, Any],
        exclude: int | None = None,
    ) -> None:
        """Scoped or case-insensitive unique values (the others have a UNIQUE index)."""
        layout = kind.layout
        for wire, value in values.items():
            field = layout.resource.field(wire)
            unique = field.unique if field is not None else None
            if unique is None or value is None or unique.error is None:
                continue
            column = snake(wire)
            compare = f"lower({column}) = lower(?)" if unique.ignore_case else f"{column} = ?"
            sql = f"SELECT 1 FROM {layout.table} WHERE kind = {layout.kind_sql} AND {compare}"
            params: list[Any] = [value]
            for other in unique.per:
                sql += f" AND {snake(other)} IS ?"
                params.append(scope.get(other))
            if unique.among == "notRemoved":
                sql += " AND removed IS NULL"
            if exclude is not None:
                sql += " AND n <> ?"
                params.append(exclude)
            if conn.execute(sql + " LIMIT 1", params).fetchone() is not None:
                status = self.model.errors.status_of(unique.error) or 422
                raise RancherError(status, unique.error, field_name=wire)

    def _insert(
        self,
        conn: sqlite3.Connection,
        kind: _Kind,
        values: Mapping[str, Any],
        *,
        state: str,
        pending: str | None,
        due: float | None,
        now: float,
    ) -> tuple[int, dict[str, Any]]:
        """Insert a row; generated values are drawn here (again on a collision). Returns the row
        number and the clear values of the hashed fields (shown once)."""
        layout = kind.layout
        created_s = int(now)
        for _ in range(8):
            row: dict[str, Any] = {
                "kind": layout.kind,
                "state": state,
                "pending_state": pending,
                "transition_due": due,
                "uuid": str(uuid.uuid4()),
                "created": format_time(created_s),
                "created_ts": created_s * 1000,
            }
            shown: dict[str, Any] = {}
            for wire, column in layout.stored:
                value = values.get(wire)
                generate = layout.field(wire).generate
                if value is None and generate is not None:
                    value = draw(generate.alphabet, generate.length)
                row[column] = value
            for wire, column in layout.hashed:
                value = values.get(wire)
                generate = layout.field(wire).generate
                if value is None and generate is not None:
                    value = draw(generate.alphabet, generate.length)
                if value is not None:
                    row[f"{column}_salt"], row[f"{column}_hash"] = hash_secret(value)
                shown[wire] = value
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            try:
                cursor = conn.execute(
                    f"INSERT INTO {layout.table} ({names}) VALUES ({marks})", tuple(row.values())
                )
            except sqlite3.IntegrityError:
                if not layout.generated:
                    raise
                continue  # a generated value (or uuid) collided: draw again
            assert cursor.lastrowid is not None
            return cursor.lastrowid, shown
        raise ConflictError(detail="could not draw unique values")

    # -- the generic operations --------------------------------------------------------------------

    def list_sql(
        self,
        type_name: str,
        filters: Sequence[tuple[str, str, str]],
        sort: str | None,
        order: str,
        limit: int,
        offset: int,
    ) -> tuple[str, list[object], int]:
        """The SELECT of a page of the resource's list: (sql, params, limit)."""
        kind = self._kind(type_name)
        layout = kind.layout
        conditions = [f"kind = {layout.kind_sql}"]
        if layout.hide_removed:
            conditions.insert(0, "removed IS NULL")
        return compile_list_query(
            layout.table,
            kind.columns_sql,
            conditions,
            layout.filters,
            filters,
            sort,
            order,
            limit,
            offset,
            layout.max_limit,
        )

    def list(self, type_name: str, query: CollectionQuery) -> Page[Any]:
        kind = self._kind(type_name)
        now = self._clock()
        self._settle(now, kind.layout.table)
        sql, params, limit = self.list_sql(
            type_name,
            [(f.field, str(f.modifier), f.value) for f in query.filters],
            query.sort,
            str(query.order),
            query.limit,
            query.offset,
        )
        with self._read() as conn:
            rows = conn.execute(sql, params).fetchall()
        return Page(
            items=[self._record(kind, r, now) for r in rows[:limit]], has_more=len(rows) > limit
        )

    def _inputs(self, kind: _Kind, data: Any, writable: Callable[[Any], bool]) -> dict[str, Any]:
        """The wire values of a create/update input the client sent, as text."""
        sent: frozenset[str] = getattr(data, "fields_set", frozenset())
        values: dict[str, Any] = {}
        for wire, attr in kind.attrs:
            field = kind.layout.resource.field(wire)
            if field is None or not writable(field) or wire not in sent:
                continue
            values[wire] = _text_or_invalid(wire, getattr(data, attr, None))
        return values

    def create(self, type_name: str, data: Any) -> Any:
        kind = self._kind(type_name)
        values = self._inputs(kind, data, lambda f: f.create)
        life = kind.layout.lifecycle
        through = life.create_through or life.create_to or ""
        to = life.create_to or through
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            self._resolve_references(conn, kind, values)
            self._check_unique(conn, kind, values, values)
            done = through == to
            n, shown = self._insert(
                conn,
                kind,
                values,
                state=through,
                pending=None if done else to,
                due=None if done else now + self.transition_delay,
                now=now,
            )
            row = self._row(conn, kind, n)
        assert row is not None
        for wire in kind.layout.read_on_create_only:
            shown.setdefault(wire, values.get(wire))
        return self._record(kind, row, shown=shown)

    def get(self, type_name: str, id: str) -> Any:
        kind = self._kind(type_name)
        n = kind.layout.parse_id(id)
        if n is None:
            return None
        now = self._clock()
        self._settle(now, kind.layout.table)
        with self._read() as conn:
            row = self._row(conn, kind, n)
        return None if row is None else self._record(kind, row, now)

    def update(self, type_name: str, id: str, data: Any) -> Any:
        kind = self._kind(type_name)
        layout = kind.layout
        n = layout.parse_id(id)
        if n is None:
            return None
        changes = self._inputs(kind, data, lambda f: f.update)
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            row = self._row(conn, kind, n)
            if row is None:
                return None
            if changes:
                self._resolve_references(conn, kind, changes)
                current = dict(zip((w for w, _ in layout.stored), row[10:], strict=True))
                self._check_unique(conn, kind, changes, {**current, **changes}, exclude=n)
                assignments: list[str] = []
                params: list[Any] = []
                hashed = dict(layout.hashed)
                for wire, value in changes.items():
                    if wire in hashed:
                        salt, digest = hash_secret(value) if value is not None else (None, None)
                        assignments += [f"{hashed[wire]}_salt = ?", f"{hashed[wire]}_hash = ?"]
                        params += [salt, digest]
                    else:
                        assignments.append(f"{snake(wire)} = ?")
                        params.append(value)
                conn.execute(
                    f"UPDATE {layout.table} SET {', '.join(assignments)} WHERE n = ?",
                    (*params, n),
                )
                row = self._row(conn, kind, n)
        return None if row is None else self._record(kind, row)

    def delete(self, type_name: str, id: str) -> Any:
        kind = self._kind(type_name)
        n = kind.layout.parse_id(id)
        if n is None:
            raise NotFoundError()
        life = kind.layout.lifecycle
        rule = life.delete
        runs = life.action(rule.runs) if rule.runs else None
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            row = self._row(conn, kind, n)
            if row is None:
                raise NotFoundError()
            state = row[2]
            if runs is not None and runs.name in life.actions_in(state) and runs.to:
                self._start(conn, kind, n, runs.through or runs.to, runs.to, now)
                self._cascade(conn, kind, id, runs.name, now)
                row = self._row(conn, kind, n)
                assert row is not None
            elif state not in rule.already_done_states:
                # an active (or otherwise not deactivated) resource must be deactivated first
                if rule.otherwise_status == 405:
                    raise MethodNotAllowedError()
                reason = self.model.errors.reason(rule.otherwise_status) or "Conflict"
                raise RancherError(rule.otherwise_status, reason, reason)
        return self._record(kind, row)

    def action(self, type_name: str, id: str, action: Any) -> Any:
        kind = self._kind(type_name)
        name = str(getattr(action, "value", action))
        life = kind.layout.lifecycle
        transition = life.action(name)
        if transition is None or not transition.to:
            raise InvalidActionError()
        n = kind.layout.parse_id(id)
        if n is None:
            raise NotFoundError()
        now = self._clock()
        with self._write() as conn:
            self._complete_due(conn, now)
            row = self._row(conn, kind, n)
            if row is None:
                raise NotFoundError()
            if name not in life.actions_in(row[2]):
                raise ActionNotAvailableError()
            self._start(conn, kind, n, transition.through or transition.to, transition.to, now)
            self._cascade(conn, kind, id, name, now)
            row = self._row(conn, kind, n)
        assert row is not None
        return self._record(kind, row)

    # -- Authenticator -----------------------------------------------------------------------------

    def _credential(self) -> _Kind:
        if not self._credentials:
            raise LookupError("the spec declares no API credential (basicAuth fields)")
        return self._credentials[0]

    @staticmethod
    def _auth_fields(kind: _Kind) -> tuple[Field, Field]:
        pair = kind.layout.resource.basic_auth_fields
        assert pair is not None
        return pair

    @classmethod
    def _auth_columns(cls, kind: _Kind) -> tuple[str, str]:
        user, password = cls._auth_fields(kind)
        return snake(user.name), snake(password.name)

    def authenticate(self, access_key: str, secret_key: str) -> bool:
        """True for the right secret of a credential in a state that authenticates (apiKey:
        `active`); constant-time, unknown keys included. Only the resources whose lifecycle
        `authenticatesIn` some state and whose fields carry `basicAuth` are looked at."""
        try:
            access_key.encode("utf-8")
        except UnicodeEncodeError:
            return verify_secret(secret_key, None, None)
        now = self._clock()
        for kind in self._credentials:
            layout = kind.layout
            user, password = self._auth_columns(kind)
            self._settle(now, layout.table)
            with self._read() as conn:
                row = conn.execute(
                    f"SELECT state, pending_state, transition_due, {password}_salt, "
                    f"{password}_hash FROM {layout.table} "
                    f"WHERE kind = {layout.kind_sql} AND {user} = ?",
                    (access_key,),
                ).fetchone()
            if row is None:
                continue
            state, pending, due, salt, digest = row
            if pending is not None and due is not None and due < now:
                state = pending
            matches = verify_secret(secret_key, salt, digest)
            return matches and state in layout.lifecycle.authenticates_in
        return verify_secret(secret_key, None, None)

    # -- bootstrap and settings --------------------------------------------------------------------

    def _setting(self, conn: sqlite3.Connection, key: str) -> str | None:
        row = conn.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _insert_bootstrap(
        self, conn: sqlite3.Connection, now: float, public_value: str | None, secret: str | None
    ) -> tuple[int, dict[str, Any]]:
        """The bootstrap key: an ordinary credential row, in its create's done state at once."""
        kind = self._credential()
        user, password = self._auth_fields(kind)
        values: dict[str, Any] = {
            "name": "bootstrap",
            "description": "created by rancher-contract serve",
            user.name: public_value,
            password.name: secret,
        }
        state = kind.layout.lifecycle.create_to or ""
        n, shown = self._insert(conn, kind, values, state=state, pending=None, due=None, now=now)
        row = conn.execute(
            f"SELECT {snake(user.name)} FROM {kind.layout.table} WHERE n = ?", (n,)
        ).fetchone()
        return n, {user.name: row[0], password.name: shown.get(password.name)}

    def ensure_bootstrap_key(
        self, access_key: str | None = None, secret_key: str | None = None
    ) -> BootstrapKey:
        """The key `serve` prints: the given pair, else the stored one if active, else a new one.

        Raises ValueError if the given access key belongs to a removed key.
        """
        kind = self._credential()
        layout = kind.layout
        table = layout.table
        user, password = self._auth_columns(kind)
        user_field, password_field = self._auth_fields(kind)
        now = self._clock()
        active = layout.lifecycle.create_to or ""
        with self._write() as conn:
            self._complete_due(conn, now)
            if access_key is not None and secret_key is not None:
                row = conn.execute(
                    f"SELECT n, removed FROM {table} WHERE kind = {layout.kind_sql} AND {user} = ?",
                    (access_key,),
                ).fetchone()
                if row is not None and row[1] is not None:
                    raise ValueError(f"access key {access_key} belongs to a removed key")
                if row is None:
                    n, _ = self._insert_bootstrap(conn, now, access_key, secret_key)
                else:
                    n = int(row[0])
                    salt, digest = hash_secret(secret_key)
                    conn.execute(
                        f"UPDATE {table} SET {password}_salt = ?, {password}_hash = ?, state = ?, "
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
                        f"SELECT n, {user} FROM {table} "
                        f"WHERE n = ? AND kind = {layout.kind_sql} AND state = ?",
                        (int(stored), active),
                    ).fetchone()
                if row is not None:
                    n, access_key, secret, generated = int(row[0]), str(row[1]), None, False
                else:
                    n, pair = self._insert_bootstrap(conn, now, None, None)
                    access_key, secret = pair[user_field.name], pair[password_field.name]
                    generated = True
            conn.execute(
                "INSERT INTO setting (key, value) VALUES ('bootstrap_id', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(n),),
            )
        assert access_key is not None
        return BootstrapKey(
            id=layout.format_id(n), access_key=access_key, secret_key=secret, generated=generated
        )

    def check_secret(self, access_key: str, secret_key: str) -> bool:
        """Whether `secret_key` is the secret of `access_key`, whatever the key's state."""
        kind = self._credential()
        user, password = self._auth_columns(kind)
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {password}_salt, {password}_hash FROM {kind.layout.table} "
                f"WHERE kind = {kind.layout.kind_sql} AND {user} = ?",
                (access_key,),
            ).fetchone()
        return verify_secret(secret_key, *(row or (None, None)))

    # -- bulk seeding (benchmarks and tests) -------------------------------------------------------

    def seed(
        self,
        count: int,
        *,
        name_prefix: str = "seed-",
        state: str | None = None,
        type_name: str | None = None,
    ) -> None:
        """Insert `count` rows of a resource (default: the API credential) in one transaction,
        straight into the table: generated values are numbered, a hashed one is unknown."""
        kind = self._kinds[type_name] if type_name else self._credential()
        layout = kind.layout
        now = self._clock()
        created_s = int(now)
        state = state or layout.lifecycle.create_to or ""
        hashed = {column: hash_secret(draw("0123456789abcdef", 40)) for _, column in layout.hashed}
        columns = ["kind", "state", "uuid", "created", "created_ts", "name", "description"]
        generated = [
            (column, layout.field(wire).generate)
            for wire, column in layout.stored
            if layout.field(wire).generate is not None
        ]
        columns += [column for column, _ in generated]
        for column in hashed:
            columns += [f"{column}_salt", f"{column}_hash"]

        def numbered(number: int, alphabet: str, length: int) -> str:
            digits = []
            base = len(alphabet)
            while number:
                number, digit = divmod(number, base)
                digits.append(alphabet[digit])
            return "".join(reversed(digits)).rjust(length, alphabet[0])[-length:]

        with self._write() as conn:
            start = conn.execute(f"SELECT COALESCE(MAX(n), 0) FROM {layout.table}").fetchone()[0]

            def rows() -> Iterator[tuple[Any, ...]]:
                for i in range(1, count + 1):
                    at = created_s - (count - i)
                    values: list[Any] = [
                        layout.kind,
                        state,
                        str(uuid.uuid4()),
                        format_time(at),
                        at * 1000,
                        f"{name_prefix}{start + i:07d}",
                        f"seeded key {start + i}",
                    ]
                    for _, form in generated:
                        assert form is not None
                        values.append(numbered(start + i, form.alphabet, form.length))
                    for salt, digest in hashed.values():
                        values += [salt, digest]
                    yield tuple(values)

            conn.executemany(
                f"INSERT INTO {layout.table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                rows(),
            )


# The name the tests, benchmarks and older callers use: the backend of every resource, apiKey's
# protocol included.
SqliteApiKeyBackend = SqliteBackend
