"""Tables a run keeps between steps: computed once, their plan cut, released when dropped.

On Spark a kept table is a checkpoint: later queries read its rows, not the plan it was
built from (a cached view carried the plan of every earlier stage into every query), and
dropping it frees the executors' copy. On DuckDB it is a temporary table.
"""

from __future__ import annotations

import sys

import ibis
import pyarrow as pa
import pytest

from tierwise.driver import on_driver, to_engine
from tierwise.engine import drop_relation, is_duckdb, keep, materialise, release


def _names(con: ibis.BaseBackend) -> set[str]:
    return set(con.list_tables())


def test_duckdb_keeps_a_temporary_table_and_release_drops_it() -> None:
    con = ibis.duckdb.connect()
    source = con.create_table("source", {"x": [3, 1, 2]})
    kept = keep(source.mutate(y=source.x * 2))
    assert is_duckdb(con)
    assert sorted(kept.y.to_pyarrow().to_pylist()) == [2, 4, 6]
    name = kept.op().name
    assert name.startswith("tw_kept_") and name in _names(con)
    release(kept)
    assert name not in _names(con)


@pytest.mark.spark
def test_spark_keeps_a_checkpoint_with_its_plan_cut_and_frees_it(spark) -> None:
    con = ibis.pyspark.connect(spark)
    spark.range(5).createOrReplaceTempView("kept_source")
    source = con.table("kept_source")
    kept = materialise(con, "tw_kept_probe", source.mutate(y=source.id * 2))
    assert sorted(kept.y.to_pyarrow().to_pylist()) == [0, 2, 4, 6, 8]
    plan = spark.table("tw_kept_probe")._jdf.queryExecution().analyzed().toString()
    # the view reads the checkpoint's rows: the source and the arithmetic are gone
    assert "kept_source" not in plan and "Range" not in plan
    held = spark.sparkContext._jsc.getPersistentRDDs().size()
    drop_relation(con, "tw_kept_probe")
    assert "tw_kept_probe" not in _names(con)
    assert spark.sparkContext._jsc.getPersistentRDDs().size() == held - 1


def test_an_arrow_table_handed_to_duckdb_is_let_go_on_release() -> None:
    con = ibis.duckdb.connect()
    table = pa.table({"customer_id": ["a", "b"], "x": [1.0, 2.0]})
    held_before = sys.getrefcount(table)
    handed = to_engine(con, "tw_scorecard_probe", table)
    assert handed.x.sum().execute() == 3.0
    assert "tw_scorecard_probe" in _names(con)
    assert sys.getrefcount(table) > held_before  # DuckDB reads it in place
    release(handed)
    assert "tw_scorecard_probe" not in _names(con)
    assert sys.getrefcount(table) == held_before


def test_a_table_on_the_driver_lives_only_for_its_block() -> None:
    table = pa.table({"customer_id": ["a", "b", "c"], "x": [1.0, 2.0, 4.0]})
    held_before = sys.getrefcount(table)
    with on_driver("tw_probe", table) as t:
        assert t.filter(t.x > 1).x.sum().execute() == 6.0
        con = t.get_backend()
    assert sys.getrefcount(table) == held_before
    with pytest.raises(Exception, match=r"(?i)closed"):
        con.con.execute("select 1")
