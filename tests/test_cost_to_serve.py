"""Cost-to-serve per driver on tiny hand-costed books, and the warnings on bad activities."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest
from pydantic import ValidationError

from tierwise.metrics.cost_to_serve import activity_costs, activity_issues, cost_to_serve
from tierwise.settings.cost_model import DRIVERS, CostModel
from tierwise.settings.schema import Policy
from tierwise.window import Window

WINDOW = Window(date(2024, 1, 1), date(2025, 1, 1))
# Round rates so every expectation below can be checked by hand.
COSTS = CostModel(
    hourly_rates={"account_manager": 60.0, "key_account_manager": 90.0, "customer_service": 30.0},
    owner_roles={"anna": "key_account_manager"},
    type_roles={"support_ticket": "customer_service"},
    default_role="account_manager",
    standard_minutes={"visit": 120.0, "call": 10.0, "support_ticket": 20.0, "delivery": 0.0},
    unknown_type_minutes=30.0,
    max_minutes=600.0,
    cost_per_order=20.0,
    cost_per_order_line=2.0,
    cost_per_delivery=10.0,
    deliveries_per_order=1.0,
    cost_per_rush_order=50.0,
    cost_per_return=40.0,
    cost_per_support_ticket=5.0,
    cost_of_capital=0.0,
)


def facts(rows: list[tuple[str, float, int, int, int]]) -> ibis.Table:
    """A facts table: (customer_id, revenue, orders, order_lines, return_lines)."""
    frame = pd.DataFrame(
        rows, columns=["customer_id", "revenue", "orders", "order_lines", "return_lines"]
    )
    frame["gross_margin"] = frame["revenue"] * 0.3
    return ibis.memtable(frame)


def activities(
    rows: list[tuple],
    columns: tuple[str, ...] = ("customer_id", "date", "type", "minutes", "owner", "cost"),
) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=list(columns))
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    if "minutes" in frame:
        frame["minutes"] = frame["minutes"].astype("float64")
    if "cost" in frame:
        frame["cost"] = frame["cost"].astype("float64")
    return ibis.memtable(frame)


def by_customer(table: ibis.Table) -> dict[str, dict]:
    frame = table.execute()
    return {r["customer_id"]: r for r in frame.to_dict(orient="records")}


def test_order_drivers_cost_orders_lines_inferred_deliveries_and_return_lines() -> None:
    got = by_customer(cost_to_serve(facts([("A", 1000.0, 3, 12, 2)]), None, None, COSTS, WINDOW))[
        "A"
    ]
    assert got["cts_orders"] == pytest.approx(3 * 20 + 12 * 2)
    assert got["cts_logistics"] == pytest.approx(3 * 10)
    assert got["cts_returns"] == pytest.approx(2 * 40)
    assert got["cts_people"] == 0 and got["effort_hours"] == 0
    assert got["cost_to_serve"] == pytest.approx(84 + 30 + 80)
    assert got["cost_estimated"]  # deliveries were inferred from orders


def test_activity_minutes_are_priced_at_the_owners_role_rate() -> None:
    acts = activities(
        [
            ("A", "2024-03-01", "visit", 90, "anna", None),  # 1.5 h × 90 = 135
            ("A", "2024-03-02", "call", None, "anna", None),  # standard 10 min × 90 = 15
            ("A", "2024-03-03", "support_ticket", 60, None, None),  # 1 h × 30 + 5 = 35
        ]
    )
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(150.0)
    assert got["cts_support"] == pytest.approx(35.0)
    assert got["effort_hours"] == pytest.approx((90 + 10 + 60) / 60)
    assert got["cost_estimated"]  # standard minutes and a role-less owner were used


def test_exact_minutes_and_known_owners_are_not_marked_estimated() -> None:
    acts = activities([("A", "2024-03-01", "visit", 60, "anna", None)])
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(90.0)
    assert not got["cost_estimated"]


def test_direct_activity_cost_overrides_the_rate() -> None:
    acts = activities([("A", "2024-03-01", "visit", 600, "anna", 12.5)])
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(12.5)
    assert got["effort_hours"] == pytest.approx(10.0)


def test_only_the_shortfall_of_deliveries_and_returns_is_inferred() -> None:
    acts = activities(
        [
            ("A", "2024-02-01", "delivery", None, None, None),
            ("A", "2024-03-01", "return", 0, None, None),
        ]
    )
    got = by_customer(cost_to_serve(facts([("A", 500.0, 4, 4, 3)]), acts, None, COSTS, WINDOW))["A"]
    # Four orders call for four deliveries: one logged (fee 10) and three inferred (3 × 10).
    assert got["cts_logistics"] == pytest.approx(10.0 + 3 * 10.0)
    # Three return lines: one logged return (fee 40) and two inferred (2 × 40).
    assert got["cts_returns"] == pytest.approx(40.0 + 2 * 40.0)
    assert got["cost_estimated"]  # three deliveries were inferred


def test_logged_events_beyond_the_expected_add_nothing_inferred() -> None:
    acts = activities(
        [("A", f"2024-02-0{d}", "delivery", None, None, None) for d in range(1, 4)]
        + [("A", "2024-03-01", "return", 0, None, None)]
    )
    got = by_customer(cost_to_serve(facts([("A", 500.0, 2, 2, 0)]), acts, None, COSTS, WINDOW))["A"]
    # Two orders, three logged deliveries: the three are costed, none is inferred.
    assert got["cts_logistics"] == pytest.approx(3 * 10.0)
    assert got["cts_returns"] == pytest.approx(40.0)  # the logged return; no return lines


def test_inference_is_keyed_on_the_driver_not_the_type_name() -> None:
    drivers = {**COSTS.activity_drivers, "shipment": "logistics", "rma": "returns"}
    costs = COSTS.model_copy(update={"activity_drivers": drivers})
    acts = activities(
        [
            ("A", "2024-02-01", "shipment", 0, None, 7.0),
            ("A", "2024-02-02", "shipment", 0, None, 7.0),
            ("A", "2024-03-01", "rma", 0, None, 15.0),
        ]
    )
    got = by_customer(cost_to_serve(facts([("A", 500.0, 5, 5, 2)]), acts, None, costs, WINDOW))["A"]
    # Two logged shipments (direct cost 7 each) + three inferred deliveries (3 × 10).
    assert got["cts_logistics"] == pytest.approx(2 * 7.0 + 3 * 10.0)
    # One logged RMA (direct cost 15) + one inferred return (40).
    assert got["cts_returns"] == pytest.approx(15.0 + 40.0)


def test_rush_orders_count_under_logistics_with_their_fee() -> None:
    acts = activities([("A", "2024-02-01", "rush_order", 30, "anna", None)])
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_logistics"] == pytest.approx(0.5 * 90 + 50)


def test_activities_outside_the_window_cost_nothing() -> None:
    acts = activities(
        [
            ("A", "2023-12-31", "visit", 60, "anna", None),
            ("A", "2025-01-01", "visit", 60, "anna", None),
            ("A", "2024-12-31 23:59", "visit", 60, "anna", None),
        ]
    )
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(90.0)
    assert got["effort_hours"] == pytest.approx(1.0)


def test_customers_with_activities_but_no_purchases_keep_their_cost() -> None:
    acts = activities([("B", "2024-05-01", "visit", 120, "anna", None)])
    got = by_customer(cost_to_serve(facts([("A", 100.0, 1, 1, 0)]), acts, None, COSTS, WINDOW))
    assert set(got) == {"A", "B"}
    assert got["B"]["cost_to_serve"] == pytest.approx(180.0)
    assert got["B"]["effort_hours"] == pytest.approx(2.0)


def test_customer_owner_fills_missing_activity_owner() -> None:
    acts = activities([("A", "2024-05-01", "visit", 60, None, None)])
    customers = ibis.memtable({"customer_id": ["A"], "owner": ["anna"]})
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, customers, COSTS, WINDOW))
    assert got["A"]["cts_people"] == pytest.approx(90.0)
    assert not got["A"]["cost_estimated"]


def test_payment_terms_use_the_customers_days_else_the_policy_default() -> None:
    costs = COSTS.model_copy(update={"cost_of_capital": 0.1, "payment_terms_days": 30.0})
    customers = ibis.memtable({"customer_id": ["A", "B"], "payment_terms_days": [73.0, None]})
    book = facts([("A", 3650.0, 0, 0, 0), ("B", 3650.0, 0, 0, 0)])
    got = by_customer(cost_to_serve(book, None, customers, costs, WINDOW))
    assert got["A"]["cts_payment_terms"] == pytest.approx(3650 * 0.1 * 73 / 365)
    assert got["B"]["cts_payment_terms"] == pytest.approx(3650 * 0.1 * 30 / 365)
    assert not got["A"]["cost_estimated"]
    assert got["B"]["cost_estimated"]


def test_off_invoice_rebates_count_under_discounts() -> None:
    costs = COSTS.model_copy(update={"off_invoice_discount_rate": 0.02})
    acts = activities([("A", "2024-06-01", "rebate", None, None, 70.0)])
    got = by_customer(cost_to_serve(facts([("A", 1000.0, 0, 0, 0)]), acts, None, costs, WINDOW))
    assert got["A"]["cts_discounts"] == pytest.approx(20.0 + 70.0)


def test_drivers_add_up_to_cost_to_serve() -> None:
    acts = activities(
        [
            ("A", "2024-03-01", "visit", 45, "bob", None),
            ("A", "2024-03-01", "mystery", None, None, None),
            ("B", "2024-03-01", "support_ticket", 15, "anna", None),
        ]
    )
    out = cost_to_serve(
        facts([("A", 900.0, 2, 5, 1), ("B", 50.0, 1, 1, 0)]), acts, None, COSTS, WINDOW
    ).execute()
    summed = out[[f"cts_{d}" for d in DRIVERS]].sum(axis=1)
    assert (summed - out["cost_to_serve"]).abs().max() < 1e-9


def test_missing_order_facts_are_rebuilt_from_transactions() -> None:
    thin = ibis.memtable({"customer_id": ["A"], "revenue": [90.0], "gross_margin": [27.0]})
    tx = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "A", "A", "A"],
                "date": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-03-01", "2023-01-01"]),
                "amount": [50.0, 50.0, -10.0, 999.0],
                "order_id": ["o1", "o1", "o2", "o0"],
            }
        )
    )
    got = by_customer(cost_to_serve(thin, None, None, COSTS, WINDOW, transactions=tx))["A"]
    assert got["cts_orders"] == pytest.approx(1 * 20 + 3 * 2)
    assert got["cts_returns"] == pytest.approx(40.0)


def test_activity_issues_count_every_problem_and_say_what_was_done() -> None:
    acts = activities(
        [
            ("A", "2023-06-01", "visit", 60, "anna", None),  # before the window
            ("A", "2025-02-01", "visit", 60, "anna", None),  # after the as-of date
            ("A", "2024-02-01", "Visit ", -20, "anna", None),  # negative minutes
            ("A", "2024-02-01", "visit", 5000, "anna", None),  # absurd minutes
            ("A", "2024-02-01", "webinar", None, "zoe", None),  # unknown type, unknown owner
            ("A", "2024-02-01", "webinar", 30, "zoe", -4.0),  # negative direct cost
            ("A", "2024-02-01", "call", 5, "anna", 3.0),  # direct cost
        ]
    )
    issues = activity_issues(acts, COSTS, WINDOW)
    assert issues["rows"] == 7 and issues["in_window"] == 5
    assert issues["outside_window"]["count"] == 2
    assert issues["outside_window"]["before_start"] == 1
    assert issues["outside_window"]["on_or_after_as_of"] == 1
    assert issues["unknown_types"] == {
        **issues["unknown_types"],
        "count": 2,
        "types": {"webinar": 2},
    }
    assert issues["missing_minutes"]["count"] == 1
    assert issues["negative_minutes"]["count"] == 1
    assert issues["absurd_minutes"]["count"] == 1
    assert issues["owners_without_rate"]["owners"] == {"zoe": 2}
    assert issues["direct_cost"]["count"] == 1
    assert issues["negative_direct_cost"]["count"] == 1
    assert all("action" in v for v in issues.values() if isinstance(v, dict))


def test_the_issues_read_from_the_costs_scan_are_the_issues_counted_alone() -> None:
    """The pipeline prices the activities once and reads the counts from that table; the
    counts must be those of pricing them again on their own."""
    acts = activities(
        [
            ("A", "2023-06-01", "visit", 60, "anna", None),
            ("A", "2024-02-01", "Visit ", -20, "anna", None),
            ("A", "2024-02-01", "visit", 5000, "anna", None),
            ("B", "2024-02-01", "webinar", None, "zoe", None),
            ("B", "2024-03-01", "webinar", 30, "zoe", -4.0),
            ("C", "2024-02-01", "call", 5, None, 3.0),
        ]
    )
    totals = activity_costs(acts, None, COSTS, WINDOW)
    assert activity_issues(acts, COSTS, WINDOW, activity_totals=totals) == activity_issues(
        acts, COSTS, WINDOW
    )
    # and the costs computed from that table are the costs computed from the activities
    given = facts([("A", 100.0, 1, 1, 0), ("B", 0.0, 0, 0, 0), ("C", 0.0, 0, 0, 0)])
    assert by_customer(
        cost_to_serve(given, acts, None, COSTS, WINDOW, activity_totals=totals)
    ) == by_customer(cost_to_serve(given, acts, None, COSTS, WINDOW))


def test_an_activity_without_an_owner_is_counted_under_its_customers_owner() -> None:
    """As in the costing: the customer's owner stands in, so an owner with no rate is named."""
    acts = activities([("A", "2024-02-01", "visit", 60, None, None)])
    customers = ibis.memtable(pd.DataFrame({"customer_id": ["A"], "owner": ["zoe"]}))
    assert activity_issues(acts, COSTS, WINDOW)["owners_without_rate"]["count"] == 0
    lent = activity_issues(acts, COSTS, WINDOW, customers=customers)["owners_without_rate"]
    assert lent["count"] == 1 and lent["owners"] == {"zoe": 1}


