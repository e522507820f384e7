"""A run leaves nothing behind in the engine: notebooks analyse the same book again and
again in one session, and each run's per-stage tables would otherwise pile up."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

import tierwise
from tierwise.demo import generate_book


def test_analysing_twice_leaves_no_more_tables_than_before(tmp_path: Path) -> None:
    generate_book(tmp_path / "book", customers=120, seed=5)
    book = tierwise.read_book(tmp_path / "book")
    before = set(book.con.list_tables())

    first = tierwise.analyze(book)
    after_once = set(book.con.list_tables())
    second = tierwise.analyze(book)
    after_twice = set(book.con.list_tables())

    assert after_twice == after_once == before
    assert not [n for n in after_twice if n.startswith(("tw_scorecard_", "tw_facts"))]
    # the book still reads, and the second run sees the same figures as the first
    assert first.scorecard_arrow.num_rows == second.scorecard_arrow.num_rows > 0
    # Equal to the last few bits: DuckDB sums doubles in parallel, in no fixed order, so a
    # sum may differ in its last bit from run to run; a table left over from the first run
    # would change figures far more than that.
    pd.testing.assert_frame_equal(
        _by_customer(first.scorecard_arrow), _by_customer(second.scorecard_arrow), rtol=1e-12
    )
    assert _same_figures(first.portfolio["tiers"], second.portfolio["tiers"])


def _same_figures(a: Any, b: Any) -> bool:
    """Equal structure, texts and counts; floats equal to the last few bits (see above)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_figures(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_figures(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return bool(a == b)


def _by_customer(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas().sort_values("customer_id").reset_index(drop=True)


def test_the_segmentation_scores_are_let_go_once_joined_in(tmp_path: Path) -> None:
    """The segmentation's per-customer Arrow table (0.75 GB at a million customers) is
    handed to the engine for one join; kept registered, it was held through every later
    stage of the run."""
    generate_book(tmp_path / "book", customers=120, seed=5)
    book = tierwise.read_book(tmp_path / "book")
    seen: dict[str, set[str]] = {}

    class Stages:
        def start(self, total_stages: int) -> None: ...

        def stage(self, name: str) -> None:
            seen[name] = set(book.con.list_tables())

        def finish(self) -> None: ...

    tierwise.analyze(book, progress=Stages())
    before = seen["value, tiers and relationship levels"]
    after = seen["service alignment and capacity"]
    added = after - before
    # only the scorecard's next version: nothing the segmentation handed the engine
    assert added and all(n.removeprefix("tw_scorecard_").isdigit() for n in added), added
    later = seen["whitespace"] | seen["scorecard"]
    assert not [n for n in later if n.startswith("tw_scorecard_segments_")]
