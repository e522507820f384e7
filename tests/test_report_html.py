"""The report page: self-contained, in reading order, takeaways that quote portfolio.json.

``write_tiny_run`` builds a run folder of five customers by hand (every figure below is
computed by hand from those five rows); the browser test reuses it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tierwise.errors import InputError
from tierwise.report.html import write_report
from tierwise.report.sections import build_sections
from tierwise.report.sections.run_data import RunData

# Five customers. Revenue 500/300/100/60/40 (total 1000); net profit 200/120/10/-20/-60
# (total 250, positive part 330, losses 80); hours 10/20/5/30/35 (total 100).
SCORECARD = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E"],
        "name": ["Alpha AG", "Beta BV", "Gamma SA", "Delta Ltd", "Epsilon Oy"],
        "owner": ["Ann", "Ann", "Bob", "Bob", None],
        "revenue": [500.0, 300.0, 100.0, 60.0, 40.0],
        "gross_margin": [250.0, 150.0, 40.0, 20.0, 10.0],
        "margin_estimated": [False, False, False, False, True],
        "net_profit": [200.0, 120.0, 10.0, -20.0, -60.0],
        "effort_hours": [10.0, 20.0, 5.0, 30.0, 35.0],
        "entitled_hours": [40.0, 20.0, 5.0, 5.0, 5.0],
        "alignment": ["under_served", "aligned", "aligned", "over_served", "over_served"],
        "tier": ["strategic", "growth", "core", "core", "transactional"],
        "relationship_level": [1, 1, 2, 3, 4],
        "relationship_trend": ["deteriorating", "stable", "improving", "stable", "deteriorating"],
        "level_alert": [True, False, False, False, True],
        "value_to_us": [0.9, 0.8, 0.6, 0.3, 0.1],
        "value_to_client": [0.8, 0.7, 0.3, 0.6, 0.2],
        "value_to_client_proxy": [False, False, False, False, True],
        "strategic_rank": [1, 3, 2, 4, 5],
        "revenue_rank": [1, 2, 3, 4, 5],
        "loss_drivers": [
            None,
            None,
            None,
            "cost to serve 40 exceeds gross margin 20",
            "rush orders 70%",
        ],
        "reasons": [
            "strategic: score 0.9; level 1 (good for both); deteriorating, more complaints",
            "growth: score 0.7; level 1 (good for both); stable",
            "core: score 0.8; level 2 (good for us only); improving",
            "core: score 0.3; level 3 (good for the customer only); stable; loss maker",
            "transactional: score 0.1; level 4 (good for neither); deteriorating; loss maker",
        ],
    }
)

PORTFOLIO: dict[str, Any] = {
    "customers": 5,
    "customers_buying_in_window": 5,
    "revenue": 1000.0,
    "gross_margin": 470.0,
    "net_profit": 250.0,
    "pareto": {
        "customers": 5,
        "total_revenue": 1000.0,
        "top20_revenue_share": 0.5,  # customer A: 500 of 1000
        "customers_share_for_80pct_revenue": 0.4,  # A + B = 800
        "curve": {
            "customer_share": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "value_share": [0.0, 0.5, 0.8, 0.9, 0.96, 1.0],
        },
    },
    "whale": {
        "customers": 5,
        "total_profit": 250.0,
        "peak_profit": 330.0,
        "peak_pct_of_total_profit": 132.0,  # 330 / 250
        "peak_customer_share": 0.6,  # A, B, C are profitable
        "top20_profit_share": 0.8,
        "profitable_customers": 3,
        "loss_makers": 2,
        "profit_of_profitable": 330.0,
        "profit_destroyed_by_loss_makers": 80.0,
        "curve": {
            "customer_share": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            "value_share": [0.0, 0.8, 1.28, 1.32, 1.24, 1.0],
        },
    },
    "deciles": [
        {"decile": 1, "customers": 1, "revenue": 500.0, "net_profit": 200.0, "hours": 10.0},
        {"decile": 2, "customers": 1, "revenue": 300.0, "net_profit": 120.0, "hours": 20.0},
        {"decile": 3, "customers": 1, "revenue": 100.0, "net_profit": 10.0, "hours": 5.0},
        {"decile": 4, "customers": 1, "revenue": 60.0, "net_profit": -20.0, "hours": 30.0},
        {"decile": 5, "customers": 1, "revenue": 40.0, "net_profit": -60.0, "hours": 35.0},
    ],
    "effort_vs_profit": {
        "by": "tier",
        "total_hours": 100.0,
        "total_profit": 250.0,
        "groups": [
            {
                "group": "strategic",
                "customers": 1,
                "revenue": 500.0,
                "net_profit": 200.0,
                "hours": 10.0,
                "hours_share": 0.1,
                "profit_share": 0.8,
            },
            {
                "group": "growth",
                "customers": 1,
                "revenue": 300.0,
                "net_profit": 120.0,
                "hours": 20.0,
                "hours_share": 0.2,
                "profit_share": 0.48,
            },
            {
                "group": "core",
                "customers": 2,
                "revenue": 160.0,
                "net_profit": -10.0,
                "hours": 35.0,
                "hours_share": 0.35,
                "profit_share": -0.04,
            },
            {
                "group": "transactional",
                "customers": 1,
                "revenue": 40.0,
                "net_profit": -60.0,
                "hours": 35.0,
                "hours_share": 0.35,
                "profit_share": -0.24,
            },
        ],
        "sentence": "35% of hours go to transactional customers, "
        "who lose the equivalent of 24% of profit.",
    },
    "tiers": {
        "strategic": {
            "customers": 1,
            "revenue": 500.0,
            "net_profit": 200.0,
            "effort_hours": 10.0,
            "alerts": 1,
        },
        "growth": {
            "customers": 1,
            "revenue": 300.0,
            "net_profit": 120.0,
            "effort_hours": 20.0,
            "alerts": 0,
        },
        "core": {
            "customers": 2,
            "revenue": 160.0,
            "net_profit": -10.0,
            "effort_hours": 35.0,
            "alerts": 0,
        },
        "transactional": {
            "customers": 1,
            "revenue": 40.0,
            "net_profit": -60.0,
            "effort_hours": 35.0,
            "alerts": 1,
        },
    },
    "levels": {"1": 2, "2": 1, "3": 1, "4": 1},
    "relationship": {
        "level_names": {
            "1": "good for both",
            "2": "good for us only",
            "3": "good for the customer only",
            "4": "good for neither",
        },
        "plays": {
            "1": "Expand.",
            "2": "Give value back.",
            "3": "Re-price.",
            "4": "Salvage or exit.",
        },
        "trends": {"improving": 1, "stable": 2, "deteriorating": 2},
        "alerts": 2,
    },
    "strategic_vs_largest": {
        "strategic_not_largest": [
            {
                "customer_id": "C",
                "name": "Gamma SA",
                "revenue": 100.0,
                "net_profit": 10.0,
                "strategic_rank": 2,
                "revenue_rank": 3,
                "tier": "core",
                "rank_gap": 1,
            }
        ],
        "largest_not_strategic": [
            {
                "customer_id": "B",
                "name": "Beta BV",
                "revenue": 300.0,
                "net_profit": 120.0,
                "strategic_rank": 3,
                "revenue_rank": 2,
                "tier": "growth",
                "rank_gap": -1,
            }
        ],
    },
    "alignment": {
        "customers": 5,
        "over_served": 2,
        "under_served": 1,
        "aligned": 2,
        "hours_over": 55.0,
        "hours_under": 30.0,
        "money_over": 3300.0,
        "money_under": 1800.0,
        "cadence_missed": 1,
        "top_over_served": [
            {
                "customer_id": "E",
                "name": "Epsilon Oy",
                "owner": None,
                "tier": "transactional",
                "effort_hours": 35.0,
                "entitled_hours": 5.0,
                "hours_gap": 30.0,
                "money_at_stake": 1800.0,
            },
            {
                "customer_id": "D",
                "name": "Delta Ltd",
                "owner": "Bob",
                "tier": "core",
                "effort_hours": 30.0,
                "entitled_hours": 5.0,
                "hours_gap": 25.0,
                "money_at_stake": 1500.0,
            },
        ],
        "top_under_served": [
            {
                "customer_id": "A",
                "name": "Alpha AG",
                "owner": "Ann",
                "tier": "strategic",
                "effort_hours": 10.0,
                "entitled_hours": 40.0,
                "hours_gap": -30.0,
                "money_at_stake": 1800.0,
            },
        ],
    },
    "capacity": {
        "window_days": 365,
        "hours_required": 75.0,
        "hours_available": 60.0,
        "gap_hours": -15.0,
        "utilisation": 1.25,
        "hours_spent": 100.0,
        "hours_freed_by_realigning": 55.0,
        "hours_needed_for_under_served": 30.0,
        "hours_for_new_business": 0.0,
        "can_serve_policy": False,
        "answer": "No: the policy asks 75 h and the team has 60 h.",
        "per_role": [
            {
                "role": "key_account_manager",
                "headcount": 1,
                "available_hours": 20.0,
                "required_hours": 40.0,
                "effort_hours": 10.0,
                "gap_hours": -20.0,
            },
            {
                "role": "account_manager",
                "headcount": 1,
                "available_hours": 40.0,
                "required_hours": 35.0,
                "effort_hours": 90.0,
                "gap_hours": 5.0,
            },
        ],
        "per_person": [
            {
                "person": "Ann",
                "role": "key_account_manager",
                "customers": 2,
                "available_hours": 20.0,
                "required_hours": 60.0,
                "effort_hours": 30.0,
                "gap_hours": -40.0,
            },
            {
                "person": "Bob",
                "role": "account_manager",
                "customers": 2,
                "available_hours": 40.0,
                "required_hours": 10.0,
                "effort_hours": 35.0,
                "gap_hours": 30.0,
            },
        ],
        "per_tier": [
            {"tier": "strategic", "required_hours": 40.0, "effort_hours": 10.0},
            {"tier": "growth", "required_hours": 20.0, "effort_hours": 20.0},
            {"tier": "core", "required_hours": 10.0, "effort_hours": 35.0},
            {"tier": "transactional", "required_hours": 5.0, "effort_hours": 35.0},
        ],
    },
}

CLV_SUMMARY: dict[str, Any] = {
    "time_unit": "week",
    "horizon_months": 12.0,
    "annual_discount_rate": 0.1,
    "customers": 5,
    "repeat_buyers": 4,
    "selection": "lowest holdout rmse",
    "spend": {"model": "gammagamma"},
    "chosen": {"model": "paretonbd"},
    "candidates": [
        {
            "model": "bgnbd",
            "holdout": {
                "mae": 1.1,
                "rmse": 1.5,
                "predicted_total": 95.0,
                "actual_total": 100.0,
                "brier_p_alive": 0.2,
            },
        },
        {
            "model": "paretonbd",
            "holdout": {
                "mae": 1.0,
                "rmse": 1.4,
                "predicted_total": 104.0,
                "actual_total": 100.0,
                "brier_p_alive": 0.1,
            },
        },
    ],
}

RUN: dict[str, Any] = {
    "tierwise_version": "0.1.0",
    "created_at": "2026-07-01T09:00:00+00:00",
    "book": "/data/books/acme",
    "as_of": "2026-07-01",
    "window": {"start": "2025-07-01", "end": "2026-07-01", "days": 365},
    "policy_source": "built-in default policy",
    "policy_is_default": True,
    "policy": {
        "analysis": {"default_margin_rate": 0.3},
        "segmentation": {"levels": {"good_for_us": 0.5, "good_for_client": 0.5}},
    },
    "inputs": {
        "transactions": {
            "files": ["/data/books/acme/transactions.csv"],
            "read": 1000,
            "accepted": 990,
            "quarantined": 10,
            "reasons": {"unparseable date": 7, "exact duplicate": 3},
        },
        "activities": {
            "files": ["/data/books/acme/activities.csv"],
            "read": 200,
            "accepted": 200,
            "quarantined": 0,
            "reasons": {},
        },
    },
    "missing_tables": ["signals", "tasks"],
    "warnings": [],
    "stages": {"clv": CLV_SUMMARY},
    "timings_seconds": {},
}


def write_tiny_run(folder: Path) -> Path:
    """A complete run folder of the five customers above."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").write_text(json.dumps(RUN), encoding="utf-8")
    (folder / "portfolio.json").write_text(json.dumps(PORTFOLIO), encoding="utf-8")
    SCORECARD.to_parquet(folder / "scorecard.parquet", index=False)
    details = folder / "details"
    details.mkdir(exist_ok=True)
    SCORECARD[
        [
            "customer_id",
            "name",
            "tier",
            "revenue",
            "net_profit",
            "value_to_us",
            "value_to_client",
            "value_to_client_proxy",
            "relationship_level",
            "relationship_trend",
            "level_alert",
            "strategic_rank",
            "revenue_rank",
        ]
    ].to_parquet(details / "segment_matrix.parquet", index=False)
    SCORECARD[
        ["customer_id", "name", "owner", "tier", "effort_hours", "entitled_hours", "alignment"]
    ].to_parquet(details / "service_alignment.parquet", index=False)
    pd.DataFrame(PORTFOLIO["capacity"]["per_tier"]).to_parquet(details / "capacity_by_tier.parquet")
    periods = np.arange(10)
    pd.DataFrame(
        {
            "period": periods,
            "actual_incremental": np.full(10, 10.0),
            "predicted_incremental": np.full(10, 10.4),
            "actual_cumulative": np.cumsum(np.full(10, 10.0)),
            "predicted_cumulative": np.cumsum(np.full(10, 10.4)),
            "holdout": periods >= 6,
        }
    ).to_parquet(details / "clv_tracking.parquet")
    pd.DataFrame(
        {
            "frequency": [0, 1, 2],
            "customers": [1, 2, 2],
            "actual": [0.5, 1.0, 2.0],
            "predicted": [0.6, 1.1, 1.5],
            "label": ["0", "1", "2+"],
        }
    ).to_parquet(details / "clv_calibration.parquet")
    (folder / "quarantine").mkdir(exist_ok=True)
    (folder / "quarantine" / "transactions.csv").write_text(
        "_file,_line,reason\n", encoding="utf-8"
    )
    return folder


