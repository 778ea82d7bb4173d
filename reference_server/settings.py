"""`Settings`: what shapes one reference server, with the defaults of `rancher-contract serve`."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rancher_contract.paths import data_dir
from rancher_contract.reference_server._secrets import PUBLIC_VALUE_RE, SECRET_RE

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_WRITE_TIMEOUT",
    "Settings",
    "SettingsError",
]

DEFAULT_DB = str(data_dir() / "apikeys.sqlite3")
# The largest valid body is a 255-character name and a 1,024-character description (at most ~10 KiB
# of
# JSON even with every character \u-escaped); 64 KiB leaves room for ignored fields and stops abuse
# early.
DEFAULT_MAX_BODY_BYTES = 65_536
# A request (head and body) must arrive within this many seconds of its first byte; a valid body is
# at most a few KiB, so only a stalled or hostile client needs longer. The connection is closed.
DEFAULT_READ_TIMEOUT = 5.0
# Output a client has not taken any of for this many seconds is dropped with its connection.
DEFAULT_WRITE_TIMEOUT = 10.0


class SettingsError(ValueError):
    """Settings that cannot work; the message is one line meant for the user."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    db: str = DEFAULT_DB  # a file path, or ":memory:"
    access_key: str | None = None  # with secret_key: the bootstrap key pair; else one is generated
    secret_key: str | None = None
    auth: bool = True  # False: access control off (every request runs as the admin)
    transition_delay: float = 0.0  # seconds a transition takes; 0: done on the next request
    faults: tuple[str, ...] = ()  # names for reference_server.faults.apply_faults
    lock_timeout: float = 5.0  # seconds a write waits for the database lock before answering 409
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger request bodies answer 413
    read_timeout: float = DEFAULT_READ_TIMEOUT  # seconds a request may take to arrive
    write_timeout: float = DEFAULT_WRITE_TIMEOUT  # seconds a client may take no output at all
    pool_size: int = 8  # SQLite connections the backend keeps open at most

    def validate(self) -> None:
        """Raise SettingsError with one clear line if these settings cannot work."""
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"--port must be between 0 and 65535, not {self.port}")
        if not self.host:
            raise SettingsError("--host must not be empty")
        if (self.access_key is None) != (self.secret_key is None):
            raise SettingsError("--access-key and --secret-key go together: give both or neither")
        if self.access_key is not None and not PUBLIC_VALUE_RE.fullmatch(self.access_key):
            raise SettingsError("--access-key must be 20 characters 0-9A-F (an apiKey publicValue)")
        if self.secret_key is not None and not SECRET_RE.fullmatch(self.secret_key):
            raise SettingsError("--secret-key must be 40 characters 0-9A-Za-z")
        if not (math.isfinite(self.transition_delay) and self.transition_delay >= 0):
            raise SettingsError(
                f"--transition-delay must be a number of seconds >= 0, not {self.transition_delay}"
            )
        if not (math.isfinite(self.lock_timeout) and self.lock_timeout > 0):
            raise SettingsError(f"lock_timeout must be > 0 seconds, not {self.lock_timeout}")
        for option, value in (
            ("--read-timeout", self.read_timeout),
            ("--write-timeout", self.write_timeout),
        ):
            if not (math.isfinite(value) and value > 0):
                raise SettingsError(f"{option} must be a number of seconds > 0, not {value}")
        if self.pool_size < 1:
            raise SettingsError(f"pool_size must be >= 1, not {self.pool_size}")
        if self.max_body_bytes < 1:
            raise SettingsError(f"max_body_bytes must be >= 1, not {self.max_body_bytes}")
        if not self.db:
            raise SettingsError("--db must be a file path or :memory:")
