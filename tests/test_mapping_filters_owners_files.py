"""A mapping keeps only some rows, takes owners from the deals, and finds files by any name."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.helpers import write_csv
from tierwise.book.book import read_book
from tierwise.book.mapping import BookMapping, mapping_from_flags
from tierwise.errors import InputError

TODAY = date(2026, 1, 31)
DEALS = """
account,closed,value,stage,agent
A,2025-01-02,100,Won,Ann
A,2025-03-01,10,Won,Bob
A,2025-02-01,,Lost,Cat
B,2025-01-05,5,Won,Ann
B,2025-01-06,x,Won,Bob
B,,,Open,Bob
"""
COLUMNS = ["customer_id=account", "date=closed", "amount=value", "owner=agent"]


def read(folder, **flags):
    return read_book(folder, today=TODAY, mapping=mapping_from_flags(maps=COLUMNS, **flags))


def test_filtered_rows_are_counted_not_lost(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    acc = read(tmp_path, wheres=["stage = 'Won'"]).accounting["transactions"]
    assert (acc.in_files, acc.filtered_out, acc.read, acc.accepted, acc.quarantined) == (
        6,
        2,
        4,
        3,
        1,
    )
    assert acc.read == acc.accepted + acc.quarantined  # the contract's balance still holds
    assert acc.as_dict()["in_files"] == 6 and acc.as_dict()["filtered_out"] == 2
    assert acc.reasons == {"non-numeric amount": 1}
    assert acc.as_dict()["filters"] == ["stage = 'Won'"]


def test_without_a_filter_nothing_is_filtered(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    acc = read(tmp_path).accounting["transactions"]
    assert (acc.in_files, acc.read, acc.accepted + acc.quarantined, acc.filtered_out) == (
        6,
        6,
        6,
        0,
    )


def test_a_filter_can_compare_numbers_in_text_columns(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    book = read(tmp_path, wheres=["value >= 10"])
    assert sorted(book.transactions.amount.execute().tolist()) == [10.0, 100.0]
    assert book.accounting["transactions"].filtered_out == 4  # 5, x and the two blanks


def test_a_bad_filter_stops_before_reading(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    with pytest.raises(InputError, match="is not allowed"):
        read(tmp_path, wheres=["stage = 'Won' OR read_csv('/etc/passwd') IS NULL"])
    with pytest.raises(InputError, match=r"transactions\.csv.*no column 'stages'"):
        read(tmp_path, wheres=["stages = 'Won'"])


def test_a_filter_in_a_policy_mapping_is_checked(tmp_path):
    with pytest.raises(ValueError, match="is not allowed"):
        BookMapping.model_validate({"tables": {"transactions": {"where": "(SELECT 1) = 1"}}})


def test_owner_is_the_rep_on_the_most_recent_deal_by_default(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    book = read(tmp_path, wheres=["stage = 'Won'"])
    owners = dict(book.owners.execute().itertuples(index=False))
    # A: Bob's 2025-03-01 deal is the latest; B: only Ann's won deal was accepted
    assert owners == {"A": "Bob", "B": "Ann"}
    assert book.owner_source is not None and book.owner_source.rule == "most_recent"
    assert "most recent" in book.owner_source.sentence and "agent" in book.owner_source.sentence


def test_owner_by_most_revenue_is_a_policy_choice(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    mapping = mapping_from_flags(maps=COLUMNS, wheres=["stage = 'Won'"]).merged(
        BookMapping(owner_rule="most_revenue")
    )
    book = read_book(tmp_path, today=TODAY, mapping=mapping)
    assert dict(book.owners.execute().itertuples(index=False)) == {"A": "Ann", "B": "Ann"}
    assert "most revenue" in book.owner_source.sentence


def test_owners_fill_a_customers_table_without_owners(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    write_csv(tmp_path, "customers.csv", "customer_id,name,owner\nA,Alpha,\nB,Beta,Zed\nC,Gamma,")
    book = read(tmp_path, wheres=["stage = 'Won'"])
    customers = book.tables["customers"].order_by("customer_id").execute()
    assert customers.owner.fillna("(none)").tolist() == ["Bob", "Zed", "(none)"]
    assert book.owners is None and book.owner_source.derived == 1


def test_owner_on_customers_without_a_customers_table_is_an_error(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    mapping = mapping_from_flags(maps=[*COLUMNS[:3], "customers.owner=agent"])
    with pytest.raises(InputError, match=r"no customers table.*--map owner=agent"):
        read_book(tmp_path, today=TODAY, mapping=mapping)


def test_a_table_can_come_from_a_file_with_another_name(tmp_path):
    write_csv(tmp_path, "pipeline.csv", DEALS)
    write_csv(tmp_path, "accounts.csv", "account,sector\nA,retail\nB,health")
    book = read(tmp_path, tables_at=["transactions=pipeline.csv", "customers=accounts"])
    assert book.accounting["transactions"].files == [str(tmp_path / "pipeline.csv")]
    assert book.accounting["customers"].accepted == 2
    assert book.accounting["customers"].synonyms == {"customer_id": "account", "industry": "sector"}


def test_a_table_file_that_does_not_exist_names_the_folder_files(tmp_path):
    write_csv(tmp_path, "pipeline.csv", DEALS)
    with pytest.raises(InputError, match=r"--table customers=acounts\.csv.*pipeline\.csv"):
        read(tmp_path, tables_at=["transactions=pipeline.csv", "customers=acounts.csv"])
    with pytest.raises(InputError, match="unknown table 'accounts'"):
        mapping_from_flags(tables_at=["accounts=pipeline.csv"])
    with pytest.raises(InputError, match="not of the form table=file"):
        mapping_from_flags(tables_at=["pipeline.csv"])


def test_maven_crm_preset_reads_the_shared_sample(shared_data):
    book = read_book(shared_data / "maven_crm", preset="maven-crm")
    acc = book.accounting["transactions"]
    # PROVENANCE.md: 8,800 opportunities, 4,238 won, won close values sum to 10,005,534
    assert (acc.in_files, acc.read, acc.accepted, acc.filtered_out) == (8800, 4238, 4238, 4562)
    assert book.transactions.amount.sum().execute() == pytest.approx(10_005_534)
    customers = book.tables["customers"].execute().set_index("customer_id")
    assert len(customers) == 85 and customers.owner.notnull().all()
    # independently, in pandas: the agent on each account's latest won deal
    deals = pd.read_csv(shared_data / "maven_crm" / "sales_pipeline.csv.gz")
    won = deals[deals.deal_stage == "Won"].sort_values(
        ["close_date", "close_value", "sales_agent"], ascending=[False, False, True]
    )
    expected = won.groupby("account").sales_agent.first()
    assert customers.owner.sort_index().equals(expected.sort_index().rename("owner"))


def test_an_owner_rule_set_once_survives_later_merges():
    preset = BookMapping(owner_rule="most_revenue")
    policy_and_flags = BookMapping().merged(mapping_from_flags(wheres=["stage = 'Won'"]))
    merged = preset.merged(policy_and_flags)
    assert merged.owner_rule == "most_revenue"
    assert merged.merged(BookMapping(owner_rule="most_recent")).owner_rule == "most_recent"
    assert merged.table("transactions").where == ["stage = 'Won'"]
