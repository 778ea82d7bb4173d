"""The SQLite backend alone (no HTTP): lifecycle, storage, filters, secrets, locks, indexes."""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from refserver_support import FakeClock

from rancher_contract.generated.server import (
    ActionNotAvailableError,
    ApiKeyAction,
    ApiKeyCreateInput,
    ApiKeyRecord,
    ApiKeyUpdateInput,
    CollectionQuery,
    ConflictError,
    Filter,
    MethodNotAllowedError,
    NotFoundError,
)
from rancher_contract.reference_server.backend import DatabaseError, SqliteApiKeyBackend


def create(backend: SqliteApiKeyBackend, **fields: str | None) -> ApiKeyRecord:
    return backend.create_api_key(ApiKeyCreateInput(**fields, fields_set=frozenset(fields)))  # type: ignore[arg-type]


def query(
    *filters: tuple[str, str, str],
    sort: str | None = None,
    order: str = "asc",
    limit: int = 100,
    offset: int = 0,
) -> CollectionQuery:
    return CollectionQuery(
        filters=tuple(Filter(f, m, v) for f, m, v in filters),
        sort=sort,
        order=order,  # type: ignore[arg-type]
        limit=limit,
        offset=offset,
    )


def ids(backend: SqliteApiKeyBackend, q: CollectionQuery) -> list[str]:
    return [r.id for r in backend.list_api_keys(q).items]


def settle(backend: SqliteApiKeyBackend, key: ApiKeyRecord, clock: FakeClock) -> ApiKeyRecord:
    clock.advance(0.001)
    record = backend.get_api_key(key.id)
    assert record is not None
    return record


def act(backend: SqliteApiKeyBackend, key: ApiKeyRecord, action: str) -> ApiKeyRecord:
    return backend.perform_api_key_action(key.id, ApiKeyAction(action))


# -- the resource ----------------------------------------------------------------------------------


def test_create_answers_registering_with_the_secret_once(
    backend: SqliteApiKeyBackend, clock: FakeClock
) -> None:
    key = create(backend, name="ci", description="deploy")
    assert re.fullmatch(r"1c[1-9][0-9]*", key.id)
    assert (key.state, key.transitioning, key.transitioning_message) == (
        "registering",
        "yes",
        "In Progress",
    )
    assert key.transitioning_progress is None
    assert re.fullmatch(r"[0-9A-F]{20}", key.public_value)
    assert key.secret_value is not None and len(key.secret_value) == 40
    assert uuid.UUID(key.uuid).version == 4
    assert key.created == "2017-01-20T10:00:00Z" and key.created_ts == 1_484_906_400_000
    assert (key.kind, key.account_id, key.removed, key.removed_ts) == ("apiKey", None, None, None)
    assert (key.name, key.description) == ("ci", "deploy")
    again = settle(backend, key, clock)
    assert (again.state, again.transitioning, again.transitioning_message) == ("active", "no", None)
    assert again.secret_value is None


def test_empty_create_and_unique_values(backend: SqliteApiKeyBackend) -> None:
    keys = [create(backend) for _ in range(50)]
    assert len({k.public_value for k in keys}) == 50 and len({k.uuid for k in keys}) == 50
    assert len({k.id for k in keys}) == 50
    assert all(k.name is None and k.description is None for k in keys)


def test_transition_delay_is_lazy(tmp_path: Path, clock: FakeClock) -> None:
    backend = SqliteApiKeyBackend(":memory:", transition_delay=5, clock=clock)
    key = create(backend)
    clock.advance(4.9)
    assert backend.get_api_key(key.id).state == "registering"  # type: ignore[union-attr]
    assert not backend.authenticate(key.public_value, key.secret_value or "")
    clock.advance(0.2)
    assert backend.get_api_key(key.id).state == "active"  # type: ignore[union-attr]
    assert backend.authenticate(key.public_value, key.secret_value or "")
    backend.close()


@pytest.mark.parametrize(
    ("action", "through", "to"),
    [("deactivate", "deactivating", "inactive")],
)
def test_actions_go_through_their_transitioning_state(
    backend: SqliteApiKeyBackend, clock: FakeClock, action: str, through: str, to: str
) -> None:
    key = settle(backend, create(backend), clock)
    started = act(backend, key, action)
    assert (started.state, started.transitioning) == (through, "yes")
    assert settle(backend, key, clock).state == to


