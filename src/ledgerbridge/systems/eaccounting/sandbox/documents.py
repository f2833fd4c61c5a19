"""Documents and bookkeeping: customer invoice drafts, customer invoices (convert, e-mail), sales
orders, supplier invoice drafts, vouchers, the chart of accounts and the company settings.

The rules (rows and VAT, totals, currency, conversion, numbering, vouchers, the balance rule of supplier
invoice drafts) and the choices made where the research is silent are written down in
``docs/sandboxes/eaccounting.md`` ("Documents and bookkeeping rules"); :mod:`.routes` serves them.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.chart import (
    EU_COUNTRIES,
    OUTPUT_VAT_ACCOUNTS,
    RECEIVABLES_ACCOUNT,
)
from ledgerbridge.systems.eaccounting.sandbox.costcenters import check_row_cost_centers
from ledgerbridge.systems.eaccounting.sandbox.ocr import payment_reference
from ledgerbridge.systems.eaccounting.sandbox.resources import (
    RESOURCES,
    SALES_ROW_FIELDS,
    SUPPLIER_DRAFT_ROW_FIELDS,
    VOUCHER_ROW_FIELDS,
)
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState, date_text
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    GUID,
    HttpError,
    as_date,
    check_fields,
    decimals,
    error_response,
    field_error,
    invalid,
    not_found,
)

CENT = Decimal("0.01")
ZERO = Decimal(0)
ROUNDING_ACCOUNT = 3740  # Öres- och kronutjämning: what converting each amount on its own leaves over

_DRAFT_ROW_KEYS = (
    "Id LineNumber ArticleId IsServiceArticle UnitId ArticleNumber IsTextRow Text UnitPrice "
    "IsDiscountInFixedAmount DiscountFixedAmount DiscountPercentage Quantity WorkCostType IsWorkCost "
    "WorkHours MaterialCosts ReversedConstructionServicesVatFree CostCenterItemId1 CostCenterItemId2 "
    "CostCenterItemId3 UnitAbbreviation UnitAbbreviationEnglish VatRateId VatRate UnitName ProjectId "
    "GreenTechnologyType PurchasePrice Amount FreightCosts"
).split()
_INVOICE_ROW_KEYS = (
    "Id ArticleNumber ArticleId IsServiceArticle AmountNoVat PercentVat VatRate LineNumber IsTextRow Text "
    "UnitPrice UnitAbbreviation UnitAbbreviationEnglish IsDiscountInFixedAmount DiscountFixedAmount "
    "DiscountPercentage Quantity IsWorkCost IsVatFree CostCenterItemId1 CostCenterItemId2 CostCenterItemId3 "
    "UnitId ProjectId WorkCostType WorkHours MaterialCosts GreenTechnologyType PurchasePrice FreightCosts "
    "Amount"
).split()
_ORDER_ROW_KEYS = (
    "Id LineNumber DeliveredQuantity ArticleId IsServiceArticle UnitId ArticleNumber IsTextRow Text "
    "UnitPrice Amount IsDiscountInFixedAmount DiscountFixedAmount DiscountPercentage Quantity WorkCostType "
    "IsWorkCost WorkHours MaterialCosts EligibleForReverseChargeOnVat VatRate CostCenterItemId1 "
    "CostCenterItemId2 CostCenterItemId3 ProjectId GreenTechnologyType PurchasePrice FreightCosts"
).split()


def money(value: Decimal) -> Decimal:
    """Rounded to öre, half away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _dec(value: Any) -> Decimal:
    return Decimal(value) if isinstance(value, int | Decimal) and not isinstance(value, bool) else ZERO


