"""The command line maps any export: --where, --table, owners from deals, and what it prints."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from tests.helpers import write_csv
from tierwise.cli import app

runner = CliRunner()
DEALS = """
account,close_date,close_value,deal_stage,sales_agent
A,2025-01-02,100,Won,Ann
A,2025-03-01,10,Won,Bob
B,2025-02-01,0,Lost,Cat
"""
COLUMNS = ["--map", "date=close_date", "--map", "amount=close_value"]


def test_validate_prints_filtered_rows_synonyms_and_the_owner_rule(tmp_path):
    write_csv(tmp_path, "sales_pipeline.csv", DEALS)
    write_csv(tmp_path, "accounts.csv", "account,sector\nA,retail\nB,health")
    result = runner.invoke(
        app,
        [
            "validate",
            str(tmp_path),
            "--table",
            "transactions=sales_pipeline.csv",
            "--table",
            "customers=accounts.csv",
            "--where",
            "deal_stage = 'Won'",
            *COLUMNS,
        ],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert "in files = filtered out by the mapping + read" in text
    assert "kept only the rows where deal_stage = 'Won'" in text
    assert "column account taken as customer_id" in text
    assert "column sales_agent taken as owner" in text
    assert "most recent transaction" in text and "owner_rule: most_recent" in text


def test_a_revenue_column_taken_as_amount_is_printed(tmp_path):
    write_csv(tmp_path, "transactions.csv", "customer_id,date,revenue\nA,2025-01-02,5")
    result = runner.invoke(app, ["validate", str(tmp_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "column revenue taken as amount" in text and "--map amount=COLUMN" in text


def test_owner_mapped_on_a_missing_customers_table_is_an_error(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    result = runner.invoke(
        app,
        ["validate", str(tmp_path), *COLUMNS, "--map", "customers.owner=sales_agent"],
        terminal_width=200,
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "no customers table" in text and "--map owner=sales_agent" in text


def test_a_filter_that_reads_files_is_refused(tmp_path):
    write_csv(tmp_path, "transactions.csv", DEALS)
    result = runner.invoke(
        app,
        ["validate", str(tmp_path), "--where", "read_csv('/etc/passwd') IS NOT NULL"],
        terminal_width=200,
    )
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "is not allowed" in text and "Traceback" not in text


def test_a_missing_book_is_reported_before_the_library_loads(tmp_path):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from tierwise.cli import app\n"
        f"r = CliRunner().invoke(app, ['analyze', {str(tmp_path / 'nope')!r}])\n"
        "print(r.exit_code, 'ibis' in sys.modules, 'tierwise.pipeline' in sys.modules)\n"
        "print(r.output)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    first, rest = done.stdout.split("\n", 1)
    assert first == "2 False False"
    assert "does not exist" in rest
