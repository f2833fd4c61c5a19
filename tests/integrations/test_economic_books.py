"""Issue 11, Rackbeat → e-conomic: nothing is booked with other totals, VAT or currency than Rackbeat's.

Every test goes through both sandboxes over HTTP: Rackbeat invoices are booked (without webhooks) and
transferred by hand, and the result is read from e-conomic's own API — the draft or booked invoice,
the booked entries per account, and the trial balance (which must be zero).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.ledger import TransferResult
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.test_realtime import LIVE_SETTINGS

D = Decimal
YEAR = str(date.today().year)


class Books:
    """One integration with both sandboxes, driven by hand."""

    def __init__(self, world: World, name: str) -> None:
        self.world = world
        self.name = name
        self.hub = RealtimeHub(world.service)
        self.rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
        self.economic = EconomicClient(world.economic_url, "app-secret", "grant")

    def close(self) -> None:
        self.hub.close()
        self.rackbeat.close()
        self.economic.close()

    def invoice(self, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        """A Rackbeat user books an invoice (Rackbeat announces nothing: the test transfers it)."""
        customer = self.world.ops.records("customers")[0]
        body = {"customer_id": customer["number"], "invoice_date": date.today().isoformat(), "lines": lines}
        created = self.rackbeat.create("customer-invoices", {**body, **fields})
        booked: dict[str, Any] = self.rackbeat.book(
            "customer-invoices", created["number"], {"suppress_webhooks": True}
        )
        return booked

    def transfer(self, document_type: str, key: Any) -> TransferResult:
        return self.hub.transfer(self.name, document_type, str(key))

    def retry(self) -> list[tuple[int, str]]:
        self.hub.close()  # settings changed: sessions open anew
        self.hub = RealtimeHub(self.world.service)
        return self.hub.retry(self.name)

    def booked(self, number: int) -> dict[str, Any] | None:
        found = [
            b for b in self.economic.iter_collection("invoices/booked") if b["bookedInvoiceNumber"] == number
        ]
        return self.economic.get(f"invoices/booked/{number}") if found else None

    def totals(self) -> dict[int, Decimal]:
        return {
            t["account"]["accountNumber"]: D(str(t["totalInBaseCurrency"]))
            for t in self.economic.iter_collection(f"accounting-years/{YEAR}/totals")
        }

    def trial_balance(self) -> Decimal:
        return sum(self.totals().values(), D(0))

    def errors(self) -> list[str]:
        return [e.message for e in self.world.service.errors(self.name)]


@contextmanager
def books(world: World, name: str = "books", **customer_invoices: Any) -> Iterator[Books]:
    settings = {
        **LIVE_SETTINGS,
        "customer_invoices": {**LIVE_SETTINGS["customer_invoices"], **customer_invoices},
    }
    world.service.add_integration(name, "rackbeat-economic", world.connection(**settings))
    assert world.service.run_startup(name).ok
    opened = Books(world, name)
    try:
        yield opened
    finally:
        opened.close()


def product_in_group(world: World, group: int) -> str:
    """An e-conomic product of that product group (the start-up sync brought it to Rackbeat too)."""
    return next(
        str(p["productNumber"])
        for p in world.books.records("products")
        if p["productGroup"]["productGroupNumber"] == group and not p.get("barred")
    )


def line(product: str, price: str, vat: Any, quantity: Any = 1, **extra: Any) -> dict[str, Any]:
    return {
        "child_id": product,
        "name": f"Vare {product}",
        "quantity": quantity,
        "line_price": price,
        "vat_percentage": vat,
        **extra,
    }


def test_an_invoice_with_equal_totals_is_booked_and_the_books_balance(world: World) -> None:
    with books(world) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "125.50", 25, 3), line(taxed, "99.95", 25, discount_percentage=10)])
        result = b.transfer("invoice", invoice["number"])
        assert result.ok, (result.message, b.errors())
        booked = b.booked(invoice["number"])
        assert booked is not None
        assert D(str(booked["grossAmount"])) == D(str(invoice["total_total"]))
        assert D(str(booked["vatAmount"])) == D(str(invoice["total_vat"]))
        totals = b.totals()
        assert totals[6210] == -D(str(invoice["total_vat"]))
        assert b.trial_balance() == 0


def vat_free_product(world: World) -> str:
    """An e-conomic product in "Varer u/moms" (sales account 1110 without a VAT code): books 0 %."""
    world.books.add_product(
        {"productNumber": "MOMSFRI", "name": "Momsfri vare", "productGroup": {"productGroupNumber": 3}}
    )
    return "MOMSFRI"


def test_a_zero_rate_line_stays_a_draft_with_the_reason_until_mapped_in_settings(world: World) -> None:
    with books(world) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "100.00", 25), line(taxed, "200.00", 0)])
        assert D(str(invoice["total_vat"])) == D(25)
        result = b.transfer("invoice", invoice["number"])
        assert result.outcome == "failed" and result.remote_key == "draft:1"
        assert b.booked(invoice["number"]) is None  # never booked with e-conomic's 75.00 VAT
        [draft] = list(b.economic.iter_collection("invoices/drafts"))
        assert D(str(draft["vatAmount"])) == D(75)
        [error] = b.errors()
        assert (
            f"line 2 (product {taxed}): 0% VAT in Rackbeat, e-conomic books 25% because product group 4 "
            "('Lagervarer - Håndværktøj')'s sales account 1100 has VAT code U25 — move product "
            f"{taxed} to a VAT-free product group or map it in settings (customer_invoices.vat_products)"
        ) in error
        assert "VAT 25.00 in Rackbeat, e-conomic 75.00" in error
        assert b.trial_balance() == 0 and b.totals() == {}

        # The bookkeeper maps 0 % lines to a VAT-free product in settings and retries.
        free = vat_free_product(world)
        world.service.update_settings(
            b.name,
            {
                **world.service.describe(b.name).settings,
                "customer_invoices": {**LIVE_SETTINGS["customer_invoices"], "vat_products": {"0": free}},
            },
        )
        outcomes = b.retry()
        assert any(f"transferred as e-conomic invoice {invoice['number']}" in o for _, o in outcomes), (
            outcomes
        )
        booked = b.booked(invoice["number"])
        assert booked is not None
        assert (D(str(booked["netAmount"])), D(str(booked["vatAmount"])), D(str(booked["grossAmount"]))) == (
            D(300),
            D(25),
            D(325),
        )
        assert booked["lines"][1]["product"]["productNumber"] == free
        assert b.errors() == []
        totals = b.totals()
        assert (totals[1100], totals[1110], totals[6210], totals[5600]) == (D(-100), D(-200), D(-25), D(325))
        assert b.trial_balance() == 0


def test_a_wholly_vat_free_invoice_goes_to_the_exempt_zone(world: World) -> None:
    with books(world, exempt_vat_zone=4) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "80.00", 0, 2)])
        result = b.transfer("invoice", invoice["number"])
        assert result.ok, (result.message, b.errors())
        booked = b.booked(invoice["number"])
        assert booked is not None and booked["recipient"]["vatZone"]["vatZoneNumber"] == 4
        assert D(str(booked["vatAmount"])) == 0 and D(str(booked["grossAmount"])) == D(160)
        assert b.trial_balance() == 0


def test_a_reduced_rate_line_is_mapped_to_a_product_whose_group_books_that_rate(world: World) -> None:
    world.books.add_account(
        {
            "accountNumber": 1105,
            "name": "Salg m/ 12% moms",
            "accountType": "profitAndLoss",
            "vatAccount": {"vatCode": "U12"},
        }
    )
    world.books.add_product_group(
        {"productGroupNumber": 13, "name": "Varer m/ 12% moms", "salesAccount": {"accountNumber": 1105}}
    )
    world.books.add_product(
        {"productNumber": "R12", "name": "Nedsat moms", "productGroup": {"productGroupNumber": 13}}
    )
    with books(world) as b:
        taxed = product_in_group(world, 5)
        invoice = b.invoice([line(taxed, "50.00", 25, 2), line(taxed, "40.00", 12)])
        refused = b.transfer("invoice", invoice["number"])
        assert refused.outcome == "failed"
        assert f"line 2 (product {taxed}): 12% VAT in Rackbeat, e-conomic books 25%" in refused.message
        assert b.booked(invoice["number"]) is None

        world.service.update_settings(
            b.name,
            {
                **world.service.describe(b.name).settings,
                "customer_invoices": {**LIVE_SETTINGS["customer_invoices"], "vat_products": {"12": "R12"}},
            },
        )
        b.retry()
        booked = b.booked(invoice["number"])
        assert booked is not None
        assert D(str(booked["vatAmount"])) == D(str(invoice["total_vat"])) == D("29.80")
        assert b.totals()[1105] == D(-40) and b.trial_balance() == 0


def test_a_rounding_only_difference_is_held_by_default_and_booked_with_a_rounding_line_when_allowed(
    world: World,
) -> None:
    with books(world) as b:
        taxed = product_in_group(world, 4)
        # Per line 0.10 × 25 % = 0.025 → 0.03, three times 0.09; e-conomic: 0.30 × 25 % = 0.075 → 0.08.
        invoice = b.invoice([line(taxed, "0.10", 25) for _ in range(3)])
        assert D(str(invoice["total_vat"])) == D("0.09")
        held = b.transfer("invoice", invoice["number"])
        assert held.outcome == "failed" and b.booked(invoice["number"]) is None
        assert "differ only by the ledger's VAT rounding (+0.01 on the gross)" in held.message
        assert "Allow rounding differences in the settings" in held.message

        free = vat_free_product(world)
        world.service.update_settings(
            b.name,
            {
                **world.service.describe(b.name).settings,
                "customer_invoices": {
                    **LIVE_SETTINGS["customer_invoices"],
                    "vat_products": {"0": free},
                    "allow_rounding_differences": True,
                },
            },
        )
        b.retry()
        booked = b.booked(invoice["number"])
        assert booked is not None
        assert D(str(booked["grossAmount"])) == D(str(invoice["total_total"])) == D("0.39")
        assert booked["lines"][-1]["description"] == "Afrunding moms"
        assert D(str(booked["lines"][-1]["totalNetAmount"])) == D("0.01")
        assert b.trial_balance() == 0


def test_a_foreign_currency_invoice_carries_currency_and_rackbeats_rate(world: World) -> None:
    with books(world) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "33.33", 25, 3)], currency="EUR", currency_rate="745.57")
        assert b.transfer("invoice", invoice["number"]).ok, b.errors()
        booked = b.booked(invoice["number"])
        assert booked is not None and booked["currency"] == "EUR"
        assert D(str(booked["exchangeRate"])) == D("745.57")
        assert D(str(booked["grossAmount"])) == D(str(invoice["total_total"]))
        assert b.trial_balance() == 0
        # Rate 100 is Rackbeat's "no rate": booked at e-conomic's own, not held as "100 vs 746".
        plain = b.invoice([line(taxed, "10.00", 25)], currency="EUR", currency_rate="100")
        result = b.transfer("invoice", plain["number"])
        assert result.ok, (result.message, b.errors())
        booked = b.booked(plain["number"])
        assert booked is not None and booked["currency"] == "EUR" and D(str(booked["exchangeRate"])) != 100


def test_a_customer_credit_note_books_the_other_way(world: World) -> None:
    with books(world) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "100.00", 25, 2)])
        assert b.transfer("invoice", invoice["number"]).ok
        credit = b.rackbeat.credit_note(invoice["number"])
        credit = b.rackbeat.book("customer-invoices", credit["number"], {"suppress_webhooks": True})
        assert D(str(credit["total_total"])) == D(-250)
        assert b.transfer("invoice", credit["number"]).ok, b.errors()
        booked = b.booked(credit["number"])
        assert booked is not None and D(str(booked["grossAmount"])) == D(-250)
        totals = b.totals()
        assert (totals[1100], totals[6210], totals[5600]) == (D(0), D(0), D(0))
        assert b.trial_balance() == 0


def supplier_invoice(b: Books, lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    supplier = b.world.ops.records("suppliers")[0]
    created = b.rackbeat.create(
        "supplier-invoices",
        {
            "supplier_id": supplier["number"],
            "invoice_number": fields.pop("invoice_number", "F-1"),
            "invoice_date": date.today().isoformat(),
            "lines": lines,
            **fields,
        },
    )
    booked: dict[str, Any] = b.rackbeat.book(
        "supplier-invoices", created["number"], {"suppress_webhooks": True}
    )
    return booked


def forget_answer(world: World, name: str, document_type: str, key: Any) -> None:
    """As if the send's answer never came: the ledger knows no remote key and must look before sending."""
    from sqlalchemy import update

    from ledgerbridge.store.models import Transfer

    integration_id, _ = world.service.integration(name)
    with world.service.store.session() as session:
        session.execute(
            update(Transfer)
            .where(Transfer.integration_id == integration_id, Transfer.source_key == str(key))
            .where(Transfer.document_type == document_type)
            .values(state="uncertain", remote_key=None)
        )


