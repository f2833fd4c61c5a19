"""`ledgerbridge doctor` on a Rackbeat ↔ eAccounting integration names the two companies' base currencies
(issue 11): a Danish Rackbeat company states its rates per 100 DKK, eAccounting keeps SEK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from tests.integrations.eaccounting_support import EWorld, eaccounting_world
from tests.integrations.test_eaccounting_books import Books, _customer

runner = CliRunner()
D = Decimal


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


# -- a third-currency invoice when the bases differ: compared through eAccounting's rate for DKK -----------
def test_a_third_currency_invoice_at_another_rate_stays_a_draft_with_both_rates_and_amounts(
    books: tuple[EWorld, Books],
) -> None:
    """Rackbeat keeps DKK, eAccounting SEK: Rackbeat's 745.5 DKK per 100 EUR, carried to SEK at
    eAccounting's own 1.538 SEK per DKK, is not eAccounting's 11.4721 SEK per EUR: held, not converted."""
    world, books_ = books
    customer = _customer(books_, "EUR")
    source = books_.book([("ARM-10", 2, "500.00", 25)], customer_id=customer["number"], currency="EUR")
    assert D(str(source["currency_rate"])) == D("745.5")  # the Rackbeat sandbox's rate, DKK per 100 EUR

    result = books_.transfer(source)

    assert result.outcome == "failed" and books_.invoices() == [], result
    [draft] = books_.drafts()
    assert D(str(draft["TotalAmountBaseCurrency"])) == D("14340.13")  # 1250.00 EUR at 11.4721
    [entry] = books_.errors()
    assert (
        "the invoice is 1250.00 EUR at Rackbeat's rate 745.5 DKK per 100 EUR (9318.75 DKK), eAccounting "
        "converts it at its own rate 11.4721 SEK per EUR (14340.13 SEK); at eAccounting's rate 1.538 SEK per "
        "DKK, Rackbeat's amount is 14332.24 SEK. It stays a draft, nothing booked: give the invoice "
        "eAccounting's rate in Rackbeat"
    ) in entry.message, entry.message
    assert books_.trial_balance() == 0


def test_a_third_currency_invoice_whose_amounts_agree_across_the_bases_is_booked(
    books: tuple[EWorld, Books],
) -> None:
    """745.91 DKK per 100 EUR: 100.00 EUR is 745.91 DKK, at 1.538 SEK per DKK 1147.21 SEK — eAccounting's
    own amount to the öre, so it books (at eAccounting's rate, the only one a draft can take)."""
    world, books_ = books
    customer = _customer(books_, "EUR")
    source = books_.book(
        [("ARM-10", 1, "80.00", 25)], customer_id=customer["number"], currency="EUR", currency_rate="745.91"
    )

    result = books_.transfer(source)

    assert result.ok, result.message
    [invoice] = books_.invoices()
    assert invoice["CurrencyCode"] == "EUR" and D(str(invoice["TotalAmount"])) == D("1147.21")
    assert books_.trial_balance() == 0


def test_eaccountings_exchange_rate_is_served_from_its_daily_rates(books: tuple[EWorld, Books]) -> None:
    world, books_ = books
    rate = books_.api.get(
        "currencies/exchangerate",
        {"sourceCurrencyCode": "DKK", "targetCurrencyCode": "SEK", "date": "2026-12-01"},
    )
    assert (rate["SourceCurrency"], rate["TargetCurrency"], D(str(rate["Rate"]))) == (
        "DKK",
        "SEK",
        D("1.538"),
    )
    cross = books_.api.get(
        "currencies/exchangerate", {"sourceCurrencyCode": "EUR", "targetCurrencyCode": "DKK"}
    )
    assert D(str(cross["Rate"])) == (D("11.4721") / D("1.5380")).quantize(D("0.000001")).normalize()
