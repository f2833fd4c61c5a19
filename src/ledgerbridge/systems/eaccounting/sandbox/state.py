"""The sandbox's company data: records per resource, keyed by GUID, the company settings, the chart of
accounts per fiscal year, sent e-mails, and the accepted tokens."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledgerbridge.systems.eaccounting.sandbox.chart import (
    CODINGS,
    chart_of_accounts,
    cost_center_records,
    default_company,
    fiscal_year_record,
    vat_code_records,
)
from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
from ledgerbridge.systems.eaccounting.sandbox.resources import (
    ALIASES,
    COMPANY_FIELDS,
    RESOURCES,
    TERMS_TYPE_TEXT,
    Resource,
)

try:
    COMPANY_TIME_ZONE: tzinfo = ZoneInfo("Europe/Stockholm")
except ZoneInfoNotFoundError:  # pragma: no cover - systems without a time zone database
    COMPANY_TIME_ZONE = timezone(timedelta(hours=1), "CET")

_NUMBERED = {"customers": "CustomerNumber", "suppliers": "SupplierNumber"}
_LABELS = {"customers": ("CustomerLabels", "customerlabels"), "articles": ("ArticleLabels", "articlelabels")}


def utc_text(moment: datetime) -> str:
    """eAccounting's UTC timestamps: ISO-8601 with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def date_time_text(value: Any) -> Any:
    """A stored date (``YYYY-MM-DD``) as the ``date-time`` the spec declares: midnight UTC (the date part
    is the date); other values pass through."""
    if isinstance(value, str) and len(value) == 10 and parse_datetime(value) is not None:
        return f"{value}T00:00:00Z"
    return value


def is_date_field(name: str) -> bool:
    """The 2026 OpenAPI types every date field ``date-time`` (it has no ``format: date`` at all): the
    ``…Date`` fields, ``ShippedDateTime`` and ``AccountingLockedTo``."""
    return name.endswith(("Date", "DateTime")) or name == "AccountingLockedTo"


