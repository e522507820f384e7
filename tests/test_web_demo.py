"""The demo's people: staff plus the first owners as the manager's reps, passwords that
work, added once."""

from __future__ import annotations

from pathlib import Path

from tierwise.web.demo import DEMO_MANAGER, DEMO_REPS, add_demo_users
from tierwise.workspace import Workspace
from tierwise.workspace import users as user_service


def test_demo_people_can_log_in_and_reps_report_to_the_manager(tmp_path: Path) -> None:
    owners = ["Anna Schmidt", "Lukas Hoffmann", "Sophie Neumann", "Jonas Werner", "Marie Robert"]
    with Workspace(f"sqlite:///{tmp_path / 'ws.db'}") as ws:
        people = add_demo_users(ws, owners)
        roles = {name: role for name, role, _ in people}
        assert roles["Ada Admin"] == "admin" and roles[DEMO_MANAGER] == "manager"
        assert [n for n, r, _ in people if r == "rep"] == owners[:DEMO_REPS]
        assert len({p for _, _, p in people}) == len(people)  # each its own password
        with ws.transaction() as db:
            for name, _, password in people:
                assert user_service.authenticate(db, name, password).name == name
        listed = {u.name: u for u in ws.list_users()}
        assert listed["Anna Schmidt"].manager == DEMO_MANAGER
        assert add_demo_users(ws, owners) == []  # a second demo adds no one
