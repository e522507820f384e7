"""The report's HTML against a stored snapshot: any change to the page shows up in review.

The tiny run of ``test_report_html`` is rendered and normalised (the inlined Vega
bundle, the time it was generated, the version, and Altair's counter-based ids are
replaced by placeholders); the result must equal ``tests/snapshots/report_tiny_run.html``.
After a deliberate change to the page, refresh the snapshot with

    TIERWISE_UPDATE_SNAPSHOTS=1 uv run pytest tests/test_report_snapshot.py

and review the diff of the snapshot file like any other change.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from test_report_html import write_tiny_run
from tierwise.report.html import render_report

SNAPSHOT = Path(__file__).parent / "snapshots" / "report_tiny_run.html"
UPDATE = os.environ.get("TIERWISE_UPDATE_SNAPSHOTS") == "1"


def normalise(html: str) -> str:
    """The page without what changes from run to run or from release to release."""
    bundle_start = html.index("<script>\n", html.index("</footer>"))
    bundle_end = html.index("</script>", bundle_start)
    html = html[:bundle_start] + "<script>\n[vega bundle]\n" + html[bundle_end:]
    html = re.sub(r"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "generated [time]", html)
    html = re.sub(r"tierwise \d+\.\d+\.\d+[\w.+-]*", "tierwise [version]", html)
    html = re.sub(r'content="tierwise [^"]*"', 'content="tierwise [version]"', html)
    html = re.sub(r"\b(param|view|selector)_\d+\b", r"\1_N", html)
    # the JSON of the chart specs on one line is unreadable in a diff: one spec a line
    return html.replace('}, "', '},\n "')


def test_report_html_matches_the_snapshot(tmp_path: Path) -> None:
    page = normalise(render_report(write_tiny_run(tmp_path / "run")))
    if UPDATE or not SNAPSHOT.is_file():
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(page, encoding="utf-8")
    stored = SNAPSHOT.read_text(encoding="utf-8")
    if page != stored:
        diff = "".join(
            list(
                difflib.unified_diff(
                    stored.splitlines(keepends=True),
                    page.splitlines(keepends=True),
                    "snapshot",
                    "rendered",
                    n=1,
                )
            )[:80]
        )
        raise AssertionError(
            "the report differs from tests/snapshots/report_tiny_run.html; if the change is "
            "meant, run with TIERWISE_UPDATE_SNAPSHOTS=1 and commit the snapshot\n" + diff
        )


def test_normalising_keeps_what_a_reader_sees() -> None:
    page = (
        '<meta name="generator" content="tierwise 1.2.3"><p>generated 2026-01-02 03:04 UTC · '
        "tierwise 1.2.3</p><b>param_17</b></footer>\n<script>\nBUNDLE</script>"
    )
    out = normalise(page)
    assert "BUNDLE" not in out and "[vega bundle]" in out
    assert "generated [time]" in out and "1.2.3" not in out
    assert "param_N" in out
