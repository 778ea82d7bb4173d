"""The server under test, read from the environment (`RANCHER_URL`, `RANCHER_ACCESS_KEY`, ...)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ENV_VARS", "Target", "TargetError", "parse_max_rps"]

ENV_VARS = {
    "RANCHER_URL": "the API base, ending in /v1 (e.g. http://127.0.0.1:8080/v1)",
    "RANCHER_ACCESS_KEY": "access key of an active API key",
    "RANCHER_SECRET_KEY": "its secret key",
    "RANCHER_AUTH": "'off' for a server with access control off (the 401 checks are then skipped)",
    "RANCHER_TRANSITION_TIMEOUT": "seconds to wait for a transition to finish (default 30)",
    "RANCHER_PROFILE": "'quick' or 'full' (default quick)",
    "RANCHER_SEED": "seed of hypothesis and schemathesis (default: random)",
    "RANCHER_MAX_RPS": "the most requests per second the whole run sends (default: no cap)",
}


class TargetError(ValueError):
    """The environment does not describe a usable target."""


@dataclass(frozen=True)
class Target:
    url: str  # the API base, ".../v1", without a trailing slash
    access_key: str | None
    secret_key: str | None
    auth: bool
    transition_timeout: float = 30.0
    profile: str = "quick"
    seed: int | None = None
    max_rps: float | None = None  # None: no cap on the request rate

    @property
    def origin(self) -> str:
        """The URL the spec's paths (which start with /v1) are relative to."""
        return self.url[: -len("/v1")]

    @property
    def credentials(self) -> tuple[str, str] | None:
        if self.access_key is None or self.secret_key is None:
            return None
        return (self.access_key, self.secret_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Target:
        env = os.environ if env is None else env
        url = env.get("RANCHER_URL", "").strip().rstrip("/")
        if not url:
            raise TargetError(
                "RANCHER_URL is not set (the API base, e.g. http://127.0.0.1:8080/v1)"
            )
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise TargetError(f"RANCHER_URL must be an http(s) URL, got {url!r}")
        if not parts.path.endswith("/v1"):
            raise TargetError(f"RANCHER_URL must end in /v1, got {url!r}")
        auth = env.get("RANCHER_AUTH", "on").strip().lower() not in {"off", "0", "false", "no"}
        access, secret = (
            env.get("RANCHER_ACCESS_KEY") or None,
            env.get("RANCHER_SECRET_KEY") or None,
        )
        if auth and (access is None or secret is None):
            raise TargetError(
                "RANCHER_ACCESS_KEY and RANCHER_SECRET_KEY are needed (or RANCHER_AUTH=off for a "
                "server "
                "with access control off)"
            )
        try:
            timeout = float(env.get("RANCHER_TRANSITION_TIMEOUT", "30"))
        except ValueError:
            raise TargetError("RANCHER_TRANSITION_TIMEOUT must be a number of seconds") from None
        if timeout <= 0:
            raise TargetError("RANCHER_TRANSITION_TIMEOUT must be positive")
        profile = env.get("RANCHER_PROFILE", "quick").strip().lower()
        if profile not in {"quick", "full"}:
            raise TargetError(f"RANCHER_PROFILE must be quick or full, got {profile!r}")
        seed_text = env.get("RANCHER_SEED", "").strip()
        try:
            seed = int(seed_text) if seed_text else None
        except ValueError:
            raise TargetError(f"RANCHER_SEED must be an integer, got {seed_text!r}") from None
        max_rps = parse_max_rps(env.get("RANCHER_MAX_RPS", ""))
        return cls(url, access, secret, auth, timeout, profile, seed, max_rps)


def parse_max_rps(text: str) -> float | None:
    """RANCHER_MAX_RPS: empty means no cap; otherwise a positive number of requests per second."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise TargetError(f"RANCHER_MAX_RPS must be a number, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise TargetError(f"RANCHER_MAX_RPS must be a positive number, got {text!r}")
    return value
