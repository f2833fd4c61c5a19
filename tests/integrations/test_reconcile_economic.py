"""`ledgerbridge reconcile NAME --json` against the e-conomic and Rackbeat sandboxes over HTTP (issue 11):
invoices only e-conomic has, supplier vouchers once their day book is booked, and an invoice booked under
another number than the transfer ledger says."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select, update
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.store import Transfer
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations import economic_support
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.economic_support import booked_supplier_invoice
from tests.support import book_one_line_invoice

runner = CliRunner()
D = Decimal
TODAY = date.today()
LAST_MONTH = TODAY.replace(day=1) - timedelta(days=1)

acme = economic_support.acme  # the integration, set up and started


def reconcile(*args: str) -> tuple[int, dict[str, Any]]:
    answer = runner.invoke(app, ["reconcile", "acme", "--json", *args])
    assert answer.exit_code in (0, 1), answer.output
    return answer.exit_code, json.loads(answer.output)


def transferred_invoice(world: World, hub: RealtimeHub, price: str = "125.50") -> dict[str, Any]:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        invoice = book_one_line_invoice(rackbeat, world.ops, quantity=2, price=price)
    result = hub.transfer("acme", "invoice", str(invoice["number"]))
    assert result.ok, result.message
    return invoice


def booked_by_hand(
    world: World,
    day: date,
    *,
    number: int | None = None,
    customer: int = 2,
    recipient: str = "Entered by hand ApS",
    line: tuple[str, int, str] = ("Konsulenttimer", 3, "400.00"),
) -> dict[str, Any]:
    """A bookkeeper books an invoice of one ``line`` (description, quantity, net unit price) in e-conomic
    itself (over its API, as the UI would)."""
    description, quantity, price = line
    body = {
        "date": day.isoformat(),
        "currency": "DKK",
        "customer": {"customerNumber": customer},
        "layout": {"layoutNumber": 19},
        "paymentTerms": {"paymentTermsNumber": 1},
        "recipient": {"name": recipient, "vatZone": {"vatZoneNumber": 1}},
        "lines": [{"description": description, "quantity": quantity, "unitNetPrice": D(price)}],
    }
    with EconomicClient(world.economic_url, "app-secret", "grant") as economic:
        draft = economic.create("invoices/drafts", body)
        booked: dict[str, Any] = economic.book_invoice(draft["draftInvoiceNumber"], book_with_number=number)
    return booked


def transfer_row(world: World, number: str) -> tuple[str, str | None]:
    """The transfer ledger's state and remote key of Rackbeat invoice ``number``."""
    with world.service.store.session() as db:
        row = db.scalars(
            select(Transfer).where(Transfer.document_type == "invoice", Transfer.source_key == number)
        ).one()
        return row.state, row.remote_key


def booked_numbers(world: World) -> list[int]:
    return sorted(world.books.tables["invoices-booked"])


def test_an_invoice_only_in_economic_is_listed_with_its_details_and_never_repaired(
    world: World, acme: RealtimeHub
) -> None:
    ours = transferred_invoice(world, acme)
    by_hand = booked_by_hand(world, TODAY)
    older = booked_by_hand(world, LAST_MONTH)  # outside this month: not reported for it
    number = str(by_hand["bookedInvoiceNumber"])

    code, found = reconcile()
    assert code == 1 and found["agree"] is False and found["checked"] == 1
    assert [(f["kind"], f["entity"], f["key"]) for f in found["findings"]] == [
        ("only_in_ledger", "invoice", number)
    ]
    [only] = found["findings"]
    assert only["repairable"] is False
    assert only["ledger"] == {
        "number": number,
        "date": TODAY.isoformat(),
        "party": "customer 2 Entered by hand ApS",
        "net": "1200.00",
        "vat": "300.00",
        "gross": "1500.00",
        "currency": "DKK",
    }
    assert "only in e-conomic" in only["message"]
    assert "entered by hand in e-conomic, or transferred by another tool" in only["message"]
    assert str(ours["number"]) not in {f["key"] for f in found["findings"]}  # transferred by us

    before = booked_numbers(world)
    code, repaired = reconcile("--repair")
    assert code == 1 and repaired["repaired"] == []
    assert repaired["findings"] == found["findings"]
    assert booked_numbers(world) == before  # nothing booked, credited or deleted
    assert world.books.tables["invoices-booked"][int(number)]["grossAmount"] == D("1500.00")

    code, wider = reconcile("--from", LAST_MONTH.replace(day=1).isoformat(), "--to", TODAY.isoformat())
    keys = {f["key"] for f in wider["findings"] if f["kind"] == "only_in_ledger"}
    assert keys == {number, str(older["bookedInvoiceNumber"])}


