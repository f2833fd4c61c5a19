"""`ledgerbridge demo`, the README's first command, on a small company."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app


def test_demo_syncs_the_demo_company_and_exits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path))
    monkeypatch.delenv("LEDGERBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    args = [
        "demo",
        "--exit-after-sync",
        "--customers",
        "12",
        "--products",
        "25",
        "--rackbeat-rate-limit",
        "0",
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "Vestjysk Værktøj & Byg ApS" in first.output
    assert "products" in first.output and "Done in" in first.output
    # The Swedish eAccounting integration comes along, signed in through the sandbox's Visma Connect.
    assert "Norrlands Verktyg & Bygg AB" in first.output and "demo-se" in first.output
    # The demo starts afresh every time (its own data directory is reset).
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert (tmp_path / "demo" / "ledgerbridge.sqlite3").exists()
