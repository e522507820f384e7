"""The report's sections, one module each, in the reading order of the issue.

A section is plain data (cards, charts as Vega-Lite specs, capped tables, notes, and
what data would fill what is absent); the template turns it into HTML and
``export_charts`` turns its charts into files. Builders never raise on a missing
input: they say what is missing. A chart that fails to build is reported on the page
and in ``Section.errors`` instead of taking the whole report down with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import altair as alt

from tierwise.report.sections.run_data import RunData

Builder = Callable[[], alt.TopLevelMixin]

#: Rows shown in any table; the full list is in the run folder.
TABLE_ROWS = 15
#: Points drawn in any scatter chart; the rest are summarised, not drawn.
CHART_POINTS = 2500


@dataclass
class Card:
    """A headline figure: a label, the value, one line of context, and a tone."""

    label: str
    value: str
    detail: str = ""
    tone: str = "neutral"  # good | bad | warn | neutral


@dataclass
class Chart:
    """A drawn chart: its export name, its Vega-Lite spec, and its one-sentence takeaway."""

    name: str
    title: str
    spec: dict[str, Any]
    takeaway: str | None = None


@dataclass
class Table:
    """A capped table of already formatted cells; ``numeric`` right-aligns columns."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    note: str | None = None
    half: bool = False  # two half tables sit side by side on wide screens


@dataclass
class Section:
    """One block of the page."""

    key: str
    title: str
    lede: str = ""
    cards: list[Card] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: What the reader must see before trusting the figures (shown first, highlighted).
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.cards or self.charts or self.tables or self.notes)

    def add_chart(
        self,
        name: str,
        title: str,
        build: Builder | Sequence[Builder | None],
        takeaway: str | None,
    ) -> None:
        """Build a chart from the first builder that works (the domain chart module's
        function first, the report's own as fallback); when all fail, keep the page and
        say which chart failed and why."""
        builders = [b for b in ([build] if callable(build) else build) if b is not None]
        failures: list[str] = []
        for b in builders:
            try:
                spec = chart_spec(b())
            except Exception as exc:  # a broken chart must not cost the reader the page
                failures.append(f"{_builder_name(b)}: {type(exc).__name__}: {exc}")
                continue
            self.charts.append(Chart(name=name, title=title, spec=spec, takeaway=takeaway))
            if failures:
                self.fallbacks.append(
                    f"chart '{title}' drawn by a fallback after {'; '.join(failures)}"
                )
            return
        self.errors.append(f"chart '{title}' could not be drawn: {'; '.join(failures)}")


def _builder_name(build: Builder) -> str:
    return getattr(build, "__qualname__", "chart")


def chart_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart as a Vega-Lite dict, without the schema URL (the page loads nothing)."""
    spec = chart.to_dict()
    spec.pop("$schema", None)
    return spec


def build_sections(run: RunData) -> list[Section]:
    """Every section of the report, in reading order."""
    from tierwise.report.sections import (
        actions,
        alignment,
        capacity,
        clv,
        concentration,
        effort,
        headline,
        overrides,
        quality,
        relationship,
        tiers,
    )
    from tierwise.report.takeaways import currency

    builders = (
        headline.build,
        concentration.build,
        effort.build,
        relationship.build,
        tiers.build,
        *([overrides.build] if "overrides" in run.portfolio else []),  # runs with --db
        alignment.build,
        capacity.build,
        clv.build,
        actions.build,
        quality.build,
    )
    with currency(run.currency):
        return [_built(b, run) for b in builders]


def _built(builder: Callable[[RunData], Section], run: RunData) -> Section:
    """A section, or, when its builder fails on this run, a section that says so."""
    try:
        return builder(run)
    except Exception as exc:  # one broken section must not cost the reader the rest
        key = builder.__module__.rsplit(".", 1)[-1]
        return Section(
            key=key,
            title=key.replace("_", " ").capitalize(),
            errors=[f"this section could not be built: {type(exc).__name__}: {exc}"],
        )


__all__ = [
    "CHART_POINTS",
    "TABLE_ROWS",
    "Card",
    "Chart",
    "RunData",
    "Section",
    "Table",
    "build_sections",
    "chart_spec",
]