def book_day_book(world: World, journal: int = 2) -> int:
    """The bookkeeper books the day book (e-conomic's "Bogfør"): its entries become booked entries."""
    from tests.systems.economic.builders import call

    answer = call(world.economic_url, "POST", f"/_sandbox/journals/{journal}/book")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["booked"])


def test_a_supplier_invoice_with_vat_and_a_rate_splits_input_vat_and_a_credit_note_reverses_it(
    world: World,
) -> None:
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        invoice = supplier_invoice(
            b, [line(product, "80.00", 25, 10)], currency="EUR", currency_rate="746.10", invoice_number="F-9"
        )
        assert D(str(invoice["total_total"])) == D(1000)
        assert b.transfer("supplier-invoice", invoice["number"]).ok, b.errors()
        [voucher] = list(b.economic.iter_collection("journals/2/vouchers"))
        [entry] = voucher["entries"]["supplierInvoices"]
        assert D(str(entry["amount"])) == D(-1000) and entry["currency"]["code"] == "EUR"
        assert D(str(entry["exchangeRate"])) == D("746.10")  # Rackbeat's rate, not e-conomic's daily one
        assert entry["contraVatAccount"]["vatCode"] == "I25" and D(str(entry["contraVatAmount"])) == D(-200)
        assert book_day_book(world) == 3
        totals = b.totals()
        # 1,000 EUR at 7.461: creditors 7,461.00, expense 800 EUR = 5,968.80, input VAT 200 EUR = 1,492.20.
        assert (totals[6110], totals[1210], totals[6220]) == (D("-7461.00"), D("5968.80"), D("1492.20"))
        assert b.trial_balance() == 0

        # The answer of a send was lost after the day book was booked: found among the booked entries.
        forget_answer(world, b.name, "supplier-invoice", invoice["number"])
        again = b.transfer("supplier-invoice", invoice["number"])
        assert again.outcome == "transferred" and again.remote_key == f"2:{YEAR}-{voucher['voucherNumber']}"
        assert list(b.economic.iter_collection("journals/2/entries")) == [] and b.totals() == totals

        credit = supplier_invoice(
            b, [line(product, "-80.00", 25, 10)], currency="EUR", currency_rate="746.10", invoice_number="K-9"
        )
        assert b.transfer("supplier-invoice", credit["number"]).ok, b.errors()
        book_day_book(world)
        assert set(b.totals().values()) == {D(0)} and b.trial_balance() == 0


