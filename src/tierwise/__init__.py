"""tierwise: treat customers differently, on evidence.

The public API for notebooks and scripts::

    import tierwise
    book = tierwise.read_book("data/", preset="online-retail")
    result = tierwise.analyze(book, policy="policy.yaml")
    result.scorecard            # pandas; result.scorecard_arrow for Arrow
    tierwise.save_run(result, "runs/latest")  # the run folder with its report
    result.write("runs/data")   # the run folder's data only: scorecard, portfolio, quarantine

Heavy modules load on first use, so ``import tierwise`` stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from tierwise.errors import InputError, ModelError, NotFittedError, PolicyError, TierwiseError

_LAZY = {
    "analyze": "tierwise.pipeline",
    "AnalysisResult": "tierwise.pipeline",
    "read_book": "tierwise.book.book",
    "Book": "tierwise.book.book",
    "BookMapping": "tierwise.book.mapping",
    "Policy": "tierwise.settings.schema",
    "load_policy": "tierwise.settings.io",
    "Window": "tierwise.window",
    "save_run": "tierwise.run_folder",
}

__all__ = [
    "AnalysisResult",
    "Book",
    "BookMapping",
    "InputError",
    "ModelError",
    "NotFittedError",
    "Policy",
    "PolicyError",
    "TierwiseError",
    "Window",
    "__version__",
    "analyze",
    "load_policy",
    "read_book",
    "save_run",
]


def _version() -> str:
    """The installed version; read on first use (importlib.metadata costs a CLI's start-up)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tierwise")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        return _version()
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tierwise' has no attribute {name!r}")
