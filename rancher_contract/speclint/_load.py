"""Reading the spec file: YAML in, a mapping out, or one readable line saying why not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

__all__ = ["SpecLoadError", "load_spec"]

# The C loader is about ten times faster on the spec; PyYAML without libyaml still works.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecLoadError(Exception):
    """The spec file is missing, unreadable, not YAML, or not a mapping; `str()` is one line."""


def load_spec(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The parsed spec at `path`; raises SpecLoadError with one readable line."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecLoadError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise SpecLoadError(f"{where}: is a directory, not a spec file") from None
    except UnicodeDecodeError as exc:
        raise SpecLoadError(f"{where}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SpecLoadError(f"{where}: cannot read: {exc.strerror or exc}") from None
    try:
        document = yaml.load(text, Loader=_Loader)  # CSafeLoader or SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        if mark is not None:
            raise SpecLoadError(
                f"{where}:{mark.line + 1}:{mark.column + 1}: YAML syntax error: {problem}"
            ) from None
        raise SpecLoadError(f"{where}: YAML syntax error: {problem}") from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())
        raise SpecLoadError(f"{where}: YAML error: {message}") from None
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise SpecLoadError(f"{where}: the document is {kind}, not a mapping")
    return document