def test_an_invoice_booked_under_another_number_after_a_crash_is_found_not_missing(
    world: World, acme: RealtimeHub
) -> None:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        source = book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")
    number = int(source["number"])
    booked_by_hand(world, LAST_MONTH, number=number)  # Rackbeat's number is taken in e-conomic
    result = acme.transfer("acme", "invoice", str(number))
    assert result.ok, result.message
    renumbered = int(str(result.remote_key).partition(":")[2])
    assert renumbered != number

    # What a crash between booking and the commit leaves: the draft's key, the booking not recorded.
    store = world.service.store
    with store.session() as db:
        db.execute(
            update(Transfer)
            .where(Transfer.source_key == str(number))
            .values(state="sent", remote_key="draft:41", last_error="book it: no draft invoice 41")
        )
        db.commit()
    code, found = reconcile()
    assert code == 0, found
    assert found["agree"] is True and found["checked"] == 1 and found["findings"] == []
    assert found["renumbered"] == [
        {
            "entity": "invoice",
            "key": str(number),
            "expected": "draft:41",
            "found": str(renumbered),
            "matched_by": "reference",
        }
    ]
    assert any(f"found in e-conomic as {renumbered} by our reference" in note for note in found["notes"])

    # Interrupted before the key was recorded at all: found the same way, and never booked again.
    with store.session() as db:
        db.execute(
            update(Transfer)
            .where(Transfer.source_key == str(number))
            .values(state="uncertain", remote_key=None)
        )
        db.commit()
    before = booked_numbers(world)
    code, found = reconcile()
    assert code == 0, found
    assert found["renumbered"][0]["expected"] == "no remote key (uncertain)"
    # --repair records where it is, and the transfer resumes its steps there: nothing booked again.
    code, found = reconcile("--repair")
    assert code == 0, found
    [recorded] = found["repaired"]
    assert recorded["kind"] == "renumbered" and recorded["key"] == str(number)
    assert recorded["repaired"].startswith(f"recorded booked:{renumbered} in the transfer ledger; ")
    assert found["renumbered"] == [] and found["checked"] == 1
    assert booked_numbers(world) == before
    assert transfer_row(world, str(number)) == ("confirmed", f"booked:{renumbered}")


def test_a_supplier_voucher_is_compared_once_its_day_book_is_booked(world: World, acme: RealtimeHub) -> None:
    bill = booked_supplier_invoice(world, "R-2026-9", TODAY)
    result = acme.transfer("acme", "supplier-invoice", str(bill["number"]))
    assert result.ok, result.message

    code, found = reconcile()
    assert (code, found["checked"]) == (0, 1), found  # compared in the day book

    booked = httpx.post(f"{world.economic_url}/_sandbox/journals/2/book")
    assert booked.status_code == 200 and booked.json()["booked"] > 0
    code, found = reconcile()
    assert (code, found["checked"], found["findings"]) == (0, 1, []), found  # compared in the books

    # Someone changes the booked VAT (and the expense with it, so the books still balance).
    entries = [e for e in world.books.books.entries if e["entryType"] == "supplierInvoice"]
    vat = next(e for e in entries if e.get("vatAccount"))
    expense = next(e for e in entries if not e.get("vatAccount") and not e.get("supplier"))
    vat["amount"] += 1
    expense["amount"] -= 1
    code, found = reconcile()
    assert code == 1
    [differs] = found["findings"]
    assert (differs["kind"], differs["entity"], differs["key"]) == (
        "differs",
        "supplier-invoice",
        str(bill["number"]),
    )
    assert "VAT 50.00 in Rackbeat, 51.00 in e-conomic" in differs["message"]
    assert "net 200.00 in Rackbeat, 199.00 in e-conomic" in differs["message"]


def voucher_by_hand(
    world: World, day: date, *, supplier: int = 1, gross: str = "625.00", book: bool = True
) -> int:
    """A bookkeeper enters a supplier invoice in e-conomic's day book 2 and books the day book (over the
    API)."""
    amount = D(gross)
    entry = {
        "supplier": {"supplierNumber": supplier},
        "supplierInvoiceNumber": "F-77",
        "amount": -amount,
        "contraAccount": {"accountNumber": 1210},
        "contraVatAccount": {"vatCode": "I25"},
        "contraVatAmount": -(amount / 5).quantize(D("0.01")),
        "currency": {"code": "DKK"},
        "date": day.isoformat(),
        "text": "Kontorartikler",
    }
    with EconomicClient(world.economic_url, "app-secret", "grant") as economic:
        [voucher] = economic.post_vouchers(
            2, [{"accountingYear": {"year": str(day.year)}, "entries": {"supplierInvoices": [entry]}}]
        )
    if book:
        booked = httpx.post(f"{world.economic_url}/_sandbox/journals/2/book")
        assert booked.status_code == 200, booked.text
    return int(voucher["voucherNumber"])


