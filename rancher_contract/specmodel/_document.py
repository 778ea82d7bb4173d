"""Reading a spec file: YAML or JSON in, a mapping out, or one readable line saying why not."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["SpecDocument", "SpecLoadError", "display_path", "load_document", "read_document"]

# The C loader is about ten times faster on the spec; PyYAML without libyaml still works.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecLoadError(Exception):
    """The spec file is missing, unreadable, not YAML/JSON or not a mapping; `str()`: one line."""


@dataclass(frozen=True)
class SpecDocument:
    """One parsed spec file: the document, where it came from and the digest of its bytes."""

    document: dict[str, Any] = field(compare=False, repr=False)
    path: Path
    display_path: str  # `spec/<file>` when the file sits in a folder named spec, else its name
    sha256: str


def display_path(path: Path) -> str:
    """How headers and messages name a spec: the same from a checkout, a wheel or a copy."""
    resolved = path.resolve()
    if resolved.parent.name == "spec":
        return f"spec/{resolved.name}"
    return resolved.name


def _parse(raw: bytes, where: str, as_json: bool) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecLoadError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    if as_json:
        try:
            return json.loads(text)
        except ValueError as exc:
            raise SpecLoadError(f"{where}: not valid YAML/JSON: {exc}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # CSafeLoader or SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        if mark is not None:
            raise SpecLoadError(
                f"{where}:{mark.line + 1}:{mark.column + 1}: not valid YAML/JSON: "
                f"YAML syntax error: {problem}"
            ) from None
        raise SpecLoadError(f"{where}: not valid YAML/JSON: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise SpecLoadError(f"{where}: not valid YAML/JSON: YAML error: {message}") from None


def read_document(path: str | os.PathLike[str]) -> SpecDocument:
    """The spec file at `path` (`.json` is read as JSON, anything else as YAML)."""
    where = str(path)
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise SpecLoadError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise SpecLoadError(f"{where}: is a directory, not a spec file") from None
    except OSError as exc:
        raise SpecLoadError(f"{where}: cannot read: {exc.strerror or exc}") from None
    document = _parse(raw, where, file.suffix == ".json")
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise SpecLoadError(f"{where}: the document is {kind}, not a mapping")
    return SpecDocument(document, file, display_path(file), hashlib.sha256(raw).hexdigest())


def load_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed spec at `path`; raises SpecLoadError with one readable line."""
    return read_document(path).document