def test_the_whole_lifecycle(backend: SqliteApiKeyBackend, clock: FakeClock) -> None:
    key = settle(backend, create(backend), clock)
    assert key.state == "active"
    for name in ("activate", "remove", "purge"):
        with pytest.raises(ActionNotAvailableError) as info:
            act(backend, key, name)
        assert info.value.field_name == "action"
    assert act(backend, key, "deactivate").state == "deactivating"
    assert settle(backend, key, clock).state == "inactive"
    assert act(backend, key, "activate").state == "activating"
    assert settle(backend, key, clock).state == "active"
    act(backend, key, "deactivate")
    settle(backend, key, clock)
    removing = act(backend, key, "remove")
    assert (removing.state, removing.removed) == ("removing", None)
    removed = settle(backend, key, clock)
    assert (
        removed.state == "removed"
        and removed.removed is not None
        and removed.removed_ts is not None
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", removed.removed)
    assert removed.removed_ts % 1000 == 0
    assert act(backend, key, "purge").state == "purging"
    purged = settle(backend, key, clock)
    assert purged.state == "purged" and purged.removed == removed.removed
    for name in ("activate", "deactivate", "remove", "purge"):
        with pytest.raises(ActionNotAvailableError):
            act(backend, key, name)


def test_unknown_ids(backend: SqliteApiKeyBackend) -> None:
    for bad in (
        "1c999",
        "1c0",
        "1c01",
        "x",
        "",
        "1c",
        "1c99999999999999999999999",
        "1c1 ",
        "\uff11c1",
    ):
        assert backend.get_api_key(bad) is None
        assert (
            backend.update_api_key(bad, ApiKeyUpdateInput(name="x", fields_set=frozenset({"name"})))
            is None
        )
        with pytest.raises(NotFoundError):
            backend.delete_api_key(bad)
        with pytest.raises(NotFoundError):
            backend.perform_api_key_action(bad, ApiKeyAction("deactivate"))


def test_delete(backend: SqliteApiKeyBackend, clock: FakeClock) -> None:
    key = settle(backend, create(backend, name="d"), clock)
    with pytest.raises(MethodNotAllowedError):
        backend.delete_api_key(key.id)
    assert settle(backend, key, clock).state == "active"  # unchanged
    act(backend, key, "deactivate")
    settle(backend, key, clock)
    deleted = backend.delete_api_key(key.id)
    assert deleted.state == "removing"
    removed = settle(backend, key, clock)
    assert removed.state == "removed"
    assert backend.delete_api_key(key.id) == removed  # already removed: 200, unchanged
    act(backend, key, "purge")
    purged = settle(backend, key, clock)
    assert backend.delete_api_key(key.id) == purged


def test_from_registering(slow_backend: SqliteApiKeyBackend, clock: FakeClock) -> None:
    for action, through, to in (
        ("activate", "activating", "active"),
        ("deactivate", "deactivating", "inactive"),
        ("remove", "removing", "removed"),
    ):
        key = create(slow_backend)
        assert act(slow_backend, key, action).state == through
        clock.advance(9)
        assert slow_backend.get_api_key(key.id).state == through  # type: ignore[union-attr]
        clock.advance(1.01)
        assert slow_backend.get_api_key(key.id).state == to  # type: ignore[union-attr]
    key = create(slow_backend)
    assert slow_backend.delete_api_key(key.id).state == "removing"
    with pytest.raises(MethodNotAllowedError):  # removing: not removable, not yet removed
        slow_backend.delete_api_key(key.id)
    clock.advance(10.01)
    assert slow_backend.delete_api_key(key.id).state == "removed"


def test_actions_from_transitioning_states(
    slow_backend: SqliteApiKeyBackend, clock: FakeClock
) -> None:
    key = create(slow_backend)
    act(slow_backend, key, "activate")
    assert act(slow_backend, key, "deactivate").state == "deactivating"  # activating -> deactivate
    for name in ("activate", "deactivate", "remove", "purge"):  # deactivating: nothing
        with pytest.raises(ActionNotAvailableError):
            act(slow_backend, key, name)
    clock.advance(10.01)
    assert slow_backend.get_api_key(key.id).state == "inactive"  # type: ignore[union-attr]


def test_update_changes_only_the_fields_sent_in_any_state(
    backend: SqliteApiKeyBackend, clock: FakeClock
) -> None:
    key = create(backend, name="a", description="b")
    for state_action in (None, "deactivate", "remove", "purge"):
        if state_action:
            act(backend, key, state_action)
            clock.advance(0.001)
        before = backend.get_api_key(key.id)
        assert before is not None
        updated = backend.update_api_key(
            key.id, ApiKeyUpdateInput(name="n", fields_set=frozenset({"name"}))
        )
        assert updated is not None
        assert (updated.name, updated.description, updated.state) == ("n", "b", before.state)
        updated = backend.update_api_key(
            key.id, ApiKeyUpdateInput(description=None, fields_set=frozenset({"description"}))
        )
        assert updated is not None and (updated.name, updated.description) == ("n", None)
        assert updated.secret_value is None
        backend.update_api_key(
            key.id, ApiKeyUpdateInput(description="b", fields_set=frozenset({"description"}))
        )
        settle(backend, key, clock)


def test_authentication(backend: SqliteApiKeyBackend, clock: FakeClock) -> None:
    key = create(backend)
    secret = key.secret_value or ""
    assert not backend.authenticate(key.public_value, secret)  # registering: not yet
    settle(backend, key, clock)
    assert backend.authenticate(key.public_value, secret)
    assert not backend.authenticate(key.public_value, secret[:-1])
    assert not backend.authenticate(key.public_value, "")
    assert not backend.authenticate("0" * 20, secret)
    assert not backend.authenticate("\ud800", "\udfff")
    act(backend, key, "deactivate")
    clock.advance(0.01)
    assert not backend.authenticate(key.public_value, secret)
    act(backend, key, "activate")
    clock.advance(0.01)
    assert backend.authenticate(key.public_value, secret)
    act(backend, key, "deactivate")
    clock.advance(0.01)
    act(backend, key, "remove")
    assert not backend.authenticate(key.public_value, secret)
    clock.advance(0.01)
    assert not backend.authenticate(key.public_value, secret)


def test_secrets_are_stored_only_as_salted_hashes(
    file_backend: SqliteApiKeyBackend, clock: FakeClock
) -> None:
    keys = [create(file_backend, name=f"k{i}") for i in range(20)]
    for key in keys:
        file_backend.update_api_key(
            key.id, ApiKeyUpdateInput(name="x", fields_set=frozenset({"name"}))
        )
    path = Path(file_backend.path)
    blob = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))
    file_backend.close()
    blob += b"".join(p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name))
    assert keys[0].public_value.encode() in blob  # the grep works
    for key in keys:
        assert key.secret_value and key.secret_value.encode() not in blob
    conn = sqlite3.connect(path)
    hashes = conn.execute("SELECT secret_value_salt, secret_value_hash FROM api_key").fetchall()
    conn.close()
    assert len({salt for salt, _ in hashes}) == 20  # salted: one salt per key
    assert all(len(digest) == 32 for _, digest in hashes)