class SalesLines:
    """The computed rows of a sales document, their VAT groups and the booking per sales account."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.net_by_rate: dict[Decimal, Decimal] = {}
        self.net_by_account: dict[int, Decimal] = {}
        self.delivered_by_rate: dict[Decimal, Decimal] = {}

    @property
    def net(self) -> Decimal:
        return sum(self.net_by_rate.values(), ZERO)

    def vat_by_rate(self, source: dict[Decimal, Decimal] | None = None) -> dict[Decimal, Decimal]:
        groups = self.net_by_rate if source is None else source
        return {rate: money(net * rate) for rate, net in groups.items()}

    @property
    def vat(self) -> Decimal:
        return sum(self.vat_by_rate().values(), ZERO)

    def specification(self) -> list[dict[str, Any]]:
        vat = self.vat_by_rate()
        return [
            {
                "AmountInvoiceCurrency": self.net_by_rate[rate],
                "VatAmountInvoiceCurrency": vat[rate],
                "VatPercent": rate * 100,
            }
            for rate in sorted(self.net_by_rate, reverse=True)
        ]


class Documents:
    """The rules of the document routes (:mod:`.routes` serves them); usable from Python with the same
    validation as over HTTP."""

    def __init__(self, state: EAccountingState) -> None:
        self.state = state

    # -- helpers -----------------------------------------------------------------------------------
    def record(self, name: str, record_id: str, what: str) -> dict[str, Any]:
        if not GUID.match(record_id):
            raise not_found(f"{what} {record_id}")
        record = self.state.records[name].get(record_id.lower())
        if record is None:
            raise not_found(f"{what} {record_id}")
        return record

    def _customer(self, data: dict[str, Any], errors: list[dict[str, Any]]) -> dict[str, Any] | None:
        value = data.get("CustomerId")
        if not isinstance(value, str) or not GUID.match(value):
            return None
        customer = self.state.get("customers", value)
        if customer is None:
            errors.append(field_error("CustomerId", "NotFound", f"CustomerId {value} does not exist."))
        return customer

    def _check_reference(
        self, data: dict[str, Any], field: str, target: str, errors: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        value = data.get(field)
        if not isinstance(value, str) or not GUID.match(value):
            return None
        found = self.state.get(target, value)
        if found is None:
            errors.append(field_error(field, "NotFound", f"{field} {value} does not exist in /v2/{target}."))
        return found

    def _is_foreign(self, customer: dict[str, Any]) -> bool:
        company = self.state.company
        country = customer.get("InvoiceCountryCode")
        currency = customer.get("CurrencyCode")
        return bool(
            (country and country != company["CountryCode"])
            or (currency and currency != company["CurrencyCode"])
        )

    def _treatment(
        self, customer: dict[str, Any], coding: dict[str, Any] | None, vat_free: bool
    ) -> tuple[Decimal, int | None]:
        """The row's VAT rate (a fraction) and the sales account its net is booked on."""
        if coding is None:
            return ZERO, None
        rate = _dec(coding.get("VatRatePercent")) / 100
        domestic = coding.get("DomesticSalesSubjectToVatAccountNumber")
        country = customer.get("InvoiceCountryCode") or self.state.company["CountryCode"]
        if vat_free:
            return ZERO, coding.get("DomesticSalesVatExemptAccountNumber") or domestic
        if country == self.state.company["CountryCode"]:
            if customer.get("ReverseChargeOnConstructionServices"):
                return ZERO, coding.get(
                    "DomesticSalesSubjectToReversedConstructionVatAccountNumber"
                ) or domestic
            return rate, domestic
        if country in EU_COUNTRIES:
            if customer.get("IsPrivatePerson"):
                return rate, coding.get("ForeignSalesSubjectToVatWithinEuAccountNumber") or domestic
            return ZERO, coding.get("ForeignSalesVatExemptWithinEuAccountNumber") or domestic
        return ZERO, coding.get("ForeignSalesVatExemptOutsideEuAccountNumber") or domestic

    def _sales_lines(
        self,
        data: dict[str, Any],
        customer: dict[str, Any],
        errors: list[dict[str, Any]],
        *,
        kind: str,
    ) -> SalesLines:
        """Validate and compute ``data["Rows"]``; ``kind`` is draft, invoice or order."""
        lines = SalesLines()
        rows = data.get("Rows") or []
        if not isinstance(rows, list):
            return lines
        quantity_places = 2 if kind == "draft" else 4
        price_places = 4 if self._is_foreign(customer) else 2
        replace_zero = bool(data.get("ReplaceUnitPriceWhenZero"))
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            prefix = f"Rows[{index}]."
            errors.extend(check_fields(SALES_ROW_FIELDS, row, prefix=prefix))
            article: dict[str, Any] | None = None
            article_id = row.get("ArticleId")
            if kind == "invoice":
                is_text = article_id is None
            else:
                is_text = bool(row.get("IsTextRow")) and article_id is None
            if isinstance(article_id, str) and GUID.match(article_id):
                article = self.state.get("articles", article_id)
                if article is None:
                    errors.append(
                        field_error(
                            prefix + "ArticleId", "NotFound", f"ArticleId {article_id} does not exist."
                        )
                    )
                    continue
            elif kind == "order" and isinstance(row.get("ArticleNumber"), str) and not is_text:
                number = row["ArticleNumber"]
                article = next((a for a in self.state.all("articles") if a["Number"] == number), None)
                if article is None:
                    errors.append(
                        field_error(prefix + "ArticleNumber", "NotFound", f"Article {number} does not exist.")
                    )
                    continue
            elif not is_text:
                if article_id is None:
                    errors.append(
                        field_error(
                            prefix + "ArticleId", "Required", "ArticleId is required when IsTextRow is false."
                        )
                    )
                continue
            text = row.get("Text")
            if is_text and (not isinstance(text, str) or not text.strip()):
                errors.append(field_error(prefix + "Text", "Required", "A text row needs a Text."))
                continue
            quantity = _dec(row.get("Quantity"))
            if decimals(quantity) > quantity_places:
                errors.append(
                    field_error(
                        prefix + "Quantity",
                        "InvalidFormat",
                        f"Quantity may have at most {quantity_places} decimals.",
                    )
                )
            delivered = _dec(row.get("DeliveredQuantity"))
            if kind == "order" and decimals(delivered) > 2:
                errors.append(
                    field_error(
                        prefix + "DeliveredQuantity",
                        "InvalidFormat",
                        "DeliveredQuantity may have 2 decimals.",
                    )
                )
            discount = _dec(row.get("DiscountPercentage"))
            if not ZERO <= discount <= 1 or decimals(discount) > 4:
                errors.append(
                    field_error(
                        prefix + "DiscountPercentage",
                        "Range",
                        "DiscountPercentage is a fraction from 0 to 1 with at most 4 decimals.",
                    )
                )
            price_given = row.get("UnitPrice")
            if article is not None and (price_given is None or (replace_zero and _dec(price_given) == 0)):
                price = _dec(article.get("NetPrice"))
            else:
                price = _dec(price_given)
            if decimals(price) > price_places:
                errors.append(
                    field_error(
                        prefix + "UnitPrice",
                        "InvalidFormat",
                        f"UnitPrice may have at most {price_places} decimals.",
                    )
                )
            coding = (
                self.state.get("articleaccountcodings", article["CodingId"])
                if article and article.get("CodingId")
                else None
            )
            unit = self.state.get("units", article["UnitId"]) if article and article.get("UnitId") else None
            vat_free = bool(row.get("IsVatFree")) or bool(row.get("ReversedConstructionServicesVatFree"))
            rate, account = self._treatment(customer, coding, vat_free)
            amount = ZERO if is_text else money(quantity * price * (1 - discount))
            if not is_text:
                lines.net_by_rate[rate] = lines.net_by_rate.get(rate, ZERO) + amount
                if account is not None:
                    lines.net_by_account[account] = lines.net_by_account.get(account, ZERO) + amount
                delivered_amount = money(delivered * price * (1 - discount))
                lines.delivered_by_rate[rate] = lines.delivered_by_rate.get(rate, ZERO) + delivered_amount
            purchase = _dec(article.get("PurchasePrice")) if article else ZERO
            lines.rows.append(
                {
                    "Id": str(uuid.uuid4()),
                    "LineNumber": index,
                    "ArticleId": article["Id"] if article else None,
                    "ArticleNumber": article["Number"] if article else None,
                    "IsServiceArticle": bool(article and article.get("IsServiceArticle")),
                    "UnitId": article.get("UnitId") if article else None,
                    "IsTextRow": is_text,
                    "Text": text
                    if isinstance(text, str) and text
                    else (article["Name"] if article else text),
                    "UnitPrice": None if is_text and kind == "draft" else (ZERO if is_text else price),
                    "IsDiscountInFixedAmount": False,
                    "DiscountFixedAmount": None,
                    "DiscountPercentage": discount,
                    "Quantity": quantity,
                    "DeliveredQuantity": delivered,
                    "WorkCostType": row.get("WorkCostType") or 0,
                    "IsWorkCost": bool(row.get("IsWorkCost")),
                    "WorkHours": row.get("WorkHours"),
                    "MaterialCosts": row.get("MaterialCosts"),
                    "ReversedConstructionServicesVatFree": bool(
                        row.get("ReversedConstructionServicesVatFree")
                    ),
                    "EligibleForReverseChargeOnVat": bool(row.get("EligibleForReverseChargeOnVat")),
                    "IsVatFree": bool(row.get("IsVatFree")),
                    "CostCenterItemId1": row.get("CostCenterItemId1"),
                    "CostCenterItemId2": row.get("CostCenterItemId2"),
                    "CostCenterItemId3": row.get("CostCenterItemId3"),
                    "ProjectId": row.get("ProjectId"),
                    "UnitAbbreviation": unit.get("Abbreviation") if unit else row.get("UnitAbbreviation"),
                    "UnitAbbreviationEnglish": (
                        unit.get("AbbreviationEnglish") if unit else row.get("UnitAbbreviationEnglish")
                    ),
                    "UnitName": unit.get("Name") if unit else row.get("UnitName"),
                    "VatRateId": coding.get("VatRate") if coding else None,
                    "VatRate": None if is_text else rate,
                    "PercentVat": ZERO if is_text else rate,
                    "GreenTechnologyType": row.get("GreenTechnologyType") or 0,
                    "PurchasePrice": purchase,
                    "FreightCosts": _dec(article.get("FreightCosts")) if article else ZERO,
                    "Amount": amount,
                    "AmountNoVat": amount,
                }
            )
        return lines

    @staticmethod
    def _shape_rows(lines: SalesLines, keys: list[str]) -> list[dict[str, Any]]:
        shaped = [{key: row[key] for key in keys} for row in lines.rows]
        if keys is not _DRAFT_ROW_KEYS:  # only draft rows have a nullable UnitPrice
            for row in shaped:
                row["UnitPrice"] = row["UnitPrice"] if row["UnitPrice"] is not None else ZERO
        return shaped

    def _customer_fields(self, data: dict[str, Any], customer: dict[str, Any]) -> dict[str, Any]:
        """Header fields a sales document takes from its customer when they are null."""

        def pick(field: str, customer_field: str | None = None) -> Any:
            value = data.get(field)
            return value if value is not None else customer.get(customer_field or field)

        return {
            "CustomerName": customer["Name"],
            "CustomerNumber": customer.get("CustomerNumber"),
            "InvoiceCustomerName": pick("InvoiceCustomerName", "Name"),
            "InvoiceAddress1": pick("InvoiceAddress1"),
            "InvoiceAddress2": pick("InvoiceAddress2"),
            "InvoicePostalCode": pick("InvoicePostalCode"),
            "InvoiceCity": pick("InvoiceCity"),
            "InvoiceCountryCode": pick("InvoiceCountryCode") or self.state.company["CountryCode"],
            "DeliveryCustomerName": pick("DeliveryCustomerName"),
            "DeliveryAddress1": pick("DeliveryAddress1"),
            "DeliveryAddress2": pick("DeliveryAddress2"),
            "DeliveryPostalCode": pick("DeliveryPostalCode"),
            "DeliveryCity": pick("DeliveryCity"),
            "DeliveryCountryCode": pick("DeliveryCountryCode"),
            "TermsOfPaymentId": pick("TermsOfPaymentId"),
            "CustomerIsPrivatePerson": bool(customer.get("IsPrivatePerson")),
            "ReverseChargeOnConstructionServices": bool(customer.get("ReverseChargeOnConstructionServices")),
            "IncludesVat": False,
        }

    def _currency(self, customer: dict[str, Any]) -> str:
        return str(customer.get("CurrencyCode") or self.state.company["CurrencyCode"])

    def _currency_rate(self, currency: str, given: Any) -> Decimal:
        """Base currency per unit: the invoice's own ``CurrencyRate``, else the company's daily rate (1 for
        the base currency); a currency without a rate is 400 (UNCONFIRMED: eAccounting fetches rates)."""
        if currency == self.state.company["CurrencyCode"]:
            return Decimal(1)
        if given is not None and _dec(given) > 0:
            return _dec(given)
        rate = self.state.currency_rates.get(currency)
        if rate is None:
            raise invalid([field_error("CurrencyRate", "Required", f"No exchange rate for {currency}.")])
        return rate

    # -- customer invoice drafts -------------------------------------------------------------------
    def save_draft(
        self, data: dict[str, Any], old: dict[str, Any] | None = None, *, record_id: str | None = None
    ) -> dict[str, Any]:
        """Validate and keep a customer invoice draft (POST, or PUT over ``old``); answers it as shown."""
        resource = RESOURCES["customerinvoicedrafts"]
        with self.state.lock:
            errors = check_fields(resource.fields, data, resource.required)
            customer = self._customer(data, errors)
            self._check_reference(data, "TermsOfPaymentId", "termsofpayments", errors)
            lines = self._sales_lines(data, customer, errors, kind="draft") if customer else SalesLines()
            if errors or customer is None:
                raise invalid(errors)
            check_row_cost_centers(self.state, data.get("Rows") or [])
            record = self.state.normalise(resource, data)
            total = lines.net + lines.vat
            # In the company's currency at its daily rate (a draft takes no rate of its own; converting it
            # books at that rate): what the bookkeeper sees beside the invoice-currency totals.
            currency = self._currency(customer)
            daily = (
                Decimal(1)
                if currency == self.state.company["CurrencyCode"]
                else self.state.currency_rates.get(currency, Decimal(1))
            )
            record.update(
                Id=old["Id"] if old else (record_id or str(uuid.uuid4())),
                CreatedUtc=old["CreatedUtc"] if old else self.state.now_text(),
                Rows=self._shape_rows(lines, _DRAFT_ROW_KEYS),
                **self._customer_fields(data, customer),
                InvoiceCurrencyCode=self._currency(customer),
                TotalAmount=total,
                TotalVatAmount=lines.vat,
                TotalRoundings=ZERO,
                TotalAmountBaseCurrency=money(total * daily),
                TotalVatAmountBaseCurrency=money(lines.vat * daily),
                MaxAllowedTaxReductionAmount=ZERO,
                Persons=[],
                SalesDocumentAttachments=[],
                MessageThreads=[],
                Notes=[],
            )
            for field in ("InvoicePostalCode", "InvoiceCity"):
                record[field] = customer.get(field)  # read-only on drafts
            return self.state.store("customerinvoicedrafts", record)

    def convert(self, draft_id: str, checks: dict[str, Any] | None = None) -> dict[str, Any]:
        """``POST /customerinvoicedrafts/{id}/convert``: the booked invoice; the draft is removed."""
        return self.convert_record(
            self.record("customerinvoicedrafts", draft_id, "customer invoice draft"), checks or {}
        )

    def convert_record(self, draft: dict[str, Any], checks: dict[str, Any]) -> dict[str, Any]:
        """Book the stored ``draft`` (``checks``: the values the caller expects it to have)."""
        with self.state.lock:
            shown = self.state.render("customerinvoicedrafts", draft)
            for field, mine in (
                ("TotalAmountInvoiceCurrency", shown["TotalAmount"]),
                ("TotalVatAmountInvoiceCurrency", shown["TotalVatAmount"]),
                ("TotalRoundingsInvoiceCurrency", shown["TotalRoundings"]),
            ):
                expected = checks.get(field)
                if expected is not None and _dec(expected) != mine:
                    raise invalid(
                        [field_error(field, "Mismatch", f"{field} is {mine}, not {expected}.")],
                        message="The draft does not match the values to validate.",
                    )
            row_errors = _row_mismatches(shown["Rows"], checks.get("Rows"))
            if row_errors:
                raise invalid(row_errors, message="The draft does not match the values to validate.")
            invoice = self._book_invoice(shown, draft_id=draft["Id"], kind="draft")
            self.state.delete("customerinvoicedrafts", draft["Id"])
            return invoice

    # -- customer invoices -------------------------------------------------------------------------
    def create_invoice(self, data: dict[str, Any]) -> dict[str, Any]:
        """``POST /customerinvoices``: book the body, or convert the draft in ``CreatedFromDraftId``."""
        resource = RESOURCES["customerinvoices"]
        with self.state.lock:
            draft_id = data.get("CreatedFromDraftId")
            if isinstance(draft_id, str) and GUID.match(draft_id):
                draft = self.state.records["customerinvoicedrafts"].get(draft_id.lower())
                if draft is None:
                    raise invalid(
                        [field_error("CreatedFromDraftId", "NotFound", f"Draft {draft_id} does not exist.")]
                    )
                return self.convert_record(draft, {})
            errors = check_fields(resource.fields, data, resource.required)
            if not isinstance(data.get("Rows"), list) or not data["Rows"]:
                errors.append(field_error("Rows", "Required", "An invoice needs at least one row."))
            if errors:
                raise invalid(errors)
            check_row_cost_centers(self.state, data["Rows"])
            return self._book_invoice(data, draft_id=None, kind="invoice")

    def _book_invoice(self, data: dict[str, Any], *, draft_id: str | None, kind: str) -> dict[str, Any]:
        """Validate, number and book an invoice from a draft (as shown) or a POST body."""
        state = self.state
        errors: list[dict[str, Any]] = []
        customer = self._customer(data, errors)
        terms = self._check_reference(data, "TermsOfPaymentId", "termsofpayments", errors)
        if customer is None:
            raise invalid(
                errors or [field_error("CustomerId", "Required", "The CustomerId field is required.")]
            )
        lines = self._sales_lines(data, customer, errors, kind=kind)
        if errors:
            raise invalid(errors)
        today = state.today()
        invoice_date = as_date(data.get("InvoiceDate")) or today
        if invoice_date > today:
            raise HttpError(
                error_response(
                    400,
                    4023,
                    "FutureDateCannotBeSet: the invoice date cannot be in the future.",
                    [
                        field_error(
                            "InvoiceDate", "FutureDateCannotBeSet", "The invoice date is in the future."
                        )
                    ],
                )
            )
        fiscal_year = fiscal_year_containing(state, invoice_date)
        header = self._customer_fields(data, customer)
        if terms is None and header["TermsOfPaymentId"]:
            terms = state.get("termsofpayments", header["TermsOfPaymentId"])
        due = data.get("DueDate")
        due_date = date_text(due) if due else _due_date(invoice_date, terms).isoformat()
        net, vat = lines.net, lines.vat
        total = net + vat
        credit = total < 0 or bool(data.get("IsCreditInvoice"))
        currency = self._currency(customer)
        rate_given = data.get("CurrencyRate") if kind == "invoice" else None
        rate = self._currency_rate(currency, rate_given)
        base_total = money(total * rate)
        voucher_rows: list[dict[str, Any]] = [_voucher_row(RECEIVABLES_ACCOUNT, base_total, "Kundfordran")]
        for account, amount in lines.net_by_account.items():
            voucher_rows.append(_voucher_row(account, -money(amount * rate), "Försäljning"))
        base_vat = ZERO
        for vat_rate, amount in lines.vat_by_rate().items():
            if amount:
                vat_account = OUTPUT_VAT_ACCOUNTS.get(vat_rate * 100)
                if vat_account is None:
                    raise invalid(
                        [field_error("Rows", "VatRate", f"No output VAT account for {vat_rate * 100}%.")]
                    )
                base_vat += money(amount * rate)
                voucher_rows.append(_voucher_row(vat_account, -money(amount * rate), "Utgående moms"))
        # Each amount is converted and rounded on its own; what the öre lost goes to 3740.
        remainder = -sum((r["DebitAmount"] - r["CreditAmount"] for r in voucher_rows), ZERO)
        voucher_rows.append(_voucher_row(ROUNDING_ACCOUNT, remainder, "Öresutjämning"))
        voucher_rows = [r for r in voucher_rows if r["DebitAmount"] or r["CreditAmount"]]
        invoice_id = str(uuid.uuid4())
        number = state.take_invoice_number()
        now = state.now_text()
        voucher = self._store_voucher(
            fiscal_year["Id"],
            invoice_date,
            f"Kundfaktura {number}, {customer['Name']}",
            voucher_rows,
            series="B",
            voucher_type=15 if credit else 14,
            source_id=invoice_id,
        )
        record: dict[str, Any] = {
            "Id": invoice_id,
            "EuThirdParty": bool(data.get("EuThirdParty")),
            "IsCreditInvoice": bool(data.get("IsCreditInvoice")),
            "CurrencyCode": currency,
            "CurrencyRate": rate,
            "CreatedByUserId": None,
            "TotalAmount": base_total,
            "TotalVatAmount": base_vat,
            "TotalRoundings": ZERO,
            "TotalAmountInvoiceCurrency": total,
            "TotalVatAmountInvoiceCurrency": vat,
            "SetOffAmountInvoiceCurrency": ZERO,
            "CustomerId": customer["Id"],
            "Rows": self._shape_rows(lines, _INVOICE_ROW_KEYS),
            "VatSpecification": lines.specification(),
            "InvoiceDate": invoice_date.isoformat(),
            "DueDate": due_date,
            "DeliveryDate": date_text(data.get("DeliveryDate")),
            "RotReducedInvoicingType": data.get("RotReducedInvoicingType") or 0,
            "MaxAllowedTaxReductionAmount": ZERO,
            "RotReducedInvoicingAmount": data.get("RotReducedInvoicingAmount"),
            "RotReducedInvoicingPercent": ZERO,
            "RotReducedInvoicingPropertyName": data.get("RotReducedInvoicingPropertyName"),
            "RotReducedInvoicingOrgNumber": data.get("RotReducedInvoicingOrgNumber"),
            "Persons": [],
            "RotReducedInvoicingAutomaticDistribution": bool(
                data.get("RotReducedInvoicingAutomaticDistribution")
            ),
            "ElectronicReference": data.get("ElectronicReference"),
            "SubscriptionNumber": data.get("SubscriptionNumber"),
            "ContractNumber": data.get("ContractNumber"),
            "ElectronicAddress": customer.get("ElectronicAddress"),
            "EdiServiceDelivererId": data.get("EdiServiceDelivererId"),
            "OurReference": data.get("OurReference"),
            "YourReference": data.get("YourReference"),
            "BuyersOrderReference": data.get("BuyersOrderReference"),
            **{k: v for k, v in header.items() if k not in ("IncludesVat",)},
            "DeliveryMethodName": data.get("DeliveryMethodName"),
            "DeliveryTermName": data.get("DeliveryTermName"),
            "DeliveryMethodCode": data.get("DeliveryMethodCode"),
            "DeliveryTermCode": data.get("DeliveryTermCode"),
            "TermsOfPaymentId": header["TermsOfPaymentId"],
            "CustomerEmail": customer.get("EmailAddress"),
            "InvoiceNumber": number,
            "PaymentReferenceNumber": payment_reference(state, number),
            "RotPropertyType": data.get("RotPropertyType"),
            "SalesDocumentAttachments": [],
            "MessageThreads": [],
            "Notes": [],
            "HasAutoInvoiceError": False,
            "IsNotDelivered": False,
            "WorkHouseOtherCosts": data.get("WorkHouseOtherCosts"),
            "RemainingAmount": base_total,
            "RemainingAmountInvoiceCurrency": total,
            "ReferringInvoiceId": None,
            "CreatedFromOrderId": None,
            "CreatedFromQuoteId": None,
            "CreatedFromDraftId": draft_id,
            "VoucherNumber": voucher["NumberAndNumberSeries"],
            "VoucherId": voucher["Id"],
            "CreatedUtc": now,
            "ModifiedUtc": now,
            "ReversedConstructionVatInvoicing": False,
            "IncludesVat": False,
            "SendType": data.get("SendType"),
            "PaymentReminderIssued": False,
            "PaymentRemindersCount": 0,
            "LastPaymentReminderSentDate": None,
            "UsesGreenTechnology": bool(data.get("UsesGreenTechnology")),
            "IsSold": False,
            "FactoringInvoiceStatus": 0,
            "PaymentDate": None,
            "PaymentStatus": 1,
            "CreditedBy": [],
            "IsDirectDebit": data.get("IsDirectDebit"),
            "IsQuickInvoice": False,
            "IsCollectiveInvoice": False,
            "CollectiveCustomerInvoiceRowsRelationToOrders": [],
            "ReplaceUnitPriceWhenZero": bool(data.get("ReplaceUnitPriceWhenZero")),
            "TaxDeductionStatus": 0,
            "BackgroundId": data.get("BackgroundId"),
        }
        return state.store("customerinvoices", record)

    def send_email(self, invoice: dict[str, Any], body: dict[str, Any]) -> None:
        """``POST /customerinvoices/{id}/email``: the e-mail goes to ``state.sent_emails``."""
        fields = {"Email": RESOURCES["companysettings"].fields["Email"]}
        errors = check_fields(fields, body)
        customer = self.state.get("customers", invoice["CustomerId"]) or {}
        recipient = body.get("Email") or customer.get("EmailAddress")
        if not recipient:
            errors.append(
                field_error(
                    "Email", "Required", "No recipient: give Email or set the customer's EmailAddress."
                )
            )
        if errors:
            raise invalid(errors)
        if "CcRecipients" in body and body["CcRecipients"] is None:
            cc: list[str] = []
        else:
            cc = list(body.get("CcRecipients") or customer.get("EmailAddresses") or [])
        company = self.state.company
        subject = body.get("Subject") or f"Faktura #### från {company['Name']}"
        texts = company.get("CompanyText") or {}
        foreign = self._is_foreign(customer) if customer else False
        message = body.get("Message") or texts.get(
            "InvoiceEmailForeign" if foreign else "InvoiceEmailDomestic"
        )
        with self.state.lock:
            self.state.sent_emails.append(
                {
                    "InvoiceId": invoice["Id"],
                    "InvoiceNumber": invoice["InvoiceNumber"],
                    "Email": recipient,
                    "CcRecipients": cc,
                    "Subject": str(subject).replace("####", str(invoice["InvoiceNumber"])),
                    "Message": message,
                    "SentUtc": self.state.now_text(),
                }
            )

    # -- orders ------------------------------------------------------------------------------------
    def save_order(
        self, data: dict[str, Any], old: dict[str, Any] | None = None, *, record_id: str | None = None
    ) -> dict[str, Any]:
        """Validate and keep a sales order (POST, or PUT over ``old``); answers it as shown."""
        resource = RESOURCES["orders"]
        with self.state.lock:
            errors = check_fields(resource.fields, data, resource.required)
            status = data.get("Status")
            if isinstance(status, int) and not 1 <= status <= 4:
                errors.append(
                    field_error("Status", "Range", "Status is 1 Draft, 2 Ongoing, 3 Shipped or 4 Invoiced.")
                )
            customer = self._customer(data, errors)
            self._check_reference(data, "TermsOfPaymentId", "termsofpayments", errors)
            lines = self._sales_lines(data, customer, errors, kind="order") if customer else SalesLines()
            if errors or customer is None:
                raise invalid(errors)
            record = self.state.normalise(resource, data)
            now = self.state.now_text()
            numbers = [int(o.get("Number") or 0) for o in self.state.records["orders"].values()]
            delivered_net = sum(lines.delivered_by_rate.values(), ZERO)
            delivered_vat = sum(lines.vat_by_rate(lines.delivered_by_rate).values(), ZERO)
            record.update(
                Id=old["Id"] if old else (record_id or str(uuid.uuid4())),
                CreatedUtc=old["CreatedUtc"] if old else now,
                ModifiedUtc=now,
                Number=old["Number"] if old else max(numbers, default=0) + 1,
                Rows=self._shape_rows(lines, _ORDER_ROW_KEYS),
                **self._customer_fields(data, customer),
                CurrencyCode=data.get("CurrencyCode") or self._currency(customer),
                Amount=lines.net + lines.vat,
                VatAmount=lines.vat,
                RoundingsAmount=ZERO,
                DeliveredAmount=delivered_net + delivered_vat,
                DeliveredVatAmount=delivered_vat,
                DeliveredRoundingsAmount=ZERO,
                DeliveryTermId=None,
                DeliveryMethodId=None,
                MaxAllowedTaxReductionAmount=ZERO,
                RotReducedInvoicingPercent=ZERO,
                Persons=[],
                SalesDocumentAttachments=[],
                MessageThreads=[],
                Notes=[],
                IsNotDelivered=False,
                CreatedFromQuoteId=None,
                BackgroundId=None,
            )
            record["ReverseChargeOnConstructionServices"] = bool(
                data.get("ReverseChargeOnConstructionServices")
                or customer.get("ReverseChargeOnConstructionServices")
            )
            return self.state.store("orders", record)

    # -- supplier invoice drafts -------------------------------------------------------------------
    def save_supplier_draft(self, data: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
        """Validate (incl. the balance rule) and keep a supplier invoice draft; answers it as shown."""
        resource = RESOURCES["supplierinvoicedrafts"]
        state = self.state
        with state.lock:
            errors = check_fields(resource.fields, data, resource.required)
            supplier = self._check_reference(data, "SupplierId", "suppliers", errors)
            if errors:
                raise invalid(errors)
            check_row_cost_centers(state, data.get("Rows") or [])
            day = as_date(data.get("InvoiceDate")) or state.today()
            fiscal_year = fiscal_year_containing(state, day)
            rows: list[dict[str, Any]] = []
            debit = credit = vat = ZERO
            for index, row in enumerate(data.get("Rows") or []):
                if not isinstance(row, dict):
                    continue
                prefix = f"Rows[{index}]."
                row_errors = check_fields(SUPPLIER_DRAFT_ROW_FIELDS, row, ("AccountNumber",), prefix)
                errors.extend(row_errors)
                if row_errors:
                    continue
                account = state.account(fiscal_year["Id"], row["AccountNumber"])
                if account is None:
                    errors.append(
                        field_error(
                            prefix + "AccountNumber",
                            "AccountNotFound",
                            f"Account {row['AccountNumber']} does not exist in the fiscal year of {day}.",
                        )
                    )
                    continue
                row_debit, row_credit = _dec(row.get("DebitAmount")), _dec(row.get("CreditAmount"))
                for field, value in (("DebitAmount", row_debit), ("CreditAmount", row_credit)):
                    if decimals(value) > 2:
                        errors.append(
                            field_error(prefix + field, "InvalidFormat", f"{field} may have 2 decimals.")
                        )
                debit += row_debit
                credit += row_credit
                if 2640 <= int(row["AccountNumber"]) <= 2649:
                    vat += row_debit - row_credit
                rows.append(
                    {
                        "Id": str(uuid.uuid4()),
                        "AccountNumber": int(row["AccountNumber"]),
                        "AccountName": account["Name"],
                        "VatCodeId": (row.get("VatCodeId") or account.get("VatCodeId")),
                        "CostCenterItemId1": row.get("CostCenterItemId1"),
                        "CostCenterItemId2": row.get("CostCenterItemId2"),
                        "CostCenterItemId3": row.get("CostCenterItemId3"),
                        "ProjectId": row.get("ProjectId"),
                        "DebitAmount": row_debit,
                        "CreditAmount": row_credit,
                        "TransactionText": row.get("TransactionText"),
                        "LineNumber": index + 1,
                        "Quantity": None,
                        "Weight": None,
                        "DeliveryDate": None,
                        "HarvestYear": None,
                        "VatAmount": None,
                        "ProportionalVatRateValue": None,
                    }
                )
            if errors:
                account_only = all(e["ErrorCode"] == "AccountNotFound" for e in errors)
                if account_only:
                    raise invalid(errors, 3002, "AccountNotFound: an account on the rows does not exist.")
                raise invalid(errors)
            total = _dec(data.get("TotalAmount"))
            expected = -abs(total) if data.get("IsCreditInvoice") else total
            if debit - credit != expected:
                raise HttpError(
                    error_response(
                        400,
                        4032,
                        "SupplierInvoiceDoesntBalance: The amount on standard account 2440 is not equal with "
                        f"TotalAmount (rows: debit {debit} - credit {credit} = {debit - credit}, "
                        f"TotalAmount {total}).",
                        [
                            field_error(
                                "TotalAmount", "SupplierInvoiceDoesntBalance", "The rows do not balance."
                            )
                        ],
                    )
                )
            assert supplier is not None
            terms = (
                state.get("termsofpayments", supplier["TermsOfPaymentId"])
                if supplier.get("TermsOfPaymentId")
                else None
            )
            record = state.normalise(resource, data)
            now = state.now_text()
            record.update(
                Id=old["Id"] if old else str(uuid.uuid4()),
                IsAutoInvoiceInterimSupplier=False,
                InvoiceDate=day.isoformat(),
                DueDate=date_text(data["DueDate"])
                if data.get("DueDate")
                else _due_date(day, terms).isoformat(),
                Vat=data.get("Vat") if data.get("Vat") is not None else vat,
                CurrencyCode=data.get("CurrencyCode")
                or supplier.get("CurrencyCode")
                or state.company["CurrencyCode"],
                CurrencyRate=data.get("CurrencyRate") if data.get("CurrencyRate") is not None else Decimal(1),
                CreatedUtc=old["CreatedUtc"] if old else now,
                ModifiedUtc=now,
                Rows=rows,
                SupplierName=data.get("SupplierName") or supplier["Name"],
                SupplierNumber=data.get("SupplierNumber") or supplier.get("SupplierNumber"),
                IsDomestic=(
                    data["IsDomestic"]
                    if data.get("IsDomestic") is not None
                    else (supplier.get("CountryCode") or "SE") == state.company["CountryCode"]
                ),
                ApprovalStatus=0,
                AllocationPeriods=[],
                SupplierInvoiceOrigin=2,
                MessageThreads=[],
                Notes=[],
                CanBeApprovedByCurrentUser=False,
                CanBeBookeptByCurrentUser=True,
                ApprovalOrderType=0,
                Approvers=[],
                ApprovalRequestedBy=None,
            )
            return state.store("supplierinvoicedrafts", record)

    # -- vouchers ----------------------------------------------------------------------------------
    def create_voucher(self, data: dict[str, Any], *, use_default_series: bool = True) -> dict[str, Any]:
        """Validate and book a manual voucher (``POST /vouchers``)."""
        resource = RESOURCES["vouchers"]
        state = self.state
        with state.lock:
            errors = check_fields(resource.fields, data, resource.required)
            rows: list[dict[str, Any]] = []
            raw_rows: list[Any] = data["Rows"] if isinstance(data.get("Rows"), list) else []
            if isinstance(data.get("Rows"), list) and not raw_rows:
                errors.append(field_error("Rows", "Required", "A voucher needs rows."))
            for index, row in enumerate(raw_rows):
                if not isinstance(row, dict):
                    continue  # reported as Rows InvalidType
                prefix = f"Rows[{index}]."
                row_errors = check_fields(VOUCHER_ROW_FIELDS, row, ("AccountNumber",), prefix)
                for field in ("DebitAmount", "CreditAmount"):
                    value = row.get(field)
                    if isinstance(value, int | Decimal) and not isinstance(value, bool):
                        if value < 0 or decimals(value) > 2:
                            row_errors.append(
                                field_error(
                                    prefix + field,
                                    "InvalidFormat",
                                    f"{field} is ≥ 0 with at most 2 decimals.",
                                )
                            )
                errors.extend(row_errors)
                if not row_errors:
                    rows.append(
                        {
                            "AccountNumber": int(row["AccountNumber"]),
                            "DebitAmount": _dec(row.get("DebitAmount")),
                            "CreditAmount": _dec(row.get("CreditAmount")),
                            "TransactionText": row.get("TransactionText"),
                            "CostCenterItemId1": row.get("CostCenterItemId1"),
                            "CostCenterItemId2": row.get("CostCenterItemId2"),
                            "CostCenterItemId3": row.get("CostCenterItemId3"),
                            "VatCodeId": row.get("VatCodeId"),
                            "ProjectId": row.get("ProjectId"),
                        }
                    )
            if errors:
                raise invalid(errors)
            day = as_date(data["VoucherDate"]) or state.today()
            fiscal_year = fiscal_year_containing(state, day)
            debit = sum((r["DebitAmount"] for r in rows), ZERO)
            credit = sum((r["CreditAmount"] for r in rows), ZERO)
            if debit != credit:
                raise invalid(
                    [
                        field_error(
                            "Rows",
                            "Unbalanced",
                            f"Debit {debit} and credit {credit} differ by {debit - credit}.",
                        )
                    ],
                    message=f"The voucher does not balance: sum of debit {debit} ≠ sum of credit {credit}.",
                )
            series = "A"
            if not use_default_series and data.get("NumberSeries"):
                series = str(data["NumberSeries"])
            return self._store_voucher(
                fiscal_year["Id"],
                day,
                data["VoucherText"],
                rows,
                series=series,
                voucher_type=2,
                source_id=None,
            )

    def _store_voucher(
        self,
        fiscal_year_id: str,
        day: date,
        text: str,
        rows: list[dict[str, Any]],
        *,
        series: str,
        voucher_type: int,
        source_id: str | None,
    ) -> dict[str, Any]:
        """Check the accounts (400/3002 naming the rows), number the voucher and keep it."""
        state = self.state
        errors = []
        shown_rows = []
        for index, row in enumerate(rows):
            account = state.account(fiscal_year_id, row["AccountNumber"])
            if account is None:
                errors.append(
                    field_error(
                        f"Rows[{index}].AccountNumber",
                        "AccountNotFound",
                        f"Account {row['AccountNumber']} does not exist in the fiscal year of {day}.",
                    )
                )
                continue
            vat_code = (
                state.get("vatcodes", row["VatCodeId"] or account["VatCodeId"])
                if (row.get("VatCodeId") or account.get("VatCodeId"))
                else None
            )
            shown_rows.append(
                {
                    "AccountNumber": row["AccountNumber"],
                    "AccountDescription": account["Name"],
                    "DebitAmount": row["DebitAmount"],
                    "CreditAmount": row["CreditAmount"],
                    "TransactionText": row.get("TransactionText"),
                    "CostCenterItemId1": row.get("CostCenterItemId1"),
                    "CostCenterItemId2": row.get("CostCenterItemId2"),
                    "CostCenterItemId3": row.get("CostCenterItemId3"),
                    "VatCodeId": vat_code["Id"] if vat_code else None,
                    "VatCodeAndPercent": (
                        f"{vat_code['Code']} ({_percent(vat_code['VatRate'])}%)" if vat_code else None
                    ),
                    "VatAmount": None,
                    "Quantity": None,
                    "Weight": None,
                    "DeliveryDate": None,
                    "HarvestYear": None,
                    "ProjectId": row.get("ProjectId"),
                }
            )
        if errors:
            raise invalid(errors, 3002, "AccountNotFound: an account on the rows does not exist.")
        numbers = [
            v["_Number"]
            for v in state.records["vouchers"].values()
            if v["_FiscalYearId"] == fiscal_year_id and v["NumberSeries"] == series
        ]
        number = max(numbers, default=0) + 1
        now = state.now_text()
        record = {
            "Id": str(uuid.uuid4()),
            "VoucherDate": day.isoformat(),
            "VoucherText": text,
            "Rows": shown_rows,
            "NumberAndNumberSeries": f"{series}{number}",
            "NumberSeries": series,
            "ImportedVoucherNumber": None,
            "ModifiedUtc": now,
            "VoucherType": voucher_type,
            "SourceId": source_id,
            "CreatedUtc": now,
            "_FiscalYearId": fiscal_year_id,
            "_Number": number,
        }
        return state.store("vouchers", record)

    # -- accounts and company settings -------------------------------------------------------------


def _voucher_row(account: int, signed: Decimal, text: str) -> dict[str, Any]:
    """A booking row: positive amounts are debit, negative credit."""
    return {
        "AccountNumber": account,
        "DebitAmount": signed if signed > 0 else ZERO,
        "CreditAmount": -signed if signed < 0 else ZERO,
        "TransactionText": text,
        "VatCodeId": None,
    }


def _row_mismatches(rows: list[dict[str, Any]], checks: Any) -> list[dict[str, Any]]:
    """``CustomerInvoiceDraftValidationApi.Rows``: matched on ``LineNumber``; each given amount (without
    VAT = the row's ``Amount``, with VAT = Amount + round(Amount × rate)) must equal the draft's."""
    by_number = {row["LineNumber"]: row for row in rows}
    errors: list[dict[str, Any]] = []
    for check in checks if isinstance(checks, list) else []:
        if not isinstance(check, dict):
            continue
        number = check.get("LineNumber")
        row = by_number.get(number)
        where = f"Rows[LineNumber={number}]"
        if row is None:
            errors.append(field_error(where, "NotFound", f"The draft has no row with LineNumber {number}."))
            continue
        amount = _dec(row["Amount"])
        with_vat = amount + money(amount * _dec(row.get("VatRate")))
        for field, mine in (
            ("TotalAmountNoVatInvoiceCurrency", amount),
            ("TotalAmountIncVatInvoiceCurrency", with_vat),
        ):
            expected = check.get(field)
            if expected is not None and _dec(expected) != mine:
                errors.append(
                    field_error(f"{where}.{field}", "Mismatch", f"{field} is {mine}, not {expected}.")
                )
    return errors


def _percent(rate: Decimal) -> str:
    percent = Decimal(rate) * 100
    return str(int(percent)) if percent == percent.to_integral_value() else str(percent.normalize())


def fiscal_year_containing(state: EAccountingState, day: date) -> dict[str, Any]:
    """The fiscal year a booking on ``day`` falls in; none is a 400 as eAccounting words it."""
    fiscal_year = state.fiscal_year_for(day)
    if fiscal_year is None:
        raise HttpError(error_response(400, 3001, f"FiscalYearDoesNotExist: no fiscal year contains {day}."))
    return fiscal_year


def _due_date(invoice_date: date, terms: dict[str, Any] | None) -> date:
    if terms is None:
        return invoice_date
    days = int(terms.get("NumberOfDays") or 0)
    kind = terms.get("TermsOfPaymentTypeId") or 0
    if kind == 2:  # cash
        return invoice_date
    if kind == 1:  # current month: counted from the end of the invoice month
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last) + timedelta(days=days)
    return invoice_date + timedelta(days=days)
