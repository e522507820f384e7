"""The demo's policy: the built-in default, with the demo book's own sales team in it.

With the team listed by name, capacity is measured per person and the team's hours
match the effort the book records, so the demo tells a coherent story about capacity.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from tierwise.errors import InputError
from tierwise.settings.schema import Policy

DEMO_CURRENCY = "EUR"
CUSTOMER_SHARE = 0.75  # a sales person's time spent on customers, the rest on internal work


def demo_policy(book_dir: str | Path) -> Policy:
    """The default policy with the team of a generated book (from its ``_team.parquet``)."""
    path = Path(book_dir) / "_team.parquet"
    if not path.is_file():
        raise InputError(
            f"{path} not found; it is written by `tierwise generate` with the demo book"
        )
    team = pq.read_table(path).to_pylist()
    base = Policy().model_dump()
    base["analysis"]["currency"] = DEMO_CURRENCY  # the generator writes every amount in it
    base["costs"]["owner_roles"] = {row["owner"]: row["role"] for row in team}
    base["service"]["team"] = [
        {"name": row["owner"], "role": row["role"], "customer_share": CUSTOMER_SHARE}
        for row in team
    ]
    return Policy.model_validate(base)


def write_book_policy(book_dir: str | Path) -> Path:
    """Write the demo's policy as ``policy.yaml`` in the book folder, where ``analyze``
    finds it: an analysis of the generated book is judged against its own team."""
    from tierwise.settings.io import BOOK_POLICY, policy_yaml

    path = Path(book_dir) / BOOK_POLICY
    note = "The demo book's policy: the default, with the team of this generated book."
    path.write_text(policy_yaml(demo_policy(book_dir), note), encoding="utf-8")
    return path
