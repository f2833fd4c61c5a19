"""Issue 11, eAccounting: nothing is booked with amounts, VAT or currency Rackbeat doesn't have.

Each test books a Rackbeat invoice through the Rackbeat API, transfers it as `ledgerbridge transfer`
does, and looks at eAccounting's books over its API (invoices, drafts, vouchers): either the invoice is
booked with Rackbeat's totals to the öre, or it stays a draft and the error log says why; the vouchers'
trial balance is zero either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.eaccounting import EAccountingClient
from tests.integrations.eaccounting_support import EWorld, eaccounting_world

D = Decimal


@pytest.fixture
def eworld(database_url: str, tmp_path: Path) -> Iterator[EWorld]:
    with eaccounting_world(database_url, tmp_path) as world:
        yield world


class Books:
    """One integration "se", its hub (what `ledgerbridge transfer`/`retry` use) and eAccounting's API."""

    def __init__(self, world: EWorld, settings: dict[str, Any]) -> None:
        self.world = world
        world.add("se", **settings)
        assert world.service.run_startup("se").ok
        self.rackbeat = world.rackbeat()
        self.api: EAccountingClient = world.api()
        self.hub = RealtimeHub(world.service)

    def close(self) -> None:
        self.hub.close()
        self.api.close()
        self.rackbeat.close()

    def reopen(self, **settings: Any) -> None:
        """New settings, as the console saves them; the next transfer or retry uses them."""
        current = self.world.service.describe("se").settings
        self.world.service.update_settings("se", {**current, **settings})
        self.hub.close()
        self.hub = RealtimeHub(self.world.service)

    def product(self, number: str) -> dict[str, Any]:
        return next(p for p in self.world.ops.records("products") if p["number"] == number)

    def book(self, lines: list[tuple[str, str, str, int | str]], **fields: Any) -> dict[str, Any]:
        """A booked Rackbeat invoice of (product, quantity, price, VAT %) lines, no webhooks."""
        customer = fields.pop("customer_id", None) or self.world.ops.records("customers")[0]["number"]
        invoice = self.rackbeat.create(
            "customer-invoices",
            {
                "customer_id": customer,
                "invoice_date": date.today().isoformat(),
                "lines": [
                    {
                        "child_id": number,
                        "name": self.product(number)["name"],
                        "quantity": quantity,
                        "line_price": price,
                        "vat_percentage": vat,
                    }
                    for number, quantity, price, vat in lines
                ],
                **fields,
            },
            suppress_webhooks=True,
        )
        booked: dict[str, Any] = self.rackbeat.book("customer-invoices", invoice["number"])
        return booked

    def transfer(self, invoice: dict[str, Any]) -> Any:
        return self.hub.transfer("se", "invoice", str(invoice["number"]))

    def invoices(self) -> list[dict[str, Any]]:
        return list(self.api.iter_collection("customerinvoices"))

    def drafts(self) -> list[dict[str, Any]]:
        return list(self.api.iter_collection("customerinvoicedrafts"))

    def errors(self) -> list[Any]:
        return [e for e in self.world.service.errors("se") if e.entity == "invoice"]

    def trial_balance(self) -> Decimal:
        """The sum of every account's balance today (``/accountbalances/{date}``); each voucher must
        balance on its own too."""
        for voucher in self.api.iter_collection("vouchers"):
            rows = voucher["Rows"]
            assert sum(D(str(r["DebitAmount"])) - D(str(r["CreditAmount"])) for r in rows) == 0, voucher
        balances = list(self.api.iter_collection(f"accountbalances/{date.today().isoformat()}"))
        return sum((D(str(b["Balance"])) for b in balances), D(0))

    def balance(self, account: int) -> Decimal:
        return D(str(self.api.get(f"accountbalances/{account}/{date.today().isoformat()}")["Balance"]))

    def voucher_of(self, invoice: dict[str, Any]) -> dict[str, Any]:
        return next(
            v
            for v in self.api.iter_collection("vouchers")
            if v["NumberAndNumberSeries"] == invoice["VoucherNumber"]
        )


@pytest.fixture
def invoiced(eworld: EWorld) -> Iterator[Books]:
    books = Books(eworld, {"invoices": {"status": "invoiced_and_send_email"}})
    try:
        yield books
    finally:
        books.close()


def _money(value: Any) -> Decimal:
    return D(str(value))


def _booked_equal(invoice: dict[str, Any], source: dict[str, Any]) -> None:
    assert _money(invoice["TotalAmountInvoiceCurrency"]) == _money(source["total_total"])
    assert _money(invoice["TotalVatAmountInvoiceCurrency"]) == _money(source["total_vat"])
    assert sum(_money(r["Amount"]) for r in invoice["Rows"]) == _money(source["total_subtotal"])
    assert invoice["CurrencyCode"] == source["currency"]


