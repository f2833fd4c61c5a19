"""`ledgerbridge admin token list --json` (issue 17: `--json` on every listing command): the tokens for
scripts, times in UTC with the offset, never the token itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app

runner = CliRunner()


def test_token_list_prints_json_for_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'lb.sqlite3'}")
    assert json.loads(runner.invoke(app, ["admin", "token", "list", "--json"]).stdout) == []
    made = runner.invoke(app, ["admin", "token", "create", "backup", "--read-only"])
    assert made.exit_code == 0, made.output
    plain = made.stdout.strip().splitlines()[-1]
    assert plain.startswith("lb_")
    listed = runner.invoke(app, ["admin", "token", "list", "--json"])
    assert listed.exit_code == 0 and plain not in listed.stdout
    [token] = json.loads(listed.stdout)
    assert token["name"] == "backup" and token["access"] == "read" and token["integration"] is None
    assert plain.startswith(token["prefix"]) and len(token["prefix"]) < len(plain)
    assert token["created_at"].endswith("+00:00") and token["last_used_at"] is None
