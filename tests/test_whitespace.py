"""Whitespace on hand-built books whose answer is worked out by hand (CONTRACT §7)."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from tierwise.spooled import as_frame
from tierwise.whitespace import WhitespaceSettings, whitespace
from tierwise.window import Window

WINDOW = Window.ending(date(2025, 1, 1), 365)

# (customer, item, amount, cost); every line dated inside the window
LINES = [
    ("a1", "X", 100.0, 50.0),
    ("a2", "X", 200.0, 100.0),
    ("a3", "X", 300.0, 150.0),
    ("a1", "Y", 4000.0, 2000.0),
    ("a1", "W", 10000.0, 9990.0),
    ("a4", "Z", 50.0, 25.0),
    ("b1", "Q", 80.0, 40.0),
    ("b2", "Q", 90.0, 45.0),
]
INDUSTRY = {"a1": "A", "a2": "A", "a3": "A", "a4": "A", "b1": "B", "b2": "B"}


def _tables(con: ibis.BaseBackend) -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    tx = pd.DataFrame(LINES, columns=["customer_id", "product", "amount", "cost"])
    tx["date"] = pd.Timestamp("2024-06-01")
    revenue = tx.groupby("customer_id", as_index=False).amount.sum()
    scorecard = revenue.rename(columns={"amount": "revenue"})
    customers = pd.DataFrame({"customer_id": list(INDUSTRY), "industry": list(INDUSTRY.values())})
    return (
        con.create_table("tx", tx),
        con.create_table("sc", scorecard),
        con.create_table("cu", customers),
    )


def _peer_only(**kw: object) -> WhitespaceSettings:
    return WhitespaceSettings(min_peers=3, size_bands=1, co_purchase=False, shortlist=10, **kw)


def test_items_are_ranked_by_expected_margin_not_by_penetration_or_revenue(con) -> None:
    tx, sc, cu = _tables(con)
    result = whitespace(tx, sc, cu, WINDOW, _peer_only(), 0.3)
    a4 = as_frame(result.details["whitespace"]).query("customer_id == 'a4'").set_index("item")
    # by hand, peers = the 4 customers of industry A:
    # Y: 1/4 × 4000 × 0.5 = 500; X: 3/4 × median(100, 200, 300) × 0.5 = 75;
    # W: 1/4 × 10000 × 0.001 = 2.5 (the largest revenue, the smallest margin)
    assert list(a4.sort_values("rank").index) == ["Y", "X", "W"]
    assert a4.loc["Y", "expected_margin"] == pytest.approx(500.0)
    assert a4.loc["X", "expected_margin"] == pytest.approx(75.0)
    assert a4.loc["W", "expected_margin"] == pytest.approx(2.5)
    assert a4.loc["X", "peer_penetration"] == pytest.approx(0.75)
    assert a4.loc["X", "margin_rate"] == pytest.approx(0.5)
    assert "Z" not in a4.index  # its own item is never whitespace


def test_why_names_the_peer_group_and_its_figures(con) -> None:
    tx, sc, cu = _tables(con)
    frame = as_frame(whitespace(tx, sc, cu, WINDOW, _peer_only(), 0.3).details["whitespace"])
    why = frame.query("customer_id == 'a4' and item == 'X'").why.item()
    assert why == (
        "bought by 75% of the 4 customers in the same industry and size band; "
        "peers spend a median 200 a year on it"
    )


def test_a_small_peer_group_falls_back_to_all_customers_and_says_so(con) -> None:
    tx, sc, cu = _tables(con)
    frame = as_frame(whitespace(tx, sc, cu, WINDOW, _peer_only(), 0.3).details["whitespace"])
    b2 = frame.query("customer_id == 'b2'").set_index("item")
    # industry B has 2 customers (< min_peers 3): all 6 customers are the peers
    assert b2.loc["X", "peer_penetration"] == pytest.approx(3 / 6)
    assert b2.loc["X", "peer_group"] == "all customers"
    assert b2.loc["Y", "expected_margin"] == pytest.approx(4000 * 0.5 / 6)
    assert "of all 6 customers (only 2 in the same industry and size band" in b2.loc["X", "why"]


def test_top_n_cuts_each_list(con) -> None:
    tx, sc, cu = _tables(con)
    frame = as_frame(whitespace(tx, sc, cu, WINDOW, _peer_only(top_n=1), 0.3).details["whitespace"])
    assert frame.groupby("customer_id").size().max() == 1
    assert frame.query("customer_id == 'a4'").item.item() == "Y"


def test_co_purchase_reads_the_most_similar_customers(con) -> None:
    lines = [
        ("c1", "A"), ("c1", "B"),
        ("c2", "A"), ("c2", "B"), ("c2", "C"),
        ("c3", "D"), ("c3", "E"),
        ("c4", "D"), ("c4", "E"), ("c4", "F"),
    ]  # fmt: skip
    tx = pd.DataFrame(lines, columns=["customer_id", "product"])
    tx["amount"], tx["date"] = 100.0, pd.Timestamp("2024-06-01")
    sc = pd.DataFrame({"customer_id": ["c1", "c2", "c3", "c4"], "revenue": [200.0, 300, 200, 300]})
    settings = WhitespaceSettings(
        min_peers=2, size_bands=1, similar_customers=1, shortlist=1, top_n=1
    )
    result = whitespace(
        con.create_table("t2", tx), con.create_table("s2", sc), None, WINDOW, settings, 0.3
    )
    frame = as_frame(result.details["whitespace"])
    top = frame.set_index("customer_id")
    # c1's nearest customer is c2 (shares A and B), which also buys C; c3's is c4 (F)
    assert top.loc["c1", "item"] == "C"
    assert top.loc["c3", "item"] == "F"
    assert top.loc["c1", "similar_penetration"] == pytest.approx(1.0)
    assert (
        "by 100% of the 1 customers whose purchases most resemble this one's"
        in top.loc["c1", "why"]
    )


def test_no_product_or_category_column_skips_with_a_note_naming_the_column(con) -> None:
    tx = pd.DataFrame({"customer_id": ["a"], "amount": [1.0], "date": [pd.Timestamp("2024-06-01")]})
    sc = pd.DataFrame({"customer_id": ["a"], "revenue": [1.0]})
    result = whitespace(
        con.create_table("t3", tx),
        con.create_table("s3", sc),
        None,
        WINDOW,
        WhitespaceSettings(),
        0.3,
    )
    assert "whitespace" not in result.details
    assert "`product` or `category`" in result.notes[0]
    assert result.summary["skipped"] == result.notes[0]


def test_share_of_wallet_and_growth_potential_where_the_book_has_wallet(con) -> None:
    tx, sc, _ = _tables(con)
    cu = pd.DataFrame(
        {"customer_id": ["a1", "a2"], "industry": ["A", "A"], "wallet": [20000.0, None]}
    )
    result = whitespace(tx, sc, con.create_table("cw", cu), WINDOW, _peer_only(), 0.3)
    wallet = as_frame(result.details["share_of_wallet"]).set_index("customer_id")
    assert list(wallet.index) == ["a1"]  # a2 has no wallet
    yearly = (100 + 4000 + 10000) * 365 / 365
    assert wallet.loc["a1", "share_of_wallet"] == pytest.approx(yearly / 20000)
    assert wallet.loc["a1", "growth_potential"] == pytest.approx(20000 - yearly)