def test_a_supplier_voucher_only_in_economic_is_listed_and_ours_are_not(
    world: World, acme: RealtimeHub
) -> None:
    bills = [  # with a heading, and with our reference text
        booked_supplier_invoice(world, f"R-{n}", TODAY, heading=heading)
        for n, heading in enumerate(("Varer fra lager", None))
    ]
    for bill in bills:
        result = acme.transfer("acme", "supplier-invoice", str(bill["number"]))
        assert result.ok, result.message
    voucher_by_hand(world, LAST_MONTH, gross="250.00", book=False)  # outside this month
    by_hand = voucher_by_hand(world, TODAY)  # books day book 2: ours are booked with it

    code, found = reconcile()
    assert code == 1, found
    assert found["checked"] == 2
    [only] = found["findings"]
    assert (only["kind"], only["entity"], only["key"], only["repairable"]) == (
        "only_in_ledger",
        "supplier-invoice",
        str(by_hand),
        False,
    )
    assert only["ledger"] == {
        "number": str(by_hand),
        "date": TODAY.isoformat(),
        "party": f"supplier 1 {world.books.get('suppliers', 1)['name']}",
        "net": "500.00",
        "vat": "125.00",
        "gross": "625.00",
        "currency": "DKK",
        "text": "Kontorartikler; supplier's invoice F-77",
    }
    assert f"only in e-conomic: supplier voucher {by_hand} of {TODAY.isoformat()}" in only["message"]
    assert "repair leaves it alone" in only["message"]

    # Ours stay ours when the transfer ledger no longer names the voucher: our reference text says so.
    store = world.service.store
    with store.session() as db:
        db.execute(
            update(Transfer)
            .where(
                Transfer.document_type == "supplier-invoice", Transfer.source_key == str(bills[1]["number"])
            )
            .values(remote_key="2:99999")
        )
        db.commit()
    entries_before = len(world.books.books.entries)
    code, repaired = reconcile("--repair")
    assert [(f["kind"], f["key"]) for f in repaired["findings"]] == [("only_in_ledger", str(by_hand))], (
        repaired
    )
    assert repaired["repaired"] == []
    assert len(world.books.books.entries) == entries_before  # nothing booked or reversed


def test_a_never_transferred_invoice_whose_number_economic_holds_is_one_row(
    world: World, acme: RealtimeHub
) -> None:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        other = book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")
        same = book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")
    customer = int(world.ops.records("customers")[0]["number"])
    # Another invoice (another customer) under the first one's number, entered in e-conomic by hand …
    booked_by_hand(world, TODAY, number=int(other["number"]), customer=customer + 1)
    # … and the second one itself, typed into e-conomic by hand: same number, customer, date and amounts.
    booked_by_hand(
        world,
        TODAY,
        number=int(same["number"]),
        customer=customer,
        recipient="By hand",
        line=("Same goods", 2, "125.50"),
    )

    code, found = reconcile()
    assert code == 1
    rows = {(f["kind"], f["key"]): f for f in found["findings"]}
    assert set(rows) == {
        ("not_transferred", str(other["number"])),
        ("not_transferred", str(same["number"])),
    }, rows
    first = rows["not_transferred", str(other["number"])]
    assert first["repairable"] is True
    assert first["ledger"]["number"] == str(other["number"])
    assert (
        f"e-conomic invoice {other['number']} has the same number but was not made by ledgerbridge"
        in (first["message"])
    )
    assert "another customer or date, so another invoice: repair transfers Rackbeat's" in first["message"]
    second = rows["not_transferred", str(same["number"])]
    assert second["repairable"] is True
    assert "same customer, date and amounts: most likely this very invoice" in second["message"]

    before = booked_numbers(world)
    code, repaired = reconcile("--repair")
    assert {(f["kind"], f["key"]) for f in repaired["repaired"]} == set(rows)
    # The other invoice is booked under e-conomic's next number; the hand-typed one is taken as ours.
    [new] = sorted(set(booked_numbers(world)) - set(before))
    assert new not in (int(other["number"]), int(same["number"]))
    assert world.books.tables["invoices-booked"][new]["grossAmount"] == D("313.75")
    # What stays: e-conomic's own invoice under the first number, once, as only in the ledger.
    assert [(f["kind"], f["key"]) for f in repaired["findings"]] == [("only_in_ledger", str(other["number"]))]
    assert world.service.store is not None
    with world.service.store.session() as db:
        keys = dict(
            db.execute(
                select(Transfer.source_key, Transfer.remote_key).where(Transfer.document_type == "invoice")
            ).all()
        )
    assert keys == {str(other["number"]): f"booked:{new}", str(same["number"]): f"booked:{same['number']}"}