def test_the_vat_mapping_offers_live_choices_from_economic(world: World) -> None:
    vat_free_product(world)
    with books(world) as b:
        _, kind = world.service.integration(b.name)
        choices = kind.setting_choices()
        assert ("MOMSFRI", "MOMSFRI Momsfri vare") in choices["customer_invoices.vat_products.*"]
        rates = [key for key, _ in choices["customer_invoices.vat_products.keys"]]
        assert rates[0] == "0" and "25" in rates
        assert ("4", "4 Domestic exempt VAT") in choices["customer_invoices.exempt_vat_zone"]


def test_supplier_vat_that_the_expense_account_cannot_split_is_refused_with_the_reason(world: World) -> None:
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        reduced = supplier_invoice(b, [line(product, "100.00", 12)], invoice_number="F-12")
        result = b.transfer("supplier-invoice", reduced["number"])
        assert result.outcome == "failed"
        assert (
            "lines at 12% VAT go to e-conomic account 1210, whose VAT code I25 is 25%: e-conomic would "
            "report the input VAT at the wrong rate"
        ) in result.message
        # "Varekøb udland" (1230) has no VAT code: Danish VAT on it would be booked as expense.
        world.service.update_settings(
            b.name, {**world.service.describe(b.name).settings, "accounting": {"standard_account": 1230}}
        )
        b.hub.close()
        b.hub = RealtimeHub(world.service)
        taxed = supplier_invoice(b, [line(product, "100.00", 25)], invoice_number="F-25")
        refused = b.transfer("supplier-invoice", taxed["number"])
        assert refused.outcome == "failed" and "account 1230, which has no VAT code" in refused.message
        assert list(b.economic.iter_collection("journals/2/entries")) == []
        assert len([e for e in b.errors() if "supplier invoice" in e]) == 2


