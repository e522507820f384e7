"""tierwise installs as users install it: every import declared, the wheel works on its own."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "tierwise"
# imported only inside optional features, each behind its extra or a clear message
OPTIONAL = {"pyspark"}
# packages whose imports must be declared in an extra rather than in the dependencies
EXTRAS = {SOURCE / "web": "web"}


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _imported_modules(files: list[Path]) -> set[str]:
    modules: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"tierwise", "__future__"} - OPTIONAL


def _undeclared(files: list[Path], declared: set[str]) -> dict[str, list[str]]:
    distributions = packages_distributions()
    undeclared = {}
    for module in sorted(_imported_modules(files)):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            undeclared[module] = sorted(names)
    return undeclared


def test_every_imported_package_is_a_declared_dependency():
    """A package reached only through another's dependencies can vanish in its next release."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_requirement_name(r) for r in project["dependencies"]}
    in_extras = [p for p in SOURCE.rglob("*.py") if any(f in p.parents for f in EXTRAS)]
    core = [p for p in SOURCE.rglob("*.py") if p not in in_extras]
    undeclared = _undeclared(core, declared)
    assert not undeclared, f"imported but not in pyproject dependencies: {undeclared}"
    for folder, extra in EXTRAS.items():
        files = [p for p in in_extras if folder in p.parents]
        wanted = declared | {_requirement_name(r) for r in project["optional-dependencies"][extra]}
        undeclared = _undeclared(files, wanted)
        assert not undeclared, (
            f"imported in {folder.name}/ but not in the {extra} extra: {undeclared}"
        )


def _uv() -> list[str]:
    # `uv run pytest` (scripts/test.sh) names itself in $UV; uv need not be on PATH
    for found in (os.environ.get("UV"), shutil.which("uv")):
        if found and Path(found).is_file():
            return [found]
    for python in (sys.executable, shutil.which("python3")):
        if (
            python
            and subprocess.run([python, "-m", "uv", "--version"], capture_output=True).returncode
            == 0
        ):
            return [python, "-m", "uv"]
    pytest.skip("uv is not installed; scripts/test.sh installs it")


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


def _run_uv(uv: list[str], args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    """A uv command from its cache alone (scripts/test.sh has just filled it with the locked
    versions), else, when the cache lacks something, with the package index as usual."""
    offline = subprocess.run(
        [*uv, *(str(a) for a in args), "--offline"], capture_output=True, text=True, **kwargs
    )
    return offline if offline.returncode == 0 else _run([*uv, *args], **kwargs)


@pytest.mark.slow
def test_the_wheel_runs_the_demo_in_a_fresh_environment(tmp_path):
    uv = _uv()
    dist = tmp_path / "dist"
    _run_uv(uv, ["build", "--wheel", "--out-dir", dist, ROOT])
    (wheel,) = dist.glob("tierwise-*.whl")
    # the locked versions, so the check does not depend on today's releases
    constraints = tmp_path / "constraints.txt"
    _run(
        [
            *uv,
            "export",
            "--frozen",
            "--no-hashes",
            "--no-dev",
            "--no-emit-project",
            "--output-file",
            constraints,
        ],
        cwd=ROOT,
    )
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run_uv(uv, ["pip", "install", "--python", python, "--constraint", constraints, wheel])

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    imported = _run([python, "-c", "import tierwise, sys; print(tierwise.__file__)"], env=env)
    assert str(venv) in imported.stdout  # the installed copy, not the source tree
    demo = _run(
        [
            venv / "bin" / "tierwise",
            "demo",
            "--quiet",
            "--customers",
            "200",
            "--out",
            tmp_path / "demo",
        ],
        env=env,
        cwd=tmp_path,
    )
    assert demo.stdout == "" and demo.stderr == ""
    assert (tmp_path / "demo" / "run" / "report.html").is_file()
