"""`rancher-contract generate [--spec PATH ...] [--out DIR] [--check]`.

PATH is a spec file or a folder of `*.openapi.yaml` (default: the spec set that ships with the
package); several files are generated into one package.

Exit codes: 0 done (or, with --check, up to date); 1 --check found drift; 2 the spec has errors
(each printed with its JSON pointer) or bad arguments; 3 the generator itself failed (a template
bug, ruff).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from rancher_contract.paths import SPEC_DIR
from rancher_contract.specmodel import MISSING, lookup, split

from . import __version__
from .errors import SpecError
from .ir.build import build_api
from .load import Spec, load_specs, project_rules
from .render import RenderError, compare_trees, render_to_temp, swap_in

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rancher-contract generate",
        description="Generate the client, server stubs, schema documents and docs from the spec.",
    )
    parser.add_argument(
        "--spec",
        type=Path,
        nargs="+",
        action="extend",
        help="the OpenAPI spec files (YAML or JSON) or folders of *.openapi.yaml "
        f"(default: {SPEC_DIR})",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("generated"),
        help="the output folder (default: ./generated)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 and list the files that differ"
    )
    parser.add_argument(
        "--fail-on-warning", action="store_true", help="treat spec warnings as errors"
    )
    return parser


_COLOURS = {"error": "\033[31m", "warning": "\033[33m"}


def _fragment(specs: list[Spec], pointer: str) -> str | None:
    """The offending part of the spec, as short JSON (None when the pointer does not resolve)."""
    where, _, local = pointer.rpartition("#") if "#" in pointer else ("", "", pointer)
    spec = next((s for s in specs if not where or str(s.path) == where), None)
    if spec is None or not local:
        return None
    try:
        node = lookup(spec.document, split(local))
    except ValueError:
        return None
    if node is MISSING:
        return None
    text = json.dumps(node, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def _report(findings: list[SpecError], specs: list[Spec] | None = None) -> None:
    """Every finding on stderr (coloured on a terminal unless NO_COLOR), with the spec fragment."""
    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    for finding in findings:
        line = str(finding)
        if colour:
            line = f"{_COLOURS[finding.level]}{finding.level}\033[0m{line[len(finding.level) :]}"
        print(line, file=sys.stderr)
        fragment = _fragment(specs, finding.pointer) if specs else None
        if fragment is not None:
            print(f"    > {fragment}", file=sys.stderr)


def _blocking(findings: list[SpecError], fail_on_warning: bool) -> bool:
    return any(f.level == "error" or fail_on_warning for f in findings)


def _fail(
    findings: list[SpecError], spec_paths: list[Path], out: Path, specs: list[Spec] | None = None
) -> int:
    _report(findings, specs)
    print(
        f"generate: {len(findings)} problem(s) in {', '.join(map(str, spec_paths))}; "
        f"{out} left untouched",
        file=sys.stderr,
    )
    return 2


def _rules(specs: list[Spec]) -> list[SpecError]:
    """The project's rules on every spec of the set (pointers prefixed by the file if several)."""
    found: list[SpecError] = []
    for spec in specs:
        found += project_rules(spec.document, f"{spec.path}#" if len(specs) > 1 else "")
    return found


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    spec_paths: list[Path] = args.spec or [SPEC_DIR]
    out: Path = args.out

    specs, findings = load_specs(spec_paths, with_project_rules=False)
    if specs is None:
        return _fail(findings, spec_paths, out)
    api, more = build_api(specs, __version__)
    findings += more
    if api is None or _blocking(findings, args.fail_on_warning):
        # the project's rules too, so that one run reports every problem
        return _fail(findings + _rules(specs), spec_paths, out, specs)

    # the project's rules run while ruff formats the rendered tree (ruff is a subprocess)
    lint: list[SpecError] = []

    def run_rules() -> None:
        lint.extend(_rules(specs))

    try:
        rendered = render_to_temp(api, None if args.check else out.resolve().parent, run_rules)
    except RenderError as exc:
        _report(findings + lint, specs)
        print(f"generate: internal error: {exc}", file=sys.stderr)
        return 3
    findings += lint
    if _blocking(findings, args.fail_on_warning):
        shutil.rmtree(rendered, ignore_errors=True)
        return _fail(findings, spec_paths, out, specs)
    _report(findings, specs)

    if args.check:
        try:
            diff = compare_trees(rendered, out)
        finally:
            shutil.rmtree(rendered, ignore_errors=True)
        if diff.same:
            print(f"generate --check: {out} is up to date")
            return 0
        print(f"generate --check: {out} is stale; run `make generate`:")
        for line in diff.lines():
            print(f"  {line}")
        return 1
    changed = swap_in(rendered, out)
    print(
        f"generate: {out} {'written' if changed else 'already up to date'}"
        f" ({len(api.resources)} resource(s))"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
