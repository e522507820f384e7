"""The demo book generator: contract schema, determinism, realism and planted signatures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.demo import ARCHETYPE_NAMES, BLOCK_CUSTOMERS, BookSummary, generate_book
from tierwise.errors import InputError

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> BookSummary:
    """A 3,000-customer book shared by the read-only tests of this file."""
    return generate_book(tmp_path_factory.mktemp("book"), customers=3000, seed=7)


@pytest.fixture(scope="module")
def db(book: BookSummary) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the book's tables (an independent reader of the files)."""
    con = duckdb.connect()
    d = book.out_dir
    for name, path in (
        ("transactions", d / "transactions" / "*.parquet"),
        ("activities", d / "activities" / "*.parquet"),
        ("customers", d / "customers.parquet"),
        ("signals", d / "signals.parquet"),
        ("tasks", d / "tasks.parquet"),
        ("truth", d / "_truth.parquet"),
    ):
        con.execute(f"create view {name} as select * from read_parquet('{path}')")
    return con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def _read_folder(folder: Path) -> pa.Table:
    return pa.concat_tables(pq.read_table(p) for p in sorted(folder.glob("part-*.parquet")))


def _all_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))}


# --- contract ---------------------------------------------------------------------------


def test_book_has_every_contract_table_with_its_columns(book: BookSummary) -> None:
    d = book.out_dir
    expected = {
        "customers.parquet": [
            "customer_id", "name", "owner", "region", "industry", "created_at", "wallet",
            "strategic_fit",
        ],
        "signals.parquet": ["customer_id", "date", "kind", "value", "referred_customer_id", "note"],
        "tasks.parquet": ["task_id", "customer_id", "owner", "title", "due", "status", "important"],
        "_truth.parquet": [
            "customer_id", "archetype", "expected_level", "expected_trend", "expected_strategic",
            "expected_alignment", "loss_maker",
        ],
    }  # fmt: skip
    for file, columns in expected.items():
        names = pq.read_schema(d / file).names
        assert names[: len(columns)] == columns, file
    tx = pq.read_schema(next((d / "transactions").glob("part-*.parquet")))
    assert tx.names == [
        "customer_id", "date", "order_id", "amount", "cost", "quantity", "product", "category",
        "list_amount", "currency",
    ]  # fmt: skip
    assert tx.field("date").type == pa.timestamp("us")
    assert tx.field("amount").type == pa.float64()
    acts = pq.read_schema(next((d / "activities").glob("part-*.parquet")))
    assert acts.names == ["customer_id", "date", "type", "minutes", "owner"]
    assert pq.read_schema(d / "customers.parquet").field("created_at").type == pa.date32()


def test_summary_counts_match_the_files(book: BookSummary, db: duckdb.DuckDBPyConnection) -> None:
    for table in ("transactions", "activities", "signals", "tasks", "customers", "truth"):
        assert _one(db, f"select count(*) from {table}")[0] == book.rows[table], table
    assert book.start == date(2024, 7, 1)
    assert book.end == END
    assert book.as_of == date(2026, 7, 1)


def test_ids_are_unique_and_side_tables_name_known_customers(
    db: duckdb.DuckDBPyConnection,
) -> None:
    n, distinct = _one(db, "select count(*), count(distinct customer_id) from customers")
    assert n == distinct == 3000
    assert _one(db, "select count(*) - count(distinct task_id) from tasks")[0] == 0
    for table in ("transactions", "activities", "signals", "tasks", "truth"):
        unknown = _one(
            db,
            f"select count(*) from {table} t anti join customers c using (customer_id)",
        )[0]
        assert unknown == 0, table
    # an order belongs to one customer and happens at one moment
    split = _one(
        db,
        "select count(*) from (select order_id from transactions group by order_id "
        "having count(distinct customer_id) > 1 or count(distinct date) > 1)",
    )[0]
    assert split == 0


def test_no_row_is_an_exact_duplicate_of_another(db: duckdb.DuckDBPyConnection) -> None:
    for table in ("transactions", "activities", "signals", "tasks"):
        distinct = f"(select count(*) from (select distinct * from {table}))"
        rows, unique = _one(db, f"select count(*), {distinct} from {table}")
        assert rows == unique, table


