"""Helpers of the generator tests: a fake backend, generation into temporary packages.

`TestClient` is re-exported here, imported without starlette's warning about httpx.
"""

from __future__ import annotations

import importlib
import itertools
import socket
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from rancher_contract.generated.server import (
    API_KEY_LIFECYCLE,
    ActionNotAvailableError,
    ApiKeyAction,
    ApiKeyCreateInput,
    ApiKeyRecord,
    ApiKeyUpdateInput,
    CollectionQuery,
    MethodNotAllowedError,
    NotFoundError,
    Page,
)
from rancher_contract.generator.cli import main as generate_main
from rancher_contract.paths import DEFAULT_SPEC, SPEC_DIR
from tests._checkout import REPO_ROOT

with warnings.catch_warnings():  # starlette 1.x warns that its TestClient runs on httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

__all__ = [
    "GENERATED",
    "SPEC",
    "SPEC_SET",
    "FakeApiKeys",
    "KeyAuthenticator",
    "TestClient",
    "free_port",
    "generate_package",
    "import_package",
]

SPEC = DEFAULT_SPEC  # one file: apiKey
SPEC_SET = SPEC_DIR  # the folder: every resource, what generated/ is made from
GENERATED = REPO_ROOT / "generated"
_counter = itertools.count()


class FakeApiKeys:
    """A small in-memory ApiKeyBackend: transitions complete at once (the contract allows it)."""

    def __init__(self) -> None:
        self.records: dict[str, ApiKeyRecord] = {}
        self.queries: list[CollectionQuery] = []
        self.next_id = 1
        self.fail_with: Exception | None = None

    def _check(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def list_api_keys(self, query: CollectionQuery) -> Page[ApiKeyRecord]:
        self._check()
        self.queries.append(query)
        rows = [r for r in self.records.values() if r.removed is None]
        for condition in query.filters:
            if condition.modifier == "eq":
                attr = {"publicValue": "public_value", "accountId": "account_id"}.get(
                    condition.field, condition.field
                )
                rows = [r for r in rows if str(getattr(r, attr, "")) == condition.value]
            elif condition.modifier == "prefix" and condition.field == "name":
                rows = [r for r in rows if (r.name or "").startswith(condition.value)]
        rows.sort(key=lambda r: int(r.id[2:]), reverse=query.order == "desc")
        page = rows[query.offset : query.offset + query.limit]
        return Page(page, has_more=query.offset + query.limit < len(rows))

    def create_api_key(self, data: ApiKeyCreateInput) -> ApiKeyRecord:
        self._check()
        number = self.next_id
        self.next_id += 1
        record = ApiKeyRecord(
            id=f"1c{number}",
            name=data.name,
            description=data.description,
            account_id="1a5",
            kind="apiKey",
            public_value=f"{number:020X}",
            secret_value="S" * 40,
            state="active",
            transitioning="no",
            transitioning_message=None,
            transitioning_progress=None,
            uuid=f"00000000-0000-4000-8000-{number:012d}",
            created="2017-01-20T10:00:00Z",
            created_ts=1484906400000,
            removed=None,
        )
        self.records[record.id] = replace(record, secret_value=None)
        return record

    def get_api_key(self, id: str) -> ApiKeyRecord | None:
        self._check()
        return self.records.get(id)

    def update_api_key(self, id: str, data: ApiKeyUpdateInput) -> ApiKeyRecord | None:
        self._check()
        record = self.records.get(id)
        if record is None:
            return None
        changes: dict[str, Any] = {}
        if "name" in data.fields_set:
            changes["name"] = data.name
        if "description" in data.fields_set:
            changes["description"] = data.description
        record = replace(record, **changes)
        self.records[id] = record
        return record

    def delete_api_key(self, id: str) -> ApiKeyRecord:
        self._check()
        record = self.records.get(id)
        if record is None:
            raise NotFoundError()
        delete = API_KEY_LIFECYCLE.delete
        assert delete is not None
        if record.state in delete.already_done_states:
            return record
        if not API_KEY_LIFECYCLE.can_start(delete.runs, record.state):
            raise MethodNotAllowedError()
        return self._move(record, delete.runs)

    def perform_api_key_action(self, id: str, action: ApiKeyAction) -> ApiKeyRecord:
        self._check()
        record = self.records.get(id)
        if record is None:
            raise NotFoundError()
        if action not in API_KEY_LIFECYCLE.actions_for(record.state):
            raise ActionNotAvailableError()
        return self._move(record, action)

    def _move(self, record: ApiKeyRecord, action: str) -> ApiKeyRecord:
        target = API_KEY_LIFECYCLE.actions[action].to
        changes: dict[str, Any] = {"state": target, "transitioning": "no"}
        if target == "removed":
            changes.update(removed="2017-01-21T10:00:00Z", removed_ts=1484992800000)
        record = replace(record, **changes)
        self.records[record.id] = record
        return record


class KeyAuthenticator:
    def __init__(self, access_key: str, secret_key: str) -> None:
        self.pair = (access_key, secret_key)

    def authenticate(self, access_key: str, secret_key: str) -> bool:
        return (access_key, secret_key) == self.pair


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def generate_package(spec: Path, parent: Path, *args: str) -> tuple[int, Path, str]:
    """Generate into `parent/<unique name>`: (exit code, package folder, import name)."""
    name = f"gen_pkg_{next(_counter)}_{abs(hash(str(parent))) % 10_000}"
    out = parent / name
    code = generate_main(["--spec", str(spec), "--out", str(out), *args])
    return code, out, name


def import_package(parent: Path, name: str, module: str = "") -> ModuleType:
    if str(parent) not in sys.path:
        sys.path.insert(0, str(parent))
    importlib.invalidate_caches()
    return importlib.import_module(f"{name}{'.' + module if module else ''}")
