"""Errors as values: every problem found in a spec is a `SpecError` with a level and a pointer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Level", "SpecError", "has_errors"]

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class SpecError:
    """One finding: where in the spec (a JSON pointer), how bad, and what."""

    pointer: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        return f"{self.level}: {self.pointer or '/'}: {self.message}"


def has_errors(findings: list[SpecError]) -> bool:
    return any(finding.level == "error" for finding in findings)
