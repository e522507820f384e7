"""A small hand-built book for the account-plan tests: products with costs, industries,
wallets, contacts (one of an unknown customer), and a name that HTML must escape."""

from __future__ import annotations

from pathlib import Path

AS_OF = "2025-01-01"
CUSTOMERS = [f"K{i:02d}" for i in range(1, 13)]
PRODUCTS = ["bolts", "nuts", "washers", "gaskets", "valves"]
LOSS_MAKER = "K03"  # sells at a 1% gross margin: its orders cost more than they earn


def write_plan_book(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["customer_id,name,owner,industry,wallet"]
    for i, cid in enumerate(CUSTOMERS):
        name = "<b>Acme</b> & Co" if cid == "K01" else f"Company {cid}"
        owner = "rita" if i % 2 == 0 else "sam"
        rows.append(f'{cid},"{name}",{owner},{"Food" if i < 6 else "Metal"},{50000 + 1000 * i}')
    (folder / "customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = ["customer_id,date,order_id,amount,cost,product"]
    order = 0
    for i, cid in enumerate(CUSTOMERS):
        for month in range(1, 13, 1 + i % 3):
            order += 1
            bought = [PRODUCTS[(i // 2 + k) % 5] for k in range(1 + (i + month) % 3)]
            for j, product in enumerate(bought):
                amount = 100 + 37 * i + 11 * month + 5 * j
                cost = amount * (0.99 if cid == LOSS_MAKER else 0.6)
                day = f"2024-{month:02d}-{10 + j:02d}"
                lines.append(f"{cid},{day},O{order},{amount},{cost:.2f},{product}")
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    contacts = [
        "customer_id,name,title,function,role,influence,sentiment,last_touch",
        "K01,Ann Buyer,Purchasing lead,procurement,champion,high,supporter,2024-12-01",
        "K01,Bob User,Engineer,R&D,user,low,detractor,2024-03-01",
        "K02,Cy Chief,CFO,finance,executive sponsor,high,neutral,2024-11-20",
        "ZZ99,Ghost Person,CEO,board,executive sponsor,high,supporter,2024-11-01",
    ]
    (folder / "contacts.csv").write_text("\n".join(contacts) + "\n", encoding="utf-8")
    return folder
