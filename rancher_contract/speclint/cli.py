"""`rancher-contract lint-spec [PATH]`: load, validate as OpenAPI, apply the project's rules.

Exit status: 0 clean (warnings allowed), 1 at least one error finding, 2 the file could not be read
as a YAML mapping (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

from rancher_contract.paths import DEFAULT_SPEC
from rancher_contract.speclint import RULES, SpecLoadError, check_rules, load_spec, validate_openapi

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rancher-contract lint-spec",
        description="Validate the OpenAPI spec and apply the project's rules: "
        + ", ".join(RULES)
        + ".",
    )
    parser.add_argument(
        "path", nargs="?", default=str(DEFAULT_SPEC), help="the spec (default: %(default)s)"
    )
    return parser


def main(argv: list[str]) -> int:
    """Lint the spec named in `argv` (or the default one); the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed): return, not raise
        return exc.code if isinstance(exc.code, int) else 2
    try:
        document = load_spec(args.path)
    except SpecLoadError as exc:
        print(f"lint-spec: {exc}", file=sys.stderr)
        return 2
    findings = validate_openapi(document) + check_rules(document)
    for finding in findings:
        print(finding.format())
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    verdict = "ok" if errors == 0 else "failed"
    print(
        f"lint-spec: {args.path}: {verdict}: {errors} error(s), {warnings} warning(s) "
        f"(openapi + {len(RULES)} rules)"
    )
    return 1 if errors else 0