class _Page(HTMLParser):
    """Collects asset attributes, section ids in order, and takeaways by chart name."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.sections: list[str] = []
        self.takeaways: dict[str, str] = {}
        self._takeaway: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href", "srcset", "data", "poster", "action"):
            if a.get(key):
                self.assets.append(str(a[key]))
        if a.get("style"):
            self.assets.extend(re.findall(r"url\(([^)]*)\)", str(a["style"])))
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        if a.get("data-takeaway"):
            self._takeaway = str(a["data-takeaway"])
            self.takeaways[self._takeaway] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "figcaption":
            self._takeaway = None

    def handle_data(self, data: str) -> None:
        if self._takeaway:
            self.takeaways[self._takeaway] += data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = write_tiny_run(tmp_path_factory.mktemp("run"))
    path = write_report(folder)
    return folder, path.read_text(encoding="utf-8")


def test_report_is_written_into_the_run_folder(tiny_report: tuple[Path, str]) -> None:
    folder, html = tiny_report
    assert (folder / "report.html").is_file()
    assert html.startswith("<!doctype html>")


def test_no_external_url_for_any_asset(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    page = _parse(html)
    external = [a for a in page.assets if re.match(r"\s*['\"]?(https?:)?//", a)]
    assert external == []
    css_urls = re.findall(r"url\(\s*['\"]?(https?:)?//", html)
    assert css_urls == []
    markup = re.sub(r"<script[^>]*>.*?</script>", "", html, flags=re.S)
    links = re.findall(r"""\b(?:src|href)=["']([^"']*)""", markup)
    assert links and all(link.startswith("#") for link in links)


def test_vega_javascript_and_styles_are_inlined(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    assert "window.vegaEmbed=" in html
    assert "<style>" in html and ".card-value" in html


def test_sections_come_in_the_reading_order_of_the_issue(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    assert _parse(html).sections == [
        "headline",
        "concentration",
        "effort",
        "relationship",
        "tiers",
        "alignment",
        "capacity",
        "clv",
        "actions",
        "quality",
    ]


def test_every_chart_has_a_takeaway_and_a_spec(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    charts = re.findall(r'data-chart="([a-z_]+)"', html)
    specs = json.loads(
        re.search(r'<script type="application/json" id="tw-specs">(.*?)</script>', html, re.S)[1]
    )
    assert set(charts) == set(specs)
    assert len(charts) >= 12
    takeaways = _parse(html).takeaways
    assert set(takeaways) == set(charts)
    assert all(t.strip() for t in takeaways.values())


def test_takeaways_quote_the_numbers_of_portfolio_json(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    t = {k: " ".join(v.split()) for k, v in _parse(html).takeaways.items()}
    assert (
        t["pareto"]
        == "The top 20% of customers bring 50% of revenue; 40% of customers make 80% of it."
    )
    assert t["whale"] == (
        "The most profitable 60% of customers earn 132% of total net profit; "
        "2 loss-makers give back 80."
    )
    assert t["deciles"] == (
        "The most profitable tenth makes 200 (80% of net profit); "
        "the least profitable tenth loses 60."
    )
    assert t["effort_vs_profit_by_tier"] == PORTFOLIO["effort_vs_profit"]["sentence"]
    # levels: 2 of 5 good for both, 1 of 5 for neither, 2 alerts
    assert t["relationship_matrix"] == (
        "2 customers (40%) are good for both sides and 1 (20%) good for neither; "
        "2 deteriorating accounts are at or close to level 4."
    )
    # strategic: 1 of 5 customers, 200 of 250 profit, 10 of 100 hours
    assert t["tiers"] == (
        "The strategic tier is 20% of customers, makes 80% of net profit "
        "and takes 10% of the hours."
    )
    assert t["alignment"] == (
        "2 accounts are over-served by 55 h and 1 under-served by 30 h; "
        "the extra service costs 3.3k."
    )
    assert (
        t["capacity"]
        == "The policy asks 75 h against 60 h available from the team (125%): short by 15 h; "
        "short of hours: key account manager."
    )
    assert t["capacity_by_tier"] == (
        "The transactional tier gets 35 h where the policy asks 5 h; "
        "the strategic tier gets 10 h of the 40 h it should."
    )
    assert t["clv_tracking"] == (
        "Pareto/NBD was chosen by lowest holdout RMSE (1.40): over the holdout it predicted 104 "
        "repeat purchases against 100 made (+4%)."
    )
    assert t["data_quality"] == (
        "10 of 1,200 rows read (0.8%) were quarantined, most for “unparseable date” (7); "
        "every row is accounted for."
    )


def test_headline_cards_show_the_book_figures(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    values = re.findall(r'<div class="card-value">([^<]*)</div>', html)
    assert values[:6] == ["5", "1.0k", "250", "50%", "2", "No"]


def test_action_lists_name_accounts_with_their_reasons(tiny_report: tuple[Path, str]) -> None:
    _, html = tiny_report
    actions = html[html.index('id="actions"') : html.index('id="quality"')]
    assert "Deteriorating relationships (2)" in actions
    assert "Level 4: good for neither side (1)" in actions
    assert "Under-served strategic accounts (1)" in actions
    assert "Biggest loss-makers (2)" in actions
    assert "Epsilon Oy (E)" in actions and "rush orders 70%" in actions
    assert "10 h spent of 40 h entitled" in actions
    # loss-makers biggest loss first: E (-60) before D (-20)
    losers = actions[actions.index("Biggest loss-makers") :]
    assert losers.index("Epsilon Oy") < losers.index("Delta Ltd")


def test_data_quality_accounts_for_every_table_and_missing_input(
    tiny_report: tuple[Path, str],
) -> None:
    _, html = tiny_report
    quality = html[html.index('id="quality"') :]
    assert "unparseable date" in quality and "quarantine/transactions.csv" in quality
    assert "Missing input “signals”" in quality and "proxy" in quality
    assert "Missing input “tasks”" in quality
    assert "Estimated margins: 1 customers" in quality
    assert "✗" not in quality  # accepted + quarantined = read for both tables


def test_sections_without_their_inputs_say_what_would_fill_them(tmp_path: Path) -> None:
    run = {k: v for k, v in RUN.items() if k != "stages"}
    (tmp_path / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (tmp_path / "portfolio.json").write_text(
        json.dumps({"customers": 5, "revenue": 1000.0, "gross_margin": 470.0}), encoding="utf-8"
    )
    SCORECARD[["customer_id", "revenue", "gross_margin"]].to_parquet(tmp_path / "scorecard.parquet")
    html = write_report(tmp_path).read_text(encoding="utf-8")
    sections = {s.key: s for s in build_sections(RunData.open(tmp_path))}
    assert [c.name for c in sections["concentration"].charts] == ["pareto"]
    for key in ("effort", "relationship", "tiers", "alignment", "capacity", "clv"):
        assert sections[key].charts == [] and sections[key].missing, key
    assert "What would fill this section" in html
    assert "net profit per customer" in html
    # the Pareto figures were computed from the scorecard: top customer 500 of 1000
    assert "The top 20% of customers bring 50% of revenue" in html
    assert all(not s.errors for s in sections.values())


def test_tiny_run_builds_without_chart_errors(tiny_report: tuple[Path, str]) -> None:
    folder, html = tiny_report
    sections = build_sections(RunData.open(folder))
    assert [e for s in sections for e in s.errors] == []
    assert 'class="errors"' not in html


def test_a_folder_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run folder"):
        write_report(tmp_path)


@pytest.mark.slow
def test_a_million_customer_run_gives_a_small_page(tmp_path: Path) -> None:
    """The page stays small at a million customers; its build time is in bench_report.py."""
    n = 1_000_000
    rng = np.random.default_rng(7)
    revenue = rng.pareto(1.2, n) * 100
    pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "revenue": revenue,
            "gross_margin": revenue * 0.3,
            "net_profit": revenue * 0.3 - rng.exponential(20, n),
            "effort_hours": rng.exponential(2, n),
        }
    ).to_parquet(tmp_path / "scorecard.parquet")
    (tmp_path / "portfolio.json").write_text(json.dumps({"customers": n}), encoding="utf-8")
    (tmp_path / "run.json").write_text(json.dumps({"as_of": "2026-07-01"}), encoding="utf-8")
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert len(html.encode()) < 3_000_000
    assert "Biggest loss-makers" in html and "10 of" in html