def test_rows_survive_reopening(tmp_path: Path, clock: FakeClock) -> None:
    path = str(tmp_path / "k.sqlite3")
    first = SqliteApiKeyBackend(path, clock=clock)
    key = create(first, name="kept")
    first.close()
    second = SqliteApiKeyBackend(path, clock=clock)
    clock.advance(1)
    again = second.get_api_key(key.id)
    assert again is not None and (again.name, again.state, again.uuid) == (
        "kept",
        "active",
        key.uuid,
    )
    assert second.authenticate(key.public_value, key.secret_value or "")
    assert create(second).id != key.id
    second.close()


def test_wal_and_full_sync(file_backend: SqliteApiKeyBackend) -> None:
    with file_backend._read() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_unusable_paths(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError):
        SqliteApiKeyBackend(str(tmp_path / "missing-dir" / "x.sqlite3"))
    with pytest.raises(DatabaseError):
        SqliteApiKeyBackend(str(tmp_path))
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError):
        SqliteApiKeyBackend(str(junk))


def test_a_write_that_cannot_get_the_lock_is_a_conflict(tmp_path: Path) -> None:
    path = str(tmp_path / "k.sqlite3")
    backend = SqliteApiKeyBackend(path, lock_timeout=0.2)
    key = create(backend)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ConflictError):
            create(backend)
        with pytest.raises(ConflictError):
            backend.update_api_key(
                key.id, ApiKeyUpdateInput(name="x", fields_set=frozenset({"name"}))
            )
        assert backend.get_api_key(key.id) is not None  # reads go on (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert create(backend).state == "registering"
    backend.close()


