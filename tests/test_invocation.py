"""The command the CLI prints for running tierwise again works from where the user is."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from tierwise.invocation import how_to_run


def _script(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "tierwise"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def test_the_bare_name_when_that_name_on_path_is_this_command(tmp_path: Path) -> None:
    script = _script(tmp_path / "bin")
    assert how_to_run(str(script), {"PATH": str(script.parent)}) == "tierwise"


def test_the_path_when_another_tierwise_is_first_on_path(tmp_path: Path) -> None:
    script = _script(tmp_path / "venv" / "bin")
    other = _script(tmp_path / "other")
    assert how_to_run(str(script), {"PATH": str(other.parent)}) == str(script)


def test_a_path_inside_the_working_folder_stays_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = _script(tmp_path / ".venv" / "bin")
    monkeypatch.chdir(tmp_path)
    assert how_to_run(str(script), {"PATH": "/nonexistent"}) == ".venv/bin/tierwise"
    _script(tmp_path)
    assert how_to_run(str(tmp_path / "tierwise"), {"PATH": "/nonexistent"}) == "./tierwise"


def test_a_path_with_spaces_is_quoted_for_the_shell(tmp_path: Path) -> None:
    script = _script(tmp_path / "my tools" / "bin")
    printed = how_to_run(str(script), {"PATH": "/nonexistent"})
    assert shlex.split(printed) == [str(script)]


def test_inside_uv_run_says_uv_run(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    script = _script(venv / "bin")
    uv = tmp_path / "uv-home" / "uv"
    uv.parent.mkdir()
    uv.write_text("#!/bin/sh\n", encoding="utf-8")
    uv.chmod(0o755)
    # uv run puts the venv's bin folder first on PATH, but only while it runs
    env = {"PATH": str(script.parent), "VIRTUAL_ENV": str(venv), "UV": str(uv)}
    assert how_to_run(str(script), env) == f"{uv} run tierwise"
    env["PATH"] = f"{script.parent}:{uv.parent}"
    assert how_to_run(str(script), env) == "uv run tierwise"


def test_python_dash_m_names_the_interpreter() -> None:
    printed = how_to_run("/somewhere/tierwise/__main__.py", {"PATH": "/nonexistent"})
    assert shlex.split(printed)[1:] == ["-m", "tierwise"]
    assert Path(shlex.split(printed)[0]).resolve() == Path(sys.executable).resolve()