def test_the_book_reader_accepts_every_row(book: BookSummary) -> None:
    from tierwise.book.book import read_book

    read = read_book(book.out_dir, today=book.as_of)
    assert set(read.tables) == {"transactions", "customers", "activities", "signals", "tasks"}
    for name, accounting in read.accounting.items():
        counts = accounting.as_dict()
        assert counts["quarantined"] == 0, (name, counts["reasons"])
        assert counts["read"] == book.rows[name], name


def test_values_stay_in_their_ranges(db: duckdb.DuckDBPyConnection) -> None:
    assert _one(
        db, "select min(date) >= '2024-07-01', max(date) < '2026-07-01' from transactions"
    ) == (
        True,
        True,
    )
    for table in ("activities", "signals"):
        assert _one(db, f"select max(date) < '2026-07-01' from {table}")[0]
    assert _one(db, "select bool_and(currency = 'EUR') from transactions")[0]
    assert _one(db, "select min(strategic_fit) >= 0, max(strategic_fit) <= 1 from customers") == (
        True,
        True,
    )
    nps = _one(db, "select min(value), max(value) from signals where kind = 'nps'")
    assert nps[0] >= 0 and nps[1] <= 10
    csat = _one(db, "select min(value), max(value) from signals where kind = 'csat'")
    assert csat[0] >= 1 and csat[1] <= 5
    usage = _one(db, "select min(value), max(value) from signals where kind = 'usage'")
    assert usage[0] >= 0 and usage[1] <= 1
    kinds = {r[0] for r in db.execute("select distinct kind from signals").fetchall()}
    assert {
        "nps",
        "csat",
        "usage",
        "complaint",
        "referral",
        "case_study",
        "co_development",
    } <= kinds
    types = {r[0] for r in db.execute("select distinct type from activities").fetchall()}
    assert types == {
        "visit", "meeting", "call", "email", "quote", "revision", "support_ticket", "rush_order",
        "delivery", "return", "qbr", "exec_meeting",
    }  # fmt: skip
    assert _one(db, "select min(minutes) > 0 from activities")[0]
    statuses = {r[0] for r in db.execute("select distinct status from tasks").fetchall()}
    assert statuses == {"open", "done"}


def test_list_price_is_never_below_the_net_amount(db: duckdb.DuckDBPyConnection) -> None:
    bad = _one(
        db,
        "select count(*) from transactions where abs(list_amount) < abs(amount) "
        "or sign(list_amount) <> sign(amount)",
    )[0]
    assert bad == 0
    realisation = _one(db, "select sum(amount) / sum(list_amount) from transactions")[0]
    assert 0.75 < realisation < 0.95


def test_returns_exist_as_negative_credit_note_lines(db: duckdb.DuckDBPyConnection) -> None:
    returns, lines = _one(
        db, "select count(*) filter (where amount < 0), count(*) from transactions"
    )
    assert 0.005 < returns / lines < 0.1
    shape = _one(
        db,
        "select bool_and(order_id like 'CN%'), bool_and(quantity < 0), bool_and(cost <= 0) "
        "from transactions where amount < 0",
    )
    assert shape == (True, True, True)
    assert _one(db, "select bool_and(amount > 0) from transactions where order_id like 'SO%'")[0]


def test_referrals_point_to_real_customers_created_after_the_referrer(
    db: duckdb.DuckDBPyConnection,
) -> None:
    rows = db.execute(
        "select s.date, a.created_at, b.created_at from signals s "
        "join customers a on a.customer_id = s.customer_id "
        "left join customers b on b.customer_id = s.referred_customer_id "
        "where s.kind = 'referral'"
    ).fetchall()
    assert len(rows) > 50
    for _, referrer_created, referred_created in rows:
        assert referred_created is not None
        assert referred_created > referrer_created
    referred_twice = _one(
        db,
        "select count(*) - count(distinct referred_customer_id) from signals "
        "where kind = 'referral'",
    )[0]
    assert referred_twice == 0
    others = _one(
        db,
        "select count(*) from signals "
        "where kind <> 'referral' and referred_customer_id is not null",
    )[0]
    assert others == 0


