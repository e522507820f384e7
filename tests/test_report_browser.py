"""The report in a real headless Chromium: offline, no console errors, every chart drawn.

Drives Debian's /usr/bin/chromium through Playwright (scripts/install-browser.sh
installs it). Every request other than the report file itself is aborted and counted:
the page must need none. A full-page screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_report_html import write_tiny_run
from tierwise.report.html import write_report

CHROMIUM = Path("/usr/bin/chromium")
INSTALLER = Path(__file__).resolve().parents[1] / "scripts" / "install-browser.sh"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: What counts as a drawn mark in Vega's SVG output.
MARKS = ", ".join(f"svg .role-mark {shape}" for shape in ("path", "line", "text", "rect"))

pytestmark = pytest.mark.web

#: What a reader sees: the page's text without <code> (file and column references on
#: purpose) and the text drawn inside the charts (axis titles, labels, legends).
VISIBLE_TEXT = """() => {
    const main = document.querySelector('main').cloneNode(true);
    main.querySelectorAll('code, script').forEach(el => el.remove());
    const drawn = Array.from(document.querySelectorAll('main svg text')).map(t => t.textContent);
    return main.innerText + '\\n' + drawn.join('\\n');
}"""
#: Field names of the scorecard and policy that must never reach a reader's eye.
FIELD_NAMES = (
    "over_served",
    "under_served",
    "account_manager",
    "key_account_manager",
    "inside_sales",
    "customer_service",
    "strategic_score",
    "value_to_us",
    "value_to_client",
    "relationship_trend",
    "relationship_level",
    "level_alert",
    "net_profit",
    "effort_hours",
    "entitled_hours",
    "can_serve_policy",
)


def _chromium() -> Path:
    """Debian's chromium, installed on first use when we may (root with apt-get)."""
    if not CHROMIUM.exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(INSTALLER)], check=False, capture_output=True, timeout=900)
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent and could not be installed "
            "(run scripts/install-browser.sh as root)"
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    report = write_report(write_tiny_run(tmp_path_factory.mktemp("run")))
    profile = tmp_path_factory.mktemp("chromium-profile")
    seen: dict = {"console": [], "page_errors": [], "blocked": [], "report": report}
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: seen["console"].append((m.type, m.text)))
            page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))

            def route(r: object) -> None:
                if r.request.url == report.as_uri():  # type: ignore[attr-defined]
                    r.continue_()  # type: ignore[attr-defined]
                else:
                    seen["blocked"].append(r.request.url)  # type: ignore[attr-defined]
                    r.abort()  # type: ignore[attr-defined]

            context.route("**/*", route)
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_function(
                "document.body.getAttribute('data-charts') === 'drawn'", timeout=60_000
            )
            seen["charts"] = page.evaluate(
                "() => { const MARKS = '"
                + MARKS
                + "'; return "
                + """Array.from(document.querySelectorAll('[data-chart]')).map(el => ({
                    name: el.dataset.chart,
                    drawn: el.dataset.drawn,
                    marks: el.querySelectorAll(MARKS).length,
                    canvas: el.querySelectorAll('canvas').length,
                })); }"""
            )
            seen["visible_text"] = page.evaluate(VISIBLE_TEXT)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "report-tiny-run.png"
            page.screenshot(path=str(shot), full_page=True)
            seen["screenshot"] = shot
        finally:
            context.close()
    yield seen


def test_page_loads_with_no_console_errors(browser_page: dict) -> None:
    errors = [text for kind, text in browser_page["console"] if kind == "error"]
    assert errors == []
    assert browser_page["page_errors"] == []


def test_page_makes_no_network_request(browser_page: dict) -> None:
    assert browser_page["blocked"] == []


def test_every_chart_draws_marks(browser_page: dict) -> None:
    charts = browser_page["charts"]
    assert len(charts) >= 12
    not_drawn = [
        c["name"] for c in charts if c["drawn"] != "true" or (c["marks"] == 0 and c["canvas"] == 0)
    ]
    assert not_drawn == []


def test_screenshot_is_saved_as_an_artefact(browser_page: dict) -> None:
    shot = browser_page["screenshot"]
    assert shot.is_file() and shot.stat().st_size > 50_000


def test_visible_text_has_no_field_names_and_no_missing_values(browser_page: dict) -> None:
    text = browser_page["visible_text"]
    assert "The book at a glance" in text and "Hours over the window" in text  # page + charts
    shown = [name for name in FIELD_NAMES if name in text]
    assert shown == []
    for word in ("NaN", "None", "undefined", "null"):
        assert not re.search(rf"\b{word}\b", text), word
