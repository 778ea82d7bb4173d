"""`rancher-contract test --report-html/--report-md`: the run's target, profile, seed and duration,
then every contract rule by section with pass / fail / not exercised, and each failure's message and
curl chain. The HTML is one self-contained file, rendered here in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rancher_contract.contract_tests.report import FailureInfo, ItemResult, RunInfo, render_html
from rancher_contract.contract_tests.rules import RULES
from tests.ship._support import checkout_server, run_checkout_test

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class Reports:
    code: int
    output: str
    html: str
    markdown: str
    summary: str  # $GITHUB_STEP_SUMMARY after the run
    html_path: Path
    url: str
    seed: str


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reports]:
    """One run against a server that breaks one rule (PUT changes the state)."""
    root = tmp_path_factory.mktemp("report")
    summary = root / "summary.md"
    summary.write_text("previous step\n", encoding="utf-8")
    html_path, md_path = root / "out" / "report.html", root / "out" / "report.md"
    with checkout_server(root / "keys.sqlite", "--fault", "put-changes-state") as server:
        run = run_checkout_test(
            server,
            [
                "--report-html",
                str(html_path),
                "--report-md",
                str(md_path),
                "--seed",
                "11",
                "--resource",
                "apiKey",
            ],
            env={"GITHUB_STEP_SUMMARY": str(summary)},
        )
    yield Reports(
        run.code,
        run.output,
        html_path.read_text(encoding="utf-8"),
        md_path.read_text(encoding="utf-8"),
        summary.read_text(encoding="utf-8"),
        html_path,
        server.url,
        "11",
    )


def test_markdown_names_the_run_and_every_rule(failing_run: Reports) -> None:
    assert failing_run.code == 1, failing_run.output
    md = failing_run.markdown
    for heading in ("target", "profile", "seed", "duration"):
        assert re.search(rf"^\| {heading} \| .+ \|$", md, re.MULTILINE), heading
    assert f"| target | `{failing_run.url}` |" in md and "| seed | 11 |" in md
    # every rule once, grouped by section (suite modules may register rules of their own too)
    sections = re.findall(r"^### (§\d .+)$", md, re.MULTILINE)
    assert sections == sorted(set(sections)), sections
    assert {rule.section for rule in RULES.values()} <= set(sections)
    found = re.findall(r"^\| `([0-9]\.[a-z0-9-]+)` \| [^ ]+ ([a-z ]+?) \|", md, re.MULTILINE)
    rows = dict(found)
    assert len(rows) == len(found) and set(RULES) <= set(rows)
    assert rows["3.put-keeps-state"] == "fail"
    assert rows["1.root-links"] == "pass"
    assert set(rows.values()) <= {"pass", "fail", "not exercised"}
    failures = md.split("### Failures", 1)[1]
    assert "`3.put-keeps-state`" in failures
    assert "curl -sS -i -X PUT" in failures  # the request chain that reproduces it


def test_markdown_is_appended_to_the_github_step_summary(failing_run: Reports) -> None:
    assert failing_run.summary == "previous step\n" + failing_run.markdown + "\n"


def test_html_is_one_self_contained_file(failing_run: Reports) -> None:
    page = failing_run.html
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for rule_id in RULES:
        assert f"<code>{rule_id}</code>" in page
    assert "<script" not in page.lower()
    # no asset from anywhere: no src attribute, no stylesheet link, no CSS import or url()
    assert not re.search(r"\bsrc=|<link\b|@import|url\(", page, re.IGNORECASE)
    assert 'class="status fail">fail<' in page
    assert "curl -sS -i -X PUT" in page


def test_html_escapes_everything() -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    run = RunInfo(
        target=f"http://h/v1?{hostile}",
        profile="quick",
        seed=1,
        started="2026-01-01T00:00:00Z",
        duration=1.0,
        exit_code=1,
        verdict="The target does not conform",
        tests=(ItemResult(f"t.py::test[{hostile}]", "failed", frozenset({"1.root-links"})),),
        failures=(
            FailureInfo(f"t.py::test[{hostile}]", ("1.root-links",), hostile, hostile, True),
        ),
    )
    page = render_html(run)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def _render(page: Path, out: Path) -> tuple[int, list[str], str]:
    """Chromium headless: a screenshot of `page`; returns (exit code, console messages, DOM)."""
    assert CHROMIUM is not None
    profile = out.with_suffix(".profile")
    common = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
    ]  # fmt: skip
    shot = subprocess.run(
        [*common, "--window-size=1280,2400", f"--screenshot={out}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    console = [line for line in (shot.stderr + dom.stderr).splitlines() if ":CONSOLE" in line]
    return shot.returncode or dom.returncode, console, dom.stdout


@pytest.fixture
def chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (make chromium installs it)")
        pytest.skip("chromium is not installed (make chromium installs it)")


@pytest.mark.usefixtures("chromium")
def test_the_console_check_sees_errors(tmp_path: Path) -> None:
    """The control: a page that logs an error is caught, so a clean report means something."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><script>console.error("boom-in-page")</script>')
    code, console, _ = _render(page, tmp_path / "bad.png")
    assert code == 0
    assert any("boom-in-page" in line for line in console), console


@pytest.mark.usefixtures("chromium")
def test_html_renders_in_chromium_without_console_errors(
    failing_run: Reports, tmp_path: Path
) -> None:
    screenshot = tmp_path / "report.png"
    code, console, dom = _render(failing_run.html_path, screenshot)
    assert code == 0
    assert console == [], console
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000  # a page with content, not a blank image
    assert "Rancher contract report" in dom and "3.put-keeps-state" in dom
