"""A Rackbeat company whose base currency is not the ledger's (issue 11), over HTTP against the Rackbeat and
e-conomic sandboxes: Rackbeat states its rates per 100 of its own base currency (EUR here), e-conomic reads
them per 100 DKK. Nothing may be booked at a rate from another base; the doctor says so up front."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.integrations.rackbeat_economic.invoice_guard import InvoiceGuard
from ledgerbridge.integrations.rackbeat_economic.mappers.invoice import InvoiceToEconomic, invoice_lines
from ledgerbridge.integrations.rackbeat_economic.realtime import _Refs
from ledgerbridge.integrations.totals_guard import TotalsMismatch
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations import economic_support
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.economic_support import booked_supplier_invoice

runner = CliRunner()
D = Decimal


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the base-currency rules do not depend on the database."""
    return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"


acme = economic_support.acme  # the integration, set up and started


def booked_invoice(world: World, currency: str, price: str = "100") -> dict[str, Any]:
    customer = world.ops.records("customers")[0]
    product = world.ops.records("products")[0]
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        draft = rackbeat.create(
            "customer-invoices",
            {
                "customer_id": customer["number"],
                "currency": currency,
                "invoice_date": date.today().isoformat(),
                "lines": [
                    {"child_id": product["number"], "quantity": 1, "line_price": price, "vat_percentage": 25}
                ],
            },
            suppress_webhooks=True,
        )
        booked: dict[str, Any] = rackbeat.book(
            "customer-invoices", draft["number"], {"suppress_webhooks": True}
        )
    return booked


def doctor_check(name: str) -> tuple[int, dict[str, Any]]:
    answer = runner.invoke(app, ["doctor", "acme", "--json"])
    report = json.loads(answer.stdout)
    found = [c for c in report["checks"] if c["side"] == "economic" and c["check"] == name]
    assert found, [(c["side"], c["check"]) for c in report["checks"]]
    return answer.exit_code, found[0]


def test_the_doctor_says_when_rackbeat_and_economic_keep_their_books_in_different_currencies(
    world: World, acme: RealtimeHub
) -> None:
    _, same = doctor_check("base currency")
    assert same["ok"] and same["detail"] == "DKK in both Rackbeat and e-conomic"

    world.ops.set_base_currency("EUR")  # a German Rackbeat company
    code, different = doctor_check("base currency")
    assert code == 3 and not different["ok"]
    assert different["detail"].startswith("Rackbeat keeps its books in EUR, e-conomic in DKK")
    assert "documents in any other currency are held as drafts" in different["detail"]
    assert "same base currency" in different["fix"]


def test_a_eur_rackbeat_company_books_in_the_invoices_currency_never_at_a_rate_from_another_base(
    world: World, acme: RealtimeHub
) -> None:
    world.ops.set_base_currency("EUR")
    eur = booked_invoice(world, "EUR")
    dkk = booked_invoice(world, "DKK")
    assert (D(str(eur["currency_rate"])), D(str(dkk["currency_rate"]))) == (D(100), D("13.413816"))

    # Rackbeat's own currency: e-conomic converts it at its own rate (was held: "100 in Rackbeat, 746").
    result = acme.transfer("acme", "invoice", str(eur["number"]))
    assert result.ok and str(result.remote_key).startswith("booked:"), result.message
    booked = world.books.tables["invoices-booked"][int(str(result.remote_key).partition(":")[2])]
    assert (booked["currency"], booked["grossAmount"], booked["exchangeRate"]) == (
        "EUR",
        D("125.00"),
        D("746.00"),
    )
    # e-conomic's own currency: no rate at all.
    result = acme.transfer("acme", "invoice", str(dkk["number"]))
    assert result.ok, result.message
    booked = world.books.tables["invoices-booked"][int(str(result.remote_key).partition(":")[2])]
    assert (booked["currency"], booked["exchangeRate"]) == ("DKK", D(100))