def test_a_draft_left_for_the_bookkeeper_is_mapped_too_and_a_difference_is_a_warning(world: World) -> None:
    with books(world, post_invoices=False) as b:
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "100.00", 25), line(taxed, "200.00", 0)])
        result = b.transfer("invoice", invoice["number"])
        assert result.ok and result.remote_key == "draft:1"  # a draft, as the settings say
        [warning] = b.errors()
        assert "left as a draft; check it before you book it in e-conomic" in warning
        assert f"line 2 (product {taxed}): 0% VAT in Rackbeat, e-conomic books 25%" in warning

    free = vat_free_product(world)
    with books(world, "mapped-drafts", post_invoices=False, vat_products={"0": free}) as b:
        invoice = b.invoice([line(taxed, "100.00", 25), line(taxed, "200.00", 0)])
        result = b.transfer("invoice", invoice["number"])
        assert result.ok and b.errors() == []
        draft = b.economic.get(f"invoices/drafts/{str(result.remote_key).split(':')[1]}")
        assert D(str(draft["vatAmount"])) == D(str(invoice["total_vat"])) == D(25)
        assert draft["lines"][1]["product"]["productNumber"] == free


def test_an_oss_invoice_at_0_percent_is_held_because_the_oss_zone_charges_the_buyers_rate(
    world: World,
) -> None:
    world.books.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    with books(world, one_stop_vat=True, one_stop_vat_zones={"Tyskland": 17}) as b:
        group = world.ops.records("customer-groups")[0]["number"]
        terms = world.ops.records("payment-terms")[0]["number"]
        b.rackbeat.create(
            "customers",
            {
                "number": 91001,
                "name": "Privat Kunde",
                "customer_group_id": group,
                "payment_terms_id": terms,
                "vat_zone": "eu",
                "currency": "DKK",
                "address_country": "Tyskland",
            },
        )
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "100.00", 0)], customer_id=91001)
        held = b.transfer("invoice", invoice["number"])
        assert held.outcome == "failed" and b.booked(invoice["number"]) is None
        assert "VAT 0.00 in Rackbeat, e-conomic 19.00" in held.message  # Germany's rate, not 0 %
        ok = b.invoice([line(taxed, "100.00", 19)], customer_id=91001)
        assert b.transfer("invoice", ok["number"]).ok
        assert b.totals()[6210] == D(-19) and b.trial_balance() == 0


