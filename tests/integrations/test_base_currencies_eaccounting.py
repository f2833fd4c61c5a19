"""`ledgerbridge doctor` on a Rackbeat ↔ eAccounting integration names the two companies' base currencies
(issue 11): a Danish Rackbeat company states its rates per 100 DKK, eAccounting keeps SEK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from tests.integrations.eaccounting_support import EWorld, eaccounting_world
from tests.integrations.test_eaccounting_books import Books

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"


@pytest.fixture
def books(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EWorld, Books]]:
    with eaccounting_world(database_url, tmp_path) as world:
        monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
        monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
        books = Books(world, {"invoices": {"status": "invoiced"}})
        try:
            yield world, books
        finally:
            books.close()


def base_currency_check() -> tuple[int, dict[str, Any]]:
    answer = runner.invoke(app, ["doctor", "se", "--json"])
    report = json.loads(answer.stdout)
    [found] = [c for c in report["checks"] if c["check"] == "base currency"]
    return answer.exit_code, found


def test_the_doctor_names_a_danish_rackbeat_company_with_a_swedish_eaccounting_company(
    books: tuple[EWorld, Books],
) -> None:
    world, _ = books
    code, check = base_currency_check()
    assert code == 3 and not check["ok"] and check["side"] == "eaccounting"
    assert check["detail"].startswith("Rackbeat keeps its books in DKK, eAccounting in SEK")
    assert "connect Rackbeat and eAccounting companies that keep the same base currency" in check["fix"]

    world.ops.set_base_currency("SEK")  # a Swedish Rackbeat company
    _, check = base_currency_check()
    assert check["ok"] and check["detail"] == "SEK in both Rackbeat and eAccounting"
