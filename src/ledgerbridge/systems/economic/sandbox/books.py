"""The sandbox's books: booked invoices and booked journal entries as double-entry postings per account.

e-conomic shows what was booked as entries (``GET /accounting-years/{y}/entries``) and per account
(``/accounts/{n}/accounting-years/{y}/entries`` and ``…/totals``; the chart's year totals at
``/accounting-years/{y}/totals``). Every posting here balances, so the trial balance (Σ of every
entry in base currency) of a year is always zero — tests read it to see that the books stay right.

Amounts are signed: positive is debit, negative credit (e-conomic's convention).

Booking an invoice (``POST /invoices/booked``) posts:

- per line, its net on the sales account of its product's group in the invoice's VAT zone (the group's
  account for that zone, ``state.set_zone_sales_account``; else its ``salesAccount``), or 1100 when the
  line has no product or the group no sales account — credit;
- per VAT code, the draft's VAT at that rate (rounded per rate on the total, as the draft computed it)
  on the VAT code's account (``VAT_ACCOUNTS``: U25 → 6210 Salgsmoms) — credit. In OSS zones (EU private
  customers, One-Stop-Shop) each line carries the buyer country's rate: the VAT code of its group's
  sales account in the zone (``OSSDE7`` → 7 %), else the country's standard rate (``OSSDE``, 19 %);
  that VAT is posted on the output VAT account like any other;
- the gross on the customer group's account (debtors, e.g. 5600) — debit, with the customer and the
  booked invoice's number.

Amounts in another currency are converted per posting with the invoice's rate (round half-up to
øre); the debtor posting takes whatever makes the voucher balance in base currency, so a rounding
øre lands on the debtor, as e-conomic does with its currency differences.

Journal entries are drafts until the journal is booked (a user action in e-conomic's UI, the Journals
API's ``POST /journals/{n}/book``): the sandbox books a journal with ``POST /_sandbox/journals/{n}/book``
(or :meth:`Books.book_journal`). Per draft entry, with amount *a* (in the entry's currency):

- the party side — the ``account`` of a finance voucher; the supplier group's account of a supplier
  invoice or payment (with the supplier); the customer group's account of a customer payment or
  manual invoice (with the customer) — gets *+a*; its ``vatAccount`` splits ``vatAmount`` (or
  round(a × rate / (100 + rate))) off onto the VAT code's account;
- the contra side (``contraAccount``, else the journal's default contra account for the entry type)
  gets *−a*, and its ``contraVatAccount`` splits ``contraVatAmount`` (or the same computation on −a)
  onto the VAT code's account (I25 → 6220 Købsmoms).

So a supplier invoice of −1,250.00 DKK with ``contraVatAccount`` I25 credits the creditors account
1,250.00, debits the expense account 1,000.00 and input VAT 250.00; a credit note (+1,250.00) books
the other way. Booked entries leave the journal and keep their voucher number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.sandbox.state import EconomicState, get_path, round2, to_decimal
from ledgerbridge.systems.economic.sandbox.vat import (
    line_vat_code,
    oss_zone,
    vat_code_rate,
    zone_sales_account,
    zone_vat_rate,
)

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
DEFAULT_SALES_ACCOUNT = 1100
# VAT code -> (rate in percent, the account its VAT is posted on, name). The rates of codes not listed
# come from the number at their end (vat.vat_code_rate), posted on output or input VAT by prefix.
VAT_ACCOUNTS: dict[str, tuple[Decimal, int, str]] = {
    "U25": (Decimal(25), 6210, "Salgsmoms"),
    "I25": (Decimal(25), 6220, "Købsmoms"),
    "IEUV": (Decimal(25), 6230, "Moms af varekøb i EU"),
    "IEUY": (Decimal(25), 6230, "Moms af ydelseskøb i EU"),
    "IVV": (Decimal(25), 6230, "Moms af varekøb i udlandet"),
    "IVY": (Decimal(25), 6230, "Moms af ydelseskøb i udlandet"),
}
OUTPUT_VAT_ACCOUNT = 6210
INPUT_VAT_ACCOUNT = 6220


def vat_code_account(code: str) -> int:
    """The account a VAT code's VAT is posted on: its own, else output (U…) or input VAT."""
    known = VAT_ACCOUNTS.get(code.upper())
    if known is not None:
        return known[1]
    return INPUT_VAT_ACCOUNT if code.upper().startswith("I") else OUTPUT_VAT_ACCOUNT


