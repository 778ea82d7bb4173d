"""The run report of `rancher-contract test --report-html/--report-md`: the target, profile, seed
and duration, then every contract rule grouped by section with its outcome (pass, fail, not
exercised), and for each failure its message and the request chain as curl commands.

A rule is *exercised* by a test that names it: in its `contract` marker, in its module's source, or,
for every test that talks to the server, in the response validation every exchange goes through
(`validate.py`; `checks.py` for the schemathesis test). It *passes* when a test that exercises it
passed and no failure names it; it *fails* when a failure names it.

The HTML is one self-contained file: inline CSS, no script, no network asset, every value escaped.
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from rancher_contract.contract_tests.rules import RULES, Rule

__all__ = [
    "FailureInfo",
    "ItemResult",
    "RuleResult",
    "RunInfo",
    "claimed_rules",
    "render_html",
    "render_markdown",
    "rule_ids_in",
    "rule_results",
]

PASS, FAIL, NOT_EXERCISED = "pass", "fail", "not exercised"
_RULE_ID = re.compile(r"""["'\[]([0-9]\.[a-z0-9-]+)["'\]]""")


@dataclass(frozen=True)
class ItemResult:
    nodeid: str
    outcome: str  # passed, failed, skipped
    rules: frozenset[str]  # the rule ids the test exercises


@dataclass(frozen=True)
class FailureInfo:
    nodeid: str
    rule_ids: tuple[str, ...]
    message: str
    reproduce: str
    violation: bool  # False: an error of the suite, not a broken rule


@dataclass(frozen=True)
class RunInfo:
    target: str
    profile: str
    seed: int
    started: str  # ISO 8601, UTC
    duration: float  # seconds
    exit_code: int
    verdict: str
    tests: tuple[ItemResult, ...] = ()
    failures: tuple[FailureInfo, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass
class RuleResult:
    rule: Rule
    status: str = NOT_EXERCISED
    tests: list[str] = field(default_factory=list)
    failures: list[FailureInfo] = field(default_factory=list)


def rule_ids_in(text: str) -> frozenset[str]:
    """The known rule ids quoted in a text (source code, a failure summary)."""
    return frozenset(found for found in _RULE_ID.findall(text) if found in RULES)


@cache
def _module_rules(module_name: str) -> frozenset[str]:
    try:
        return rule_ids_in(inspect.getsource(importlib.import_module(module_name)))
    except (ImportError, OSError, TypeError):
        return frozenset()


def claimed_rules(item: Any) -> frozenset[str]:
    """The rules a collected test exercises (see the module docstring)."""
    found: set[str] = set()
    for marker in item.iter_markers("contract"):
        found.update(str(arg) for arg in marker.args if str(arg) in RULES)
    module = getattr(getattr(item, "module", None), "__name__", None)
    if module:
        found |= _module_rules(module)
        base = module.rpartition(".")[0]
        if module.endswith("test_schemathesis"):
            found |= _module_rules(f"{base}.checks")
            checks = importlib.import_module(f"{base}.checks")
            found.update(getattr(checks, "STOCK_CHECK_RULES", {}).values())
        found |= _module_rules(f"{base}.validate")
    return frozenset(found)


def rule_results(run: RunInfo) -> list[RuleResult]:
    """Every rule of RULES, in order, with its outcome in this run."""
    results = {rule_id: RuleResult(rule) for rule_id, rule in RULES.items()}
    for test in run.tests:
        for rule_id in test.rules:
            result = results.get(rule_id)
            if result is None:
                continue
            result.tests.append(test.nodeid)
            if test.outcome == "passed" and result.status == NOT_EXERCISED:
                result.status = PASS
    for failure in run.failures:
        if not failure.violation:
            continue
        for rule_id in failure.rule_ids:
            if rule_id in results:
                results[rule_id].status = FAIL
                results[rule_id].failures.append(failure)
    return list(results.values())


def _sections(results: Iterable[RuleResult]) -> dict[str, list[RuleResult]]:
    grouped: dict[str, list[RuleResult]] = {}
    for result in results:
        grouped.setdefault(result.rule.section, []).append(result)
    return grouped


def _counts(results: list[RuleResult]) -> dict[str, int]:
    return {s: sum(r.status == s for r in results) for s in (PASS, FAIL, NOT_EXERCISED)}


def _short(nodeid: str) -> str:
    path, _, name = nodeid.partition("::")
    return f"{Path(path).stem.removeprefix('test_')}::{name}"


def _tests_line(run: RunInfo) -> str:
    outcomes = [t.outcome for t in run.tests]
    return (
        f"{outcomes.count('passed')} passed, {outcomes.count('failed')} failed, "
        f"{outcomes.count('skipped')} skipped"
    )


# -- Markdown --------------------------------------------------------------------------------
_MD_STATUS = {PASS: "✅ pass", FAIL: "❌ fail", NOT_EXERCISED: "⚪ not exercised"}


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}\n{text.rstrip()}\n{ticks}"


def render_markdown(run: RunInfo) -> str:
    results = rule_results(run)
    counts = _counts(results)
    lines = [
        "## rancher-contract: Rancher contract report",
        "",
        f"**{run.verdict}** (exit code {run.exit_code})",
        "",
        "| | |",
        "|---|---|",
        f"| target | `{_md_cell(run.target)}` |",
        f"| profile | {run.profile} |",
        f"| seed | {run.seed} |",
        f"| started | {run.started} |",
        f"| duration | {run.duration:.1f} s |",
        f"| tests | {_tests_line(run)} |",
        f"| rules | {counts[PASS]} pass, {counts[FAIL]} fail, "
        f"{counts[NOT_EXERCISED]} not exercised |",
        "",
    ]
    for section, rules in _sections(results).items():
        lines += [f"### {section}", "", "| rule | outcome | what it says |", "|---|---|---|"]
        for result in rules:
            lines.append(
                f"| `{result.rule.id}` | {_MD_STATUS[result.status]} | "
                f"{_md_cell(result.rule.text)} |"
            )
        lines.append("")
    violations = [f for f in run.failures if f.violation]
    if violations:
        lines += ["### Failures", ""]
        for number, failure in enumerate(violations, 1):
            named = ", ".join(f"`{r}`" for r in failure.rule_ids) or "(no rule)"
            lines += [f"**{number}. {_md_cell(_short(failure.nodeid))}**: {named}", ""]
            lines += [_fence(failure.message or "(no message)"), ""]
            if failure.reproduce:
                lines += ["Reproduce (the request chain, oldest first):", ""]
                lines += [_fence(failure.reproduce), ""]
    errors = list(run.errors) + [
        f"{_short(f.nodeid)}: {f.message.strip().splitlines()[0] if f.message.strip() else ''}"
        for f in run.failures
        if not f.violation
    ]
    if errors:
        lines += ["### Errors of the suite (not contract failures)", ""]
        lines += [f"- {_md_cell(error)}" for error in errors]
        lines.append("")
    return "\n".join(lines)


# -- HTML --------------------------------------------------------------------------------
_CSS = """
:root { color-scheme: light; --pass: #1a7f37; --fail: #cf222e; --none: #6e7781; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1f2328; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.verdict { display: inline-block; padding: 4px 12px; border-radius: 6px; color: #fff;
           font-weight: 600; margin: 8px 0 16px; }
.verdict.ok { background: var(--pass); } .verdict.bad { background: var(--fail); }
.verdict.err { background: #9a6700; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px;
         border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; font-weight: 600; }
table.meta { width: auto; min-width: 420px; }
table.meta th { width: 110px; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px;
      overflow-x: auto; white-space: pre-wrap; word-break: break-all; margin: 6px 0 12px; }
.status { font-weight: 600; white-space: nowrap; }
.status.pass { color: var(--pass); } .status.fail { color: var(--fail); }
.status.none { color: var(--none); }
table.rules { table-layout: fixed; }
col.id { width: 200px; } col.outcome { width: 240px; }
td.id { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
td a { word-break: break-word; }
.counts span { margin-right: 16px; }
.failure { background: #fff; border: 1px solid #d0d7de; border-left: 4px solid var(--fail);
           border-radius: 6px; padding: 8px 14px; margin: 12px 0; }
.failure h3 { font-size: 15px; margin: 4px 0; }
.muted { color: var(--none); }
"""

_HTML_STATUS = {
    PASS: ("pass", "pass"),
    FAIL: ("fail", "fail"),
    NOT_EXERCISED: ("none", "not exercised"),
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _anchor(nodeid: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", nodeid)


def render_html(run: RunInfo) -> str:
    results = rule_results(run)
    counts = _counts(results)
    verdict_class = {0: "ok", 1: "bad"}.get(run.exit_code, "err")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>rancher-contract report: " + _e(run.target) + "</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<h1>Rancher contract report</h1>",
        f'<div class="verdict {verdict_class}">{_e(run.verdict)} (exit code {run.exit_code})</div>',
        '<table class="meta">',
        f"<tr><th>target</th><td><code>{_e(run.target)}</code></td></tr>",
        f"<tr><th>profile</th><td>{_e(run.profile)}</td></tr>",
        f"<tr><th>seed</th><td><code>{_e(run.seed)}</code></td></tr>",
        f"<tr><th>started</th><td>{_e(run.started)}</td></tr>",
        f"<tr><th>duration</th><td>{run.duration:.1f} s</td></tr>",
        f"<tr><th>tests</th><td>{_e(_tests_line(run))}</td></tr>",
        "</table>",
        '<p class="counts">'
        f'<span class="status pass">{counts[PASS]} rules pass</span>'
        f'<span class="status fail">{counts[FAIL]} fail</span>'
        f'<span class="status none">{counts[NOT_EXERCISED]} not exercised</span></p>',
    ]
    for section, rules in _sections(results).items():
        out += [
            f"<h2>{_e(section)}</h2>",
            '<table class="rules"><colgroup><col class="id"><col class="outcome"><col></colgroup>',
            "<tr><th>rule</th><th>outcome</th><th>what it says</th></tr>",
        ]
        for result in rules:
            css, label = _HTML_STATUS[result.status]
            cell = f'<span class="status {css}">{label}</span>'
            if result.failures:
                links = ", ".join(
                    f'<a href="#{_anchor(f.nodeid)}">{_e(_short(f.nodeid))}</a>'
                    for f in result.failures
                )
                cell += f'<br><span class="muted">in {links}</span>'
            out.append(
                f'<tr><td class="id"><code>{_e(result.rule.id)}</code></td><td>{cell}</td>'
                f"<td>{_e(result.rule.text)}</td></tr>"
            )
        out.append("</table>")
    violations = [f for f in run.failures if f.violation]
    if violations:
        out.append("<h2>Failures</h2>")
        for failure in violations:
            named = ", ".join(f"<code>{_e(r)}</code>" for r in failure.rule_ids)
            out += [
                f'<div class="failure" id="{_e(_anchor(failure.nodeid))}">',
                f"<h3>{_e(_short(failure.nodeid))}</h3>",
                f"<div>rule: {named or '(none)'}</div>",
                f"<pre>{_e(failure.message.strip() or '(no message)')}</pre>",
            ]
            if failure.reproduce:
                out += [
                    "<div>Reproduce (the request chain, oldest first):</div>",
                    f"<pre>{_e(failure.reproduce)}</pre>",
                ]
            out.append("</div>")
    errors = list(run.errors) + [
        f"{_short(f.nodeid)}: {f.message.strip()}" for f in run.failures if not f.violation
    ]
    if errors:
        out.append("<h2>Errors of the suite (not contract failures)</h2>")
        out += [f"<pre>{_e(error)}</pre>" for error in errors]
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"