def test_bad_minutes_are_costed_as_the_issues_say() -> None:
    acts = activities(
        [
            ("A", "2024-02-01", "visit", -20, "anna", None),  # → 120 standard min × 90 = 180
            ("A", "2024-02-01", "visit", 5000, "anna", None),  # → capped 600 min × 90 = 900
            ("A", "2024-02-01", "webinar", None, "zoe", None),  # → 30 min × 60 = 30
        ]
    )
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(180 + 900 + 30)
    assert got["effort_hours"] == pytest.approx((120 + 600 + 30) / 60)


def test_activities_without_minutes_or_owner_columns_use_standards() -> None:
    acts = activities([("A", "2024-02-01", "visit")], columns=("customer_id", "date", "type"))
    got = by_customer(cost_to_serve(facts([("A", 0.0, 0, 0, 0)]), acts, None, COSTS, WINDOW))["A"]
    assert got["cts_people"] == pytest.approx(120.0)
    issues = activity_issues(acts, COSTS, WINDOW)
    assert issues["missing_minutes"]["count"] == 1
    assert "no owner column" in issues["owners_without_rate"]["action"]


def test_default_policy_has_a_complete_cost_model() -> None:
    costs = Policy().costs
    assert costs.default_role in costs.hourly_rates
    assert set(costs.type_roles.values()) <= set(costs.hourly_rates)
    for field in CostModel.model_fields.values():
        assert field.description, "every policy key needs a description for the default file"


def test_roles_without_rates_are_rejected_naming_the_key() -> None:
    with pytest.raises(ValidationError, match=r"costs\.owner_roles.*'sam': 'intern'"):
        CostModel(owner_roles={"sam": "intern"})
    with pytest.raises(ValidationError, match=r"costs\.default_role"):
        CostModel(default_role="nobody")
    with pytest.raises(ValidationError, match="extra"):
        CostModel(cost_per_pallet=3.0)
