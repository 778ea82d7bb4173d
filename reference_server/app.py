"""App assembly: backend + authenticator + faults + the generated Starlette stubs, in one place."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import rancher_contract.generated.server as generated_server
from rancher_contract.reference_server import faults
from rancher_contract.reference_server.backend import (
    BootstrapKey,
    DatabaseError,
    SqliteBackend,
)
from rancher_contract.reference_server.settings import DEFAULT_DB, Settings, SettingsError
from rancher_contract.specmodel import SpecModel

__all__ = ["DatabaseError", "ReferenceServer", "build_app", "build_server"]

ASGIApp = Any  # starlette.types.ASGIApp


@dataclass
class ReferenceServer:
    """An assembled server: the ASGI app, its backend, and the bootstrap key pair."""

    app: ASGIApp
    backend: SqliteBackend
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


def _refuse_symlink(path: Path) -> None:
    """A link where the secret file goes is refused: the secret is never written through one."""
    if path.is_symlink():
        raise SettingsError(
            f"{path} is a symbolic link; refusing to write the bootstrap secret through it "
            "(remove the link or choose another --db)"
        )


def _remember_secret(path: Path, bootstrap: BootstrapKey) -> None:
    """Write the file anew (mode 0600) and move it into place: whatever was at `path` before, a
    file with a wider mode or a link, is replaced, never written into or through."""
    payload = json.dumps({"accessKey": bootstrap.access_key, "secretKey": bootstrap.secret_key})
    fd, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp: O_EXCL, mode 0600
            handle.write(payload + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _read_private(path: Path) -> str | None:
    """The text of the secret file if it is a regular file (never through a link); a mode wider
    than 0600 left by an older version or by hand is narrowed to 0600."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        if info.st_mode & 0o077:
            with contextlib.suppress(OSError):
                os.fchmod(handle.fileno(), 0o600)
        return handle.read(65_536).decode("utf-8", "replace")


def _recall_secret(path: Path, backend: SqliteBackend, access_key: str) -> str | None:
    text = _read_private(path)
    try:
        data = json.loads(text) if text is not None else None
    except ValueError:
        return None
    secret = data.get("secretKey") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("accessKey") != access_key:
        return None
    if not isinstance(secret, str):
        return None
    return secret if backend.check_secret(access_key, secret) else None


def _bootstrap(settings: Settings, backend: SqliteBackend) -> BootstrapKey:
    secret_file = _secret_file(settings.db)
    if secret_file is not None and settings.access_key is None:
        _refuse_symlink(secret_file)  # before a key is generated whose secret could not be kept
    try:
        key = backend.ensure_bootstrap_key(settings.access_key, settings.secret_key)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
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


def build_server(
    settings: Settings, *, model: SpecModel | None = None, stubs: ModuleType | None = None
) -> ReferenceServer:
    """Open the database, make sure a bootstrap key exists, apply the faults, build the app.

    `model` and `stubs` (a generated `server` package) serve another spec than the shipped one:
    the stubs generated from it, the backend driven by its model.
    Raises SettingsError (bad settings, unknown fault) or DatabaseError (unusable --db).
    """
    server_module: Any = stubs if stubs is not None else generated_server
    settings.validate()
    if settings.db == DEFAULT_DB:
        Path(DEFAULT_DB).parent.mkdir(parents=True, exist_ok=True)
    backend = SqliteBackend(
        settings.db,
        model=model,
        stubs=server_module.RESOURCES,
        transition_delay=settings.transition_delay,
        lock_timeout=settings.lock_timeout,
        pool_size=settings.pool_size,
    )
    try:
        bootstrap = _bootstrap(settings, backend) if settings.auth else None
        try:
            parts = faults.apply_faults(
                list(settings.faults), backend, backend if settings.auth else None
            )
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        # one backend serves every resource's protocol (the faults wrap it as a whole)
        backends = server_module.ResourceBackends
        every = {f.name: parts.backend for f in dataclasses.fields(backends)}
        app_stubs = server_module.create_app(
            backends(**every),
            authenticator=parts.authenticator,
            max_body_bytes=settings.max_body_bytes,
        )
        app: ASGIApp = parts.wrap_app(app_stubs)
    except BaseException:
        backend.close()
        raise
    return ReferenceServer(app=app, backend=backend, settings=settings, bootstrap=bootstrap)


def build_app(settings: Settings | None = None) -> ASGIApp:
    """The ASGI app for `settings` (default: in-memory database, access control on)."""
    return build_server(settings or Settings(db=":memory:")).app
