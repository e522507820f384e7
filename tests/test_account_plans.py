"""Account plans drafted from a run: every figure from the scorecard, a joint version with
no internal figure, stakeholders and their gaps, and bad input (CONTRACT §7)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.plan_book import AS_OF, LOSS_MAKER, write_plan_book
from tierwise.plans.draft import UnknownCustomer, draft_plan
from tierwise.plans.model import AccountPlan, Figure, fmt
from tierwise.plans.render import render_plan


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import tierwise

    base = tmp_path_factory.mktemp("plans")
    book = write_plan_book(base / "book")
    result = tierwise.analyze(book, as_of=AS_OF)
    return result.write(base / "run")


@pytest.fixture(scope="module")
def scorecard(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(run_dir / "scorecard.parquet").set_index("customer_id")


def _figures(plan: AccountPlan) -> list[Figure]:
    statements = [*plan.summary, *plan.value_drivers, *plan.risks, *plan.stakeholder_gaps]
    statements += [o.because for o in plan.objectives]
    if plan.share_of_wallet:
        statements.append(plan.share_of_wallet)
    return [f for s in statements for f in s.cites]


@pytest.mark.parametrize("customer", ["K01", LOSS_MAKER, "K10"])
def test_every_scorecard_figure_of_the_plan_matches_the_scorecard(
    run_dir: Path, scorecard: pd.DataFrame, customer: str
) -> None:
    plan = draft_plan(run_dir, customer)
    cited = [f for f in _figures(plan) if f.source.startswith("scorecard.")]
    assert len(cited) >= 10
    row = scorecard.loc[customer]
    for figure in cited:
        expected = row[figure.source.removeprefix("scorecard.")]
        if pd.isna(expected):
            assert figure.value is None, figure
        elif isinstance(expected, float):
            assert figure.value == pytest.approx(expected), figure
        else:
            assert str(figure.value) == str(expected), figure


def test_the_value_summary_shows_the_scorecard_figures_it_cites(
    run_dir: Path, scorecard: pd.DataFrame
) -> None:
    plan = draft_plan(run_dir, "K10")
    text = " ".join(s.text for s in plan.summary)
    row = scorecard.loc["K10"]
    for column in ("revenue", "net_profit", "gross_margin", "cost_to_serve", "clv", "cev"):
        assert f"{row[column]:,.0f}" in text, column
    assert f"Relationship level {row['relationship_level']}" in text
    assert f"trend {row['relationship_trend']}" in text


def test_whitespace_figures_come_from_the_run_details(run_dir: Path) -> None:
    plan = draft_plan(run_dir, "K01")
    details = pd.read_parquet(run_dir / "details" / "whitespace.parquet")
    mine = details[details.customer_id == "K01"].sort_values("rank")
    assert [w.item for w in plan.whitespace] == list(mine["item"])
    assert [w.expected_margin for w in plan.whitespace] == pytest.approx(
        list(mine["expected_margin"])
    )
    grow = next(o for o in plan.objectives if o.key == "grow")
    assert plan.whitespace[0].item in grow.title


def test_a_loss_maker_gets_a_loss_objective_with_finance_involved(run_dir: Path) -> None:
    plan = draft_plan(run_dir, LOSS_MAKER)
    fix = next(o for o in plan.objectives if o.key == "fix_loss")
    assert "finance" in fix.functions
    assert any(f.name == "net_profit" and f.value < 0 for f in fix.because.cites)
    assert any("Loss-making" in r.text for r in plan.risks)


def _internal_numbers(plan: AccountPlan) -> set[str]:
    """Every internal figure of the full plan, written the ways a page could show it."""
    shown: set[str] = set()
    values = [f.value for f in _figures(plan) if f.internal]
    values += [w.expected_margin for w in plan.whitespace]
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= 10:
            shown |= {fmt(float(value)), f"{value:.0f}", f"{value:.2f}", repr(value)}
    return shown


@pytest.mark.parametrize("customer", ["K01", LOSS_MAKER])
@pytest.mark.parametrize("form", ["md", "html", "json"])
def test_the_joint_plan_contains_no_internal_figure(
    run_dir: Path, customer: str, form: str
) -> None:
    plan = draft_plan(run_dir, customer)
    internal = _internal_numbers(plan)
    assert len(internal) > 8
    full = render_plan(plan, form)  # type: ignore[arg-type]
    joint = render_plan(plan, form, joint=True)  # type: ignore[arg-type]
    assert any(number in full for number in internal)  # the scan can find them
    body = re.sub(r"<style>.*?</style>", "", joint, flags=re.S)  # the page's own CSS
    found = [n for n in internal if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d,])", body)]
    assert found == []
    lowered = body.lower()
    for word in ("net profit", "cost-to-serve", "cost to serve", "margin", "clv", "detractor"):
        assert word not in lowered, word


def test_stakeholders_come_from_contacts_with_their_gaps(run_dir: Path) -> None:
    k01 = draft_plan(run_dir, "K01")
    assert {p.name for p in k01.stakeholders} == {"Ann Buyer", "Bob User"}
    gaps = " | ".join(g.text for g in k01.stakeholder_gaps)
    assert "No executive sponsor" in gaps
    assert "Detractors to win over: Bob User" in gaps
    assert "Bob User not touched for 306 days" in gaps  # 2024-03-01 .. 2025-01-01
    assert any(o.key == "sponsor" for o in k01.objectives)
    k02 = draft_plan(run_dir, "K02")
    assert "No executive sponsor" not in " ".join(g.text for g in k02.stakeholder_gaps)
    assert "Single-threaded: one contact only" in " ".join(g.text for g in k02.stakeholder_gaps)


def test_contacts_of_unknown_customers_go_to_the_quarantine(run_dir: Path) -> None:
    rows = pd.read_csv(run_dir / "quarantine" / "contacts.csv")
    assert list(rows["customer_id"]) == ["ZZ99"]
    assert rows["reason"].str.contains("unknown customer").all()
    kept = pd.read_parquet(run_dir / "details" / "contacts.parquet")
    assert "ZZ99" not in set(kept.customer_id)


def test_actions_have_owners_and_spaced_due_dates(run_dir: Path) -> None:
    plan = draft_plan(run_dir, "K01")
    assert plan.actions
    assert {a.owner for a in plan.actions} == {"rita"}
    dues = [a.due for a in plan.actions]
    assert dues == sorted(dues) and dues[0] == "2025-01-31"


def test_html_is_self_contained_and_escapes_the_book(run_dir: Path) -> None:
    page = render_plan(draft_plan(run_dir, "K01"), "html")
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in page
    assert "<b>Acme" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page


def test_json_is_valid_and_carries_the_citations(run_dir: Path) -> None:
    data = json.loads(render_plan(draft_plan(run_dir, "K01"), "json"))
    assert data["customer_id"] == "K01"
    assert all(c["source"] for s in data["summary"] for c in s["cites"])


def test_an_unknown_customer_is_a_clear_error(run_dir: Path) -> None:
    with pytest.raises(UnknownCustomer, match="'NOPE' is not in the run"):
        draft_plan(run_dir, "NOPE")


def test_the_cli_exits_2_for_an_unknown_customer_or_a_bad_format(run_dir: Path) -> None:
    from tierwise.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["plan", str(run_dir), "NOPE"])
    assert done.exit_code == 2
    assert "'NOPE' is not in the run" in done.output
    done = runner.invoke(app, ["plan", str(run_dir), "K01", "--format", "pdf"])
    assert done.exit_code == 2
    assert "--format 'pdf' is not known" in done.output
    done = runner.invoke(app, ["plan", str(run_dir / "nowhere"), "K01"])
    assert done.exit_code == 2
    assert "is not a run folder" in done.output


def test_the_cli_prints_the_plan_and_never_replaces_a_file(run_dir: Path, tmp_path: Path) -> None:
    from tierwise.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["plan", str(run_dir), "K01", "--joint"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("# Joint business plan")
    target = tmp_path / "mine.md"
    target.write_text("mine", encoding="utf-8")
    done = runner.invoke(app, ["plan", str(run_dir), "K01", "--out", str(target)])
    assert done.exit_code == 2
    assert target.read_text(encoding="utf-8") == "mine"


def test_the_run_names_the_missing_column_when_whitespace_is_skipped(tmp_path: Path) -> None:
    import tierwise
    from tests.db_fixtures import TINY_AS_OF, write_tiny_book

    result = tierwise.analyze(write_tiny_book(tmp_path / "book"), as_of=TINY_AS_OF)
    note = result.stage_summaries["whitespace"]["skipped"]
    assert "`product` or `category`" in note
    assert note in result.run_info()["warnings"]
    plan = draft_plan(result.write(tmp_path / "run"), "C01")
    assert plan.whitespace == [] and plan.whitespace_note == note


def test_the_cli_keeps_an_edited_plan_and_shows_the_leaders_view(
    run_dir: Path, tmp_path: Path
) -> None:
    from tierwise.cli import app
    from tierwise.workspace import Workspace

    scorecard = pd.read_parquet(run_dir / "scorecard.parquet")
    strategic = set(scorecard.customer_id[scorecard.tier == "strategic"])
    top = min(strategic)
    other = "K02" if top == "K01" else "K01"
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    with Workspace(url) as ws:
        ws.add_user("lea", role="leader", password="a long enough password")
    runner = CliRunner()
    exported = tmp_path / "plan.json"
    done = runner.invoke(
        app,
        [
            *("plan", str(run_dir), top, "--db", url, "--save", "--as", "lea", "--format"),
            *("json", "--out", str(exported)),
        ],
    )
    assert done.exit_code == 0, done.output
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["actions"][0]["title"] = "Agreed: a trial of valves"
    exported.write_text(json.dumps(data), encoding="utf-8")
    done = runner.invoke(
        app, ["plan", str(run_dir), top, "--db", url, "--edit", str(exported), "--as", "lea"]
    )
    assert done.exit_code == 0, done.output
    assert "kept as version 2" in done.output
    shown = runner.invoke(app, ["plan", str(run_dir), top, "--db", url])
    assert "Agreed: a trial of valves" in shown.output and "Version 2" in shown.output
    wrong = runner.invoke(
        app, ["plan", str(run_dir), other, "--db", url, "--edit", str(exported), "--as", "lea"]
    )
    assert wrong.exit_code == 2 and f"is the plan of customer '{top}'" in wrong.output
    exported.write_text(json.dumps({"customer_id": top, "actions": 5}), encoding="utf-8")
    bad = runner.invoke(
        app, ["plan", str(run_dir), top, "--db", url, "--edit", str(exported), "--as", "lea"]
    )
    assert bad.exit_code == 2 and "is not an account plan" in bad.output
    status = runner.invoke(
        app,
        [
            *("plan", "--status", str(run_dir), "--db", url, "--today", "2026-01-01"),
            *("--format", "json"),
        ],
    )
    assert status.exit_code == 0, status.output
    view = json.loads(status.output)
    assert view["strategic"] == len(strategic)
    assert set(view["no_plan"]) == strategic - {top}
    assert {a["customer_id"] for a in view["overdue"]} == {top}
    text = runner.invoke(
        app, ["plan", "--status", str(run_dir), "--db", url, "--today", "2026-01-01"]
    )
    assert text.exit_code == 0, text.output
    listed = scorecard[scorecard.customer_id.isin(strategic - {top})]
    for row in listed.itertuples():  # each account without a plan by id, name and owner
        assert f"- {row.customer_id} {row.name} ({row.owner or 'no owner'})" in text.output
