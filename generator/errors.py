"""Errors as values: every problem found in a spec is a `SpecError` with a level and a pointer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Level", "SpecError", "escape_pointer", "has_errors", "pointer_join"]

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class SpecError:
    """One finding: where in the spec (a JSON pointer), how bad, and what."""

    pointer: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        return f"{self.level}: {self.pointer or '/'}: {self.message}"


def escape_pointer(token: str) -> str:
    """Escape one reference token of a JSON pointer (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_join(pointer: str, *tokens: str | int) -> str:
    """`pointer_join("/paths", "/v1", "get")` -> `/paths/~1v1/get`."""
    return pointer + "".join("/" + escape_pointer(str(token)) for token in tokens)


def has_errors(findings: list[SpecError]) -> bool:
    return any(finding.level == "error" for finding in findings)
