"""Stage 1: read the spec (YAML or JSON), check every `$ref`, apply the project's spec rules.

The document stays a plain dict; `Spec.resolve` follows local `$ref` chains on demand and reports
where it ended up, so that every later error can name its place in the spec as a JSON pointer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rancher_contract.speclint import RULES, Finding, check_rules

from .errors import SpecError

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


def _as_spec_errors(findings: Iterable[Finding]) -> list[SpecError]:
    return [
        SpecError(
            f.pointer, f"[{f.rule}] {f.message}", "error" if f.level == "error" else "warning"
        )
        for f in findings
    ]


def check_refs(document: dict[str, Any]) -> list[SpecError]:
    """The foundation's `ref-resolves` rule alone: cheap, and what the IR builder relies on."""
    return _as_spec_errors(check_rules(document, only={"ref-resolves"}))


def project_rules(document: dict[str, Any]) -> list[SpecError]:
    """The foundation's other spec rules (`load_spec` already ran `ref-resolves`)."""
    return _as_spec_errors(check_rules(document, only=set(RULES) - {"ref-resolves"}))


def _display_path(path: Path) -> str:
    # The header names the spec the same way from a checkout, a wheel or a temporary copy:
    # `spec/<file>` when it sits in a folder named spec, else its file name.
    resolved = path.resolve()
    if resolved.parent.name == "spec":
        return f"spec/{resolved.name}"
    return resolved.name


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
    findings = check_refs(document)
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
