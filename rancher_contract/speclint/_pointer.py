"""JSON pointers (RFC 6901): building them and following them through plain YAML data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MISSING", "join", "lookup", "split"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _escape(segment: str | int) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(pointer: str, *segments: str | int) -> str:
    """`pointer` extended by `segments`, each escaped: join("/paths", "/v1") == "/paths/~1v1"."""
    return pointer + "".join("/" + _escape(s) for s in segments)


def split(pointer: str) -> list[str]:
    """The unescaped segments of `pointer` ("" is the whole document)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


def lookup(document: Any, segments: Iterable[str]) -> Any:
    """The value at `segments` in `document`, or MISSING."""
    node = document
    for segment in segments:
        if isinstance(node, dict):
            if segment not in node:
                return MISSING
            node = node[segment]
        elif isinstance(node, list):
            if not segment.isdigit() or int(segment) >= len(node):
                return MISSING
            node = node[int(segment)]
        else:
            return MISSING
    return node