def test_an_invoice_in_a_third_currency_is_held_by_the_guard_and_flagged_by_reconcile(
    world: World, acme: RealtimeHub
) -> None:
    world.ops.set_base_currency("EUR")
    sek = booked_invoice(world, "SEK")
    rate = D(str(sek["currency_rate"]))  # EUR per 100 SEK
    assert rate == D("8.584842")
    _, session = acme.session("acme")
    settings: Any = session.settings
    refs = _Refs(session)  # type: ignore[arg-type]
    document = InvoiceToEconomic(refs).map(sek, refs)
    assert "exchangeRate" not in document  # never Rackbeat's EUR-based rate (e-conomic's own until held)
    economic = session.economic  # type: ignore[attr-defined]
    draft = economic.create("invoices/drafts", document)
    owners = [position for position, _ in invoice_lines(sek, settings)]

    def guard(source_base: str | None) -> InvoiceGuard:
        return InvoiceGuard(
            economic, sek, document, owners, settings, base_currency="DKK", source_base_currency=source_base
        )

    with pytest.raises(TotalsMismatch) as refused:
        guard("EUR").bring_to_source(int(draft["draftInvoiceNumber"]))
    message = str(refused.value)
    assert (
        f"invoice {sek['number']} is in SEK at Rackbeat's rate 8.584842, which is per 100 SEK in EUR"
        in message
    )
    assert "125.00 SEK would be booked as 10.73 DKK" in message and "stays a draft" in message
    assert world.books.tables["invoices-drafts"][int(draft["draftInvoiceNumber"])]  # still a draft
    economic.delete(f"invoices/drafts/{draft['draftInvoiceNumber']}")

    # The transfer's guard knows Rackbeat's base (read once per session from /self): held as a draft.
    result = acme.transfer("acme", "invoice", str(sek["number"]))
    assert result.outcome == "failed" and str(result.remote_key).startswith("draft:"), result
    assert "is in SEK at Rackbeat's rate 8.584842, which is per 100 SEK in EUR" in result.message
    assert world.books.tables["invoices-booked"] == {} or all(
        b.get("currency") != "SEK" for b in world.books.tables["invoices-booked"].values()
    )
    held = world.books.tables["invoices-drafts"][int(str(result.remote_key).partition(":")[2])]
    assert "exchangeRate" not in held or held["exchangeRate"] != rate
    # Reconcile knows both bases and says what is wrong and what to do.
    answer = runner.invoke(app, ["reconcile", "acme", "--json"])
    assert answer.exit_code == 1, answer.output
    [finding] = json.loads(answer.output)["findings"]
    assert (finding["kind"], finding["key"]) == ("failed", str(sek["number"]))
    assert "per 100 SEK in EUR" in finding["message"]


def test_a_supplier_voucher_at_a_rate_from_another_base_is_refused_with_the_reason(
    world: World, acme: RealtimeHub
) -> None:
    world.ops.set_base_currency("EUR")
    bill = booked_supplier_invoice(world, "S-1", date.today(), currency="SEK")
    assert D(str(bill["currency_rate"])) == D("8.584842")  # EUR per 100 SEK
    result = acme.transfer("acme", "supplier-invoice", str(bill["number"]))
    # Refused before anything is posted: a voucher has no draft stage to hold it in (it was posted at
    # 8.584842, read by e-conomic as DKK per 100 SEK).
    assert result.outcome == "failed", result
    assert "supplier invoice 1 is in SEK at Rackbeat's rate 8.584842, which is per 100 SEK in EUR" in (
        result.message
    )
    assert "250.00 SEK would be booked as 21.46 DKK" in result.message
    assert "Nothing is posted" in result.message
    assert world.books.tables["journal-entries"] == {}

    answer = runner.invoke(app, ["reconcile", "acme", "--json"])
    assert answer.exit_code == 1, answer.output
    [finding] = json.loads(answer.output)["findings"]
    assert (finding["kind"], finding["entity"], finding["key"]) == (
        "not_transferred",
        "supplier-invoice",
        "1",
    )
    assert "per 100 SEK in EUR" in finding["message"]

    # Rackbeat's own base currency (rate 100): e-conomic converts it at its own rate.
    eur = booked_supplier_invoice(world, "S-2", date.today(), currency="EUR", quantity=1, price="80.00")
    posted = acme.transfer("acme", "supplier-invoice", str(eur["number"]))
    assert posted.ok, posted.message
    [entry] = [
        e for e in world.books.tables["journal-entries"].values() if e.get("supplierInvoiceNumber") == "S-2"
    ]
    assert entry["currency"]["code"] == "EUR" and D(str(entry["exchangeRate"])) == D("746.00")
