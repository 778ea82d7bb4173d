"""JSON pointers (RFC 6901) and local `$ref`s: the one walker every part uses on a spec document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MISSING", "follow_refs", "join", "lookup", "split", "target_of"]


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


def target_of(document: Any, ref: str) -> tuple[Any, str]:
    """The value a local reference (`#/...`) names and its pointer; (MISSING, "") when none."""
    if ref != "#" and not ref.startswith("#/"):
        return MISSING, ""
    pointer = ref[1:]
    try:
        return lookup(document, split(pointer)), pointer
    except ValueError:
        return MISSING, ""


def follow_refs(document: Any, node: Any, pointer: str) -> tuple[Any, str]:
    """`node` (found at `pointer`) with any chain of local `$ref`s followed, and where it ended.

    A broken or circular chain gives (MISSING, pointer of the last `$ref` holder).
    """
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            return MISSING, pointer
        seen.add(ref)
        target, target_pointer = target_of(document, ref)
        if target is MISSING:
            return MISSING, pointer
        node, pointer = target, target_pointer
    return node, pointer
