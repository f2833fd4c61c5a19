"""A malformed LEDGERBRIDGE_DATABASE_URL or LEDGERBRIDGE_SECRET_KEY is a configuration error the user
caused (issue 17): one line saying what to set, exit 2 — not "unexpected …, this is a bug" with exit 1
(which the README gives for "records failed")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'lb.sqlite3'}")
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("LEDGERBRIDGE_SECRET_KEY", raising=False)


def one_line_error(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output and "This is a bug" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return result.exit_code, errors[0]


@pytest.mark.parametrize("url", ["foo://somewhere/db", "postgresql+nodriver://localhost/lb", "not a url"])
def test_a_database_url_sqlalchemy_cannot_read_is_exit_2(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", url)
    code, line = one_line_error(["status"])
    assert code == 2 and "LEDGERBRIDGE_DATABASE_URL is not a database URL" in line
    assert "postgresql+psycopg://" in line


def test_an_unreadable_url_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", "postgresql://lb:hunter2@db:notaport/lb")
    code, line = one_line_error(["status"])
    assert code == 2 and "hunter2" not in line


@pytest.mark.parametrize("key", ["notakey", "c2hvcnQ=", "x" * 44])
def test_a_secret_key_that_is_not_a_key_is_exit_2(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_SECRET_KEY", key)
    code, line = one_line_error(["integrations", "list"])
    assert code == 2 and "is not an encryption key" in line and "admin new-key" in line
    assert key not in line  # a key is never echoed


def test_a_bug_is_still_called_one() -> None:
    from ledgerbridge.cli.errors import RECORDS_FAILED, exit_code_for, explain

    bug = ValueError("something of ours broke")
    assert exit_code_for(bug) == RECORDS_FAILED and "This is a bug" in explain(bug)
