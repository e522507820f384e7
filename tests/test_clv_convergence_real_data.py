"""Every purchase model converges from its default start on every dataset in ../shared/data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from tierwise.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    summary_from_transactions,
)

MODELS = [BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel]


def _cdnow(shared_data: Path, name: str) -> ibis.Table:
    con = ibis.duckdb.connect()
    path = shared_data / "cdnow" / name
    if name.endswith(".csv.gz"):
        raw = con.read_csv(str(path))
        return raw.select(
            customer_id=raw.sampleid.cast("string"),
            date=raw.date.cast("string").as_date("%Y%m%d").cast("timestamp"),
            amount=raw.sales.cast("float64"),
        )
    frame = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    frame = frame.rename(columns={"dollar_value": "amount"})[["customer_id", "date", "amount"]]
    return con.create_table("master", frame)


def _online_retail(shared_data: Path) -> ibis.Table:
    path = shared_data / "online_retail" / "online-retail-by-day-concat.csv.gz"
    frame = duckdb.sql(
        f"""
        SELECT CAST(CAST(CustomerID AS DOUBLE) AS BIGINT)::VARCHAR AS customer_id,
               CAST(InvoiceDate AS TIMESTAMP) AS date,
               CAST(Quantity AS DOUBLE) * CAST(UnitPrice AS DOUBLE) AS amount
        FROM read_csv('{path}', header = true, all_varchar = true)
        WHERE CustomerID IS NOT NULL AND CustomerID <> ''
        """
    ).df()
    return ibis.duckdb.connect().create_table("online_retail", frame)


def _check(summary: pd.DataFrame, no_dropout_limit: bool = False) -> None:
    for cls in MODELS:
        model = cls().fit(summary)
        assert model.converged_, cls.__name__
        assert np.isfinite(model.log_likelihood_)
        dropout_shape = model.params_.get("s", model.params_.get("a"))
        if no_dropout_limit and (model.boundary_ or dropout_shape < 1e-3):
            # the maximum is (near) the no-dropout edge: the NBD limit, SEs undefined there
            assert model.log_likelihood_ >= BetaGeoModel().fit(summary).log_likelihood_ - 1.0
        else:
            assert all(np.isfinite(v) for v in model.standard_errors_.values()), cls.__name__
        pa = model.probability_alive(summary)
        assert np.all((pa >= 0) & (pa <= 1))
    usable = summary[(summary.frequency > 0) & (summary.monetary_value > 0)]
    gg = GammaGammaModel().fit(usable)
    assert gg.converged_ and gg.params_["q"] > 1


def test_models_converge_on_cdnow_sample(shared_data: Path) -> None:
    tx = _cdnow(shared_data, "cdnowElog.csv.gz")
    _check(summary_from_transactions(tx, date(1998, 7, 1), time_unit="week").to_pandas())


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["day", "month"])
def test_models_converge_on_cdnow_sample_in_other_units(shared_data: Path, unit: str) -> None:
    tx = _cdnow(shared_data, "cdnowElog.csv.gz")
    _check(summary_from_transactions(tx, date(1998, 7, 1), time_unit=unit).to_pandas())


@pytest.mark.slow
def test_models_converge_on_cdnow_master(shared_data: Path) -> None:
    tx = _cdnow(shared_data, "CDNOW_master.txt.gz")
    _check(summary_from_transactions(tx, date(1998, 7, 1), time_unit="week").to_pandas())


@pytest.mark.slow
def test_models_converge_on_online_retail(shared_data: Path) -> None:
    tx = _online_retail(shared_data)
    # one year only: dropout is barely visible, Pareto/NBD and MBG/NBD reach the no-dropout edge
    summary = summary_from_transactions(tx, date(2011, 12, 10), time_unit="week").to_pandas()
    _check(summary, no_dropout_limit=True)
