"""``write_report``: one self-contained HTML page from a run folder (CONTRACT §3).

The page inlines everything it needs: the styles, the chart specs with their data,
and the JavaScript of Vega, Vega-Lite and Vega-Embed from vl-convert's bundle, so it
opens offline and can be e-mailed (the bundle: ``tierwise.report.vega_bundle``).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from tierwise.report.sections import Section, build_sections
from tierwise.report.sections.run_data import RunData
from tierwise.report.vega_bundle import vega_bundle, vega_lite_version  # noqa: F401 (re-exported)

REPORT_NAME = "report.html"


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` from the run folder's files and return its path."""
    run_dir = Path(run_dir)
    html = render_report(run_dir)
    path = run_dir / REPORT_NAME
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path


def render_report(run_dir: Path) -> str:
    """The report page as a string (``write_report`` without the writing)."""
    run = RunData.open(run_dir)
    sections = build_sections(run)
    return render_sections(run, sections)


def render_sections(run: RunData, sections: list[Section]) -> str:
    """Fill the page template with already built sections."""
    specs = {c.name: _fit_width(c.spec) for s in sections for c in s.charts}
    template = _environment().get_template("report.html.j2")
    return template.render(
        meta=_meta(run),
        sections=sections,
        css=_asset("report.css"),
        bundle=vega_bundle(),
        specs=Markup(_script_json(specs)),
        embed_js=_asset("embed.js"),
    )


def _fit_width(spec: dict[str, Any]) -> dict[str, Any]:
    """On the page a chart fills its card ('container' width); exports keep the fixed width."""
    if isinstance(spec.get("width"), (int, float)):
        return {**spec, "width": "container"}
    return spec


def _meta(run: RunData) -> dict[str, Any]:
    r = run.run
    book = str(r.get("book") or run.run_dir.name)
    window = r.get("window") or {}
    created = r.get("created_at")
    try:
        created = (
            datetime.fromisoformat(str(created)).strftime("%Y-%m-%d %H:%M UTC") if created else "—"
        )
    except ValueError:
        created = str(created)
    path = Path(book.rstrip("/"))
    # a folder called "book" (as the demo writes) is named after the folder holding it
    book_name = (
        path.parent.name if path.name == "book" and path.parent.name else path.name
    ) or book
    return {
        "title": f"tierwise report · {book_name} · {r.get('as_of', '')}",
        "book_name": book_name,
        "as_of": r.get("as_of", "—"),
        "window": f"{window['start']} to {window['end']} ({window.get('days')} days)"
        if window.get("start") and window.get("end")
        else "",
        "policy": "default policy"
        if r.get("policy_is_default")
        else f"policy: {r.get('policy_source', '—')}",
        "created": created,
        "version": r.get("tierwise_version", "—"),
    }


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no '<' can close it early."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=_json_default)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"chart spec holds a {type(value).__name__} that JSON cannot store: {value!r}")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_template_dir())),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_dir() -> Path:
    return Path(str(resources.files("tierwise.report") / "template"))


def _asset(name: str) -> Markup:
    """A CSS or JS file of the template folder, inlined verbatim (it is ours, not user data)."""
    return Markup((_template_dir() / name).read_text(encoding="utf-8"))
