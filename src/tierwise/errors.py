"""One root error, so callers can catch everything tierwise raises on purpose.

Messages name the file, column, key or parameter, the value seen, and the fix.
Each class also mixes in the closest built-in, so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class TierwiseError(Exception):
    """Root of every error tierwise raises on purpose."""


class InputError(TierwiseError, ValueError):
    """A book, file, column or value that cannot be used as given."""


class PolicyError(TierwiseError, ValueError):
    """A policy file or setting that is invalid; lists every problem at once."""


class ModelError(TierwiseError, ValueError):
    """Data that a model cannot be fitted to, or a fit that failed, with what to do."""


class NotFittedError(TierwiseError, AttributeError):
    """A model method that needs ``fit`` was called before it."""


_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def plain_message(message: str) -> str:
    """A validation message in our words only: pydantic prefixes the messages of our own
    validators with its wording ("Value error, ..."), which means nothing to a user."""
    for prefix in _LIBRARY_PREFIXES:
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def validation_problems(errors: list[dict[str, object]]) -> list[str]:
    """``key: message`` for each problem of a pydantic ``ValidationError.errors()``."""
    return [
        f"{'.'.join(str(part) for part in e['loc']) or '(top level)'}: "  # type: ignore[attr-defined]
        f"{plain_message(str(e['msg']))}"
        for e in errors
    ]