def with_date_times(value: Any) -> Any:
    """``value`` (a record, its rows) with every stored date of a date field shown as a date-time."""
    if isinstance(value, dict):
        return {
            key: date_time_text(item) if is_date_field(key) else with_date_times(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [with_date_times(item) for item in value]
    return value


def date_text(value: Any) -> Any:
    """A date field as eAccounting answers it (``YYYY-MM-DD``); other values pass through."""
    if isinstance(value, date | datetime):
        return value.isoformat()[:10]
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return moment.date().isoformat()
    return value


class EAccountingState:
    """One company's records. ``add`` stores a record as the API would after a POST (no validation),
    filling ``Id``, defaults and timestamps; tests use it to seed data.

    A new (or reset) state holds what a new Swedish eAccounting company has before anyone types
    anything: fiscal years for the clock's current and previous calendar year, a small BAS chart of
    accounts in each, VAT codes, article account codings, the three cost centers and default company
    settings (the data of :mod:`.chart`, applied by :meth:`seed_standard`). ``seed_chart=False`` starts
    truly empty. Customers, articles, units and terms of payment start empty;
    :func:`.demo_data.seed_demo_company` adds a whole demo company.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        allowed_tokens: Iterable[str] | None = None,
        seed_chart: bool = True,
    ) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.allowed_tokens: set[str] = set(allowed_tokens or ())
        # Tokens limited to some scopes (``ea:sales`` …); a token not listed holds every scope.
        self.token_scopes: dict[str, set[str]] = {}
        self.seed_chart = seed_chart
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.company: dict[str, Any] = {}
        self.sent_emails: list[dict[str, Any]] = []
        # The company's daily rates: base currency (SEK) per unit, used when an invoice gives no CurrencyRate.
        self.currency_rates: dict[str, Decimal] = {
            "EUR": Decimal("11.4721"),
            "DKK": Decimal("1.5380"),
            "USD": Decimal("10.5392"),
            "NOK": Decimal("0.9951"),
            "GBP": Decimal("13.3157"),
        }
        self.reset()

    def reset(self) -> None:
        """Back to a new company: no records, no sent e-mails, the standard chart (unless disabled)."""
        with self.lock:
            self.token_scopes.clear()
            self.records = {name: {} for name in RESOURCES}
            self.company = default_company()
            self.sent_emails = []
            if self.seed_chart:
                self.seed_standard()

    def seed_standard(self) -> None:
        """What every company has (:mod:`.chart`): VAT codes, codings, fiscal years for the clock's current
        and previous calendar year with the chart of accounts in each, and the three cost centers.
        Idempotent: records that exist are left alone."""
        this_year = self.today().year
        with self.lock:
            for vat_code in vat_code_records():
                if vat_code["Id"] not in self.records["vatcodes"]:
                    self.add("vatcodes", vat_code)
            for coding in CODINGS:
                if coding["Id"] not in self.records["articleaccountcodings"]:
                    self.add("articleaccountcodings", coding)
            for year in (this_year - 1, this_year):
                fiscal_year = fiscal_year_record(year)
                if fiscal_year["Id"] not in self.records["fiscalyears"]:
                    self.add("fiscalyears", fiscal_year)
                for number, name, vat_code_id in chart_of_accounts():
                    if self.account(fiscal_year["Id"], number) is None:
                        self.add_account(fiscal_year["Id"], number, name, vat_code_id)
            self.seed_cost_centers()

    def seed_cost_centers(self) -> None:
        """The three cost centers every company has; existing ones are left alone."""
        with self.lock:
            for center in cost_center_records():
                self.records["costcenters"].setdefault(center["Id"], center)

    def now_text(self) -> str:
        return utc_text(self.clock())

    def today(self) -> date:
        """Today in the company's time zone (Europe/Stockholm): invoice dates and "future" use it."""
        return self.clock().astimezone(COMPANY_TIME_ZONE).date()

    # -- records ---------------------------------------------------------------------------------
    def resource(self, name: str) -> Resource:
        try:
            return RESOURCES[ALIASES.get(name, name)]
        except KeyError:
            raise KeyError(f"the sandbox does not emulate /v2/{name}") from None

    def add(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Store a record (``Id`` may be given); answers it as the API shows it.

        For the generic resources (customers, articles, units, terms of payment, labels, codings,
        suppliers, fiscal years, VAT codes). Documents (drafts, invoices, orders, vouchers) are made
        through the API or :mod:`.documents`, accounts with :meth:`add_account`.
        """
        resource = self.resource(name)
        name = resource.name
        if resource.custom:
            raise ValueError(f"/v2/{name} records are made by the documents module, not by add()")
        with self.lock:
            record = self.normalise(resource, data)
            record_id = str(data.get("Id") or uuid.uuid4()).lower()
            record["Id"] = record_id
            now = self.now_text()
            record["CreatedUtc"] = now
            if resource.stamp:
                record[resource.stamp] = now
            number_field = _NUMBERED.get(name)
            if number_field and not record.get(number_field):
                record[number_field] = self.next_number(name, number_field)
            self.records[name][record_id] = record
            return self.render(name, record)

    def replace(self, name: str, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        resource = self.resource(name)
        name = resource.name
        with self.lock:
            old = self.records[name][record_id]
            record = self.normalise(resource, data)
            record["Id"] = record_id
            record["CreatedUtc"] = old["CreatedUtc"]
            if resource.stamp:
                record[resource.stamp] = self.now_text()
            number_field = _NUMBERED.get(name)
            if number_field and not record.get(number_field):
                record[number_field] = old.get(number_field)
            self.records[name][record_id] = record
            return self.render(name, record)

    def get(self, name: str, record_id: str) -> dict[str, Any] | None:
        name = self.resource(name).name
        with self.lock:
            record = self.records[name].get(record_id.lower())
            return self.render(name, record) if record else None

    def all(self, name: str) -> list[dict[str, Any]]:
        name = self.resource(name).name
        with self.lock:
            return [self.render(name, r) for r in self.records[name].values()]

    def delete(self, name: str, record_id: str) -> bool:
        name = self.resource(name).name
        with self.lock:
            return self.records[name].pop(record_id.lower(), None) is not None

    def store(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        """Keep a fully built document record (``Id`` set); keys starting with ``_`` are private."""
        with self.lock:
            self.records[name][record["Id"]] = record
            return self.render(name, record)

    @staticmethod
    def normalise(resource: Resource, data: dict[str, Any]) -> dict[str, Any]:
        """Every writable field, from ``data`` or its default (a PUT clears what it leaves out)."""
        record: dict[str, Any] = {}
        for name, spec in resource.fields.items():
            value = data.get(name, spec.default())
            if value is None:
                value = spec.default()
            if spec.kind == "uuid" and isinstance(value, str):
                value = value.lower()
            elif spec.kind == "date":
                value = date_text(value)
            elif spec.kind == "object" and spec.shape and isinstance(value, dict):
                value = {key: value.get(key) for key in spec.shape}  # unknown members are ignored
            elif spec.kind == "labels" and isinstance(value, list):
                value = [{"Id": str(item["Id"]).lower()} for item in value if isinstance(item, dict)]
            record[name] = value
        return record

    def next_number(self, name: str, number_field: str) -> str:
        """The highest numeric ``number_field`` of ``name`` plus one (as eAccounting assigns numbers)."""
        numbers = [
            int(r[number_field])
            for r in self.records[name].values()
            if str(r.get(number_field) or "").isdigit()
        ]
        return str(max(numbers, default=0) + 1)

    def next_customer_number(self) -> str:
        return self.next_number("customers", "CustomerNumber")

    # -- fiscal years and accounts -----------------------------------------------------------------
    def fiscal_year_for(self, day: date) -> dict[str, Any] | None:
        """The fiscal year ``day`` falls in, or None."""
        with self.lock:
            for year in self.records["fiscalyears"].values():
                if year["StartDate"] <= day.isoformat() <= year["EndDate"]:
                    return self.render("fiscalyears", year)
        return None

    def add_account(
        self,
        fiscal_year_id: str,
        number: int | str,
        name: str,
        vat_code_id: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Put account ``number`` into the chart of ``fiscal_year_id``; answers it as GET shows it."""
        resource = RESOURCES["accounts"]
        data = {"Name": name, "Number": str(number), "FiscalYearId": fiscal_year_id, "VatCodeId": vat_code_id}
        with self.lock:
            record = self.normalise(resource, {**data, **extra})
            now = self.now_text()
            record["CreatedUtc"] = record["ModifiedUtc"] = now
            key = self.account_key(fiscal_year_id, number)
            record["_Key"] = key
            self.records["accounts"][key] = record
            return self.render("accounts", record)

    @staticmethod
    def account_key(fiscal_year_id: str, number: int | str) -> str:
        return f"{fiscal_year_id.lower()}/{int(number)}"

    def account(self, fiscal_year_id: str, number: int | str) -> dict[str, Any] | None:
        try:
            key = self.account_key(fiscal_year_id, number)
        except ValueError:
            return None
        with self.lock:
            record = self.records["accounts"].get(key)
            return self.render("accounts", record) if record else None

    # -- company settings ----------------------------------------------------------------------------
    def company_settings(self) -> dict[str, Any]:
        """``GET /companysettings``: the stored settings plus the numbers the company would use next."""
        with self.lock:
            shown = {k: v for k, v in self.company.items() if not (v is None and k in _OBJECT_SETTINGS)}
            terms = self.company.get("TermsOfPaymentId") or next(iter(self.records["termsofpayments"]), None)
            orders = [int(r.get("Number") or 0) for r in self.records["orders"].values()]
            shown.update(
                TermsOfPaymentId=terms or "00000000-0000-0000-0000-000000000000",
                NextCustomerNumber=int(self.next_number("customers", "CustomerNumber")),
                NextSupplierNumber=int(self.next_number("suppliers", "SupplierNumber")),
                NextOrderNumber=max(orders, default=0) + 1,
            )
            return with_date_times(shown)

    def update_company(self, **fields: Any) -> dict[str, Any]:
        """Change settings directly (also read-only ones such as ``NextCustomerInvoiceNumber``)."""
        with self.lock:
            self.company.update(fields)
            return self.company_settings()

    def replace_company(self, data: dict[str, Any]) -> dict[str, Any]:
        """``PUT /companysettings``: every writable setting from ``data`` (omitted ones cleared)."""
        with self.lock:
            writable = self.normalise(RESOURCES["companysettings"], data)
            self.company.update(writable)
            return self.company_settings()

    def take_invoice_number(self) -> int:
        """The company's ``NextCustomerInvoiceNumber``, which then moves on by one."""
        with self.lock:
            number = int(self.company["NextCustomerInvoiceNumber"])
            self.company["NextCustomerInvoiceNumber"] = number + 1
            return number

    # -- what a GET shows ------------------------------------------------------------------------
    def render(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        shown = with_date_times(self._render(name, record))
        if name == "customerinvoices" and shown.get("PaymentStatus") == 1:
            # Unpaid becomes Overdue once the due date has passed (in the company's time zone).
            if str(shown.get("DueDate") or "9999-12-31")[:10] < self.today().isoformat():
                shown["PaymentStatus"] = 2
        return shown

    def _render(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        resource = RESOURCES[name]
        if name == "accounts":
            vat_code = self.records["vatcodes"].get(str(record.get("VatCodeId") or ""))
            shown = {k: v for k, v in record.items() if not k.startswith("_")}
            shown.update(
                VatCodeDescription=f"{vat_code['Code']} {vat_code['Description']}" if vat_code else None,
                ReferenceCode=None,
                TypeDescription=None,
                Description=None,
            )
            return shown
        if resource.custom:
            return {k: v for k, v in record.items() if not k.startswith("_")}
        shown = {"Id": record["Id"], **{k: v for k, v in record.items() if k not in ("Id", "CreatedUtc")}}
        if resource.show_created:
            shown["CreatedUtc"] = record["CreatedUtc"]
        if name in _LABELS:
            field, target = _LABELS[name]
            labels = (self.records[target].get(item["Id"]) for item in record.get(field) or [])
            shown[field] = [self.render(target, label) for label in labels if label]
        if name == "customers":
            terms = self.records["termsofpayments"].get(str(record.get("TermsOfPaymentId") or ""))
            if terms is not None:
                shown["TermsOfPayment"] = self.render("termsofpayments", terms)
            unpaid = sum(
                (
                    Decimal(i["RemainingAmount"])
                    for i in self.records["customerinvoices"].values()
                    if i["CustomerId"] == record["Id"]
                ),
                Decimal(0),
            )
            dates = [
                i["InvoiceDate"]
                for i in self.records["customerinvoices"].values()
                if i["CustomerId"] == record["Id"]
            ]
            shown.update(
                LastInvoiceDate=max(dates, default=None),
                IsFutureInvoiceDateAllowed=False,
                RequiresReferenceNumber=False,
                UnpaidInvoicesAmount=unpaid,
            )
        elif name == "articles":
            unit = self.records["units"].get(str(record.get("UnitId") or ""))
            coding = self.records["articleaccountcodings"].get(str(record.get("CodingId") or ""))
            stock = record.get("StockBalance") or Decimal(0)
            shown.update(
                CodingName=coding.get("Name") if coding else None,
                UnitName=unit.get("Name") if unit else None,
                UnitAbbreviation=unit.get("Abbreviation") if unit else None,
                StockBalanceReserved=Decimal(0),
                StockBalanceAvailable=stock,
                StockValue=Decimal(0),
                IsServiceArticle=bool(coding and coding.get("Type") == "Service"),
                ShowStockInformation=bool(record.get("IsStock")),
                Barcodes=[],
            )
        elif name == "termsofpayments" and record.get("TermsOfPaymentTypeText") is None:
            shown["TermsOfPaymentTypeText"] = TERMS_TYPE_TEXT.get(record.get("TermsOfPaymentTypeId") or 0)
        elif name == "suppliers":
            shown.update(
                UnpaidInvoicesAmount=Decimal(0),
                MessageThreads=[],
                Notes=[],
                ForeignPaymentCodeId=None,
                IsDraft=False,
                ApprovalOrderType=0,
                Approvers=[],
                LastInvoiceDate=None,
            )
        elif name == "vatcodes" and record.get("RelatedAccounts") is None:
            shown.pop("RelatedAccounts", None)
        return shown


_OBJECT_SETTINGS = {name for name, spec in COMPANY_FIELDS.items() if spec.kind == "object"}
