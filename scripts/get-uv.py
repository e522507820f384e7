"""Print the path of a usable uv; download it first when there is none.

Needs only the Python standard library: no pip, no venv module, no root, and nothing
installed into the system Python (Debian 12 and Ubuntu 24.04 refuse ``pip install`` there,
PEP 668). This is how get-pip.py and Poetry's installer bootstrap themselves.

Search order: ``$UV``; ``uv`` on PATH; ``uv`` in the install folder; ``python -m uv``.
A uv older than MIN_UV is passed over. When none is found, the uv wheel of version UV_VERSION
is downloaded from the package index (``$UV_DEFAULT_INDEX`` or ``$PIP_INDEX_URL``, else
PyPI), checked against the index's sha256, and its ``uv`` and ``uvx`` binaries are written
to ``$UV_INSTALL_DIR``, else ``$XDG_BIN_HOME``, else ``~/.local/bin`` (where uv's own
installer puts them).

    python3 scripts/get-uv.py          # prints e.g. /home/me/.local/bin/uv
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

UV_VERSION = "0.13.9"  # the version downloaded when no usable uv is found
MIN_UV = (0, 13, 0)  # the oldest uv tried with this uv.lock and the scripts' options
PYPI = "https://pypi.org/simple"


def say(message: str) -> None:
    print(f"get-uv: {message}", file=sys.stderr)


def install_dir() -> Path:
    for var in ("UV_INSTALL_DIR", "XDG_BIN_HOME"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    return Path.home() / ".local" / "bin"


def uv_version(uv: str) -> tuple[int, ...] | None:
    """The version of the uv at ``uv``, or None when it does not run."""
    try:
        done = subprocess.run([uv, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.match(r"uv (\d+)\.(\d+)\.(\d+)", done.stdout)
    return tuple(int(part) for part in found.groups()) if done.returncode == 0 and found else None


def candidates() -> list[str]:
    found = [os.environ.get("UV", ""), shutil.which("uv") or "", str(install_dir() / "uv")]
    try:  # a uv installed as a package of this Python (pip install uv)
        from uv import find_uv_bin  # type: ignore[import-not-found]

        found.append(find_uv_bin())
    except Exception:  # not installed, or installed without its binary
        pass
    return [path for path in found if path and os.access(path, os.X_OK)]


def platform_accepts(tag: str) -> bool:
    """Whether a wheel's platform tag (e.g. manylinux_2_17_x86_64) runs on this machine."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    system = platform.system()
    if system == "Linux":
        libc, libc_version = platform.libc_ver()
        legacy = re.fullmatch(r"manylinux2014_(\w+)", tag)
        if legacy:
            tag = f"manylinux_2_17_{legacy.group(1)}"
        found = re.fullmatch(r"(manylinux|musllinux)_(\d+)_(\d+)_(\w+)", tag)
        if not found or found.group(4) != machine:
            return False
        if found.group(1) == "musllinux":
            return libc != "glibc"
        have = tuple(int(p) for p in libc_version.split(".")[:2]) if libc == "glibc" else None
        return have is not None and (int(found.group(2)), int(found.group(3))) <= have
    if system == "Darwin":
        found = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
        mac_machine = "arm64" if machine == "aarch64" else machine
        if not found or found.group(3) not in (mac_machine, "universal2"):
            return False
        release = tuple(int(p) for p in platform.mac_ver()[0].split(".")[:2])
        return (int(found.group(1)), int(found.group(2))) <= release
    return False


def index_files(index: str) -> list[tuple[str, str, str]]:
    """(filename, url, sha256) of every file of uv on a PEP 691 (JSON) or PEP 503 index."""
    url = f"{index.rstrip('/')}/uv/"
    request = urllib.request.Request(
        url, headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        kind = response.headers.get("Content-Type", "")
        body = response.read().decode("utf-8")
        base = response.geturl()
    if "json" in kind:
        return [
            (f["filename"], urllib.parse.urljoin(base, f["url"]), f["hashes"].get("sha256", ""))
            for f in json.loads(body)["files"]
        ]
    files = []
    for href in re.findall(r'href="([^"]+)"', body):
        link, _, fragment = href.partition("#")
        digest = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else ""
        name = Path(urllib.parse.urlparse(link).path).name
        files.append((name, urllib.parse.urljoin(base, link), digest))
    return files


def download() -> str:
    index = os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("PIP_INDEX_URL") or PYPI
    prefix = f"uv-{UV_VERSION}-py3-none-"
    wheels = [
        (name, url, digest)
        for name, url, digest in index_files(index)
        if name.startswith(prefix)
        and name.endswith(".whl")
        and any(platform_accepts(tag) for tag in name[len(prefix) : -4].split("."))
    ]
    if not wheels:
        raise SystemExit(
            f"get-uv: no uv {UV_VERSION} wheel on {index} for {platform.system()} "
            f"{platform.machine()}; install uv yourself (https://docs.astral.sh/uv/) and run again"
        )
    name, url, digest = wheels[0]
    if not digest:
        raise SystemExit(f"get-uv: {index} gives no sha256 for {name}; refusing to install it")
    say(f"downloading {name} from {index}")
    with urllib.request.urlopen(url, timeout=300) as response:
        data = response.read()
    if hashlib.sha256(data).hexdigest() != digest:
        raise SystemExit(f"get-uv: {name} does not match the index's sha256; not installed")
    target = install_dir()
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        for binary in ("uv", "uvx"):
            member = f"uv-{UV_VERSION}.data/scripts/{binary}"
            with tempfile.NamedTemporaryFile(dir=target, delete=False) as tmp:
                tmp.write(wheel.read(member))
            os.chmod(tmp.name, 0o755)
            os.replace(tmp.name, target / binary)
    say(f"installed uv {UV_VERSION} in {target}")
    return str(target / "uv")


def main() -> None:
    for uv in candidates():
        version = uv_version(uv)
        if version is not None and version >= MIN_UV:
            print(uv)
            return
        if version is not None:
            say(f"passing over {uv} (version {'.'.join(map(str, version))}, older than needed)")
    try:
        print(download())
    except urllib.error.URLError as exc:
        raise SystemExit(
            f"get-uv: could not download uv ({exc.reason}). Check the network (or set "
            "UV_DEFAULT_INDEX to your package index); on Debian or Ubuntu, as root: "
            "apt-get install ca-certificates"
        ) from None


if __name__ == "__main__":
    main()
