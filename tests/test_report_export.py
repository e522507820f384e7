"""``export_charts``: each chart of the report as a PNG or SVG file, named as on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_report_html import write_tiny_run
from tierwise.errors import InputError
from tierwise.report.export import export_charts
from tierwise.report.sections import build_sections
from tierwise.report.sections.run_data import RunData


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_run(tmp_path_factory.mktemp("run"))


def test_png_export_writes_one_file_per_chart_in_reading_order(run_dir: Path) -> None:
    paths = export_charts(run_dir, "png")
    names = [c.name for s in build_sections(RunData.open(run_dir)) for c in s.charts]
    assert [p.stem for p in paths] == names
    assert all(p.parent == run_dir / "charts" for p in paths)
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_export_goes_to_the_folder_asked_for(run_dir: Path, tmp_path: Path) -> None:
    paths = export_charts(run_dir, "svg", out_dir=tmp_path / "slides")
    assert paths and all(p.suffix == ".svg" and p.parent == tmp_path / "slides" for p in paths)
    pareto = (tmp_path / "slides" / "pareto.svg").read_text(encoding="utf-8")
    assert pareto.lstrip().startswith("<svg") and "Pareto curve of revenue" in pareto


def test_unknown_format_is_refused_with_the_choices(run_dir: Path) -> None:
    with pytest.raises(InputError, match=r"'pdf'.*png, svg"):
        export_charts(run_dir, "pdf")