def oss_customer(b: Books, world: World, number: int = 91002) -> int:
    group = world.ops.records("customer-groups")[0]["number"]
    terms = world.ops.records("payment-terms")[0]["number"]
    b.rackbeat.create(
        "customers",
        {
            "number": number,
            "name": "Privatkunde Berlin",
            "customer_group_id": group,
            "payment_terms_id": terms,
            "vat_zone": "eu",
            "currency": "DKK",
            "address_country": "Tyskland",
        },
    )
    return number


def test_oss_lines_are_checked_against_the_groups_sales_account_in_the_zone(world: World) -> None:
    """e-conomic books an OSS line at the VAT code of its group's sales account in the buyer country's
    zone (``/product-groups/{n}/sales-accounts``): lines at that rate book with equal totals, a line at
    another rate stays a draft with the line, the account, its code and what to do."""
    world.books.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    for number, name, code in (
        (1150, "Salg Tyskland (OSS)", "OSSDE"),
        (1151, "Salg Tyskland 7% (OSS)", "OSSDE7"),
    ):
        world.books.add_account(
            {
                "accountNumber": number,
                "name": name,
                "accountType": "profitAndLoss",
                "vatAccount": {"vatCode": code},
            }
        )
    world.books.add_product_group(
        {"productGroupNumber": 14, "name": "Bøger", "salesAccount": {"accountNumber": 1100}}
    )
    world.books.add_product(
        {"productNumber": "BOG7", "name": "Bog", "productGroup": {"productGroupNumber": 14}}
    )
    world.books.set_zone_sales_account(4, 17, 1150)
    world.books.set_zone_sales_account(14, 17, 1151)
    with books(world, one_stop_vat=True, one_stop_vat_zones={"Tyskland": 17}) as b:
        customer = oss_customer(b, world)
        taxed = product_in_group(world, 4)
        equal = b.invoice([line(taxed, "100.00", 19), line("BOG7", "50.00", 7)], customer_id=customer)
        assert D(str(equal["total_vat"])) == D("22.50")
        booked = b.transfer("invoice", equal["number"])
        assert booked.ok, (booked.message, b.errors())
        invoice = b.booked(equal["number"])
        assert invoice is not None and D(str(invoice["vatAmount"])) == D("22.50")
        assert (b.totals()[1150], b.totals()[1151]) == (D(-100), D(-50))
        assert b.trial_balance() == 0

        wrong = b.invoice([line(taxed, "100.00", 19), line("BOG7", "50.00", 19)], customer_id=customer)
        held = b.transfer("invoice", wrong["number"])
        assert held.outcome == "failed" and b.booked(wrong["number"]) is None
        assert (
            "line 2 (product BOG7): 19% VAT in Rackbeat, e-conomic books 7% because product group 14 "
            "('Bøger')'s sales account 1151 has VAT code OSSDE7 in VAT zone 17 ('Tyskland (OSS)') — move "
            "product BOG7 to a product group that books 19% or map it in settings"
        ) in held.message, held.message
        assert b.trial_balance() == 0


def test_an_oss_line_whose_group_has_no_sales_account_in_the_zone_says_so(world: World) -> None:
    world.books.add_vat_zone({"vatZoneNumber": 17, "name": "Tyskland (OSS)", "enabledForCustomer": True})
    with books(world, one_stop_vat=True, one_stop_vat_zones={"Tyskland": 17}) as b:
        customer = oss_customer(b, world)
        taxed = product_in_group(world, 4)
        invoice = b.invoice([line(taxed, "100.00", 7)], customer_id=customer)
        held = b.transfer("invoice", invoice["number"])
        assert held.outcome == "failed" and b.booked(invoice["number"]) is None
        assert "VAT 7.00 in Rackbeat, e-conomic 19.00" in held.message
        assert (
            "product group 4 ('Lagervarer - Håndværktøj') has no sales account for VAT zone 17 "
            "('Tyskland (OSS)')"
        ) in held.message, held.message
