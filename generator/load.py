"""Stage 1: read the spec (YAML or JSON), check every `$ref`, apply the project's spec rules.

The document stays a plain dict; `Spec.resolve` follows local `$ref` chains on demand and reports
where it ended up, so that every later error can name its place in the spec as a JSON pointer.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rancher_contract.paths import REPO_ROOT

from .errors import SpecError, pointer_join

__all__ = ["Spec", "load_spec", "project_rules"]

# libyaml is several times faster; the pure-Python loader gives the same document
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Spec:
    """A loaded spec: the document, where it came from (for the headers) and its digest."""

    document: dict[str, Any]
    path: Path
    display_path: str
    sha256: str
    _targets: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow `$ref`s from `node` (found at `pointer`); return the target and its pointer.

        Every `$ref` was checked by `load_spec`, so this cannot fail on a loaded spec.
        """
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise ValueError(f"{pointer}: circular $ref {ref!r}")
            seen.add(ref)
            if ref in self._targets:
                node = self._targets[ref]
            else:
                node, error = _lookup(self.document, ref)
                if error is not None:
                    raise ValueError(f"{pointer}: {error}")
                self._targets[ref] = node
            pointer = ref[1:]
        return node, pointer

    def get(self, pointer: str) -> Any:
        node, error = _lookup(self.document, "#" + pointer)
        if error is not None:
            raise KeyError(pointer)
        return node


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _lookup(document: Any, ref: str) -> tuple[Any, str | None]:
    if not ref.startswith("#"):
        return None, f"$ref {ref!r} is not local (only '#/...' references are supported)"
    if ref in ("#", "#/"):
        return document, None
    if not ref.startswith("#/"):
        return None, f"$ref {ref!r} is not a JSON pointer"
    node = document
    for raw in ref[2:].split("/"):
        token = _unescape(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None, f"$ref {ref!r} does not resolve (no {token!r})"
    return node, None


def _walk_refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    stack: list[tuple[Any, str]] = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield pointer_join(where, "$ref"), ref
            for key, value in current.items():
                if isinstance(value, dict | list):
                    stack.append((value, pointer_join(where, str(key))))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, dict | list):
                    stack.append((value, pointer_join(where, index)))


def _check_refs(document: dict[str, Any]) -> list[SpecError]:
    errors: list[SpecError] = []
    for where, ref in _walk_refs(document, ""):
        seen = {ref}
        target, problem = _lookup(document, ref)
        # a chain of $refs must end somewhere
        while problem is None and isinstance(target, dict) and isinstance(target.get("$ref"), str):
            nxt = target["$ref"]
            if nxt in seen:
                problem = f"$ref {ref!r} is circular"
                break
            seen.add(nxt)
            target, problem = _lookup(document, nxt)
        if problem is not None:
            errors.append(SpecError(where, problem))
    return sorted(errors)


def project_rules(document: dict[str, Any]) -> list[SpecError]:
    """The foundation's spec rules (`rancher_contract.speclint.check_rules`), when it exists.

    Imported lazily and only that one module, so the generate path stays light. Until the
    package exists the rules are skipped (the generator's own IR checks still apply).
    """
    try:
        speclint = importlib.import_module("rancher_contract.speclint")
    except ImportError:
        return []
    check_rules = getattr(speclint, "check_rules", None)
    if check_rules is None:
        return []
    findings: list[SpecError] = []
    for finding in check_rules(document):
        level_text = str(getattr(finding, "level", "error")).lower()
        level = "error" if "error" in level_text else "warning"
        rule = getattr(finding, "rule", "")
        message = str(getattr(finding, "message", finding))
        findings.append(
            SpecError(
                str(getattr(finding, "pointer", "")),
                f"[{rule}] {message}" if rule else message,
                "error" if level == "error" else "warning",
            )
        )
    return findings


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def load_spec(
    path: Path, *, with_project_rules: bool = True
) -> tuple[Spec | None, list[SpecError]]:
    """Read and check a spec: the spec (None when unusable) and every finding (JSON pointers)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [SpecError("", f"cannot read {path}: {exc.strerror or exc}")]
    try:
        if path.suffix == ".json":
            document = json.loads(raw)
        else:
            document = yaml.load(raw, Loader=_Loader)
    except (ValueError, yaml.YAMLError) as exc:
        return None, [SpecError("", f"{path} is not valid YAML/JSON: {exc}")]
    if not isinstance(document, dict):
        return None, [SpecError("", f"{path}: the document is not a mapping")]
    findings = _check_refs(document)
    if with_project_rules and not findings:
        findings += project_rules(document)
    if any(finding.level == "error" for finding in findings):
        return None, findings
    spec = Spec(
        document=document,
        path=path,
        display_path=_display_path(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    return spec, findings