# -- VAT per line --------------------------------------------------------------------------------------
def test_a_0_percent_line_stays_a_draft_with_the_reason_then_books_after_the_vat_mapping(
    invoiced: Books, eworld: EWorld
) -> None:
    # ARM-10's article is coded "Varor 25% moms"; Rackbeat sells one line of it VAT-free.
    source = invoiced.book([("ARM-10", 2, "100.00", 25), ("HAM-600", 1, "80.00", 0)])
    result = invoiced.transfer(source)

    assert result.outcome == "failed"
    assert invoiced.invoices() == []  # never booked …
    assert eworld.books.sent_emails == []  # … never e-mailed …
    assert len(invoiced.drafts()) == 1  # … the draft stays for the bookkeeper to see
    [entry] = invoiced.errors()
    assert "line 2 (" in entry.message and "article HAM-600" in entry.message
    assert "0% VAT in Rackbeat, eAccounting books 25%" in entry.message
    assert "VAT codings" in entry.message  # what to do about it
    assert "line 1" not in entry.message  # the 25 % line agrees

    invoiced.reopen(
        invoices={
            **eworld.service.describe("se").settings["invoices"],
            "vat_codings": {"0": "Momsfri försäljning"},
        }
    )
    [(_, outcome)] = invoiced.hub.retry("se")
    assert outcome.startswith("transferred as eAccounting invoice"), outcome

    [invoice] = invoiced.invoices()
    assert invoiced.drafts() == []
    _booked_equal(invoice, source)
    rates = {row["ArticleNumber"]: _money(row["VatRate"]) for row in invoice["Rows"]}
    assert rates == {"ARM-10": D("0.25"), "HAM-600-V0": D(0)}
    assert invoiced.errors() == []
    assert len(eworld.books.sent_emails) == 1
    assert invoiced.trial_balance() == 0


def test_a_reduced_rate_line_books_at_rackbeats_rate(invoiced: Books, eworld: EWorld) -> None:
    invoiced.reopen(
        invoices={
            **eworld.service.describe("se").settings["invoices"],
            "vat_codings": {"12": "Varor 12% moms"},
        }
    )
    # FIK-01 is coded 12 % already; ARM-10 (coded 25 %) is sold at 12 % on this invoice.
    source = invoiced.book(
        [("FIK-01", 3, "19.90", 12), ("ARM-10", 1, "249.00", 12), ("HAM-600", 2, "10", 25)]
    )

    result = invoiced.transfer(source)

    assert result.ok, result.message
    [invoice] = invoiced.invoices()
    _booked_equal(invoice, source)
    spec = {
        _money(s["VatPercent"]): _money(s["VatAmountInvoiceCurrency"]) for s in invoice["VatSpecification"]
    }
    assert spec == {D(12): D("37.04"), D(25): D("5.00")}
    credited = {r["AccountNumber"]: _money(r["CreditAmount"]) for r in invoiced.voucher_of(invoice)["Rows"]}
    assert credited[2621] == D("37.04") and credited[2611] == D("5.00")
    assert invoiced.trial_balance() == 0


def test_a_rounding_only_difference_is_held_unless_the_setting_allows_it(
    invoiced: Books, eworld: EWorld
) -> None:
    # Three lines of 0.02 at 25 %: Rackbeat rounds VAT per line (3 × 0.01), eAccounting per rate (0.02).
    lines = [("ARM-10", 1, "0.02", 25)] * 3
    held = invoiced.book(lines)
    assert _money(held["total_vat"]) == D("0.03")

    assert invoiced.transfer(held).outcome == "failed"
    [entry] = invoiced.errors()
    assert "VAT 0.03 in Rackbeat (rounded per line), 0.02 in eAccounting" in entry.message
    assert "Accept eAccounting's VAT rounding" in entry.message
    assert invoiced.invoices() == []

    invoices = eworld.service.describe("se").settings["invoices"]
    # Accepting the rounding needs a VAT-free coding for the rounding row: without one it stays held.
    invoiced.reopen(invoices={**invoices, "accept_vat_rounding": True})
    [(_, outcome)] = invoiced.hub.retry("se")
    assert "rounding difference of -0.01" in outcome and invoiced.invoices() == []

    codings = {"0": "Momsfri försäljning"}
    invoiced.reopen(invoices={**invoices, "accept_vat_rounding": True, "vat_codings": codings})
    [(_, outcome)] = invoiced.hub.retry("se")
    assert outcome.startswith("transferred as"), outcome
    [invoice] = invoiced.invoices()
    # eAccounting's VAT, and a VAT-free rounding row that keeps Rackbeat's gross.
    assert _money(invoice["TotalVatAmountInvoiceCurrency"]) == D("0.02")
    assert _money(invoice["TotalAmountInvoiceCurrency"]) == _money(held["total_total"])
    rounding = [r for r in invoice["Rows"] if r["ArticleNumber"] == "AVRUNDNING"]
    assert [(_money(r["Amount"]), _money(r["VatRate"])) for r in rounding] == [(D("0.01"), D(0))]
    warnings = [e for e in eworld.service.errors("se") if e.operation == "warning"]
    assert any("a VAT-free rounding row of 0.01 keeps the total 0.09" in w.message for w in warnings)
    assert invoiced.trial_balance() == 0


