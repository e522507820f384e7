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
