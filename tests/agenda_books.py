"""A hand-built book whose right agenda is known, for the agenda's tests.

Ten customers (tests.db_fixtures' tiny book); overrides fix the tiers that matter:
C01 strategic, C02 transactional, C03 core. Rosa Rep owns all three.
- C01 has an overdue follow-up (due 7 days before the as-of date), the same task twice
  (folded into one item), a visit on 2025-05-01 and an order after it (2025-05-20).
- C02 has an urgent request due on the as-of date.
- C03 took 60 hours of calls in the window against a core entitlement of 1 h a month.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.db_fixtures import write_tiny_book

AS_OF = "2025-06-01"
WINDOW_DAYS = 365
CALL_MINUTES = 120
CALLS = 30  # 30 calls × 120 minutes = 60 hours on C03
CORE_HOURS_PER_MONTH = 1.0

POLICY = """
service:
  team:
    - {name: Rosa Rep, role: key_account_manager, manager: Mia Manager}
    - {name: Otto Other, role: account_manager, manager: Mia Manager}
    - {name: Nobody Known, role: account_manager, manager: Lea Leader}
    - {name: inside sales, role: inside_sales, headcount: 2}
agenda:
  importance:
    min_value: null
"""

OVERRIDES = pd.DataFrame(
    {
        "customer_id": ["C01", "C02", "C03"],
        "override_id": [1, 2, 3],
        "tier": ["strategic", "transactional", "core"],
        "reason": ["test tier"] * 3,
        "approved_model_tier": [None, None, None],
    }
)


def task_rows(done: tuple[str, ...] = ()) -> list[str]:
    rows = [
        ("K1", "C01", "Rosa Rep", "Send the renewal contract", "2025-05-25", "open", "false"),
        ("K2", "C02", "Rosa Rep", "Price request", "2025-06-01", "open", "false"),
        ("K3", "C01", "Rosa Rep", "Send the renewal contract", "2025-05-28", "open", "false"),
        ("K4", "C09", "Rosa Rep", "Old thing", "2025-04-01", "done", "false"),
    ]
    out = ["task_id,customer_id,owner,title,due,status,important"]
    for r in rows:
        status = "done" if r[0] in done else r[5]
        out.append(",".join([*r[:5], status, r[6]]))
    return out


def write_agenda_book(folder: Path, *, done: tuple[str, ...] = ()) -> Path:
    write_tiny_book(folder, extra=[("C01", "2025-05-20", 640.0)])
    acts = ["customer_id,date,type,minutes,owner"]
    acts.append("C01,2025-05-01,visit,90,Rosa Rep")
    for i in range(CALLS):
        acts.append(f"C03,2025-{i % 5 + 1:02d}-{i % 27 + 1:02d},call,{CALL_MINUTES},Rosa Rep")
    (folder / "activities.csv").write_text("\n".join(acts) + "\n", encoding="utf-8")
    (folder / "tasks.csv").write_text("\n".join(task_rows(done)) + "\n", encoding="utf-8")
    (folder / "policy.yaml").write_text(POLICY, encoding="utf-8")
    return folder


def analyse(folder: Path, out: Path) -> Path:
    from tierwise.pipeline import analyze

    result = analyze(folder, as_of=AS_OF, overrides=OVERRIDES, today="2025-06-02")
    return result.write(out)
