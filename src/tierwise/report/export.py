"""``export_charts``: every chart of the report as a PNG or SVG file (vl-convert, no browser).

The charts are the report's own (same sections, same data, same takeaways), so a file
pasted into a slide matches the page. Names are stable: ``pareto.png``, ``whale.png``,
``relationship_matrix.png``, … (see docs/report.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import vl_convert as vlc

from tierwise.errors import InputError
from tierwise.report.html import vega_lite_version
from tierwise.report.sections import build_sections
from tierwise.report.sections.run_data import RunData

FORMATS = ("png", "svg")
#: Static charts use the page's fonts and colours, on white.
STATIC_CONFIG: dict[str, Any] = {
    "background": "white",
    "font": "DejaVu Sans, Helvetica, Arial, sans-serif",
    "view": {"stroke": None},
    "title": {"fontSize": 14, "anchor": "start", "color": "#1f2933", "subtitleColor": "#6b7280"},
    "axis": {"labelColor": "#4b5563", "titleColor": "#4b5563", "gridColor": "#eceff3"},
    "legend": {"labelColor": "#4b5563"},
}


def export_charts(run_dir: Path, fmt: str = "png", out_dir: Path | None = None) -> list[Path]:
    """Write each chart of the run's report to ``out_dir`` (default ``run_dir/charts``).

    Returns the written paths in the report's reading order. ``fmt`` is ``png`` (at 2x
    scale, for slides) or ``svg``.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"chart format {fmt!r} is not supported; use one of {', '.join(FORMATS)}")
    run = RunData.open(run_dir)
    target = Path(out_dir) if out_dir is not None else Path(run_dir) / "charts"
    target.mkdir(parents=True, exist_ok=True)
    return [
        write_chart(chart.spec, target / f"{chart.name}.{fmt}")
        for section in build_sections(run)
        for chart in section.charts
    ]


def write_chart(spec: dict[str, Any], path: Path) -> Path:
    """Render one Vega-Lite spec to ``path``: PNG (2x scale) or SVG, by the file's suffix."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"{path}: charts are written as {' or '.join(FORMATS)}; use that suffix")
    version = vega_lite_version()
    kwargs: dict[str, Any] = {"vl_version": version} if version else {}
    spec = {**spec, "config": {**STATIC_CONFIG, **spec.get("config", {})}}
    if fmt == "png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2, **kwargs))
    else:
        path.write_text(vlc.vegalite_to_svg(spec, **kwargs), encoding="utf-8")
    return path
