"""Whitespace: what customers like this one buy and this one does not (CONTRACT §7)."""

from tierwise.whitespace.settings import WhitespaceSettings
from tierwise.whitespace.stage import WhitespaceResult, whitespace

__all__ = ["WhitespaceResult", "WhitespaceSettings", "whitespace"]
