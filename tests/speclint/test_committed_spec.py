"""The committed spec passes every check, in-process and through the command line."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

from rancher_contract.paths import DEFAULT_SPEC
from rancher_contract.speclint import check_rules, load_spec, validate_openapi
from tests._checkout import REPO_ROOT

from ._helpers import CLI


def test_the_spec_is_valid_openapi() -> None:
    findings = validate_openapi(load_spec(DEFAULT_SPEC))
    assert findings == [], "\n".join(f.format() for f in findings)


def test_the_spec_passes_the_rules() -> None:
    findings = check_rules(load_spec(DEFAULT_SPEC))
    assert findings == [], "\n".join(f.format() for f in findings)


def test_lint_spec_exits_0_on_the_spec() -> None:
    result = subprocess.run(
        [str(CLI), "lint-spec", "spec/apikey.openapi.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        result.stdout.strip()
    ]  # the summary line only: no findings
    assert "0 error(s)" in result.stdout


def test_the_rules_do_not_import_the_openapi_validator() -> None:
    # The generator calls check_rules on every run; openapi-spec-validator takes 0.3 s to import.
    code = (
        "import sys\n"
        "from rancher_contract.speclint import check_rules, load_spec\n"
        "from rancher_contract.paths import DEFAULT_SPEC\n"
        "assert check_rules(load_spec(DEFAULT_SPEC)) == []\n"
        "print(sorted(m for m in sys.modules if m.startswith('openapi_spec_validator')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_public_api_is_exactly_all() -> None:
    import rancher_contract.speclint as speclint

    public = {
        name
        for name, value in vars(speclint).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)  # cli is a submodule
    }
    assert public == set(speclint.__all__)
