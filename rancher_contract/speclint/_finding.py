"""The value every check produces: one problem, where it is, and how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Level"]

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem in the spec, located by a JSON pointer into the document."""

    rule: str
    pointer: str
    message: str
    level: Level = "error"

    def format(self) -> str:
        """The one-line form the CLI prints: `error  RULE  POINTER  message`."""
        return f"{self.level}  {self.rule}  {self.pointer or '(document)'}  {self.message}"
