"""The warning filters of the test run: tierwise's own warnings fail, named ones are quiet."""

from __future__ import annotations

import warnings

import pytest


def _warn_from(module: str, message: str, category: type[Warning]) -> None:
    """Raise a warning attributed to ``module``, as if that module's code had raised it."""
    code = compile(f"warnings.warn({message!r}, {category.__name__})", f"<{module}>", "exec")
    exec(code, {"__name__": module, "warnings": warnings, category.__name__: category})


def test_a_warning_from_tierwise_code_fails_the_test() -> None:
    with pytest.raises(RuntimeWarning, match="overflow"):
        _warn_from("tierwise.clv.somewhere", "overflow encountered in exp", RuntimeWarning)


def test_a_named_third_party_warning_is_filtered_only_for_its_module() -> None:
    message = "fetch_arrow_table() is deprecated, use to_arrow_table() instead."
    _warn_from("ibis.backends.duckdb", message, DeprecationWarning)  # filtered: no error
    with pytest.raises(DeprecationWarning):
        _warn_from("tierwise.book.readers", message, DeprecationWarning)
