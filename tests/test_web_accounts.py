"""The accounts service: what each viewer sees, filters, sorting, paging and the CSV export,
all answered by DuckDB over the run's Parquet file (checked against the hand-made table)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import ibis
import pytest

from tests.web_support import ADMIN, ANALYST, LATEST, LEADER, MANAGER, RITA, ROB, SAM, write_runs
from tierwise.web.services.accounts import (
    AccountQuery,
    export_csv,
    filter_choices,
    get_account,
    list_accounts,
)
from tierwise.web.services.errors import BadInput, Forbidden, NotFound

pytest.importorskip("fastapi")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_runs(tmp_path) / "acme" / "2026-07-01"


@pytest.fixture
def table(run_dir: Path) -> ibis.Table:
    return ibis.duckdb.connect().read_parquet(run_dir / "scorecard.parquet")


def ids(page: object) -> list[str]:
    return [r["customer_id"] for r in page.rows]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        (LEADER, {"A", "B", "C", "D", "E", "F", "G"}),
        (ANALYST, {"A", "B", "C", "D", "E", "F", "G"}),
        (ADMIN, {"A", "B", "C", "D", "E", "F", "G"}),
        (MANAGER, {"A", "B", "C", "D", "E"}),
        (RITA, {"A", "B", "E"}),
        (ROB, {"C", "D"}),
        (SAM, {"F"}),
    ],
)
def test_each_viewer_sees_only_the_accounts_in_their_scope(table, viewer, expected) -> None:
    page = list_accounts(table, viewer, AccountQuery(per_page=100))
    assert set(ids(page)) == expected
    assert page.total == len(expected)


def test_a_rep_filtering_on_another_owner_gets_nothing(table) -> None:
    page = list_accounts(table, RITA, AccountQuery(owner="Rob Rep"))
    assert page.total == 0


def test_filters_combine(table) -> None:
    page = list_accounts(table, LEADER, AccountQuery(tier="core", level=4))
    assert ids(page) == ["D"]
    page = list_accounts(
        table, LEADER, AccountQuery(alignment="over_served", trend="deteriorating")
    )
    assert ids(page) == ["D", "E"]


def test_search_matches_the_id_exactly_or_a_part_of_the_name(table) -> None:
    assert ids(list_accounts(table, LEADER, AccountQuery(search="gamma"))) == ["C"]
    assert ids(list_accounts(table, LEADER, AccountQuery(search="c"))) == ["C", "F"]  # "Inc"
    assert ids(list_accounts(table, LEADER, AccountQuery(search="ta"))) == ["B", "D", "F", "G"]


def test_sort_and_pages(table) -> None:
    query = AccountQuery(sort="revenue", descending=True, per_page=3)
    first = list_accounts(table, LEADER, query)
    second = list_accounts(table, LEADER, query.with_page(2))
    third = list_accounts(table, LEADER, query.with_page(3))
    expected = list(LATEST.sort_values("revenue", ascending=False).customer_id)
    assert ids(first) + ids(second) + ids(third) == expected
    assert first.total == 7 and first.pages == 3
    assert ids(list_accounts(table, LEADER, AccountQuery(sort="net_profit"))) == [
        "E",
        "D",
        "G",
        "F",
        "C",
        "B",
        "A",
    ]


def test_overridden_filter_uses_the_workspace_ids(table) -> None:
    marked = frozenset({"B", "D"})
    assert ids(list_accounts(table, LEADER, AccountQuery(overridden=True), marked)) == ["B", "D"]
    assert "B" not in ids(list_accounts(table, LEADER, AccountQuery(overridden=False), marked))


@pytest.mark.parametrize(
    "query",
    [
        AccountQuery(sort="reasons; drop table x"),
        AccountQuery(page=0),
        AccountQuery(per_page=100_000),
        AccountQuery(level=7),
    ],
)
def test_bad_queries_are_refused_with_a_reason(table, query) -> None:
    with pytest.raises(BadInput):
        list_accounts(table, LEADER, query)


def test_filter_values_are_bound_not_pasted_into_sql(table) -> None:
    page = list_accounts(table, LEADER, AccountQuery(tier="core' OR '1'='1"))
    assert page.total == 0


def test_filter_choices_list_what_the_viewer_sees(run_dir) -> None:
    assert filter_choices(run_dir, ROB)["owner"] == ["Rob Rep"]
    assert filter_choices(run_dir, LEADER)["tier"] == ["core", "strategic", "transactional"]


def test_account_of_another_rep_is_forbidden_and_unknown_is_not_found(table) -> None:
    assert get_account(table, RITA, "A")["name"] == "Alpha AG"
    assert get_account(table, MANAGER, "C")["owner"] == "Rob Rep"
    with pytest.raises(Forbidden):
        get_account(table, RITA, "C")
    with pytest.raises(Forbidden):
        get_account(table, SAM, "G")  # no owner: book-wide roles only
    with pytest.raises(NotFound):
        get_account(table, LEADER, "nope")


def _csv(run_dir: Path, viewer, query: AccountQuery) -> list[dict[str, str]]:
    data = b"".join(export_csv(run_dir, viewer, query)).decode("utf-8")
    return list(csv.DictReader(io.StringIO(data)))


def test_export_is_the_current_view_across_all_pages(run_dir) -> None:
    rows = _csv(run_dir, MANAGER, AccountQuery(tier="core", sort="revenue", per_page=1))
    assert [r["customer_id"] for r in rows] == ["D", "C"]
    assert set(rows[0]) == set(LATEST.columns)


def test_export_defuses_spreadsheet_formulas(run_dir) -> None:
    rows = _csv(run_dir, RITA, AccountQuery(tier="transactional"))
    assert rows[0]["name"] == "'=HYPERLINK(1)"


def test_export_of_nothing_is_a_header(run_dir) -> None:
    data = b"".join(export_csv(run_dir, SAM, AccountQuery(tier="strategic"))).decode()
    assert data.splitlines()[0].startswith('"customer_id"')
    assert len(data.splitlines()) == 1