# --- realism ----------------------------------------------------------------------------


def test_revenue_is_heavy_tailed_like_a_real_b2b_book(db: duckdb.DuckDBPyConnection) -> None:
    revenue = np.array(
        [
            r[0]
            for r in db.execute(
                "select sum(amount) from transactions group by customer_id"
            ).fetchall()
        ]
    )
    revenue = np.sort(revenue)[::-1]
    top = revenue[: len(revenue) // 5].sum() / revenue.sum()
    assert 0.68 <= top <= 0.85


def test_profit_makes_a_whale_curve(db: duckdb.DuckDBPyConnection) -> None:
    profit = np.array([r[0] for r in db.execute("select window_net_profit from truth").fetchall()])
    cumulative = np.cumsum(np.sort(profit)[::-1]) / profit.sum()
    assert cumulative.max() > 1.08  # the profitable customers earn more than all the profit
    assert 0.15 < np.mean(profit < 0) < 0.4


def test_owners_follow_account_size(db: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        db.execute(
            "select c.owner_role, median(r.rev) from customers c join "
            "(select customer_id, sum(amount) rev from transactions group by 1) r "
            "using (customer_id) "
            "group by 1"
        ).fetchall()
    )
    assert rows["key_account_manager"] > 4 * rows["account_manager"] > 4 * rows["inside_sales"]
    owners_per_customer = _one(
        db,
        "select max(n) from (select count(distinct owner) n from customers group by customer_id)",
    )[0]
    assert owners_per_customer == 1


def test_wallet_exceeds_spend_for_most_customers(db: duckdb.DuckDBPyConnection) -> None:
    share = _one(
        db,
        "select avg((c.wallet > r.rev)::int) from customers c join "
        "(select customer_id, sum(amount) / 2 rev from transactions group by 1) r "
        "using (customer_id)",
    )[0]
    assert share > 0.85


def test_orders_follow_the_seasons(db: duckdb.DuckDBPyConnection) -> None:
    by_month = dict(
        db.execute(
            "select month(date), count(distinct order_id) from transactions "
            "where order_id like 'SO%' group by 1"
        ).fetchall()
    )
    assert by_month[8] < 0.85 * by_month[10]
    weekend = _one(
        db, "select avg((dayofweek(date) in (0, 6))::int) from transactions where amount > 0"
    )[0]
    assert weekend < 0.03


def test_mean_lines_per_customer_follows_the_parameter(book: BookSummary) -> None:
    lines = book.rows["transactions"] / book.customers
    assert 90 <= lines <= 115


# --- planted archetypes -----------------------------------------------------------------


def test_every_archetype_is_planted_and_truth_matches_it(db: duckdb.DuckDBPyConnection) -> None:
    counts = dict(db.execute("select archetype, count(*) from truth group by 1").fetchall())
    assert set(counts) == set(ARCHETYPE_NAMES)
    assert counts["ordinary"] > 0.6 * 3000
    expectations = db.execute(
        "select archetype, any_value(expected_level), any_value(expected_trend), "
        "any_value(expected_strategic), any_value(expected_alignment) from truth group by 1"
    ).fetchall()
    table = {r[0]: r[1:] for r in expectations}
    assert table["ordinary"] == (None, None, None, None)
    assert table["level_1"][0] == 1 and table["level_4"][0] == 4
    assert table["declining"][1] == "deteriorating"
    assert table["improving"][1] == "improving"
    assert table["strategic_small"][2] is True
    assert table["large_not_strategic"][2] is False
    assert table["strategic_key_account"][2] is True
    assert table["under_served_quiet"][3] == "under_served"
    assert table["over_served_small"][3] == "over_served"


def test_a_planted_level_is_withdrawn_where_the_profit_contradicts_it(
    db: duckdb.DuckDBPyConnection,
) -> None:
    rows = db.execute(
        "select archetype, expected_level, window_net_profit from truth "
        "where archetype like 'level_%'"
    ).fetchall()
    kept = [r for r in rows if r[1] is not None]
    assert len(kept) >= 0.9 * len(rows)
    for archetype, level, profit in kept:
        assert level == int(archetype[-1])
        assert (profit >= 0) if level in (1, 2) else (profit <= 0)


def _per_customer(db: duckdb.DuckDBPyConnection) -> dict[str, dict[str, np.ndarray]]:
    """Per-customer facts over the last 365 days, grouped by archetype."""
    rows = db.execute(
        """
        with tx as (
            select customer_id, sum(amount) as revenue, sum(amount - cost) as margin,
                   sum(list_amount) as list, count(distinct order_id) as orders
            from transactions where date >= '2025-07-01' group by 1),
        act as (
            select customer_id, sum(minutes) as minutes,
                   sum(minutes) filter (where type in ('visit', 'meeting', 'qbr')) as face
            from activities where date >= '2025-07-01' group by 1),
        sig as (
            select customer_id,
                   avg(value) filter (where kind = 'nps') nps,
                   avg(value) filter (where kind = 'usage') usage,
                   count(*) filter (where kind = 'complaint') complaints,
                   count(*) filter (where kind = 'referral') referrals,
                   count(*) filter (where kind in ('case_study', 'co_development')) cases
            from signals group by 1)
        select t.archetype, coalesce(revenue, 0), coalesce(margin, 0), coalesce(list, 0),
               coalesce(orders, 0), coalesce(minutes, 0), coalesce(face, 0), nps, usage,
               coalesce(complaints, 0), coalesce(referrals, 0), coalesce(cases, 0),
               c.strategic_fit, t.loss_maker
        from truth t join customers c using (customer_id)
        left join tx using (customer_id) left join act using (customer_id)
        left join sig using (customer_id)
        """
    ).fetchall()
    names = [
        "revenue", "margin", "list", "orders", "minutes", "face", "nps", "usage", "complaints",
        "referrals", "cases", "fit", "loss_maker",
    ]  # fmt: skip
    out: dict[str, dict[str, np.ndarray]] = {}
    for arch in {r[0] for r in rows}:
        sub = [r[1:] for r in rows if r[0] == arch]
        out[arch] = {
            n: np.array([np.nan if v is None else float(v) for v in col])
            for n, col in zip(names, zip(*sub, strict=True), strict=True)
        }
    out["all"] = {n: np.concatenate([out[a][n] for a in list(out)]) for n in names}
    return out


@pytest.fixture(scope="module")
def facts(db: duckdb.DuckDBPyConnection) -> dict[str, dict[str, np.ndarray]]:
    return _per_customer(db)


def test_loss_makers_take_far_more_time_per_euro_and_lose_money(facts: dict) -> None:
    everyone, lm = facts["all"], facts["loss_maker_high_maintenance"]
    ratio = lambda f: f["minutes"] / np.maximum(f["revenue"], 1.0)  # noqa: E731
    assert np.median(ratio(lm)) > 5 * np.median(ratio(everyone))
    # net profit < 0 even at 60 EUR/hour with no other cost of serving
    net = lm["margin"] - lm["minutes"] / 60 * 60
    assert np.mean(net < 0) >= 0.9
    assert np.mean(lm["loss_maker"]) >= 0.9
    # in the tail of small ordinary accounts some lose money too, but far fewer
    assert np.mean(facts["ordinary"]["loss_maker"]) < 0.3


def test_declining_customers_buy_less_in_the_last_six_months(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(
        """
        select t.archetype,
               sum(amount) filter (where date >= '2026-01-01') / 181.0 late,
               sum(amount) filter (where date < '2026-01-01' and date >= '2025-01-01') / 365.0
        from truth t join transactions x using (customer_id)
        where t.archetype in ('declining', 'improving') group by t.customer_id, t.archetype
        """
    ).fetchall()
    declining = np.array([(r[1] or 0) / r[2] for r in rows if r[0] == "declining" and r[2]])
    improving = np.array([(r[1] or 0) / r[2] for r in rows if r[0] == "improving" and r[2]])
    assert np.mean(declining < 0.7) >= 0.85
    assert np.mean(improving > 1.3) >= 0.85
    nps = dict(
        db.execute(
            """
            select t.archetype || (s.date >= '2026-01-01')::varchar, avg(s.value)
            from signals s join truth t using (customer_id)
            where s.kind = 'nps' and t.archetype in ('declining', 'improving') group by 1
            """
        ).fetchall()
    )
    assert nps["decliningtrue"] < nps["decliningfalse"] - 2
    assert nps["improvingtrue"] > nps["improvingfalse"] + 2
    complaints = dict(
        db.execute(
            """
            select s.date >= '2026-01-01', count(*)
            from signals s join truth t using (customer_id)
            where s.kind = 'complaint' and t.archetype = 'declining' and s.date >= '2025-07-01'
            group by 1
            """
        ).fetchall()
    )
    # the last 181 days against the 184 days before them
    assert complaints[True] / 181 > 1.5 * complaints[False] / 184


def test_strategic_small_accounts_refer_and_co_develop_but_buy_modestly(facts: dict) -> None:
    s, everyone = facts["strategic_small"], facts["all"]
    assert np.median(s["referrals"]) >= 3
    assert np.mean(s["cases"] >= 1) >= 0.7
    assert np.median(s["fit"]) >= 0.75
    assert np.median(s["revenue"]) < np.percentile(everyone["revenue"], 75)
    assert np.median(facts["ordinary"]["referrals"]) == 0


def test_strategic_key_accounts_are_big_loyal_profitable_and_fit(facts: dict) -> None:
    key, everyone = facts["strategic_key_account"], facts["all"]
    assert np.median(key["revenue"]) > np.percentile(everyone["revenue"], 85)
    assert np.median(key["fit"]) >= 0.7
    assert np.nanmean(key["nps"]) >= 7.5
    assert np.mean(key["loss_maker"]) == 0
    assert np.median(key["margin"] / key["revenue"]) > 0.2


def test_large_not_strategic_accounts_are_big_discounted_and_thin(facts: dict) -> None:
    big, everyone = facts["large_not_strategic"], facts["all"]
    assert np.median(big["revenue"]) > np.percentile(everyone["revenue"], 90)
    realisation = big["revenue"] / big["list"]
    assert np.median(realisation) < 0.72
    assert np.median(big["margin"] / big["revenue"]) < 0.10
    assert np.median(everyone["margin"] / np.maximum(everyone["revenue"], 1)) > 0.18
    assert big["referrals"].sum() == 0
    assert np.median(big["fit"]) < 0.25


def test_under_and_over_served_accounts_get_the_wrong_amount_of_time(facts: dict) -> None:
    quiet, busy, everyone = facts["under_served_quiet"], facts["over_served_small"], facts["all"]
    per_euro = lambda f: f["minutes"] / np.maximum(f["revenue"], 1.0)  # noqa: E731
    assert np.median(quiet["revenue"]) > np.percentile(everyone["revenue"], 75)
    assert np.median(per_euro(quiet)) < 0.2 * np.median(per_euro(everyone))
    assert np.median(busy["revenue"]) < np.median(everyone["revenue"])
    assert np.median(busy["face"]) > 20 * 60  # more than 20 hours face to face in a year


def test_relationship_levels_have_their_signatures(facts: dict) -> None:
    one, two, three, four = (facts[f"level_{k}"] for k in (1, 2, 3, 4))
    assert np.nanmean(one["nps"]) >= 9 and np.nanmean(one["usage"]) >= 0.8
    assert np.mean(one["loss_maker"]) <= 0.03 and np.mean(two["loss_maker"]) <= 0.05
    assert np.nanmean(two["nps"]) <= 4 and np.mean(two["complaints"]) > 2 * np.mean(
        one["complaints"]
    )
    assert np.nanmean(three["nps"]) >= 8.5 and np.mean(three["loss_maker"]) >= 0.6
    assert np.nanmean(four["nps"]) <= 4 and np.mean(four["loss_maker"]) >= 0.6


# --- determinism and chunking -----------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    a = generate_book(tmp_path / "a", customers=700, seed=3, lines_per_customer=30)
    b = generate_book(tmp_path / "b", customers=700, seed=3, lines_per_customer=30)
    files = _all_files(a.out_dir)
    assert files == _all_files(b.out_dir)
    assert len(files) == 7
    c = generate_book(tmp_path / "c", customers=700, seed=4, lines_per_customer=30)
    assert _all_files(c.out_dir)["customers.parquet"] != files["customers.parquet"]


def test_chunk_size_does_not_change_the_data(tmp_path: Path) -> None:
    small = generate_book(
        tmp_path / "s", customers=1300, seed=5, lines_per_customer=20, chunk_customers=1
    )
    large = generate_book(tmp_path / "l", customers=1300, seed=5, lines_per_customer=20)
    assert len(list((small.out_dir / "transactions").glob("*.parquet"))) == 3
    assert len(list((large.out_dir / "transactions").glob("*.parquet"))) == 1
    for folder in ("transactions", "activities"):
        assert _read_folder(small.out_dir / folder).equals(_read_folder(large.out_dir / folder))
    for file in ("customers", "signals", "tasks", "_truth", "_team"):
        assert pq.read_table(small.out_dir / f"{file}.parquet").equals(
            pq.read_table(large.out_dir / f"{file}.parquet")
        ), file
    assert small.rows == large.rows


def test_regenerating_into_a_folder_removes_stale_parts(tmp_path: Path) -> None:
    generate_book(tmp_path, customers=1200, seed=1, lines_per_customer=5, chunk_customers=500)
    assert len(list((tmp_path / "transactions").glob("*.parquet"))) == 3
    summary = generate_book(tmp_path, customers=200, seed=1, lines_per_customer=5)
    parts = list((tmp_path / "transactions").glob("*.parquet"))
    assert len(parts) == 1
    assert pq.read_table(parts[0]).num_rows == summary.rows["transactions"]


def test_progress_reports_every_chunk_up_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate_book(
        tmp_path,
        customers=2 * BLOCK_CUSTOMERS + 10,
        lines_per_customer=3,
        chunk_customers=BLOCK_CUSTOMERS,
        progress=lambda done, total: calls.append((done, total)),
    )
    total = 2 * BLOCK_CUSTOMERS + 10
    assert calls == [(BLOCK_CUSTOMERS, total), (2 * BLOCK_CUSTOMERS, total), (total, total)]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"customers": 0}, "customers"),
        ({"years": -1.0}, "years"),
        ({"chunk_customers": 0}, "chunk_customers"),
        ({"lines_per_customer": 0.0}, "lines_per_customer"),
        ({"seed": -2}, "seed"),
    ],
)
def test_bad_parameters_raise_an_input_error_naming_them(
    tmp_path: Path, kwargs: dict, name: str
) -> None:
    with pytest.raises(InputError, match=name):
        generate_book(tmp_path, **kwargs)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(customers=st.integers(1, 260), seed=st.integers(0, 2**31), years=st.floats(0.3, 4.0))
def test_any_small_book_keeps_the_invariants(
    tmp_path_factory: pytest.TempPathFactory, customers: int, seed: int, years: float
) -> None:
    out = tmp_path_factory.mktemp("prop")
    summary = generate_book(out, customers=customers, seed=seed, years=years, lines_per_customer=15)
    tx = _read_folder(out / "transactions").to_pandas()
    cust = pq.read_table(out / "customers.parquet").to_pandas()
    truth = pq.read_table(out / "_truth.parquet").to_pandas()
    assert len(cust) == len(truth) == customers == summary.rows["customers"]
    assert cust.customer_id.is_unique
    assert set(tx.customer_id) <= set(cust.customer_id)
    assert (tx.list_amount.abs() >= tx.amount.abs()).all()
    assert (tx.date.dt.date >= summary.start).all() and (tx.date.dt.date <= summary.end).all()
    signals = pq.read_table(out / "signals.parquet").to_pandas()
    refs = signals[signals.kind == "referral"]
    created = cust.set_index("customer_id").created_at
    assert (created[refs.referred_customer_id].values > created[refs.customer_id].values).all()
