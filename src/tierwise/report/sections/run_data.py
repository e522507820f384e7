"""What the report reads from a run folder (CONTRACT §3), and nothing else.

``RunData`` loads run.json and portfolio.json eagerly (both small) and the scorecard
and details tables lazily: the scorecard is opened as an Ibis table over the Parquet
file, so a million-customer book is aggregated by DuckDB and only capped lists reach
Python. Every accessor answers ``None`` (or an empty mapping) when its input is absent.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow.parquet as pq

from tierwise.errors import InputError

_PROFIT_KEYS = ("pareto", "whale", "deciles", "effort_vs_profit")


class RunData:
    """A run folder opened for reading. Build with ``RunData.open(run_dir)``."""

    def __init__(self, run_dir: Path, run: dict[str, Any], portfolio: dict[str, Any]) -> None:
        self.run_dir = run_dir
        self.run = run
        self.portfolio = portfolio
        self._details: dict[str, pd.DataFrame | None] = {}
        self._con: ibis.BaseBackend | None = None
        #: portfolio figures the report computed from the scorecard (absent from portfolio.json)
        self.computed: set[str] = set()

    @classmethod
    def open(cls, run_dir: str | Path) -> RunData:
        """Read run.json and portfolio.json; ``InputError`` when it is not a run folder."""
        folder = Path(run_dir)
        if not folder.is_dir():
            raise InputError(
                f"run folder {folder} does not exist; pass the folder "
                "`tierwise analyze` wrote (--out)"
            )
        run = _read_json(folder / "run.json")
        portfolio = _read_json(folder / "portfolio.json")
        if run is None and portfolio is None:
            raise InputError(
                f"{folder} holds neither run.json nor portfolio.json; it is not a run folder. "
                "Run `tierwise analyze BOOK --out DIR` first"
            )
        return cls(folder, run or {}, portfolio or {})

    # -- run.json ---------------------------------------------------------------------
    @property
    def inputs(self) -> dict[str, dict[str, Any]]:
        return dict(self.run.get("inputs") or {})

    @property
    def missing_tables(self) -> list[str]:
        return list(self.run.get("missing_tables") or [])

    @property
    def currency(self) -> str | None:
        """The book's currency code: the policy's analysis.currency, else as recorded."""
        code = self.policy_value("analysis", "currency") or self.run.get("currency")
        return str(code) if code else None

    @property
    def effort_known(self) -> bool:
        """Whether hours spent are known: the book had an activities table (else unknown,
        never zero)."""
        return "activities" not in self.missing_tables

    @property
    def stages(self) -> dict[str, Any]:
        return dict(self.run.get("stages") or {})

    def policy_value(self, *keys: str) -> Any:
        """A value of the resolved policy in run.json, e.g. ``("segmentation", "levels")``."""
        node: Any = self.run.get("policy") or {}
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    # -- scorecard --------------------------------------------------------------------
    @property
    def scorecard_path(self) -> Path | None:
        path = self.run_dir / "scorecard.parquet"
        return path if path.is_file() else None

    @cached_property
    def columns(self) -> list[str]:
        """The scorecard's columns, read from the Parquet footer only."""
        path = self.scorecard_path
        return [] if path is None else list(pq.read_schema(path).names)

    def has(self, *columns: str) -> bool:
        return all(c in self.columns for c in columns)

    @cached_property
    def scorecard(self) -> ir.Table | None:
        """The scorecard as a lazy Ibis table over the Parquet file (None when absent)."""
        path = self.scorecard_path
        if path is None:
            return None
        from tierwise.book.readers import glob_escape

        self._con = ibis.duckdb.connect()
        return self._con.read_parquet(glob_escape(path), table_name="scorecard")

    # -- details ----------------------------------------------------------------------
    def detail(self, name: str) -> pd.DataFrame | None:
        """details/<name>.parquet as a DataFrame (these are chart tables, bounded in size)."""
        if name not in self._details:
            path = self.run_dir / "details" / f"{name}.parquet"
            self._details[name] = pd.read_parquet(path) if path.is_file() else None
        return self._details[name]

    # -- profit figures -----------------------------------------------------------------
    @cached_property
    def profit_figures(self) -> dict[str, Any]:
        """pareto, whale, deciles and effort_vs_profit: from portfolio.json when there,
        else computed from the scorecard in the engine (names of those in ``computed``)."""
        from tierwise.metrics import concentration as c

        figures = {k: self.portfolio[k] for k in _PROFIT_KEYS if self.portfolio.get(k)}
        t = self.scorecard
        if t is None:
            return figures
        if "pareto" not in figures and self.has("customer_id", "revenue"):
            figures["pareto"] = c.pareto(t)
            self.computed.add("pareto")
        if self.has("customer_id", "revenue", "net_profit"):
            if "whale" not in figures:
                figures["whale"] = c.whale_curve(t)
                self.computed.add("whale")
            if "deciles" not in figures:
                figures["deciles"] = json.loads(c.deciles(t).execute().to_json(orient="records"))
                self.computed.add("deciles")
            if "effort_vs_profit" not in figures and self.has("effort_hours"):
                by_tier = self.has("tier")
                figures["effort_vs_profit"] = c.effort_vs_profit(
                    t, by="tier" if by_tier else "decile"
                )
                if by_tier:
                    figures["effort_vs_profit"]["by_decile"] = c.effort_vs_profit(t, by="decile")
                self.computed.add("effort_vs_profit")
        return figures

    def detail_path(self, name: str) -> str:
        """The relative path a reader opens for the full table."""
        return f"details/{name}.parquet"


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); "
            "re-run the analysis to rewrite it"
        ) from exc
    if not isinstance(data, dict):
        raise InputError(
            f"{path} holds a {type(data).__name__}, expected a JSON object; re-run the analysis"
        )
    return data
