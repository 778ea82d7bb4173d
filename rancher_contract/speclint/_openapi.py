"""OpenAPI validation proper, by openapi-spec-validator, as findings."""

from __future__ import annotations

from typing import Any

from rancher_contract.speclint._finding import Finding
from rancher_contract.specmodel import MISSING, join, lookup

__all__ = ["validate_openapi"]

NAME = "openapi"


def validate_openapi(document: dict[str, Any]) -> list[Finding]:
    """openapi-spec-validator's findings on `document` (rule `openapi`), one per error."""
    # Imported here: it takes a third of a second, and the generator only calls check_rules.
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        cls = get_validator_cls(document)
    except ValidatorDetectError:
        return [Finding(NAME, "/openapi", "no supported `openapi` (or `swagger`) version field")]
    findings = []
    try:
        for error in cls(document).iter_errors():
            path = [str(p) for p in getattr(error, "absolute_path", [])]
            # Errors inside a schema come with a path relative to that schema: keep them at the root
            # rather than point at a place that does not exist.
            pointer = join("", *path) if lookup(document, path) is not MISSING else ""
            message = str(getattr(error, "message", error)).split("\n", 1)[0]
            findings.append(Finding(NAME, pointer, message))
    except Exception as exc:  # the validator gives up on some malformed documents
        findings.append(Finding(NAME, "", f"the validator stopped: {type(exc).__name__}: {exc}"))
    return findings
