"""The salesforce and hubspot presets on fixture exports written from the vendors' field names.

Expected figures are read off the fixture files by hand (docs/crm.md names the pages the
field names come from): won deals are Acme 120,000 + 30,000, Globex 8,000, Initech 4,500.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tierwise.book.book import Book, read_book
from tierwise.errors import InputError

DATA = Path(__file__).parent / "data" / "crm"
SF_ACME, SF_GLOBEX, SF_INITECH = "0015g00000AcmeAAAQ", "0015g00000GlobAAAQ", "0015g00000InitAAAQ"
HS_ACME, HS_GLOBEX, HS_INITECH = "9100000001", "9100000002", "9100000003"


@pytest.fixture(scope="module")
def salesforce() -> Book:
    return read_book(DATA / "salesforce", preset="salesforce", today="2026-12-01")


@pytest.fixture(scope="module")
def hubspot() -> Book:
    return read_book(DATA / "hubspot", preset="hubspot", today="2026-12-01")


def _revenue(book: Book) -> dict[str, float]:
    tx = book.transactions.execute()
    return {k: float(v) for k, v in tx.groupby("customer_id")["amount"].sum().items()}


def test_salesforce_won_opportunities_are_the_transactions(salesforce: Book) -> None:
    book = salesforce
    assert _revenue(book) == {SF_ACME: 150_000.0, SF_GLOBEX: 8_000.0, SF_INITECH: 4_500.0}
    acc = book.accounting["transactions"]
    assert (acc.in_files, acc.filtered_out, acc.accepted) == (7, 3, 4)


def test_salesforce_headers_in_data_loader_upper_case_are_matched(salesforce: Book) -> None:
    # Opportunity.csv has "ACCOUNTID", "ISWON", ...: the preset names AccountId, IsWon
    assert "ACCOUNTID" in (DATA / "salesforce" / "Opportunity.csv").read_text().splitlines()[0]
    book = salesforce
    assert book.accounting["transactions"].columns["customer_id"] == "AccountId"


def test_salesforce_tasks_events_cases_stack_into_activities(salesforce: Book) -> None:
    book = salesforce
    acts = book.tables["activities"].execute()
    by_type = acts.groupby("type").size().to_dict()
    # closed tasks: 2 calls and 1 email; 2 events; 3 cases
    assert by_type == {"Call": 2, "Email": 1, "meeting": 2, "support_ticket": 3}
    minutes = acts.set_index(["customer_id", "type"])["minutes"]
    assert minutes[(SF_INITECH, "Call")].item() == pytest.approx(15.0)  # 900 s
    assert sorted(acts.loc[acts.type == "meeting", "minutes"]) == [90.0, 240.0]
    assert book.accounting["activities"].accepted == 8
    assert book.accounting["activities"].filtered_out == 2  # the open tasks


def test_salesforce_open_tasks_are_the_tasks(salesforce: Book) -> None:
    book = salesforce
    tasks = book.tables["tasks"].execute().set_index("task_id")
    assert sorted(tasks.index) == ["00T5g00000Tk03AAAQ", "00T5g00000Tk05AAAQ"]
    assert set(tasks.status) == {"open"}
    assert bool(tasks.loc["00T5g00000Tk03AAAQ", "important"]) is True


def test_salesforce_accounts_give_industry_and_owner(salesforce: Book) -> None:
    book = salesforce
    customers = book.tables["customers"].execute().set_index("customer_id")
    assert customers.loc[SF_ACME, "industry"] == "Manufacturing"
    assert customers.loc[SF_INITECH, "owner"] == "Ben Okafor"  # Owner.Name before OwnerId
    assert float(customers.loc[SF_GLOBEX, "annualrevenue"]) == 90_000_000


def test_salesforce_line_items_are_preferred_when_exported() -> None:
    book = read_book(DATA / "salesforce-lines", preset="salesforce", today="2026-12-01")
    assert _revenue(book) == {SF_ACME: 150_000.0, SF_GLOBEX: 8_000.0, SF_INITECH: 4_500.0}
    tx = book.transactions.execute()
    assert len(tx) == 5  # won lines, not opportunities
    assert set(tx["product"]) == {"Retrofit kit", "Installation", "Spare parts pack", "Licence"}
    assert book.accounting["transactions"].files == [
        str(DATA / "salesforce-lines" / "OpportunityLineItem.csv")
    ]


def test_hubspot_closed_won_deals_are_the_transactions(hubspot: Book) -> None:
    book = hubspot
    assert _revenue(book) == {HS_ACME: 150_000.0, HS_GLOBEX: 8_000.0, HS_INITECH: 4_500.0}
    customers = book.tables["customers"].execute().set_index("customer_id")
    assert customers.loc[HS_GLOBEX, "industry"] == "Oil & Energy"
    assert customers.loc[HS_ACME, "company_domain_name"] == "acme.example"


def test_hubspot_engagements_and_tickets_stack_into_activities(hubspot: Book) -> None:
    book = hubspot
    acts = book.tables["activities"].execute()
    assert acts.groupby("type").size().to_dict() == {
        "Call": 1,  # completed task of type Call
        "Email": 1,
        "call": 1,
        "meeting": 2,
        "support_ticket": 3,
    }
    tasks = book.tables["tasks"].execute()
    assert sorted(tasks.task_id) == ["8300000003", "8300000004"]


def _copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def test_translated_columns_stop_with_expected_found_and_the_map_that_fixes_it(
    tmp_path: Path,
) -> None:
    book = _copy("hubspot", tmp_path)
    deals = next(book.glob("*deals*"))
    text = deals.read_text().replace("Close Date", "Abschlussdatum").replace("Amount", "Betrag")
    deals.write_text(text)
    with pytest.raises(InputError) as caught:
        read_book(book, preset="hubspot", today="2026-12-01")
    message = str(caught.value)
    assert "transactions.date from Close Date;" in message
    assert "transactions.amount from Amount." in message
    assert "Abschlussdatum" in message and "Betrag" in message  # what was found
    assert "--map date=" in message and "--map amount=" in message
    fixed = read_book(
        book,
        preset="hubspot",
        map={"date": "Abschlussdatum", "amount": "Betrag"},
        today="2026-12-01",
    )
    assert _revenue(fixed)[HS_ACME] == 150_000.0


def test_renamed_column_suggests_the_closest_name(tmp_path: Path) -> None:
    book = _copy("salesforce", tmp_path)
    opportunities = book / "Opportunity.csv"
    opportunities.write_text(opportunities.read_text().replace("CLOSEDATE", "CLOSE_DATE", 1))
    with pytest.raises(InputError, match=r'--map date="CLOSE_DATE"'):
        read_book(book, preset="salesforce", today="2026-12-01")


def test_duplicate_ids_across_exports_are_quarantined_with_a_reason(tmp_path: Path) -> None:
    book = _copy("salesforce", tmp_path)
    # a second export overlapping the first: Op01 again, with an edited amount
    (book / "Opportunity_2.csv").write_text(
        '"ID","ACCOUNTID","STAGENAME","ISWON","AMOUNT","CLOSEDATE","OWNERID"\n'
        '"0065g00000Op01AAAQ","0015g00000AcmeAAAQ","Closed Won","true","125000.00",'
        '"2025-11-14","0055g00000AnnaAAAQ"\n'
        '"0065g00000Op99AAAQ","0015g00000AcmeAAAQ","Closed Won","true","1000.00",'
        '"2026-06-01","0055g00000AnnaAAAQ"\n'
    )
    (book / "Account_2.csv").write_text(
        "Id,Name,Industry\n0015g00000AcmeAAAQ,Acme Corp (old export),Manufacturing\n"
    )
    loaded = read_book(book, preset="salesforce", today="2026-12-01")
    assert _revenue(loaded)[SF_ACME] == 151_000.0  # the first copy of Op01 counts, once
    reasons = loaded.accounting["transactions"].reasons
    assert reasons == {
        "duplicate Id: the same record is in an earlier row, of this export or another": 1
    }
    quarantined = loaded.quarantine["transactions"].execute()
    assert quarantined["_file"].str.endswith("Opportunity_2.csv").all()
    assert loaded.accounting["customers"].reasons == {"duplicate customer_id": 1}


def test_salesforce_opportunity_report_export_is_read_by_its_labels(tmp_path: Path) -> None:
    folder = _copy("salesforce-report", tmp_path)
    with open(folder / "Opportunity.csv", "a", encoding="utf-8") as report:  # a report's footer
        report.write('\n"Confidential Information - Do Not Distribute"\n"Copyright (c) 2026"\n')
    book = read_book(folder, preset="salesforce", today="2026-12-01")
    assert _revenue(book) == {SF_ACME: 150_000.0, SF_GLOBEX: 8_000.0, SF_INITECH: 4_500.0}
    acc = book.accounting["transactions"]
    assert acc.columns["date"] == "Close Date"  # US month/day dates read as such
    assert acc.filtered_out == 2  # Closed Lost, Negotiation/Review
    assert acc.quarantined == 2 and all(r.startswith("malformed line") for r in acc.reasons)


def test_hubspot_internal_property_names_are_read_too(tmp_path: Path) -> None:
    book = tmp_path / "hubspot"
    book.mkdir()
    (book / "deals.csv").write_text(
        "hs_object_id,dealname,dealstage,amount,closedate,hubspot_owner_id,associatedcompanyid\n"
        "1,Won,closedwon,100,2026-01-05,77,9100000001\n"
        "2,Lost,closedlost,900,2026-01-06,77,9100000001\n"
    )
    loaded = read_book(book, preset="hubspot", today="2026-12-01")
    assert _revenue(loaded) == {HS_ACME: 100.0}
