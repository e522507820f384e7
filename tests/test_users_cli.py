"""Users from the command line: passwords never on the command line, clear refusals."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tierwise.cli import app

runner = CliRunner()


def said(result) -> str:
    return " ".join(result.output.split())


def test_there_is_no_password_option_and_stdin_gives_the_password(sqlite_url: str):
    refused = runner.invoke(
        app, ["users", "add", "lee", "--role", "leader", "--password", "x", "--db", sqlite_url]
    )
    assert refused.exit_code == 2 and "No such option" in refused.output
    empty = runner.invoke(app, ["users", "add", "lee", "--role", "leader", "--db", sqlite_url],
                          input="\n")  # fmt: skip
    assert empty.exit_code == 2 and "no password for 'lee' on stdin" in said(empty)
    ok = runner.invoke(app, ["users", "add", "lee", "--role", "leader", "--db", sqlite_url],
                       input="a long password\n")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    listed = json.loads(runner.invoke(app, ["users", "list", "--json", "--db", sqlite_url]).output)
    assert [u["name"] for u in listed["users"]] == ["lee"]


def test_after_the_first_user_adding_needs_an_admin_or_leader(sqlite_url: str):
    args = ["--db", sqlite_url]
    runner.invoke(app, ["users", "add", "lee", "--role", "leader", *args], input="long pass 1\n")
    second = runner.invoke(app, ["users", "add", "ann", "--role", "analyst", *args],
                           input="long pass 2\n")  # fmt: skip
    assert second.exit_code == 2 and "as an admin or leader with --as NAME" in said(second)
    third = runner.invoke(app, ["users", "add", "ann", "--role", "analyst", "--as", "lee", *args],
                          input="long pass 2\n")  # fmt: skip
    assert third.exit_code == 0, third.output
    again = runner.invoke(app, ["users", "add", "ann", "--role", "rep", "--as", "lee", *args],
                          input="long pass 3\n")  # fmt: skip
    assert again.exit_code == 2 and "user 'ann' exists already" in said(again)
    token = runner.invoke(app, ["users", "token", "ann", "--as", "ann", *args])
    assert token.exit_code == 0 and "tw_" in token.output
    off = runner.invoke(app, ["users", "disable", "ann", "--as", "lee", *args])
    assert off.exit_code == 0
    gone = runner.invoke(app, ["users", "token", "ann", "--as", "ann", *args])
    assert gone.exit_code == 2 and "'ann' is disabled" in said(gone)


def test_reset_password_set_role_and_set_manager(sqlite_url: str):
    from tierwise.workspace import Workspace

    args = ["--db", sqlite_url]
    runner.invoke(app, ["users", "add", "ada", "--role", "admin", *args], input="long pass 0\n")
    for name, role in (("mia", "manager"), ("rita", "rep")):
        added = runner.invoke(app, ["users", "add", name, "--role", role, "--as", "ada", *args],
                              input="long pass 1\n")  # fmt: skip
        assert added.exit_code == 0, added.output
    argv = runner.invoke(
        app, ["users", "reset-password", "rita", "new pass 22", "--as", "ada", *args]
    )
    assert argv.exit_code == 2  # a password is never an argument
    short = runner.invoke(app, ["users", "reset-password", "rita", "--as", "ada", *args],
                          input="short\n")  # fmt: skip
    assert short.exit_code == 2 and "use at least 8" in said(short)
    reset = runner.invoke(app, ["users", "reset-password", "rita", "--as", "ada", *args],
                          input="new pass 22\n")  # fmt: skip
    assert reset.exit_code == 0, reset.output
    from tierwise.workspace import users as users_service

    with Workspace(sqlite_url) as ws, ws.transaction() as db:
        assert users_service.authenticate(db, "rita", "new pass 22").name == "rita"
    role = runner.invoke(app, ["users", "set-role", "rita", "analyst", "--as", "ada", *args])
    assert role.exit_code == 0 and "rita now has the role analyst" in said(role)
    self_demote = runner.invoke(app, ["users", "set-role", "ada", "rep", "--as", "ada", *args])
    assert self_demote.exit_code == 2 and "may not change the role of themselves" in said(
        self_demote
    )
    both = runner.invoke(
        app, ["users", "set-manager", "rita", "mia", "--none", "--as", "ada", *args]
    )
    assert both.exit_code == 2 and "not both" in said(both)
    boss = runner.invoke(app, ["users", "set-manager", "rita", "mia", "--as", "ada", *args])
    assert boss.exit_code == 0 and "reports to mia" in said(boss)
    by_rep = runner.invoke(app, ["users", "set-manager", "mia", "--none", "--as", "rita", *args])
    assert by_rep.exit_code == 2 and "may not add, change or disable users" in said(by_rep)
    listed = json.loads(runner.invoke(app, ["users", "list", "--json", *args]).output)
    rita = next(u for u in listed["users"] if u["name"] == "rita")
    assert (rita["role"], rita["manager"]) == ("analyst", "mia")
    trail = json.loads(runner.invoke(app, ["audit", "--json", *args]).output)
    actions = [e["action"] for e in trail]
    assert "user.password_reset" in actions and "user.role" in actions and "user.manager" in actions
