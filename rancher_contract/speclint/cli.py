"""`rancher-contract lint-spec [PATH ...]`: load, validate as OpenAPI, apply the project's rules.

A PATH is a spec file or a folder (every `*.openapi.yaml` in it: a spec set). Each file is linted
on its own, then as part of the set: no two files declare the same resource type, and component
schemas of the same name are equal (`x-` keys aside), as the generator builds one model of them.

Exit status: 0 clean (warnings allowed), 1 at least one error finding, 2 a file could not be read
as a YAML mapping (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rancher_contract.paths import SPEC_DIR
from rancher_contract.speclint import RULES, Finding, check_rules, validate_openapi
from rancher_contract.specmodel import (
    SpecLoadError,
    build_model,
    join,
    read_document,
    spec_files,
)

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rancher-contract lint-spec",
        description="Validate the OpenAPI spec and apply the project's rules: "
        + ", ".join(RULES)
        + ".",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="path",
        default=[str(SPEC_DIR)],
        help="spec files or folders of *.openapi.yaml (default: %(default)s)",
    )
    return parser


def _sans_extensions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sans_extensions(v) for k, v in value.items() if not str(k).startswith("x-")}
    if isinstance(value, list):
        return [_sans_extensions(v) for v in value]
    return value


def _set_findings(path: Path, document: dict[str, Any], seen: _Seen) -> list[Finding]:
    """What one file of a set may not do: declare a type again, or a shared schema otherwise."""
    findings = []
    for resource in build_model(document).resources:
        first = seen.types.setdefault(resource.type, str(path))
        if first != str(path):
            message = f"the resource type {resource.type!r} is already declared in {first}"
            findings.append(Finding("spec-set", resource.pointer, message))
    schemas = document.get("components", {}).get("schemas", {})
    for name, schema in schemas.items() if isinstance(schemas, dict) else ():
        where, first_schema = seen.schemas.setdefault(str(name), (str(path), schema))
        if where != str(path) and _sans_extensions(first_schema) != _sans_extensions(schema):
            findings.append(
                Finding(
                    "spec-set",
                    join("/components/schemas", str(name)),
                    f"the schema {name} differs from the one of that name in {where} "
                    "(the generator would build one model of both)",
                )
            )
    return findings


@dataclass
class _Seen:
    """What the files linted so far declared: resource types and component schemas."""

    types: dict[str, str] = field(default_factory=dict)
    schemas: dict[str, tuple[str, Any]] = field(default_factory=dict)


def _lint(path: Path, seen: _Seen) -> tuple[int, int]:
    """Lint one file (printing its findings and summary); (errors, warnings)."""
    spec = read_document(path)
    findings = validate_openapi(spec.document) + check_rules(spec.document)
    findings += _set_findings(path, spec.document, seen)
    for finding in findings:
        print(finding.format())
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "ok" if errors == 0 else "failed"
    print(
        f"lint-spec: {path}: {verdict}: {errors} error(s), {warnings} warning(s) "
        f"(openapi + {len(RULES)} rules)"
    )
    return errors, warnings


def main(argv: list[str]) -> int:
    """Lint the specs named in `argv` (default: the shipped spec set); the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed): return, not raise
        return exc.code if isinstance(exc.code, int) else 2
    seen = _Seen()
    errors = 0
    try:
        files = [file for path in args.paths for file in spec_files(path)]
        if not files:
            raise SpecLoadError(f"{', '.join(args.paths)}: no *.openapi.yaml file")
        for file in files:
            errors += _lint(file, seen)[0]
    except SpecLoadError as exc:
        print(f"lint-spec: {exc}", file=sys.stderr)
        return 2
    return 1 if errors else 0
