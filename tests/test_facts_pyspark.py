"""The facts stage is one Ibis expression: it gives the same columns on PySpark as on DuckDB."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tierwise.metrics.facts import customer_facts
from tierwise.window import Window

pytestmark = pytest.mark.spark


def _transactions(n_customers: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = rng.integers(1, 30, n_customers)
    customer = np.repeat([f"C{i:03d}" for i in range(n_customers)], rows)
    days = rng.integers(0, 700, customer.size)
    amount = np.round(rng.lognormal(4, 1, customer.size), 2)
    amount[rng.random(customer.size) < 0.08] *= -1
    cost = np.where(rng.random(customer.size) < 0.2, np.nan, np.round(np.abs(amount) * 0.6, 2))
    return pd.DataFrame(
        {
            "customer_id": customer,
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
            "amount": amount,
            "order_id": [f"o{i // 2}" for i in range(customer.size)],
            "cost": cost,
        }
    )


def test_facts_match_duckdb_column_by_column(spark):
    import ibis

    frame = _transactions()
    window = Window.ending(date(2025, 12, 1), 365)
    duck = ibis.duckdb.connect()
    expected = customer_facts(duck.create_table("tx", frame), window, 0.3).execute()

    spark_con = ibis.pyspark.connect(spark)
    spark.createDataFrame(
        frame.assign(cost=frame.cost.astype(object).where(frame.cost.notna(), None))
    ).createOrReplaceTempView("tx")
    actual = customer_facts(spark_con.table("tx"), window, 0.3).execute()

    expected = expected.sort_values("customer_id").reset_index(drop=True)
    actual = actual.sort_values("customer_id").reset_index(drop=True)
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected) == 60
    for column in expected.columns:
        left, right = expected[column], actual[column]
        if pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(
                right.astype(float), left.astype(float), rtol=1e-9, err_msg=column
            )
        elif pd.api.types.is_datetime64_any_dtype(left):
            assert (pd.to_datetime(right).values == pd.to_datetime(left).values).all(), column
        else:
            assert right.astype(str).tolist() == left.astype(str).tolist(), column