def test_bootstrap_key(tmp_path: Path) -> None:
    path = str(tmp_path / "k.sqlite3")
    backend = SqliteApiKeyBackend(path)
    first = backend.ensure_bootstrap_key()
    assert (
        first.generated
        and first.secret_key
        and backend.authenticate(first.access_key, first.secret_key)
    )
    again = backend.ensure_bootstrap_key()
    assert (again.id, again.access_key, again.generated, again.secret_key) == (
        first.id,
        first.access_key,
        False,
        None,
    )
    record = backend.get_api_key(first.id)
    assert record is not None and record.state == "active" and record.kind == "apiKey"
    given = backend.ensure_bootstrap_key("A" * 20, "s" * 40)
    assert not given.generated and backend.authenticate("A" * 20, "s" * 40)
    backend.close()


# -- collections -----------------------------------------------------------------------------------


@pytest.fixture
def listed(backend: SqliteApiKeyBackend, clock: FakeClock) -> dict[str, ApiKeyRecord]:
    """Twelve keys: names with ties and nulls, one inactive, one removed, one purged."""
    keys = {}
    for i, (name, description) in enumerate(
        [
            ("alpha", "x"),
            ("beta", None),
            ("alpha", "y"),
            (None, "z"),
            ("Alpha", "x%"),
            ("gamma", "a_b"),
            ("beta", "q"),
            ("delta", None),
            ("eps", "e"),
            ("zeta", "w"),
            ("eta", "r"),
            ("theta", "t"),
        ]
    ):
        keys[f"k{i}"] = create(backend, name=name, description=description)
        clock.advance(1)
    act(backend, keys["k7"], "deactivate")
    act(backend, keys["k8"], "deactivate")
    act(backend, keys["k9"], "deactivate")
    clock.advance(1)
    act(backend, keys["k8"], "remove")
    act(backend, keys["k9"], "remove")
    clock.advance(1)
    act(backend, keys["k9"], "purge")
    clock.advance(1)
    return {k: backend.get_api_key(v.id) for k, v in keys.items()}  # type: ignore[misc]