@dataclass
class Books:
    """The booked entries of one agreement (``state.books``)."""

    state: EconomicState
    entries: list[dict[str, Any]] = field(default_factory=list)

    # -- reading ---------------------------------------------------------------------------------
    def year_of(self, day: str) -> str | None:
        for record in self.state.records("accounting-years"):
            if record["fromDate"] <= day <= record["toDate"]:
                return str(record["year"])
        return None

    def in_year(self, year: str, account: int | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.entries
            if e["_year"] == year and (account is None or get_path(e, "account.accountNumber") == account)
        ]

    def totals(self, year: str) -> dict[int, Decimal]:
        """Per account, the year's total in base currency (accounts without entries left out)."""
        out: dict[int, Decimal] = {}
        for entry in self.in_year(year):
            number = int(entry["account"]["accountNumber"])
            out[number] = out.get(number, ZERO) + to_decimal(entry["amountInBaseCurrency"])
        return dict(sorted(out.items()))

    def trial_balance(self, year: str) -> Decimal:
        """Σ of every entry of the year in base currency: zero when the books balance."""
        return sum(self.totals(year).values(), ZERO)

    # -- posting ---------------------------------------------------------------------------------
    def _post(
        self, postings: list[dict[str, Any]], *, day: str, voucher: int, entry_type: str, currency: str
    ) -> list[dict[str, Any]]:
        year = self.year_of(day) or day[:4]
        base_total = sum((p["amountInBaseCurrency"] for p in postings), ZERO)
        if base_total:  # conversion rounding: the party posting (first) absorbs it
            postings[0]["amountInBaseCurrency"] -= base_total
        stored = []
        for posting in postings:
            if not posting["amount"] and not posting["amountInBaseCurrency"]:
                continue
            entry = {
                "entryNumber": len(self.entries) + 1,
                "entryType": entry_type,
                "date": day,
                "voucherNumber": voucher,
                "currency": currency,
                "_year": year,
                **posting,
            }
            self.entries.append(entry)
            stored.append(entry)
        return stored

    def post_booked_invoice(self, booked: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Post a booked invoice (the caller holds ``state.lock``): sales, VAT, debtor."""
        rate = to_decimal(booked.get("exchangeRate") or HUNDRED)
        currency = str(booked.get("currency") or self.state.base_currency)
        zone = get_path(booked, "recipient.vatZone.vatZoneNumber")
        text = f"Faktura {booked['bookedInvoiceNumber']}"
        sales: dict[int, Decimal] = {}
        vat_by_code: dict[str, Decimal] = {}
        for line in booked.get("lines", []):
            net = to_decimal(line.get("totalNetAmount") or 0)
            account = self._sales_account(zone, get_path(line, "product.productNumber"))
            sales[account] = sales.get(account, ZERO) + net
            code = line_vat_code(self.state, zone, get_path(line, "product.productNumber"))
            if code:
                vat_by_code[code] = vat_by_code.get(code, ZERO) + net
        customer = self.state.get("customers", get_path(booked, "customer.customerNumber")) or {}
        group = (
            self.state.get("customer-groups", get_path(customer, "customerGroup.customerGroupNumber")) or {}
        )
        debtors = get_path(group, "account.accountNumber") or 5600
        postings = [
            {
                "account": {"accountNumber": debtors},
                "amount": to_decimal(booked["grossAmount"]),
                "amountInBaseCurrency": round2(to_decimal(booked["grossAmount"]) * rate / HUNDRED),
                "customer": {"customerNumber": customer.get("customerNumber")},
                "bookedInvoice": {"bookedInvoiceNumber": booked["bookedInvoiceNumber"]},
                "text": text,
            }
        ]
        for account, net in sorted(sales.items()):
            postings.append(_posting(account, -net, rate, text))
        for code, net in sorted(vat_by_code.items()):
            vat = round2(net * zone_vat_rate(self.state, zone, code) / HUNDRED)
            posting = _posting(vat_code_account(code), -vat, rate, text)
            posting["vatAccount"] = {"vatCode": code}
            postings.append(posting)
        return self._post(
            postings,
            day=str(booked["date"]),
            voucher=int(booked["bookedInvoiceNumber"]),
            entry_type="customerInvoice",
            currency=currency,
        )

    def _sales_account(self, zone: Any, product_number: str | None) -> int:
        in_zone = zone_sales_account(self.state, zone, product_number)
        if in_zone is not None:
            return in_zone
        product = self.state.tables["products"].get(product_number) if product_number is not None else None
        group = (
            self.state.tables["product-groups"].get(get_path(product, "productGroup.productGroupNumber"))
            if product
            else None
        )
        return (
            int(get_path(group, "salesAccount.accountNumber") or DEFAULT_SALES_ACCOUNT)
            if group
            else (DEFAULT_SALES_ACCOUNT)
        )

    def book_journal(self, journal_number: int) -> list[dict[str, Any]]:
        """Book every draft entry of a journal (the caller holds ``state.lock``); see the docstring."""
        journal = self.state.get("journals", journal_number) or {}
        defaults = get_path(journal, "settings.contraAccounts") or {}
        table = self.state.tables["journal-entries"]
        drafts = [
            e for k, e in sorted(table.items()) if get_path(e, "journal.journalNumber") == journal_number
        ]
        booked: list[dict[str, Any]] = []
        for draft in drafts:
            posted = self._book_entry(draft, defaults)
            for entry in posted:  # the journal keeps its voucher numbers: never handed out again
                entry["_journal"] = journal_number
            booked.extend(posted)
            self.state.delete("journal-entries", draft["journalEntryNumber"])
        return booked

    def _book_entry(self, draft: Mapping[str, Any], defaults: Mapping[str, Any]) -> list[dict[str, Any]]:
        entry_type = str(draft["entryType"])
        amount = to_decimal(draft["amount"])
        base = to_decimal(draft.get("amountBaseCurrency") or amount)
        rate = to_decimal(draft.get("exchangeRate") or HUNDRED)
        text = str(draft.get("text") or "")
        party: dict[str, Any] = {}
        party_account: int | None = None
        if entry_type == "financeVoucher":
            party_account = get_path(draft, "account.accountNumber")
        elif entry_type in ("supplierInvoice", "supplierPayment") and draft.get("supplier"):
            supplier = self.state.get("suppliers", draft["supplier"]["supplierNumber"]) or {}
            group = self.state.get("supplier-groups", get_path(supplier, "supplierGroup.supplierGroupNumber"))
            party_account = get_path(group or {}, "account.accountNumber") or 6110
            party["supplier"] = {"supplierNumber": supplier.get("supplierNumber")}
        elif draft.get("customer"):
            customer = self.state.get("customers", draft["customer"]["customerNumber"]) or {}
            group = self.state.get("customer-groups", get_path(customer, "customerGroup.customerGroupNumber"))
            party_account = get_path(group or {}, "account.accountNumber") or 5600
            party["customer"] = {"customerNumber": customer.get("customerNumber")}
        for name in ("supplierInvoiceNumber", "dueDate"):
            if draft.get(name):
                party[name] = draft[name]
        contra_account = get_path(draft, "contraAccount.accountNumber") or get_path(
            defaults, f"{entry_type}s.accountNumber"
        )
        postings: list[dict[str, Any]] = []
        for account, sign, vat_field, vat_amount_field, extra in (
            (party_account, 1, "vatAccount", "vatAmount", party),
            (contra_account, -1, "contraVatAccount", "contraVatAmount", {}),
        ):
            if account is None:
                continue
            side_amount = amount * sign
            side_base = base * sign
            code = get_path(draft, f"{vat_field}.vatCode")
            if code:
                vat_rate = vat_code_rate(code)
                given = draft.get(vat_amount_field)
                vat = (
                    to_decimal(given) * sign
                    if given is not None
                    else round2(side_amount * vat_rate / (HUNDRED + vat_rate))
                )
                vat_base = round2(vat * rate / HUNDRED)
                vat_posting = {
                    "account": {"accountNumber": vat_code_account(code)},
                    "amount": vat,
                    "amountInBaseCurrency": vat_base,
                    "vatAccount": {"vatCode": code},
                    "text": text,
                }
                side_amount -= vat
                side_base -= vat_base
            else:
                vat_posting = None
            postings.append(
                {
                    "account": {"accountNumber": account},
                    "amount": side_amount,
                    "amountInBaseCurrency": side_base,
                    "text": text,
                    **extra,
                }
            )
            if vat_posting is not None:
                postings.append(vat_posting)
        return self._post(
            postings,
            day=str(draft["date"]),
            voucher=int(get_path(draft, "voucher.voucherNumber")),
            entry_type=entry_type,
            currency=str(get_path(draft, "currency.code") or self.state.base_currency),
        )


def _posting(account: int, amount: Decimal, rate: Decimal, text: str) -> dict[str, Any]:
    return {
        "account": {"accountNumber": account},
        "amount": amount,
        "amountInBaseCurrency": round2(amount * rate / HUNDRED),
        "text": text,
    }


def books_of(state: EconomicState) -> Books:
    """The agreement's books, made on first use."""
    if state.books is None:
        state.books = Books(state)
    books: Books = state.books
    return books


# -- rendering (the schemas of accounting-years.accountingYear.entries.get and …totals.get) --------------
ENTRY_FILTERS: dict[str, str] = {
    "account.accountNumber": "integer",
    "entryType": "string",
    "supplierInvoiceNumber": "string",
    "voucherNumber": "integer",
    "date": "string",
}


def render_entry(entry: Mapping[str, Any], base: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in entry.items():
        if name.startswith("_"):
            continue
        out[name] = dict(value) if isinstance(value, dict) else value
    number = entry["account"]["accountNumber"]
    out["account"] = {"accountNumber": number, "self": f"{base}/accounts/{number}"}
    if isinstance(entry.get("customer"), dict):
        customer = entry["customer"]["customerNumber"]
        out["customer"] = {"customerNumber": customer, "self": f"{base}/customers/{customer}"}
    if isinstance(entry.get("supplier"), dict):
        supplier = entry["supplier"]["supplierNumber"]
        out["supplier"] = {"supplierNumber": supplier, "self": f"{base}/suppliers/{supplier}"}
    if isinstance(entry.get("vatAccount"), dict):
        code = entry["vatAccount"]["vatCode"]
        out["vatAccount"] = {"vatCode": code, "self": f"{base}/vat-accounts/{code}"}
    if isinstance(entry.get("bookedInvoice"), dict):
        invoice = entry["bookedInvoice"]["bookedInvoiceNumber"]
        out["bookedInvoice"] = {"bookedInvoiceNumber": invoice, "self": f"{base}/invoices/booked/{invoice}"}
    out["self"] = f"{base}/accounting-years/{entry['_year']}/entries/{entry['entryNumber']}"
    return out


def render_total(state: EconomicState, year: str, account: int, total: Decimal, base: str) -> dict[str, Any]:
    record = state.get("accounting-years", year) or {"fromDate": f"{year}-01-01", "toDate": f"{year}-12-31"}
    return {
        "totalInBaseCurrency": total,
        "account": {"accountNumber": account, "self": f"{base}/accounts/{account}"},
        "fromDate": record["fromDate"],
        "toDate": record["toDate"],
        "self": f"{base}/accounts/{account}/accounting-years/{year}/totals",
    }


def vat_accounts(state: EconomicState, base: str) -> list[dict[str, Any]]:
    """``GET /vat-accounts``: the VAT codes the agreement's accounts and OSS zones use, with their rates."""
    codes: dict[str, tuple[Decimal, str]] = {
        code: (rate, name) for code, (rate, _, name) in VAT_ACCOUNTS.items()
    }
    for account in state.records("accounts"):
        code = get_path(account, "vatAccount.vatCode")
        if code and code not in codes:
            codes[code] = (vat_code_rate(code), str(code))
    for zone in state.records("vat-zones"):
        oss = oss_zone(state, zone["vatZoneNumber"])
        if oss is not None:
            codes[oss[0]] = (oss[1], f"OSS {zone.get('name')}")
    out = []
    for code, (rate, name) in sorted(codes.items()):
        vat_account = vat_code_account(code)
        out.append(
            {
                "vatCode": code,
                "name": name,
                "ratePercentage": rate,
                "account": {"accountNumber": vat_account, "self": f"{base}/accounts/{vat_account}"},
                "self": f"{base}/vat-accounts/{code}",
            }
        )
    return out
