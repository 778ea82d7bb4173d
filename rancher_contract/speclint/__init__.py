"""The spec rules: OpenAPI validation plus the project's own rules, as findings with JSON pointers.

    document = load_spec(path)                  # SpecLoadError: one readable line
    findings = validate_openapi(document) + check_rules(document)

`check_rules` is cheap (the generator runs it every time); `validate_openapi` imports
openapi-spec-validator on first use.
"""

from rancher_contract.speclint import (  # noqa: F401 - importing the modules registers their rules
    _rules_api,
    _rules_backend,
    _rules_examples,
    _rules_fields,
    _rules_filters,
    _rules_lifecycle,
    _rules_links,
    _rules_structure,
)
from rancher_contract.speclint._finding import Finding, Level
from rancher_contract.speclint._openapi import validate_openapi
from rancher_contract.speclint._registry import RULES, Rule, check_rules, rule
from rancher_contract.speclint._view import SpecView
from rancher_contract.specmodel import SpecLoadError
from rancher_contract.specmodel import load_document as load_spec

__all__ = [
    "RULES",
    "Finding",
    "Level",
    "Rule",
    "SpecLoadError",
    "SpecView",
    "check_rules",
    "load_spec",
    "rule",
    "validate_openapi",
]
