"""App assembly: backend + authenticator + faults + the generated Starlette stubs, in one place."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rancher_contract.generated.server import ResourceBackends, create_app
from rancher_contract.reference_server import faults
from rancher_contract.reference_server.backend import (
    BootstrapKey,
    DatabaseError,
    SqliteApiKeyBackend,
)
from rancher_contract.reference_server.settings import DEFAULT_DB, Settings, SettingsError

__all__ = ["DatabaseError", "ReferenceServer", "build_app", "build_server"]

ASGIApp = Any  # starlette.types.ASGIApp


@dataclass
class ReferenceServer:
    """An assembled server: the ASGI app, its backend, and the bootstrap key pair."""

    app: ASGIApp
    backend: SqliteApiKeyBackend
    settings: Settings
    bootstrap: BootstrapKey | None  # None with access control off

    @property
    def access_key(self) -> str | None:
        return self.bootstrap.access_key if self.bootstrap else None

    @property
    def secret_key(self) -> str | None:
        return self.bootstrap.secret_key if self.bootstrap else None

    def close(self) -> None:
        self.backend.close()


def _secret_file(db: str) -> Path | None:
    """Where `serve` keeps the clear bootstrap secret so it can print it again: beside the database.

    The database itself only ever holds salted hashes; this file is the operator's copy (mode 0600),
    like a generated credentials file. None for an in-memory database.
    """
    return None if db in (":memory:", "") else Path(db + ".bootstrap.json")


def _remember_secret(path: Path, bootstrap: BootstrapKey) -> None:
    payload = json.dumps({"accessKey": bootstrap.access_key, "secretKey": bootstrap.secret_key})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(payload + "\n")


def _recall_secret(path: Path, backend: SqliteApiKeyBackend, access_key: str) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    secret = data.get("secretKey") if isinstance(data, dict) else None
    if data.get("accessKey") != access_key or not isinstance(secret, str):
        return None
    return secret if backend.check_secret(access_key, secret) else None


def _bootstrap(settings: Settings, backend: SqliteApiKeyBackend) -> BootstrapKey:
    try:
        key = backend.ensure_bootstrap_key(settings.access_key, settings.secret_key)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    secret_file = _secret_file(settings.db)
    if secret_file is None or settings.access_key is not None:
        return key
    if key.generated:
        try:
            _remember_secret(secret_file, key)
        except OSError:
            pass  # printed once; the operator keeps it
        return key
    secret = _recall_secret(secret_file, backend, key.access_key)
    return BootstrapKey(key.id, key.access_key, secret, generated=False)


def build_server(settings: Settings) -> ReferenceServer:
    """Open the database, make sure a bootstrap key exists, apply the faults, build the app.

    Raises SettingsError (bad settings, unknown fault) or DatabaseError (unusable --db).
    """
    settings.validate()
    if settings.db == DEFAULT_DB:
        Path(DEFAULT_DB).parent.mkdir(parents=True, exist_ok=True)
    backend = SqliteApiKeyBackend(
        settings.db, transition_delay=settings.transition_delay, lock_timeout=settings.lock_timeout
    )
    try:
        bootstrap = _bootstrap(settings, backend) if settings.auth else None
        try:
            parts = faults.apply_faults(
                list(settings.faults), backend, backend if settings.auth else None
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        stubs = create_app(
            ResourceBackends(api_key=parts.backend),
            authenticator=parts.authenticator,
            max_body_bytes=settings.max_body_bytes,
        )
        app: ASGIApp = parts.wrap_app(stubs)
    except BaseException:
        backend.close()
        raise
    return ReferenceServer(app=app, backend=backend, settings=settings, bootstrap=bootstrap)


def build_app(settings: Settings | None = None) -> ASGIApp:
    """The ASGI app for `settings` (default: in-memory database, access control on)."""
    return build_server(settings or Settings(db=":memory:")).app
