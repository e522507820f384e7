"""The Ibis summary on tiny hand-computed tables: merging, returns, time units, holdout."""

from __future__ import annotations

from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest

from tierwise.clv import (
    birth_cohorts,
    calibration_and_holdout,
    repeat_purchases_by_period,
    summary_from_transactions,
)
from tierwise.clv.summary import purchase_periods
from tierwise.errors import InputError


def _table(con: ibis.BaseBackend, rows: list[tuple[str, str, float]]) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    return con.create_table("tx", frame, overwrite=True)


def _by_id(t: ibis.Table) -> pd.DataFrame:
    return t.to_pandas().set_index("customer_id").sort_index()


def test_same_day_lines_are_one_purchase_and_time_is_in_weeks(con: ibis.BaseBackend) -> None:
    tx = _table(
        con,
        [
            ("a", "2024-01-01 09:00", 10.0),
            ("a", "2024-01-01 17:00", 5.0),  # same day: merged with the line above
            ("a", "2024-01-15", 30.0),
            ("a", "2024-01-29", 50.0),
            ("b", "2024-01-22", 8.0),
        ],
    )
    s = _by_id(summary_from_transactions(tx, date(2024, 2, 1), time_unit="week"))
    # end 2024-02-01 (exclusive): the last day observed is 2024-01-31
    assert s.loc["a", "frequency"] == 2
    assert s.loc["a", "recency"] == pytest.approx(28 / 7)
    assert s.loc["a", "T"] == pytest.approx(30 / 7)
    assert s.loc["a", "monetary_value"] == pytest.approx((30 + 50) / 2)
    assert s.loc["a", "total_value"] == pytest.approx(95.0)
    assert s.loc["b", "frequency"] == 0
    assert s.loc["b", "recency"] == 0
    assert s.loc["b", "T"] == pytest.approx(9 / 7)
    assert s.loc["b", "monetary_value"] == 0


def test_returns_net_in_their_period_and_return_only_periods_are_not_purchases(
    con: ibis.BaseBackend,
) -> None:
    tx = _table(
        con,
        [
            ("a", "2024-01-01", 100.0),
            ("a", "2024-01-01", -40.0),  # partial return the same day: nets to 60
            ("a", "2024-01-10", -20.0),  # a credit note alone: not a purchase
            ("a", "2024-01-20", 0.0),  # a free order: a purchase worth 0
            ("r", "2024-01-05", -10.0),  # only a return: no purchase at all
        ],
    )
    s = _by_id(summary_from_transactions(tx, date(2024, 1, 31), time_unit="day"))
    assert list(s.index) == ["a"]
    assert s.loc["a", "frequency"] == 1
    assert s.loc["a", "recency"] == 19
    assert s.loc["a", "monetary_value"] == 0.0
    assert s.loc["a", "total_value"] == 60.0


def test_merge_period_month_and_month_unit_use_365_25_over_12_days(con: ibis.BaseBackend) -> None:
    tx = _table(
        con,
        [("a", "2024-01-03", 1.0), ("a", "2024-01-28", 1.0), ("a", "2024-03-15", 1.0)],
    )
    s = _by_id(
        summary_from_transactions(tx, date(2024, 5, 1), time_unit="month", merge_period="month")
    )
    month = 365.25 / 12
    assert s.loc["a", "frequency"] == 1  # January merged; March is the repeat
    assert s.loc["a", "recency"] == pytest.approx(
        (date(2024, 3, 1) - date(2024, 1, 1)).days / month
    )
    assert s.loc["a", "T"] == pytest.approx((date(2024, 4, 1) - date(2024, 1, 1)).days / month)


def test_holdout_excludes_customers_born_in_the_holdout(con: ibis.BaseBackend) -> None:
    tx = _table(
        con,
        [
            ("a", "2024-01-01", 10.0),
            ("a", "2024-01-08", 10.0),
            ("a", "2024-02-05", 10.0),
            ("a", "2024-02-06", 10.0),
            ("late", "2024-02-03", 99.0),
        ],
    )
    s = _by_id(calibration_and_holdout(tx, date(2024, 2, 1), date(2024, 3, 1), time_unit="week"))
    assert list(s.index) == ["a"]
    assert s.loc["a", "frequency"] == 1
    assert s.loc["a", "frequency_holdout"] == 2
    assert s.loc["a", "monetary_value_holdout"] == 10.0
    assert s.loc["a", "duration_holdout"] == pytest.approx(29 / 7)


def test_unknown_time_unit_names_the_choices(con: ibis.BaseBackend) -> None:
    tx = _table(con, [("a", "2024-01-01", 1.0)])
    with pytest.raises(InputError, match="time_unit 'fortnight'"):
        summary_from_transactions(tx, date(2024, 2, 1), time_unit="fortnight")  # type: ignore[arg-type]


def test_missing_column_is_named(con: ibis.BaseBackend) -> None:
    frame = pd.DataFrame({"customer_id": ["a"], "amount": [1.0]})
    t = con.create_table("bad", frame, overwrite=True)
    with pytest.raises(InputError, match="'date' is missing"):
        summary_from_transactions(t, date(2024, 2, 1))


def test_cached_purchase_days_give_the_same_summaries_as_the_raw_lines(
    con: ibis.BaseBackend,
) -> None:
    """The stage's shortcut: same-day orders, returns, free orders, lines after the end."""
    rng = np.random.default_rng(5)
    n = 600
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 150, n), unit="D")
    hours = pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    amount = np.round(rng.choice([-1.0, 0.0, 1.0, 1.0, 1.0], n) * rng.gamma(2.0, 20.0, n), 2)
    frame = pd.DataFrame(
        {"customer_id": rng.integers(0, 40, n).astype(str), "date": days + hours, "amount": amount}
    )
    raw = con.create_table("raw_lines", frame, overwrite=True)
    end, cal_end, origin = date(2024, 5, 1), date(2024, 3, 1), date(2024, 1, 1)
    days_table = purchase_periods(raw, None, end, "day").cache()
    for build in (
        lambda **kw: summary_from_transactions(raw, end, time_unit="week", **kw),
        lambda **kw: summary_from_transactions(raw, cal_end, start=origin, **kw),
        lambda **kw: calibration_and_holdout(raw, cal_end, end, time_unit="day", **kw),
    ):
        ours = build(periods=days_table).to_pandas().sort_values("customer_id", ignore_index=True)
        plain = build().to_pandas().sort_values("customer_id", ignore_index=True)
        pd.testing.assert_frame_equal(ours, plain, check_exact=False, rtol=1e-12)
    for build in (
        lambda **kw: repeat_purchases_by_period(raw, origin, end, **kw),
        lambda **kw: birth_cohorts(raw, origin, cal_end, **kw),
    ):
        pd.testing.assert_frame_equal(build(periods=days_table).to_pandas(), build().to_pandas())


def test_cached_purchase_days_refuse_a_longer_merge_period(con: ibis.BaseBackend) -> None:
    tx = _table(con, [("a", "2024-01-01", 10.0)])
    days_table = purchase_periods(tx, None, date(2024, 2, 1), "day")
    with pytest.raises(InputError, match="merge_period is 'week'"):
        summary_from_transactions(tx, date(2024, 2, 1), merge_period="week", periods=days_table)
