"""Who may do what with overrides and users: each role against each action."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.db_fixtures import register_run
from tierwise.workspace import BadRequest, Conflict, NotAllowed, Workspace

PW = "long enough password"
# lee leads; mia manages rosa; max manages no one of interest; ann reads; ada administers
TEAM = [
    ("ada", "admin", None),
    ("lee", "leader", None),
    ("mia", "manager", "lee"),
    ("max", "manager", "lee"),
    ("rosa", "rep", "mia"),
    ("otto", "rep", "max"),
    ("ann", "analyst", "lee"),
]
ROLES = ["ada", "lee", "mia", "max", "rosa", "otto", "ann"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The team and a run, built once: seven argon2 hashes are slow on purpose."""
    db = tmp_path_factory.mktemp("template") / "w.db"
    with Workspace(f"sqlite:///{db}") as ws:
        ws.add_user("ada", role="admin", password=PW)
        for name, role, manager in TEAM[1:]:
            ws.add_user(name, role=role, password=PW, manager=manager, actor="ada")
        register_run(
            ws,
            [("R1", "core", "rosa"), ("R2", "core", "Rosa"), ("O1", "core", "otto")],
        )
    return db


@pytest.fixture
def ws(template: Path, tmp_path: Path) -> Workspace:
    """A fresh copy of the template workspace for each test."""
    shutil.copyfile(template, tmp_path / "w.db")
    return Workspace(f"sqlite:///{tmp_path / 'w.db'}")


def _allowed(action) -> bool:
    try:
        action()
    except NotAllowed:
        return False
    return True


# Requests for R1 (owned by rosa); a manager requests for their team's accounts.
REQUEST = {"ada": True, "lee": True, "mia": True, "max": False, "rosa": True, "otto": False,
           "ann": False}  # fmt: skip
# Decisions on rosa's request: her manager mia, the leader, the admin; never rosa herself.
DECIDE = {"ada": True, "lee": True, "mia": True, "max": False, "rosa": False, "otto": False,
          "ann": False}  # fmt: skip
# Recalling rosa's request: rosa herself, or whoever may decide it.
RECALL = {**DECIDE, "rosa": True}
MANAGE_USERS = {"ada": True, "lee": True, "mia": False, "max": False, "rosa": False,
                "otto": False, "ann": False}  # fmt: skip


@pytest.mark.parametrize("actor", ROLES)
def test_who_may_request(ws: Workspace, actor: str):
    ok = _allowed(lambda: ws.request_override(actor, "R1", tier="growth", reason="why"))
    assert ok is REQUEST[actor]


@pytest.mark.parametrize("verb", ["approve", "reject"])
@pytest.mark.parametrize("actor", ROLES)
def test_who_may_decide(ws: Workspace, actor: str, verb: str):
    oid = ws.request_override("rosa", "R1", tier="growth", reason="why").id
    call = ws.approve_override if verb == "approve" else ws.reject_override
    assert _allowed(lambda: call(actor, oid, "a comment")) is DECIDE[actor]


@pytest.mark.parametrize("actor", ROLES)
def test_who_may_recall(ws: Workspace, actor: str):
    oid = ws.request_override("rosa", "R1", tier="growth", reason="why").id
    assert _allowed(lambda: ws.recall_override(actor, oid)) is RECALL[actor]


@pytest.mark.parametrize("actor", ROLES)
def test_who_may_add_and_disable_users(ws: Workspace, actor: str):
    added = _allowed(lambda: ws.add_user(f"new-{actor}", role="rep", password=PW, actor=actor))
    assert added is MANAGE_USERS[actor]
    disabled = _allowed(lambda: ws.disable_user("otto" if actor != "otto" else "rosa", actor=actor))
    assert disabled is MANAGE_USERS[actor]


@pytest.mark.parametrize("actor", ROLES)
def test_anyone_may_make_their_own_token_but_only_admins_and_leaders_others(
    ws: Workspace, actor: str
):
    assert _allowed(lambda: ws.create_token(actor, actor=actor))
    other = "rosa" if actor != "rosa" else "otto"
    assert _allowed(lambda: ws.create_token(other, actor=actor)) is MANAGE_USERS[actor]


