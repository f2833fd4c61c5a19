"""The sandbox's company data: records per resource, keyed by GUID, plus the accepted tokens."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.resources import RESOURCES, TERMS_TYPE_TEXT, Resource


def utc_text(moment: datetime) -> str:
    """eAccounting's UTC timestamps: ISO-8601 with milliseconds and ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class EAccountingState:
    """One company's records. ``add`` stores a record as the API would after a POST (no validation),
    filling ``Id``, defaults and timestamps; tests use it to seed data."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        allowed_tokens: Iterable[str] | None = None,
    ) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.allowed_tokens: set[str] = set(allowed_tokens or ())
        self.lock = threading.RLock()
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in RESOURCES}

    def reset(self) -> None:
        with self.lock:
            self.records = {name: {} for name in RESOURCES}

    def now_text(self) -> str:
        return utc_text(self.clock())

    # -- records ---------------------------------------------------------------------------------
    def resource(self, name: str) -> Resource:
        try:
            return RESOURCES[name]
        except KeyError:
            raise KeyError(f"the sandbox does not emulate /v2/{name}") from None

    def add(self, name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Store a record (``Id`` may be given); answers it as the API shows it."""
        resource = self.resource(name)
        with self.lock:
            record = self.normalise(resource, data)
            record_id = str(data.get("Id") or uuid.uuid4()).lower()
            record["Id"] = record_id
            now = self.now_text()
            record["CreatedUtc"] = now
            record["ChangedUtc"] = now
            if name == "customers" and not record.get("CustomerNumber"):
                record["CustomerNumber"] = self.next_customer_number()
            self.records[name][record_id] = record
            return self.render(name, record)

    def replace(self, name: str, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        resource = self.resource(name)
        with self.lock:
            old = self.records[name][record_id]
            record = self.normalise(resource, data)
            record["Id"] = record_id
            record["CreatedUtc"] = old["CreatedUtc"]
            record["ChangedUtc"] = self.now_text()
            if name == "customers" and not record.get("CustomerNumber"):
                record["CustomerNumber"] = old.get("CustomerNumber")
            self.records[name][record_id] = record
            return self.render(name, record)

    def get(self, name: str, record_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.records[name].get(record_id.lower())
            return self.render(name, record) if record else None

    def all(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [self.render(name, r) for r in self.records[name].values()]

    def delete(self, name: str, record_id: str) -> bool:
        with self.lock:
            return self.records[name].pop(record_id.lower(), None) is not None

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
            record[name] = value
        return record

    def next_customer_number(self) -> str:
        numbers = [
            int(r["CustomerNumber"])
            for r in self.records["customers"].values()
            if str(r.get("CustomerNumber") or "").isdigit()
        ]
        return str(max(numbers, default=0) + 1)

    # -- what a GET shows ------------------------------------------------------------------------
    def render(self, name: str, record: dict[str, Any]) -> dict[str, Any]:
        shown = {"Id": record["Id"], **{k: v for k, v in record.items() if k not in ("Id", "CreatedUtc")}}
        resource = RESOURCES[name]
        if not resource.has_changed_utc:
            shown.pop("ChangedUtc", None)
        if name == "customers":
            terms = self.records["termsofpayment"].get(str(record.get("TermsOfPaymentId") or ""))
            if terms is not None:
                shown["TermsOfPayment"] = self.render("termsofpayment", terms)
            shown.update(
                LastInvoiceDate=None,
                IsFutureInvoiceDateAllowed=False,
                RequiresReferenceNumber=False,
                UnpaidInvoicesAmount=Decimal(0),
                CustomerLabels=[],
            )
        elif name == "articles":
            unit = self.records["units"].get(str(record.get("UnitId") or ""))
            stock = record.get("StockBalance") or Decimal(0)
            shown.update(
                CodingName=None,
                UnitName=unit.get("Name") if unit else None,
                UnitAbbreviation=unit.get("Abbreviation") if unit else None,
                StockBalanceReserved=Decimal(0),
                StockBalanceAvailable=stock,
                StockValue=Decimal(0),
                CreatedUtc=record["CreatedUtc"],
                IsServiceArticle=False,
                ShowStockInformation=bool(record.get("IsStock")),
                ArticleLabels=[],
                Barcodes=[],
            )
        elif name == "termsofpayment" and record.get("TermsOfPaymentTypeText") is None:
            shown["TermsOfPaymentTypeText"] = TERMS_TYPE_TEXT.get(record.get("TermsOfPaymentTypeId") or 0)
        return shown
