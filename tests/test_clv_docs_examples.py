"""The Python examples in docs/clv.md run as written (the docs stay honest)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "clv.md"


def test_every_python_block_in_the_clv_docs_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    assert 0 <= float(namespace["p_alive"][0]) <= 1  # type: ignore[index]
