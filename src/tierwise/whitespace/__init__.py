"""Whitespace: what customers like this one buy and this one does not (CONTRACT §7)."""

from tierwise.settings.whitespace import WhitespaceSettings
from tierwise.whitespace.stage import WhitespaceResult, whitespace

__all__ = ["WhitespaceResult", "WhitespaceSettings", "whitespace"]