def test_an_invoice_from_before_our_reference_is_matched_once_and_recorded_by_repair(
    world: World, acme: RealtimeHub
) -> None:
    """Transferred as a draft before ledgerbridge wrote its reference, booked by hand in e-conomic since
    (under its own number): found by customer, date and amounts, and --repair records where it is."""
    invoice = transferred_invoice(world, acme)
    number = str(invoice["number"])
    booked = world.books.tables["invoices-booked"][int(number)]
    booked["notes"].pop("textLine2", None)  # what an older transfer left: no reference of ours
    with world.service.store.session() as db:
        db.execute(update(Transfer).where(Transfer.source_key == number).values(remote_key="draft:41"))
        db.commit()

    code, found = reconcile()
    assert code == 0, found
    assert found["renumbered"] == [
        {
            "entity": "invoice",
            "key": number,
            "expected": "draft:41",
            "found": number,
            "matched_by": "customer, date and amounts",
        }
    ]
    [note] = [n for n in found["notes"] if n.startswith(f"invoice {number}:")]
    assert "by its customer, date and amounts (it carries no reference of ours" in note
    assert "--repair records it in the transfer ledger" in note

    code, repaired = reconcile("--repair")
    assert code == 0, repaired
    assert [(f["kind"], f["key"], f["repaired"]) for f in repaired["repaired"]] == [
        ("renumbered", number, f"recorded booked:{number} in the transfer ledger")
    ]
    code, again = reconcile()
    assert (code, again["checked"], again["renumbered"], again["findings"]) == (0, 1, [], [])
    assert transfer_row(world, number) == ("confirmed", f"booked:{number}")


def test_a_same_number_invoice_with_other_amounts_is_left_for_a_person(
    world: World, acme: RealtimeHub
) -> None:
    with RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        source = book_one_line_invoice(rackbeat, world.ops, quantity=2, price="125.50")
    customer = int(world.ops.records("customers")[0]["number"])
    # Same number, customer and date in e-conomic, but 1,500.00 instead of Rackbeat's 313.75.
    booked_by_hand(world, TODAY, number=int(source["number"]), customer=customer)

    code, found = reconcile()
    assert code == 1
    [row] = found["findings"]
    assert (row["kind"], row["key"], row["repairable"]) == ("not_transferred", str(source["number"]), False)
    assert "gross 1500.00 DKK; Rackbeat's: gross 313.75 DKK" in row["message"]
    assert (
        "same customer and date but other amounts: a transfer would take it for this invoice"
        in row["message"]
    )

    before = booked_numbers(world)
    code, again = reconcile("--repair")
    assert code == 1 and again["repaired"] == [] and again["findings"] == found["findings"]
    assert booked_numbers(world) == before


def test_a_voucher_number_of_another_accounting_year_is_another_voucher(
    world: World, acme: RealtimeHub
) -> None:
    """Voucher numbers start again each accounting year: last year's transferred voucher 10000 does not
    make this year's voucher 10000, entered by hand, ours."""
    last_year = date(TODAY.year - 1, 12, 15)
    bill = booked_supplier_invoice(world, "R-LAST-YEAR", last_year)
    result = acme.transfer("acme", "supplier-invoice", str(bill["number"]))
    assert result.ok, result.message
    with world.service.store.session() as db:
        ours = db.scalars(
            select(Transfer.remote_key).where(
                Transfer.document_type == "supplier-invoice", Transfer.source_key == str(bill["number"])
            )
        ).one()
    assert ours is not None
    by_hand = voucher_by_hand(world, TODAY)  # books day book 2, last year's voucher with it
    assert ours.endswith(f":{by_hand}") or ours.endswith(f"-{by_hand}")  # the same number, another year

    code, found = reconcile()
    assert code == 1, found
    [only] = found["findings"]
    assert (only["kind"], only["entity"], only["key"]) == ("only_in_ledger", "supplier-invoice", str(by_hand))

    # Last year's own voucher is still compared with its Rackbeat invoice (and agrees).
    code, found = reconcile("--from", last_year.replace(day=1).isoformat(), "--to", last_year.isoformat())
    assert (code, found["checked"], found["findings"]) == (0, 1, []), found