def test_no_one_approves_their_own_request(ws: Workspace):
    oid = ws.request_override("lee", "O1", tier="growth", reason="why").id
    with pytest.raises(NotAllowed, match="'lee' requested this override and may not approve"):
        ws.approve_override("lee", oid)
    assert ws.approve_override("ada", oid).status == "approved"


def test_a_leader_may_not_add_an_admin(ws: Workspace):
    with pytest.raises(NotAllowed, match="only an admin may add another admin"):
        ws.add_user("boss", role="admin", password=PW, actor="lee")


def test_a_disabled_user_can_do_nothing(ws: Workspace):
    ws.disable_user("rosa", actor="lee")
    with pytest.raises(NotAllowed, match="'rosa' is disabled"):
        ws.request_override("rosa", "R1", tier="growth", reason="why")


def test_owners_match_by_name_or_email_without_guessing(ws: Workspace):
    ws.add_user("Marie Robert", role="rep", password=PW, email="marie@example.com", actor="ada")
    register_run(
        ws,
        [("A", "core", "MARIE@example.com"), ("B", "core", "Marie R."), ("C", "core", "rosa")],
        as_of=date(2025, 7, 1),
    )
    matched, unmatched = ws.owners()
    assert matched == {"MARIE@example.com": "Marie Robert", "rosa": "rosa"}
    assert unmatched == ["Marie R."]
    # the email match also lets her request for her own account
    assert ws.request_override("Marie Robert", "A", tier="growth", reason="mine").status == (
        "pending"
    )


def test_tokens_are_stored_hashed_and_revocable(ws: Workspace):
    from sqlalchemy import select

    from tierwise.workspace import users
    from tierwise.workspace.models import ApiToken

    token_id, token = ws.create_token("rosa", actor="rosa")
    with ws.transaction() as s:
        stored = s.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and len(stored) == 1
        assert users.user_for_token(s, token).name == "rosa"
    ws.revoke_token("rosa", token_id, actor="lee")
    with ws.transaction() as s, pytest.raises(NotAllowed, match="revoked"):
        users.user_for_token(s, token)


def test_passwords_are_argon2_hashes_that_verify(ws: Workspace):
    from sqlalchemy import select

    from tierwise.workspace import users
    from tierwise.workspace.models import User

    with ws.transaction() as s:
        stored = s.scalar(select(User.password_hash).where(User.name == "rosa"))
        assert stored is not None and stored.startswith("$argon2") and PW not in stored
        assert users.authenticate(s, "rosa", PW).name == "rosa"
        with pytest.raises(NotAllowed):
            users.authenticate(s, "rosa", "wrong password")


def test_a_short_password_and_an_unknown_role_are_refused(ws: Workspace):
    with pytest.raises(BadRequest, match="at least 8"):
        ws.add_user("x", role="rep", password="short", actor="ada")
    with pytest.raises(BadRequest, match="unknown role 'boss'"):
        ws.add_user("x", role="boss", password=PW, actor="ada")


def test_an_unknown_reason_code_names_the_policy_list(ws: Workspace):
    with pytest.raises(BadRequest, match=r"unknown reason code .vibes.*relationship"):
        ws.request_override("rosa", "R1", tier="growth", reason="x", reason_code="vibes")


def test_an_override_expires_on_its_review_by_date(ws: Workspace):
    today = date(2030, 1, 1)
    oid = ws.request_override(
        "rosa", "R1", tier="growth", reason="why", review_by=today + timedelta(days=1),
        today=today,
    ).id  # fmt: skip
    ws.approve_override("mia", oid)
    assert ws.expire_overrides(today) == []
    [expired] = ws.expire_overrides(today + timedelta(days=1))
    assert expired.id == oid and expired.status == "expired"
    entry = ws.audit(customer_id="R1")[-1]
    assert (entry["action"], entry["actor"]) == ("override.expire", "tierwise")
    # an expired override no longer blocks a new request
    assert ws.request_override("rosa", "R1", tier="growth", reason="again").status == "pending"


def test_a_request_for_the_model_tier_itself_is_refused(ws: Workspace):
    with pytest.raises(BadRequest, match="in tier 'core' already"):
        ws.request_override("rosa", "R1", tier="core", reason="why")


def test_the_database_holds_one_open_override_per_customer(ws: Workspace):
    ws.request_override("rosa", "R1", tier="growth", reason="first")
    with pytest.raises(Conflict, match="open override already"):
        ws.request_override("lee", "R1", tier="strategic", reason="second")
