"""The real public datasets through their presets, with exact accounting.

Figures come from ../shared/data/*/PROVENANCE.md, which were counted independently.
"""

from __future__ import annotations

import pytest

from tierwise import analyze
from tierwise.book.book import read_book


@pytest.mark.slow
def test_online_retail_every_line_is_accepted_or_quarantined(shared_data, tmp_path):
    path = shared_data / "online_retail" / "online-retail-by-day-concat.csv.gz"
    result = analyze(path, preset="online-retail")
    acc = result.book.accounting["transactions"]
    assert acc.read == 541_909
    assert acc.accepted + acc.quarantined == acc.read
    # 135,080 lines have no CustomerID (PROVENANCE); of the 5,268 exact duplicates, those
    # without a customer id are already counted as missing, the rest are duplicates.
    assert acc.reasons["missing customer_id"] == 135_080
    assert 0 < acc.reasons["exact duplicate of an earlier line"] <= 5_268
    assert set(acc.reasons) == {"missing customer_id", "exact duplicate of an earlier line"}
    assert result.portfolio["customers"] == 4_372
    # cancellations (C invoices) are negative lines, i.e. returns
    tx = result.book.transactions
    cancels = tx.filter(tx.order_id.startswith("C"))
    assert cancels.count().execute() > 8_000
    assert cancels.amount.max().execute() <= 0
    run = result.write(tmp_path / "run")
    quarantined = (run / "quarantine" / "transactions.csv").read_text().count("\n") - 1
    assert quarantined == acc.quarantined


def test_online_retail_ii_spellings_are_mapped(tmp_path):
    (tmp_path / "online_retail_II.csv").write_text(
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,LED LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
        "C489449,22087,PAPER BUNTING,-12,2009-12-01 10:33:00,2.95,16321.0,Australia\n"
    )
    book = read_book(tmp_path / "online_retail_II.csv", preset="online-retail")
    tx = book.transactions.execute().sort_values("amount")
    assert tx["customer_id"].tolist() == ["16321", "13085"]
    assert tx["amount"].tolist() == pytest.approx([-35.4, 83.4])


def test_cdnow_master_through_its_preset(shared_data):
    book = read_book(shared_data / "cdnow" / "CDNOW_master.txt.gz", preset="cdnow")
    acc = book.accounting["transactions"]
    assert acc.read == 69_659
    assert acc.reasons == {"exact duplicate of an earlier line": 255}
    tx = book.transactions
    stats = (
        tx.aggregate(customers=tx.customer_id.nunique(), first=tx.date.min(), last=tx.date.max())
        .execute()
        .iloc[0]
    )
    assert stats["customers"] == 23_570
    assert str(stats["first"].date()) == "1997-01-01" and str(stats["last"].date()) == "1998-06-30"


def test_cdnow_sample_has_five_fields_and_reads_too(shared_data):
    book = read_book(shared_data / "cdnow" / "CDNOW_sample.txt.gz", preset="cdnow")
    acc = book.accounting["transactions"]
    assert acc.read == 6_919
    assert acc.reasons == {"exact duplicate of an earlier line": 21}
    assert book.transactions.customer_id.nunique().execute() == 2_357
