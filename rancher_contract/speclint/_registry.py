"""The rule registry: small named functions, each yielding findings for one concern."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from rancher_contract.speclint._finding import Finding
from rancher_contract.speclint._view import SpecView

__all__ = ["RULES", "Rule", "check_rules", "rule"]

Rule = Callable[[SpecView], Iterator[Finding]]

# rule name -> rule; filled by the @rule decorator when the rule modules are imported.
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule `name` (names are unique)."""

    def register(func: Rule) -> Rule:
        if name in RULES:
            raise ValueError(f"duplicate spec rule {name!r}")
        if not (func.__doc__ or "").strip():
            raise ValueError(f"spec rule {name!r} needs a docstring saying what it guards")
        RULES[name] = func
        return func

    return register


def check_rules(document: dict[str, Any], *, only: set[str] | None = None) -> list[Finding]:
    """The findings of the project's own rules (all, or those named in `only`), in rule order."""
    view = SpecView(document)
    findings: list[Finding] = []
    for name, func in RULES.items():
        if only is not None and name not in only:
            continue
        seen: set[Finding] = set()
        try:
            for finding in func(view):
                if finding not in seen:
                    seen.add(finding)
                    findings.append(finding)
        except Exception as exc:  # a rule must never turn a bad spec into a traceback
            findings.append(Finding(name, "", f"rule crashed: {type(exc).__name__}: {exc}"))
    return findings