def test_a_credit_note_books_negative_with_rackbeats_totals(invoiced: Books) -> None:
    source = invoiced.book([("ARM-10", -2, "100.00", 25), ("HAM-600", -1, "10.10", 25)])
    assert _money(source["total_total"]) < 0

    result = invoiced.transfer(source)

    assert result.ok, result.message
    [invoice] = invoiced.invoices()
    assert invoice["IsCreditInvoice"] is True
    _booked_equal(invoice, source)
    receivable = next(r for r in invoiced.voucher_of(invoice)["Rows"] if r["AccountNumber"] == 1510)
    assert _money(receivable["CreditAmount"]) == -_money(source["total_total"])
    assert invoiced.trial_balance() == 0


# -- currency ------------------------------------------------------------------------------------------
def _customer(books: Books, currency: str) -> dict[str, Any]:
    return books.rackbeat.create(
        "customers",
        {
            "name": f"Kund i {currency} AB",
            "address_street": "Storgatan 1",
            "address_zipcode": "111 22",
            "address_city": "Stockholm",
            "address_country": "SE",
            "contact_email": "ekonomi@example.se",
            "currency": currency,
            "customer_group_id": books.world.ops.records("customer-groups")[0]["number"],
        },
        suppress_webhooks=True,
    )


def test_a_foreign_currency_invoice_books_in_its_currency_converted_to_sek(
    invoiced: Books, eworld: EWorld
) -> None:
    # A Swedish Rackbeat company at eAccounting's own rate (another rate, or a rate per 100 DKK that comes
    # to another SEK amount, stays a draft: test_base_currencies_eaccounting.py).
    eworld.ops.set_base_currency("SEK")
    customer = _customer(invoiced, "EUR")
    source = invoiced.book(
        [("ARM-10", 3, "1234.57", 25)],
        customer_id=customer["number"],
        currency="EUR",
        currency_rate="1147.21",
    )

    result = invoiced.transfer(source)

    assert result.ok, result.message
    [invoice] = invoiced.invoices()
    _booked_equal(invoice, source)  # in EUR, as Rackbeat has it
    rate = _money(invoice["CurrencyRate"])
    assert rate == eworld.books.currency_rates["EUR"]
    total_sek = (_money(source["total_total"]) * rate).quantize(D("0.01"))
    assert _money(invoice["TotalAmount"]) == total_sek
    rows = invoiced.voucher_of(invoice)["Rows"]
    assert next(_money(r["DebitAmount"]) for r in rows if r["AccountNumber"] == 1510) == total_sek
    assert invoiced.balance(1510) == total_sek  # the receivable, in SEK
    vat_sek = (_money(source["total_vat"]) * rate).quantize(D("0.01"))
    assert invoiced.balance(2611) == -vat_sek
    assert invoiced.trial_balance() == 0


def test_an_invoice_in_another_currency_than_the_customers_is_refused_not_relabelled(
    invoiced: Books, eworld: EWorld
) -> None:
    customer = invoiced.world.ops.records("customers")[0]  # invoices in SEK
    source = invoiced.book([("ARM-10", 1, "2740156.52", 25)], customer_id=customer["number"], currency="USD")

    result = invoiced.transfer(source)

    assert result.outcome == "failed"
    assert invoiced.invoices() == [] and invoiced.drafts() == []  # nothing sent at all
    [entry] = invoiced.errors()
    assert f"the invoice is in USD, but eAccounting customer {customer['number']} invoices in SEK" in (
        entry.message
    )
    assert invoiced.trial_balance() == 0


def test_a_draft_with_other_totals_than_rackbeats_is_made_as_asked_with_a_warning(eworld: EWorld) -> None:
    books = Books(eworld, {"invoices": {"status": "draft"}})
    try:
        source = books.book([("ARM-10", 1, "100.00", 0)])
        result = books.transfer(source)
        assert result.ok and result.remote_key.startswith("draft:")
        [draft] = books.drafts()
        assert _money(draft["TotalVatAmount"]) == D(25)  # eAccounting's coding, not Rackbeat's 0 %
        [warning] = [e for e in eworld.service.errors("se") if e.operation == "warning"]
        assert "the eAccounting draft's totals differ from Rackbeat's" in warning.message
        assert "0% VAT in Rackbeat, eAccounting books 25%" in warning.message
        assert books.invoices() == []
    finally:
        books.close()


