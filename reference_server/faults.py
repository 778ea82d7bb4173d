"""Deliberate contract violations, for the contract suite's self-check (`rancher-contract serve --fault NAME`).

Placeholder: the contract-suite work fills FAULTS and apply_faults in. The reference server calls
apply_faults(...) once at start-up and builds its app from what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["FAULTS", "Fault", "FaultedParts", "apply_faults"]

ASGIApp = Any  # starlette.types.ASGIApp; kept loose so this module has no import-time dependencies


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    contract_section: str


@dataclass(frozen=True)
class FaultedParts:
    backend: Any  # generated.server.ApiKeyBackend
    authenticator: Any  # generated.server.Authenticator | None
    wrap_app: Callable[[ASGIApp], ASGIApp]


FAULTS: dict[str, Fault] = {}


def apply_faults(names: Sequence[str], backend: Any, authenticator: Any) -> FaultedParts:
    unknown = sorted(set(names) - set(FAULTS))
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}")
    return FaultedParts(backend=backend, authenticator=authenticator, wrap_app=lambda app: app)