def test_removed_keys_are_hidden_but_readable(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    all_ids = ids(backend, query())
    assert listed["k8"].id not in all_ids and listed["k9"].id not in all_ids
    assert len(all_ids) == 10
    assert backend.get_api_key(listed["k8"].id).state == "removed"  # type: ignore[union-attr]


def test_removing_keys_may_be_listed(slow_backend: SqliteApiKeyBackend, clock: FakeClock) -> None:
    key = create(slow_backend)
    act(slow_backend, key, "remove")
    assert key.id in ids(slow_backend, query())
    clock.advance(10.01)
    assert key.id not in ids(slow_backend, query())


def test_default_order_is_by_the_number_in_the_id(backend: SqliteApiKeyBackend) -> None:
    keys = [create(backend).id for _ in range(12)]
    assert ids(backend, query()) == keys  # 1c10 after 1c9
    assert ids(backend, query(order="desc")) == keys[::-1]
    assert ids(backend, query(("id", "gt", keys[8]))) == keys[9:]
    assert ids(backend, query(("id", "lte", keys[1]))) == keys[:2]
    assert ids(backend, query(("id", "eq", keys[10]))) == [keys[10]]
    assert ids(backend, query(("id", "ne", keys[10]))) == keys[:10] + keys[11:]
    assert ids(backend, query(("id", "eq", "nonsense"))) == []
    assert ids(backend, query(("id", "ne", "nonsense"))) == keys
    assert ids(backend, query(("id", "lt", "1c99999999999999999999999999"))) == keys
    assert ids(backend, query(("id", "null", "whatever"))) == []
    assert ids(backend, query(("id", "notnull", ""))) == keys


def _expected(listed: dict[str, ApiKeyRecord], pred: object) -> list[str]:
    visible = [r for r in listed.values() if r.removed is None]
    return sorted((r.id for r in visible if pred(r)), key=lambda i: int(i[2:]))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("flt", "pred"),
    [
        (("name", "eq", "alpha"), lambda r: r.name == "alpha"),
        (("name", "ne", "alpha"), lambda r: r.name is not None and r.name != "alpha"),
        (("name", "prefix", "al"), lambda r: r.name is not None and r.name.startswith("al")),
        (("name", "prefix", ""), lambda r: r.name is not None),
        (("name", "prefix", "%ta"), lambda r: r.name is not None and "ta" in r.name),
        (("name", "like", "%eta"), lambda r: r.name is not None and r.name.endswith("eta")),
        (("name", "like", "_eta"), lambda r: r.name in ("beta", "zeta")),
        (("name", "notlike", "%eta"), lambda r: r.name is not None and not r.name.endswith("eta")),
        (("name", "null", "x"), lambda r: r.name is None),
        (("name", "notnull", ""), lambda r: r.name is not None),
        (
            ("description", "like", "x%"),
            lambda r: r.description is not None and r.description.startswith("x"),
        ),
        (
            ("description", "prefix", "a_"),
            lambda r: r.description is not None and r.description.startswith("a"),
        ),
        (("state", "eq", "inactive"), lambda r: r.state == "inactive"),
        (("state", "ne", "active"), lambda r: r.state != "active"),
        (("kind", "eq", "apiKey"), lambda r: True),
        (("kind", "prefix", "api"), lambda r: True),
        (("accountId", "null", ""), lambda r: True),
        (("accountId", "notnull", ""), lambda r: False),
        (("accountId", "ne", "1a5"), lambda r: False),
        (("registryId", "null", ""), lambda r: True),
        (("registryId", "eq", "1r1"), lambda r: False),
        (("removeTime", "null", ""), lambda r: True),
        (("removeTime", "notnull", ""), lambda r: False),
        (("secretValue", "null", ""), lambda r: True),
        (("secretValue", "eq", "x"), lambda r: False),
        (("secretValue", "notnull", ""), lambda r: False),
        (("removed", "null", ""), lambda r: True),
        (("removed", "notnull", ""), lambda r: False),
        (("removed", "ne", "2017-01-20T10:00:00Z"), lambda r: False),
        (("created", "lt", "2017-01-20T10:00:03Z"), lambda r: r.created_ts < 1_484_906_403_000),
        (("created", "gte", "2017-01-20T10:00:03Z"), lambda r: r.created_ts >= 1_484_906_403_000),
        (("created", "eq", "2017-01-20T10:00:05Z"), lambda r: r.created == "2017-01-20T10:00:05Z"),
        (("created", "lte", "1484906402000"), lambda r: r.created_ts <= 1_484_906_402_000),
        (("created", "gt", "not a date"), lambda r: False),
        (("created", "ne", "not a date"), lambda r: True),
        (("uuid", "like", "%-4%"), lambda r: True),
    ],
)
def test_filters(
    backend: SqliteApiKeyBackend,
    listed: dict[str, ApiKeyRecord],
    flt: tuple[str, str, str],
    pred: object,
) -> None:
    assert ids(backend, query(flt)) == _expected(listed, pred)


