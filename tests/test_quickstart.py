"""The README's install commands, run the way a new user runs them, in a fresh copy.

- The Quick start's first command on the system's own ``/usr/bin/python3`` (Debian 12's has
  neither pip nor venv until apt installs them, and refuses ``pip install``: PEP 668),
  with nothing else on PATH, as this user and as a new normal user.
- ``scripts/install.sh`` puts ``tierwise`` on PATH (here with the Python that runs the
  tests, any 3.11+), and the demo's printed next steps run as printed from another folder.

The copy holds the files git tracks (and new ones not ignored) as they are in the working
tree. Each test starts from an empty home, so uv itself is downloaded as on a new machine;
the package cache is shared to keep the time down. Slow (minutes) and needs the package
index: marked ``slow`` and ``quickstart``.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = Path("/usr/bin/python3")
SYSTEM_PATH = "/usr/bin:/bin"
QUICKSTART_USER = "tierwise-quickstart"
PASSED_ON = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "UV_DEFAULT_INDEX",
    "PIP_INDEX_URL",
)

pytestmark = [pytest.mark.slow, pytest.mark.quickstart]


def quick_start_commands() -> list[str]:
    """The commands of the README's Quick start code block, comments left out."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "README.md's Quick start has no ```bash block"
    return [
        line.strip()
        for line in block.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_quick_start_is_two_commands_install_and_demo_then_the_tests() -> None:
    install_and_demo, tests = quick_start_commands()
    assert "tierwise demo" in install_and_demo
    assert "pip install" not in install_and_demo  # refused by Debian's python3 (PEP 668)
    assert tests == "./scripts/test.sh"


@pytest.fixture(scope="module")
def index_reachable() -> None:
    index = os.environ.get("UV_DEFAULT_INDEX") or "https://pypi.org/simple"
    try:
        urllib.request.urlopen(f"{index.rstrip('/')}/uv/", timeout=20).close()
    except OSError as exc:
        pytest.skip(f"the package index {index} is not reachable ({exc}); the install needs it")


@pytest.fixture(scope="module")
def system_python() -> Path:
    if not SYSTEM_PYTHON.is_file():
        pytest.skip(f"no {SYSTEM_PYTHON} (on Debian or Ubuntu: apt-get install python3)")
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(sys.version_info >= (3, 11))"],
        capture_output=True,
        text=True,
        check=True,
    )
    if done.stdout.strip() != "True":
        pytest.skip(f"{SYSTEM_PYTHON} is older than 3.11")
    return SYSTEM_PYTHON


def _uv_cache() -> Path:
    """The uv cache of whoever runs the tests (`uv run pytest`), shared to save downloads."""
    if os.environ.get("UV_CACHE_DIR"):
        return Path(os.environ["UV_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "uv"


def _fresh_copy(dest: Path) -> Path:
    """The checkout's files as a new user gets them: tracked and new files, no .venv, no caches."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: cannot tell the project's files from local ones")
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    dest.mkdir(parents=True)
    for name in filter(None, files.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted in the working tree is not shipped
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _env(home: Path, cache: Path, path: str = SYSTEM_PATH) -> dict[str, str]:
    """A login-like environment: only the system's folders on PATH, a home of its own."""
    env = {
        "PATH": path,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "UV_CACHE_DIR": str(cache),
        "COLUMNS": "200",
    }
    env.update({name: os.environ[name] for name in PASSED_ON if name in os.environ})
    return env


def _run(command: str, cwd: Path, env: dict[str, str], user: str | None = None) -> str:
    prefix = ["runuser", "-u", user, "--"] if user else []
    argv = [*prefix, "env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c", command]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=1800, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"`{command}` failed ({done.returncode}):\n{output[-4000:]}"
    return done.stdout


def _next_steps(output: str, tierwise: str) -> list[str]:
    """The commands the demo prints to try next: indented lines starting with the command."""
    return [line.strip() for line in output.splitlines() if line.startswith(f"  {tierwise} ")]


def _check_quick_start_demo(copy: Path, home: Path, output: str) -> None:
    assert (copy / "tierwise-demo" / "run" / "report.html").is_file(), output[-3000:]
    venv = (copy / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r"^home = /usr/bin$", venv, re.MULTILINE), venv  # Debian's python3
    if shutil.which("uv", path=SYSTEM_PATH) is None:  # as on a fresh machine: downloaded
        assert (home / ".local" / "bin" / "uv").is_file()


def test_quick_start_on_the_system_python_as_this_user(
    tmp_path: Path, system_python: Path, index_reachable: None
) -> None:
    copy, home = _fresh_copy(tmp_path / "tierwise"), tmp_path / "home"
    home.mkdir()
    env = _env(home, _uv_cache())
    output = _run(quick_start_commands()[0], copy, env)
    _check_quick_start_demo(copy, home, output)

    steps = _next_steps(output, ".venv/bin/tierwise")
    assert [s.split()[1] for s in steps] == ["analyze", "compare"], output[-3000:]
    for step in steps:
        _run(step, copy, env)
    assert (copy / "tierwise-demo" / "run2" / "report.html").is_file()


@pytest.fixture
def normal_user() -> str:
    if os.geteuid() != 0:
        pytest.skip("creating a normal user for the Quick start needs root")
    if shutil.which("runuser") is None or shutil.which("useradd") is None:
        pytest.skip("needs runuser and useradd (util-linux, passwd)")
    try:
        pwd.getpwnam(QUICKSTART_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/bash", QUICKSTART_USER], check=True
        )
    return QUICKSTART_USER


@pytest.fixture
def user_folder(normal_user: str) -> Iterator[Path]:
    """A folder the user owns, outside root's private temporary folders."""
    folder = Path(tempfile.mkdtemp(prefix="tierwise-quickstart-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_quick_start_on_the_system_python_as_a_normal_user(
    normal_user: str, user_folder: Path, system_python: Path, index_reachable: None
) -> None:
    copy, home = _fresh_copy(user_folder / "tierwise"), user_folder / "home"
    home.mkdir()
    # the user's own package cache, kept between runs (the first run downloads everything)
    cache = Path("/var/tmp") / f"{normal_user}-uv-cache"
    cache.mkdir(exist_ok=True)
    subprocess.run(["chown", "-R", f"{normal_user}:", str(user_folder), str(cache)], check=True)
    output = _run(quick_start_commands()[0], copy, _env(home, cache), user=normal_user)
    _check_quick_start_demo(copy, home, output)
    report = copy / "tierwise-demo" / "run" / "report.html"
    assert report.stat().st_uid == pwd.getpwnam(normal_user).pw_uid


def test_install_puts_tierwise_on_path_and_the_demo_next_steps_run_as_printed(
    tmp_path: Path, index_reachable: None
) -> None:
    # this time the Python that runs the tests (any 3.11+) and its uv come first on PATH
    base_bin = Path(sys.base_prefix) / "bin"
    copy, home = _fresh_copy(tmp_path / "tierwise"), tmp_path / "home"
    home.mkdir()
    env = _env(home, _uv_cache(), path=f"{base_bin}:{SYSTEM_PATH}")
    output = _run("./scripts/install.sh", copy, env)
    bin_dir = home / ".local" / "bin"
    assert (bin_dir / "tierwise").is_file(), output
    shutil.rmtree(copy)  # the installed command needs nothing from the checkout

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    assert _run("tierwise --version", elsewhere, env).startswith("tierwise ")
    output = _run("tierwise demo --customers 200 --out 'my demo'", elsewhere, env)
    steps = _next_steps(output, "tierwise")
    assert [shlex.split(s)[1] for s in steps] == ["analyze", "compare"], output[-3000:]
    for step in steps:
        _run(step, elsewhere, env)
    assert (elsewhere / "my demo" / "run2" / "report.html").is_file()
