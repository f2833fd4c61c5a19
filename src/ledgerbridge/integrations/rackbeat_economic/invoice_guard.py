"""Book an e-conomic invoice only with Rackbeat's totals (issue 11): check the draft, map VAT, round.

e-conomic computes a draft's VAT itself: per line from the product's group (the VAT code of its sales
account) and the VAT zone, rounded per rate on the total. Before booking, the draft is saved again
with the current mapping (so a fix — a setting, a product moved to another group — is seen on
``retry``), read back, and its currency, exchange rate, net, VAT and gross compared with Rackbeat's
(:mod:`ledgerbridge.integrations.totals_guard`). Then:

1. lines whose VAT e-conomic books differently go, where the settings' VAT mapping names a product for
   Rackbeat's rate (``customer_invoices.vat_products``), on that product (text and amounts kept), and
   the draft is saved and checked again;
2. a difference that is only e-conomic's VAT rounding is booked only with
   ``customer_invoices.allow_rounding_differences``: a VAT-free line (the 0 % product of the mapping)
   carries it, so the gross equals Rackbeat's;
3. anything else: the invoice stays a draft and the error log says which lines differ and why.

Rackbeat's exchange rate is compared only as e-conomic must read it (:mod:`..base_currencies`): none for
an invoice in the agreement's base currency or in Rackbeat's own (rate 100: e-conomic's rate converts
it); an invoice in a third currency whose Rackbeat rate is stated per 100 of another base currency than
e-conomic's (``source_base_currency``) stays a draft with the reason.

e-conomic's draft lines carry no VAT rate (only the draft's ``vatAmount``): a line's rate is derived
from its product's group → its sales account for the invoice's VAT zone
(``/product-groups/{n}/sales-accounts``) → VAT code → ``/vat-accounts`` rate, which also gives the
reason in the bookkeeper's words — in an OSS zone too, where the group's sales account for the buyer
country's zone carries that country's rate (``OSSDE7``). Where the rate cannot be known (no sales account
for the domestic or an OSS zone) only the totals are compared, and a mismatch says which group lacks a
sales account for the zone.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import Payload, Record
from ledgerbridge.integrations.base_currencies import rate_for_ledger
from ledgerbridge.integrations.invoice_math import rackbeat_line_total
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.integrations.totals_guard import Line, Totals, TotalsCheck, TotalsMismatch, check
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.errors import NotFoundError

DOMESTIC_ZONE = 1
NO_PRODUCT_RATE = Decimal(25)  # e-conomic books a line without a product at the domestic rate
ROUNDING_TEXT = "Afrunding moms"
SOURCE, LEDGER = "Rackbeat", "e-conomic"


LookupCache = dict[tuple[str, str], Record | None]
_UNREAD: Any = object()
# What a bookkeeper's fix never changes: kept when a check fails (see VatLookup.forget).
_FIXED_KINDS = ("zone", "vat")


class VatLookup:
    """A line's VAT rate in e-conomic and why, read from e-conomic once per product, group and code (and
    the expense accounts a supplier voucher goes to, :mod:`.voucher_guard`).

    ``cache`` may be shared by the invoices of one session (each read then costs one call per run, not per
    invoice); :meth:`forget` drops what this invoice read except VAT zones and codes, so that after a
    mismatch the retry sees a fix (a product moved to another group, a group's sales account changed).
    """

    def __init__(
        self, economic: EconomicClient, settings: RackbeatEconomicSettings, cache: LookupCache | None = None
    ) -> None:
        self.economic = economic
        self.settings = settings
        self._cache: LookupCache = {} if cache is None else cache
        self._read: set[tuple[str, str]] = set()

    def forget(self) -> None:
        for key in self._read:
            if key[0] not in _FIXED_KINDS:
                self._cache.pop(key, None)
        self._read.clear()

    def _get(self, kind: str, path: str) -> Record | None:
        key = (kind, path)
        self._read.add(key)
        # Read into a local: another document of the session may forget the key meanwhile.
        found = self._cache.get(key, _UNREAD)
        if found is _UNREAD:
            try:
                found = self.economic.get(path)
            except NotFoundError:
                found = None
            self._cache[key] = found
        return found

    def account(self, number: int) -> Record | None:
        """An account of the chart of accounts (``/accounts/{n}``: its ``vatAccount.vatCode``), or None
        when e-conomic has no such account."""
        return self._get("account", f"accounts/{number}")

    def code_rate(self, code: str) -> Decimal | None:
        """The rate of a VAT code (``/vat-accounts/{code}``'s ``ratePercentage``), or None when e-conomic
        lists no such code or no rate for it."""
        found = self._get("vat", f"vat-accounts/{code}")
        rate = (found or {}).get("ratePercentage")
        return Decimal(str(rate)).normalize() if rate is not None else None

    def _sales_accounts(self, group: int) -> list[Record]:
        key = ("sales-accounts", str(group))
        self._read.add(key)
        if key not in self._cache:
            try:
                rows = list(self.economic.iter_collection(f"product-groups/{group}/sales-accounts"))
            except NotFoundError:
                rows = []
            self._cache[key] = {"rows": rows}
        return list((self._cache[key] or {}).get("rows") or [])

    def zone_name(self, zone: int) -> str:
        record = self._get("zone", f"vat-zones/{zone}") or {}
        return f"VAT zone {zone} ('{record.get('name') or '?'}')"

    def line_rate(
        self, zone: int, product: str | None, source_rate: Decimal
    ) -> tuple[Decimal | None, str, str]:
        """``(rate or None when unknown, reason, fix)`` for a line on ``product`` in VAT ``zone``.

        The product's group names its sales account per VAT zone; that account's VAT code gives the
        rate. A zone the group has no sales account for books no VAT, except the domestic and OSS zones,
        where the rate cannot be known then (None: only the totals are compared).
        """
        mapping = "map it in settings (customer_invoices.vat_products)"
        oss = zone in self.settings.customer_invoices.one_stop_vat_zones.values()

        def no_vat() -> tuple[Decimal | None, str, str]:  # the zone's name is read only when it is said
            return (
                Decimal(0),
                f"because {self.zone_name(zone)} books no VAT",
                "check the customer's VAT zone in Rackbeat and e-conomic",
            )

        if product is None:
            if zone == DOMESTIC_ZONE:
                reason = "because the line has no product (e-conomic books 25% on such lines)"
                return NO_PRODUCT_RATE, reason, mapping
            if oss:
                return None, f"a line without a product in {self.zone_name(zone)}", mapping
            return no_vat()
        record = self._get("product", self.economic.resource_path("products", product))
        group_number = ((record or {}).get("productGroup") or {}).get("productGroupNumber")
        if group_number is None:
            return None, "", ""
        group = self._get("group", f"product-groups/{group_number}") or {}
        account: Record = next(
            (
                row.get("salesAccount") or {}
                for row in self._sales_accounts(group_number)
                if (row.get("vatZone") or {}).get("vatZoneNumber") == zone
            ),
            {},
        )
        account_number = account.get("accountNumber")
        if account_number is None:
            if oss:  # e-conomic then charges a rate the API does not show: say what makes it checkable
                return (
                    None,
                    f"product group {group_number} ('{group.get('name')}') has no sales account for "
                    f"{self.zone_name(zone)}",
                    "give it one there whose VAT code is the buyer country's rate (e-conomic: product "
                    "group → sales accounts per VAT zone)",
                )
            return (None, "", "") if zone == DOMESTIC_ZONE else no_vat()
        code = (account.get("vatAccount") or {}).get("vatCode")
        where = f"product group {group_number} ('{group.get('name')}')'s sales account {account_number}"
        in_zone = f" in {self.zone_name(zone)}" if zone != DOMESTIC_ZONE else ""
        group_words = (
            "a VAT-free product group" if source_rate == 0 else f"a product group that books {source_rate}%"
        )
        fix = f"move product {product} to {group_words} or {mapping}"
        if not code:
            return Decimal(0), f"because {where} has no VAT code{in_zone}", fix
        vat_account = self._get("vat", f"vat-accounts/{code}")
        if vat_account is None or vat_account.get("ratePercentage") is None:
            return None, f"{where} has VAT code {code}, whose rate e-conomic does not list", ""
        rate = Decimal(str(vat_account["ratePercentage"]))
        return rate, f"because {where} has VAT code {code}{in_zone}", fix


def source_totals(invoice: Record) -> Totals:
    """Rackbeat's totals of an invoice: its own, and each line's net and VAT rate."""
    lines = [
        Line(
            position,
            rackbeat_line_total(line),
            Decimal(str(line.get("vat_percentage") or 0)),
            label=f"product {line['child_id']}" if line.get("child_id") else str(line.get("name") or ""),
        )
        for position, line in enumerate(invoice.get("lines") or [], start=1)
    ]
    currency = str(invoice.get("currency") or "DKK")
    rate = invoice.get("currency_rate")
    exchange = Decimal(str(rate)) if rate is not None else None
    if invoice.get("total_total") is None:
        return Totals.from_lines(currency, lines, exchange_rate=exchange)
    return Totals(
        currency,
        Decimal(str(invoice["total_subtotal"])),
        Decimal(str(invoice["total_vat"])),
        Decimal(str(invoice["total_total"])),
        lines,
        exchange,
    )


class InvoiceGuard:
    """Brings an e-conomic draft to Rackbeat's totals, or explains why it cannot."""

    def __init__(
        self,
        economic: EconomicClient,
        invoice: Record,
        document: Payload,
        owners: list[int],
        settings: RackbeatEconomicSettings,
        *,
        base_currency: str,
        source_base_currency: str | None = None,
        lookups: LookupCache | None = None,
        saved: Record | None = None,
    ) -> None:
        self.economic = economic
        self.invoice = invoice
        self.document = document
        self.owners = owners  # per e-conomic line: the Rackbeat line's position
        self.settings = settings
        self.base_currency = base_currency
        self.lookup = VatLookup(economic, settings, lookups)  # ``lookups``: the session's cache
        # The draft as e-conomic answered its creation a moment ago from this very document (None: read it
        # by saving it again): the first check needs no PUT of what was just POSTed.
        self.saved = saved
        # Why lines could not be compared one by one (a rate e-conomic's API does not show), with the fix.
        self.unchecked: list[str] = []
        source = source_totals(invoice)
        # Rackbeat's rate as e-conomic must read it (base_currencies): none for the agreement's own
        # currency or Rackbeat's (rate 100: e-conomic converts it at its own rate), a refusal when Rackbeat
        # states it per 100 of another base currency than e-conomic's.
        use = rate_for_ledger(
            source.currency,
            source.exchange_rate,
            ledger_base=base_currency,
            source_base=source_base_currency,
            gross=source.gross,
            ledger_name=LEDGER,
            document=f"invoice {invoice['number']}",
        )
        self.refusal = use.refusal
        self.source = Totals(source.currency, source.net, source.vat, source.gross, source.lines, use.rate)

    def bring_to_source(self, draft_number: int) -> TotalsCheck:
        """Save the draft with the current mapping, check it, map VAT and round where allowed.

        Raises :class:`TotalsMismatch` (a MappingError) with the bookkeeper's explanation when the totals
        still differ.
        """
        if self.refusal is not None:
            raise TotalsMismatch(self.refusal)
        try:
            return self._bring_to_source(draft_number)
        except TotalsMismatch:
            self.lookup.forget()  # a retry after the fix reads the products and groups again
            raise

    def _bring_to_source(self, draft_number: int) -> TotalsCheck:
        settings = self.settings.customer_invoices
        document = copy.deepcopy(self.document)
        adjustment_lines = 0
        result, lines = self._save_and_check(draft_number, document, adjustment_lines)
        mapped = self._map_vat(document, lines)
        if mapped:
            result, lines = self._save_and_check(draft_number, document, adjustment_lines)
        if result.rounding_only and settings.allow_rounding_differences and result.adjustment:
            product = next(p for r, p in settings.vat_products.items() if Decimal(r) == 0)
            document["lines"].append(
                {
                    "lineNumber": len(document["lines"]) + 1,
                    "sortKey": len(document["lines"]) + 1,
                    "description": ROUNDING_TEXT,
                    "product": {"productNumber": product},
                    "quantity": Decimal(1),
                    "unitNetPrice": result.adjustment,
                }
            )
            adjustment_lines = 1
            result, lines = self._save_and_check(draft_number, document, adjustment_lines)
        if not result.ok:
            message = result.message(f"invoice {self.invoice['number']}")
            if self.unchecked:
                message += "; the lines' VAT rates could not be checked one by one: " + "; ".join(
                    self.unchecked
                )
            raise TotalsMismatch(message)
        return result

    def _save_and_check(
        self, draft_number: int, document: Payload, adjustment_lines: int
    ) -> tuple[TotalsCheck, list[Line]]:
        saved, self.saved = self.saved, None
        if saved is not None and int(saved.get("draftInvoiceNumber") or 0) == draft_number:
            draft = saved
        else:
            draft = self.economic.replace(f"invoices/drafts/{draft_number}", document)
        lines = self._ledger_lines(draft, document, adjustment_lines)
        rate = draft.get("exchangeRate")
        ledger = Totals(
            str(draft.get("currency") or ""),
            Decimal(str(draft.get("netAmount") or 0)),
            Decimal(str(draft.get("vatAmount") or 0)),
            Decimal(str(draft.get("grossAmount") or 0)),
            lines,
            Decimal(str(rate)) if rate is not None and self.source.exchange_rate is not None else None,
        )
        result = check(
            self.source,
            ledger,
            source_name=SOURCE,
            ledger_name=LEDGER,
            allow_rounding=self.settings.customer_invoices.allow_rounding_differences,
        )
        return result, lines

    def _ledger_lines(self, draft: Record, document: Payload, adjustment_lines: int) -> list[Line]:
        """Per Rackbeat line, what e-conomic made of it; [] when a rate cannot be known (OSS zones)."""
        zone = int(((draft.get("recipient") or {}).get("vatZone") or {}).get("vatZoneNumber") or 0)
        by_number = {int(x.get("lineNumber") or 0): x for x in draft.get("lines") or []}
        sent = document["lines"]
        out: list[Line] = []
        self.unchecked = []
        for position, source in enumerate(self.source.lines, start=1):
            net = Decimal(0)
            chosen: tuple[Decimal | None, str, str] | None = None
            for index, owner in enumerate(self.owners):
                if owner != position:
                    continue
                line = by_number.get(index + 1) or {}
                net += Decimal(str(line.get("totalNetAmount") or 0))
                product = (sent[index].get("product") or {}).get("productNumber")
                found = self.lookup.line_rate(zone, product, source.vat_rate)
                if found[0] is None:
                    why = " — ".join(x for x in found[1:] if x)
                    self.unchecked = [f"line {position} ({source.label}): {why}"] if why else []
                    return []
                if chosen is None or (chosen[0] == source.vat_rate and found[0] != source.vat_rate):
                    chosen = found
            rate, reason, fix = chosen or (source.vat_rate, "", "")
            assert rate is not None
            out.append(Line(position, net, rate, label=source.label, reason=reason, fix=fix))
        for extra in sent[len(self.owners) : len(self.owners) + adjustment_lines]:
            line = by_number.get(int(extra["lineNumber"])) or {}
            out.append(
                Line(
                    int(extra["lineNumber"]),
                    Decimal(str(line.get("totalNetAmount") or 0)),
                    Decimal(0),
                    adjustment=True,
                )
            )
        return out

    def _map_vat(self, document: Payload, lines: list[Line]) -> bool:
        """Put lines whose rate e-conomic books differently on the settings' product for Rackbeat's rate."""
        products = {Decimal(r): p for r, p in self.settings.customer_invoices.vat_products.items()}
        changed = False
        for source, ledger in zip(self.source.lines, lines, strict=False):
            wanted = products.get(source.vat_rate)
            if ledger.vat_rate == source.vat_rate or wanted is None:
                continue
            for index, owner in enumerate(self.owners):
                if owner == source.position:
                    line: dict[str, Any] = document["lines"][index]
                    original = (line.get("product") or {}).get("productNumber")
                    line["product"] = {"productNumber": wanted}
                    line.pop("unit", None)
                    if original and original != wanted and "Rackbeat" not in str(line.get("description")):
                        line["description"] = f"{line.get('description') or ''} (Rackbeat {original})".strip()
                    changed = True
        return changed