def test_public_value_and_uuid_filters(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    key = listed["k3"]
    assert ids(backend, query(("publicValue", "eq", key.public_value))) == [key.id]
    assert key.id in ids(backend, query(("publicValue", "prefix", key.public_value[:19])))
    assert ids(backend, query(("uuid", "eq", key.uuid))) == [key.id]


def test_filters_are_anded_and_repeatable(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    got = ids(backend, query(("name", "prefix", "a"), ("description", "eq", "y")))
    assert got == [listed["k2"].id]
    assert ids(
        backend, query(("name", "ne", "alpha"), ("name", "ne", "beta"), ("name", "prefix", "e"))
    ) == [listed["k10"].id]


def test_text_matching_is_consistently_case_sensitive(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    like = ids(backend, query(("name", "like", "al%")))
    prefix = ids(backend, query(("name", "prefix", "al")))
    assert like == prefix and listed["k4"].id not in like


def test_hostile_values_do_not_break_queries(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    for value in (
        "\ud800",
        "\x00",
        "'; DROP TABLE api_key; --",
        "%" * 60_000,
        "\U0010ffff",
        "\uffff" * 3,
    ):
        for field, modifier in (
            ("name", "eq"),
            ("name", "prefix"),
            ("name", "like"),
            ("name", "notlike"),
            ("id", "lt"),
            ("created", "gte"),
            ("state", "ne"),
        ):
            backend.list_api_keys(query((field, modifier, value)))
    assert len(ids(backend, query())) == 10


def test_sort_with_id_as_tie_breaker(
    backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]
) -> None:
    visible = [r for r in listed.values() if r.removed is None]

    def order(key: object, reverse: bool) -> list[str]:
        return [r.id for r in sorted(visible, key=key, reverse=reverse)]  # type: ignore[arg-type]

    def by_name(r: ApiKeyRecord) -> tuple[int, str, int]:
        return (r.name is not None, r.name or "", int(r.id[2:]))  # SQLite: NULLs first ascending

    assert ids(backend, query(sort="name")) == order(by_name, False)
    assert ids(backend, query(sort="name", order="desc")) == order(by_name, True)
    assert ids(backend, query(sort="state")) == order(lambda r: (r.state, int(r.id[2:])), False)
    assert ids(backend, query(sort="created", order="desc")) == order(
        lambda r: (r.created_ts, int(r.id[2:])), True
    )
    assert ids(backend, query(sort="id", order="desc")) == order(lambda r: int(r.id[2:]), True)
    assert ids(backend, query(sort="secretValue")) == order(lambda r: int(r.id[2:]), False)
    assert ids(backend, query(sort="kind", order="desc")) == order(lambda r: int(r.id[2:]), True)


def test_pagination(backend: SqliteApiKeyBackend, listed: dict[str, ApiKeyRecord]) -> None:
    everything = ids(backend, query(sort="name"))
    seen: list[str] = []
    offset = 0
    while True:
        page = backend.list_api_keys(query(sort="name", limit=3, offset=offset))
        seen += [r.id for r in page.items]
        if not page.has_more:
            break
        assert len(page.items) == 3
        offset += 3
    assert seen == everything
    assert backend.list_api_keys(query(limit=10)).has_more is False
    assert backend.list_api_keys(query(limit=9)).has_more is True
    assert backend.list_api_keys(query(offset=2**70)).items == []


def test_limit_is_clamped_at_3000(backend: SqliteApiKeyBackend) -> None:
    backend.seed(3005)
    assert len(backend.list_api_keys(query(limit=5000)).items) == 3000
    assert len(backend.list_api_keys(query(limit=0)).items) == 3000
    page = backend.list_api_keys(query(limit=3000))
    assert len(page.items) == 3000 and page.has_more


# -- indexes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "sort", "order", "index"),
    [
        ([("name", "prefix", "bench-00")], "name", "desc", "ix_credential_visible_name"),
        (
            [("state", "eq", "active"), ("name", "prefix", "bench-0")],
            "name",
            "asc",
            "ix_credential_visible_state_name",
        ),
        (  # the list page of bench/bench_server.py
            [("state", "eq", "active"), ("name", "prefix", "bench-0")],
            "name",
            "desc",
            "ix_credential_visible_state_name",
        ),
        ([("state", "eq", "active")], "created", "desc", "ix_credential_visible_state_created_ts"),
        ([("state", "eq", "inactive")], None, "asc", "ix_credential_visible_state"),
        ([], "name", "asc", "ix_credential_visible_name"),
        ([], "created", "desc", "ix_credential_visible_created_ts"),
        (
            [("created", "gte", "2017-01-20T10:00:00Z")],
            "created",
            "asc",
            "ix_credential_visible_created_ts",
        ),
        (
            [("description", "prefix", "seeded key 1")],
            "description",
            "asc",
            "ix_credential_visible_description",
        ),
    ],
)
def test_list_queries_are_served_by_indexes(
    file_backend: SqliteApiKeyBackend,
    filters: list[tuple[str, str, str]],
    sort: str | None,
    order: str,
    index: str,
) -> None:
    file_backend.seed(2000, name_prefix="bench-")
    sql, params, _ = file_backend.list_sql("apiKey", filters, sort, order, 100, 0)
    with file_backend._read() as conn:
        plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert f"USING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