def test_a_supplier_invoice_with_vat_and_a_rate_and_its_credit_note(eworld: EWorld) -> None:
    eworld.ops.set_base_currency("SEK")  # a Swedish Rackbeat company: its rates are SEK per 100
    books = Books(eworld, {"supplier_invoices": {"enabled": True}})
    try:
        supplier = eworld.ops.records("suppliers")[0]
        drafts = []
        for number, quantity in (("F-1001", 2), ("K-1001", -1)):
            invoice = books.rackbeat.create(
                "supplier-invoices",
                {
                    "supplier_id": supplier["number"],
                    "invoice_number": number,
                    "invoice_date": date.today().isoformat(),
                    "currency": "EUR",
                    "currency_rate": "1150.00",
                    "lines": [
                        {
                            "child_id": "ARM-10",
                            "quantity": quantity,
                            "line_price": "100.00",
                            "vat_percentage": 25,
                        }
                    ],
                },
                suppress_webhooks=True,
            )
            source = books.rackbeat.book("supplier-invoices", invoice["number"])
            result = books.hub.transfer("se", "supplier-invoice", str(source["number"]))
            assert result.ok, result.message
            drafts.append(books.api.get(f"supplierinvoicedrafts/{result.remote_key.split(':')[1]}"))

        debit, credit = drafts
        assert (debit["CurrencyCode"], _money(debit["CurrencyRate"])) == ("EUR", D("11.5"))
        assert (_money(debit["TotalAmount"]), _money(debit["Vat"])) == (D(250), D(50))
        rows = {r["AccountNumber"]: _money(r["DebitAmount"]) for r in debit["Rows"]}
        assert rows == {4010: D(200), 2641: D(50)}  # input VAT split out on its own account
        assert credit["IsCreditInvoice"] is True
        assert (_money(credit["TotalAmount"]), _money(credit["Vat"])) == (D(-125), D(-25))
        rows = {r["AccountNumber"]: _money(r["CreditAmount"]) for r in credit["Rows"]}
        assert rows == {4010: D(100), 2641: D(25)}  # the other way
    finally:
        books.close()


def test_vat_codings_are_chosen_from_eaccountings_own_codings(eworld: EWorld) -> None:
    eworld.add("se")
    _, kind = eworld.service.integration("se")
    choices = kind.setting_choices()
    assert [value for value, _ in choices["invoices.vat_codings.keys"]] == ["0", "6", "12", "25"]
    labels = {label for _, label in choices["invoices.vat_codings.*"]}
    assert any(label.startswith("Momsfri försäljning (0") for label in labels)
    codings = {c["Id"] for c in eworld.books.all("articleaccountcodings")}
    assert {value for value, _ in choices["invoices.vat_codings.*"]} == codings


def test_an_invoice_at_another_rate_than_eaccountings_stays_a_draft_with_the_reason(
    invoiced: Books, eworld: EWorld
) -> None:
    """eAccounting's drafts take no rate and converting one books at eAccounting's own (the 2026 spec:
    only ``POST /customerinvoices`` takes ``CurrencyRate``, past the draft's totals validation): an invoice
    whose Rackbeat rate gives another SEK amount stays a draft, one at eAccounting's rate books."""
    eworld.ops.set_base_currency("SEK")  # a Swedish Rackbeat company: its rates are SEK per 100
    customer = _customer(invoiced, "EUR")
    other = invoiced.book(
        [("ARM-10", 2, "500.00", 25)], customer_id=customer["number"], currency="EUR", currency_rate="1150.00"
    )
    result = invoiced.transfer(other)
    assert result.outcome == "failed" and invoiced.invoices() == [], result
    [draft] = invoiced.drafts()
    assert _money(draft["TotalAmount"]) == D("1250.00")
    assert _money(draft["TotalAmountBaseCurrency"]) == D("14340.13")  # at eAccounting's 11.4721
    [entry] = invoiced.errors()
    assert (
        "exchange rate: 11.5 per EUR in Rackbeat (1250.00 EUR is 14375.00 in the company's currency), "
        "eAccounting converts at its own rate 11.4721 (14340.13)"
    ) in entry.message, entry.message
    assert invoiced.trial_balance() == 0

    same = invoiced.book(
        [("ARM-10", 1, "80.00", 25)], customer_id=customer["number"], currency="EUR", currency_rate="1147.21"
    )
    booked = invoiced.transfer(same)
    assert booked.ok, booked.message
    [invoice] = invoiced.invoices()
    assert _money(invoice["CurrencyRate"]) == D("11.4721") and invoice["CurrencyCode"] == "EUR"
    assert invoiced.trial_balance() == 0
