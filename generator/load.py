"""Stage 1: read the spec files (YAML or JSON), check every `$ref`, apply the project's rules.

A spec keeps its plain document (the client models are built from its JSON Schemas) and its spec
model (`rancher_contract.specmodel`: resources, fields, lifecycle, filters, limits, ...), read
once. Several files (a folder of `*.openapi.yaml`) are a spec set generated into one package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rancher_contract.speclint import RULES, Finding, check_rules
from rancher_contract.specmodel import (
    MISSING,
    SpecLoadError,
    SpecModel,
    build_model,
    follow_refs,
    lookup,
    read_document,
    spec_files,
    split,
)

from .errors import SpecError

__all__ = ["Spec", "load_spec", "load_specs", "project_rules", "set_digest", "set_label"]


@dataclass(frozen=True)
class Spec:
    """A loaded spec file: the document, its model, where it came from and its digest."""

    document: dict[str, Any] = field(repr=False)
    path: Path
    display_path: str
    sha256: str
    model: SpecModel = field(repr=False, compare=False)

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow `$ref`s from `node` (found at `pointer`); return the target and its pointer.

        Every `$ref` was checked by `load_spec`, so this cannot fail on a loaded spec.
        """
        target, where = follow_refs(self.document, node, pointer)
        if target is MISSING:
            raise ValueError(f"{pointer}: a $ref does not resolve")
        return target, where

    def get(self, pointer: str) -> Any:
        node = lookup(self.document, split(pointer))
        if node is MISSING:
            raise KeyError(pointer)
        return node


def _as_spec_errors(findings: Iterable[Finding], where: str = "") -> list[SpecError]:
    return [
        SpecError(
            where + f.pointer,
            f"[{f.rule}] {f.message}",
            "error" if f.level == "error" else "warning",
        )
        for f in findings
    ]


def check_refs(document: dict[str, Any], where: str = "") -> list[SpecError]:
    """The foundation's `ref-resolves` rule alone: cheap, and what the IR builder relies on."""
    return _as_spec_errors(check_rules(document, only={"ref-resolves"}), where)


def project_rules(document: dict[str, Any], where: str = "") -> list[SpecError]:
    """The foundation's other spec rules (`load_spec` already ran `ref-resolves`)."""
    return _as_spec_errors(check_rules(document, only=set(RULES) - {"ref-resolves"}), where)


def load_spec(
    path: Path, *, with_project_rules: bool = True, where: str = ""
) -> tuple[Spec | None, list[SpecError]]:
    """Read and check a spec: the spec (None when unusable) and every finding (JSON pointers,
    prefixed by `where`)."""
    try:
        loaded = read_document(path)
    except SpecLoadError as exc:
        return None, [SpecError(where, str(exc))]
    document = loaded.document
    findings = check_refs(document, where)
    if with_project_rules and not findings:
        findings += project_rules(document, where)
    if any(finding.level == "error" for finding in findings):
        return None, findings
    model = build_model(document, source=loaded.display_path)
    return Spec(document, path, loaded.display_path, loaded.sha256, model), findings


def load_specs(
    paths: Sequence[Path], *, with_project_rules: bool = True
) -> tuple[list[Spec] | None, list[SpecError]]:
    """Every spec file that `paths` name (files, or folders of `*.openapi.yaml`), checked.

    With several files, each finding's pointer starts with its file (`spec/x.yaml#/...`).
    """
    files = [file for path in paths for file in spec_files(path)]
    if not files:
        return None, [SpecError("", f"{', '.join(map(str, paths))}: no *.openapi.yaml file")]
    specs: list[Spec] = []
    findings: list[SpecError] = []
    for file in files:
        where = f"{file}#" if len(files) > 1 else ""
        spec, found = load_spec(file, with_project_rules=with_project_rules, where=where)
        findings += found
        if spec is not None:
            specs.append(spec)
    if len(specs) != len(files):
        return None, findings
    return specs, findings


def set_label(specs: Sequence[Spec]) -> str:
    """How generated headers name the spec set: its file, or its files."""
    return ", ".join(spec.display_path for spec in specs)


def set_digest(specs: Sequence[Spec]) -> str:
    """The digest of one file, or of the set: sha256 over `path sha256` lines."""
    if len(specs) == 1:
        return specs[0].sha256
    lines = "".join(f"{spec.display_path} {spec.sha256}\n" for spec in specs)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()
