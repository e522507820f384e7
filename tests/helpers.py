"""Small builders for test books."""

from __future__ import annotations

from pathlib import Path


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.strip("\n").encode(encoding) + b"\n")
    return path
