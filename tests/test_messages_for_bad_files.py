"""Files that cannot be used say what is wrong in plain words, naming the user's file."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from tierwise.book.book import read_book
from tierwise.book.presets import load_preset
from tierwise.errors import InputError, PolicyError
from tierwise.settings.io import policy_from_dict

TODAY = date(2026, 1, 31)


def _read(folder):
    return read_book(folder, today=TODAY)


@pytest.mark.parametrize("content", [b"", b"\n \n"])
def test_an_empty_file_says_empty(tmp_path, content):
    (tmp_path / "transactions.csv").write_bytes(content)
    with pytest.raises(InputError, match=r"transactions\.csv: the file is empty"):
        _read(tmp_path)


def test_an_empty_gzip_file_says_empty(tmp_path):
    (tmp_path / "transactions.csv.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(InputError, match=r"transactions\.csv\.gz: the file is empty"):
        _read(tmp_path)


def test_a_header_only_file_names_the_file(tmp_path):
    (tmp_path / "transactions.csv").write_text("customer_id,date,amount\n")
    with pytest.raises(InputError, match=r"transactions\.csv: has column names but no rows"):
        _read(tmp_path)


def test_a_binary_file_shows_neither_a_temporary_path_nor_engine_text(tmp_path):
    (tmp_path / "transactions.csv").write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)) * 8)
    with pytest.raises(InputError) as caught:
        _read(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "transactions.csv") in message and "binary" in message
    assert "tierwise-" not in message and "Error" not in message


def test_a_book_of_only_returns_gets_a_warning(tmp_path):
    (tmp_path / "transactions.csv").write_text(
        "customer_id,date,amount\nA,2025-01-01,-5\nB,2025-01-02,-1.5\n"
    )
    book = _read(tmp_path)
    assert any("zero or negative amount" in w for w in book.warnings)
    (tmp_path / "transactions.csv").write_text("customer_id,date,amount\nA,2025-01-01,5\n")
    assert _read(tmp_path).warnings == []


def test_a_synonym_is_recorded_as_one(tmp_path):
    (tmp_path / "transactions.csv").write_text("customer,date,revenue\nA,2025-01-01,5\n")
    acc = _read(tmp_path).accounting["transactions"]
    assert acc.synonyms == {"customer_id": "customer", "amount": "revenue"}


def test_policy_and_preset_messages_do_not_leak_the_validation_library_wording(tmp_path):
    bad = {"book": {"tables": {"transactions": {"where": "(SELECT 1) = 1"}}}}
    with pytest.raises(PolicyError) as caught:
        policy_from_dict(bad)
    assert "is not allowed" in str(caught.value) and "Value error" not in str(caught.value)
    preset = tmp_path / "p.yaml"
    preset.write_text("name: p\ntables:\n  nosuch: {}\n")
    with pytest.raises(InputError) as caught:
        load_preset(str(preset))
    assert "unknown table" in str(caught.value) and "Value error" not in str(caught.value)
