"""Rackbeat ↔ eAccounting in real time (seeds 000 and 002).

| trigger                                   | what happens                                              |
|-------------------------------------------|-----------------------------------------------------------|
| Rackbeat product / lot created, updated   | the eAccounting article (Product settings); a product's   |
|                                           | category as an article label first (:mod:`.categories`)   |
| Rackbeat customer created, updated        | the eAccounting customer (Customer settings)              |
| Rackbeat supplier created, updated        | the eAccounting supplier (seed 000)                       |
| safety-net scan: a category new or renamed| its article label (no category webhooks; fingerprints)    |
| Rackbeat customer_invoice.booked          | draft / invoiced / invoiced and e-mailed, once            |
| Rackbeat supplier_invoice.booked          | a supplier invoice draft, once (if switched on)           |
| every ``orders.interval_seconds``         | new and changed eAccounting orders → Rackbeat orders      |
| every ``poll_minutes`` (eAccounting master)| eAccounting customers / articles → Rackbeat              |
| daily / weekly / monthly                  | the inventory value as a balanced voucher, once a period  |

eAccounting has no webhooks in production (research §8), so everything that flows from it is polled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.ledger import Step, StepContext, TransferResult
from ledgerbridge.engine.runner import OneWaySync, RunAborted
from ledgerbridge.engine.streams import MappingError, Record, Stream
from ledgerbridge.integrations.base_currencies import CrossRate, cross_rate, rackbeat_base_currency
from ledgerbridge.integrations.own_numbers import keep_order_numbers
from ledgerbridge.integrations.rackbeat_eaccounting import documents, invoice_guard
from ledgerbridge.integrations.rackbeat_eaccounting.categories import ENTITY as CATEGORY
from ledgerbridge.integrations.rackbeat_eaccounting.categories import changed_categories, with_categories
from ledgerbridge.integrations.rackbeat_eaccounting.from_eaccounting import Orders, changed
from ledgerbridge.integrations.rackbeat_eaccounting.mappers import supplier_invoice
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.invoice import (
    InvoiceToEAccounting,
    customer_of,
    items_of,
    terms_of,
)
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.supplier_invoice import (
    SupplierInvoiceToEAccounting,
)
from ledgerbridge.integrations.rackbeat_eaccounting.settings import (
    InitialSyncSettings,
    RackbeatEAccountingSettings,
)
from ledgerbridge.integrations.rackbeat_eaccounting.startup import (
    EACCOUNTING,
    EAccountingReads,
    company_lookup,
    eaccounting_to_rackbeat_flows,
)
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import (
    EAccountingCatalog,
    MasterMapper,
    master_data_flows,
)
from ledgerbridge.integrations.rackbeat_eaccounting.vat_articles import VatArticles
from ledgerbridge.integrations.rackbeat_realtime import (
    MASTER_EVENTS,
    RACKBEAT,
    MasterRefs,
    RackbeatRealtime,
    master_lock,
    rackbeat_summary,
)
from ledgerbridge.store.db import Store
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import AuthError, TransientError
from ledgerbridge.systems.rackbeat import RackbeatClient

# eAccounting has articles, customers, customer labels and suppliers; product groups, terms and units are
# only matched (its API cannot write them).
EACCOUNTING_EVENTS = {
    **{k: MASTER_EVENTS[k] for k in ("customer", "supplier", "product", "lot")},
    "customer_group": ("customer_label", "customer-groups"),
}
MASTER_OF = {
    "customer": "customers",
    "customer_label": "customers",
    "supplier": "customers",
    "product": "products",
    "bom": "products",
}
# Rackbeat has no category webhooks: the scan names a new or renamed category by this event.
CATEGORY_EVENT = f"{CATEGORY}.updated"


def supplier_invoice_words(remote_key: str) -> str:
    """A supplier invoice's remote key in words (a draft's key starts with "draft:")."""
    if remote_key.startswith("draft:"):
        return "an eAccounting supplier invoice draft"
    return "an eAccounting supplier invoice"


class RackbeatEAccountingRealtime(RackbeatRealtime):
    ledger_side: ClassVar[str] = EACCOUNTING
    remote_words: ClassVar[Mapping[str, Callable[[str], str]]] = {
        "invoice": documents.describe_invoice,
        "supplier-invoice": supplier_invoice_words,
    }
    master_events = EACCOUNTING_EVENTS

    def __init__(
        self,
        store: Store,
        integration_id: int,
        eaccounting: EAccountingClient,
        rackbeat: RackbeatClient,
        settings: RackbeatEAccountingSettings,
        sides: tuple[str, str],
    ) -> None:
        self.eaccounting = eaccounting
        self.catalog = EAccountingCatalog(eaccounting)
        self.reads = EAccountingReads(eaccounting)
        self.mapper = MasterMapper(
            catalog=self.catalog, rackbeat=rackbeat, settings=settings, bound=self._bound_key
        )
        master = OneWaySync(
            RunContext(store, integration_id, sides, "realtime", settings=settings, detect_conflicts=True),
            with_categories(
                master_data_flows(eaccounting, rackbeat, self.mapper, settings),
                eaccounting,
                rackbeat,
                self.mapper,
            ),
        )
        super().__init__(store, integration_id, rackbeat, settings, sides, master)
        self.settings: RackbeatEAccountingSettings = settings
        self._from_eaccounting: OneWaySync | None = None
        self._ids: dict[tuple[str, str], str] = {}
        self._rackbeat_base: str | None = None
        self.vat_articles = VatArticles(eaccounting, self.catalog, settings.invoices.vat_codings)

    def close(self) -> None:
        self.eaccounting.close()
        self.rackbeat.close()

    def _bound_key(self, entity: str, rackbeat_key: str) -> str | None:
        with self.store.reading() as session:
            return Binder(session, self.integration_id, self.sides).other_key(entity, RACKBEAT, rackbeat_key)

    # -- master data -----------------------------------------------------------------------------------------
    def _direction(self, entity: str) -> str:
        if entity == "supplier":
            return "rackbeat_to_eaccounting" if self.settings.customers.suppliers else "off"
        group = getattr(self.settings, MASTER_OF[entity])
        return str(group.sync)

    def handle_master(self, entity: str, key: str) -> str:
        direction = self._direction(entity)
        if direction == "off":
            return f"ignored: continuous sync of {MASTER_OF[entity]} is off"
        if direction == "eaccounting_to_rackbeat" and self.bound(entity, RACKBEAT, key):
            return f"ignored: eAccounting maintains {entity}s (updates flow from the master only)"
        return self.master.sync_one(entity, key)

    def handle_other(self, event: str, key: str, payload: dict[str, Any]) -> str:
        if event == CATEGORY_EVENT and self._carries_categories():
            # Labels never flow back, so a category goes to eAccounting whichever side masters products.
            with master_lock(self.master):
                return self.master.sync_one(CATEGORY, key)
        return super().handle_other(event, key, payload)

    def _carries_categories(self) -> bool:
        """Do products flow to eAccounting (their sync is not off)? Then their categories do too."""
        return any(stream.entity == CATEGORY for stream in self.master.streams)

    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        """The Rackbeat scan, plus the categories that are new or renamed (whatever ``since``: Rackbeat sends
        no webhook for them, and their fingerprints decide at the cost of one list read)."""
        found = list(super().scan(since))
        if not self._carries_categories():
            return found
        try:
            with self.store.session() as session:
                binder = Binder(session, self.integration_id, self.sides)
                found += [(CATEGORY_EVENT, key) for key in changed_categories(self.rackbeat, binder)]
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"safety-net scan of product categories: {exc.remote_message}") from exc
        return found

    @property
    def from_eaccounting(self) -> OneWaySync:
        """The start-up sync's flows (every entity) plus orders: what polls bring from eAccounting."""
        if self._from_eaccounting is None:
            every_entity = self.settings.model_copy(update={"initial_sync": InitialSyncSettings()})
            flows = eaccounting_to_rackbeat_flows(self.eaccounting, self.rackbeat, every_entity)
            context = RunContext(
                self.store,
                self.integration_id,
                self.sides,
                "from-eaccounting",
                settings=self.settings,
                lookups={"company": company_lookup(self.eaccounting)},
                detect_conflicts=True,
            )
            self._from_eaccounting = OneWaySync(
                context, [*flows, Orders(self.eaccounting, self.rackbeat, self.catalog)]
            )
        return self._from_eaccounting

    def _poll(
        self,
        stream: Stream,
        path: str,
        handle: Callable[[dict[str, Any]], str],
        key_of: Callable[..., Any],
    ) -> str:
        field = stream.replication_key
        counts: dict[str, int] = {}

        def count(record: dict[str, Any]) -> None:
            outcome = handle(record)
            counts[outcome] = counts.get(outcome, 0) + 1

        def fetch(since: datetime | None) -> Iterator[Any]:
            return changed(self.eaccounting, path, field, since)

        try:
            result = self.poller(stream).poll(fetch, lambda r: r.get(field), count, key_of=key_of)
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"{path} poll: {exc.remote_message}") from exc
        return f"{path}: {result.seen} seen " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

    def poll_orders(self) -> str:
        """New and changed eAccounting sales orders → Rackbeat sales orders."""
        stream = self.from_eaccounting.stream("order")
        assert isinstance(stream, Orders)

        def sync(order: dict[str, Any]) -> str:
            outcome = self.from_eaccounting.sync_record("order", order)
            # Rackbeat's own order number, from the answer to our write, onto the binding just made.
            keep_order_numbers(self.store, self.integration_id, self.sides, stream)
            return outcome

        return self._poll(stream, "orders", sync, key_of=lambda order: order.get("Number"))

    def poll_master_data(self, entity: str) -> str:
        """Customers or articles changed in eAccounting, when eAccounting is their master."""
        path, number = ("customers", "CustomerNumber") if entity == "customer" else ("articles", "Number")

        def handle(record: dict[str, Any]) -> str:
            return self.from_eaccounting.sync_record(entity, record)

        stream = self.from_eaccounting.stream(entity)
        return self._poll(stream, path, handle, key_of=lambda r: r.get(number))

    def periodic(self, now: datetime) -> list[str]:
        done = []
        orders = self.settings.orders
        if orders.enabled and self.due("orders", orders.interval_seconds):
            done.append(self.poll_orders())
        for entity, group in (("customer", self.settings.customers), ("product", self.settings.products)):
            if group.sync == "eaccounting_to_rackbeat" and self.due(
                f"{entity}-poll", group.poll_minutes * 60
            ):
                done.append(self.poll_master_data(entity))
        return done + self._inventory_value(now)

    # -- documents -------------------------------------------------------------------------------------
    def transfer_document(self, document_type: str, document: dict[str, Any]) -> TransferResult:
        if document_type == "invoice":
            return self._transfer_invoice(document)
        return self._transfer_supplier_invoice(document)

    def _eaccounting_id(self, refs: MasterRefs, entity: str, path: str, field: str, number: Any) -> str:
        """The eAccounting id of a Rackbeat record (its binding through the document's ``refs``, synced first
        when new); ids are remembered, since eAccounting never changes a record's id (a failed transfer
        forgets them all, in case one is gone)."""
        key = refs(entity, number)
        cached = self._ids.get((path, key))
        if cached is not None:
            return cached
        found = self.reads.by_number(path, field, key)
        if found is None:
            raise MappingError(f"{entity} {number} is not in eAccounting")
        self._ids[(path, key)] = str(found["Id"])
        return str(found["Id"])

    def _transfer_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        settings = self.settings.invoices
        if settings.start_order_flow_from == "dont_transfer":
            return self.refuse(
                "invoice",
                key,
                "customer invoices are not transferred (Start order flow from: Don't transfer)",
            )

        base_currency = str(self.catalog.company().get("CurrencyCode") or "SEK")
        expected = invoice_guard.expected_totals(
            invoice,
            actual_quantity=settings.use_exact_quantity,
            base_currency=base_currency,
            rate=self._supplier_rate(invoice),  # Rackbeat's rate as eAccounting reads it (the guard keeps it)
            via=self._cross_rate(invoice, base_currency),  # or per 100 of Rackbeat's other base: compared
        )

        domestic = (invoice.get("vat_zone") or "domestic") == "domestic"

        def mapped() -> dict[str, Any]:
            refs = _DocumentRefs(self, domestic=domestic)  # also the mapping context (the settings)
            # The customer's binding, the payment terms' and each item's (as a product and as a BOM, see
            # _is_product): one query.
            refs.prefetch(
                [
                    ("customer", customer_of(invoice)),
                    ("payment_term", terms_of(invoice)),
                    *product_or_bom(items_of(invoice)),
                ]
            )
            document = InvoiceToEAccounting(refs).map(invoice, refs)
            number = refs("customer", customer_of(invoice))
            found = self.reads.by_number("customers", "CustomerNumber", number)
            invoice_guard.check_currency(expected, found or {}, base_currency=base_currency)
            return document

        document = self.map_document("invoice", key, mapped)
        if isinstance(document, TransferResult):
            return document
        if settings.use_exact_quantity and (warnings := documents.exact_quantity_warnings(invoice)):
            self.log(
                "warning",
                "invoice",
                key,
                "quantities with more than 2 decimals were rounded to 2 and a rounding row keeps the "
                "total exact: " + "; ".join(warnings),
                None,
                None,
            )
        sender = documents.InvoiceSender(
            self.eaccounting,
            key,
            document,
            settings.status,
            expected,
            accept_vat_rounding=settings.accept_vat_rounding,
            rounding_article=self.vat_articles.rounding_article,
            warn=lambda message: self.log("warning", "invoice", key, message, None, None),
        )
        steps = [] if settings.status == "draft" else [sender.convert_step()]
        if settings.status == "invoiced_and_send_email":
            steps.append(self._email_step())
        result = self.ledger.transfer(
            "invoice",
            key,
            find=sender.find,
            send=sender.send,
            describe=documents.describe_invoice,
            steps=steps,
            summary=rackbeat_summary(invoice, "customer"),
        )
        self.after_transfer("invoice", key, result, document)
        if not result.ok:
            self._ids.clear()
            self.vat_articles.forget()
        return result

    def _email_step(self) -> Step:
        """E-mail the invoice from eAccounting: a step of the invoice's transfer, at most once (eAccounting
        shows no 'sent' state to find, so an e-mail whose answer was lost is not sent again; the error
        log says so)."""

        def send(ctx: StepContext) -> str:
            invoice_id = ctx.remote_key.split(":")[1]
            self.eaccounting.action(f"customerinvoices/{invoice_id}/email", {})
            return f"email:{invoice_id}"

        return Step("email", send, title="e-mail it from eAccounting", at_most_once=True)

    def _article_id(self, refs: MasterRefs, number: Any) -> str:
        """The eAccounting article of a Rackbeat product or BOM (synced first when new)."""
        entity = "product" if self._is_product(refs, number) else "bom"
        return self._eaccounting_id(refs, entity, "articles", "Number", number)

    def _is_product(self, refs: MasterRefs, number: Any) -> bool:
        """Is an invoice line's item a product (else a BOM)? The bindings know for every item synced
        before; only a new one costs a look in Rackbeat."""
        for entity, is_product in (("product", True), ("bom", False)):
            if refs.bound(entity, number) is not None:
                return is_product
        return self.rackbeat.find("products", number) is not None

    def _supplier_rate(self, invoice: dict[str, Any]) -> Decimal | None:
        """Rackbeat's exchange rate as eAccounting takes it (SEK per unit), when the invoice has one and both
        companies keep their books in the same currency (Rackbeat states its rates per 100 of its own)."""
        company = str(self.catalog.company().get("CurrencyCode") or "SEK")
        currency, rate = invoice.get("currency"), invoice.get("currency_rate")
        if not currency or currency == company or rate in (None, "") or Decimal(str(rate)) == 100:
            return None  # rate 100 is Rackbeat's "no rate": eAccounting uses its own
        if self._rackbeat_base is None:
            self._rackbeat_base = rackbeat_base_currency(self.rackbeat)
        if self._rackbeat_base != company:
            return None  # a rate per 100 DKK says nothing about SEK: eAccounting uses its own
        return Decimal(str(rate)) / 100

    def _cross_rate(self, invoice: dict[str, Any], company: str) -> CrossRate | None:
        """Rackbeat's rate for an invoice in a third currency when Rackbeat keeps another base currency than
        eAccounting, with eAccounting's own rate for Rackbeat's base (``base_currencies.CrossRate``): the
        guard compares the amounts it gives, never books at a rate from another base unchecked."""
        currency, rate = invoice.get("currency"), invoice.get("currency_rate")
        if not currency or rate in (None, ""):
            return None
        if self._rackbeat_base is None:
            self._rackbeat_base = rackbeat_base_currency(self.rackbeat)
        source = self._rackbeat_base
        if source == company or str(currency).upper() in (company, source) or Decimal(str(rate)) == 100:
            return None  # nothing to compare across (see base_currencies.rate_for_ledger)
        base_rate = self.catalog.exchange_rate(source, company, invoice.get("invoice_date"))
        return cross_rate(currency, rate, ledger_base=company, source_base=source, base_rate=base_rate)

    def _transfer_supplier_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        if not self.settings.supplier_invoices.enabled:
            return self.refuse(
                "supplier-invoice", key, "supplier invoices are switched off (settings.supplier_invoices)"
            )
        refs = _DocumentRefs(self)
        refs.prefetch(supplier_invoice.master_refs(invoice))
        document = self.map_document(
            "supplier-invoice", key, lambda: SupplierInvoiceToEAccounting(refs).map(invoice, refs)
        )
        if isinstance(document, TransferResult):
            return document

        def send(idempotency_key: str) -> str:
            created = self.eaccounting.create("supplierinvoicedrafts", document)
            return f"draft:{created['Id']}"

        result = self.ledger.transfer(
            "supplier-invoice",
            key,
            find=lambda: documents.find_supplier_invoice(self.eaccounting, document),
            send=send,
            describe=supplier_invoice_words,
            summary=rackbeat_summary(invoice, "supplier"),
        )
        self.after_transfer("supplier-invoice", key, result, document)
        if not result.ok:
            self._ids.clear()
        return result

    # -- inventory value ---------------------------------------------------------------------------------
    def _inventory_value(self, now: datetime) -> list[str]:
        settings = self.settings.inventory_value
        if not settings.enabled:
            return []

        def post(change: Decimal, end: date, period: str) -> TransferResult:
            voucher = documents.inventory_voucher(
                change,
                end,
                period,
                inventory_account=settings.inventory_account,
                offset_account=settings.offset_account,
            )

            def send(idempotency_key: str) -> str:
                created = self.eaccounting.create("vouchers", voucher)
                return str(created.get("NumberAndNumberSeries") or created.get("Id"))

            result = self.ledger.transfer(
                "inventory-value",
                period,
                find=lambda: documents.find_voucher(self.eaccounting, voucher),
                send=send,
                describe=lambda remote: f"eAccounting voucher {remote}",
            )
            self.after_transfer("inventory-value", period, result, voucher)
            return result

        return self.post_inventory_periods(now, settings.frequency, post)


def product_or_bom(items: Iterable[Any]) -> list[tuple[str, Any]]:
    """Invoice lines' items as the references ``_is_product`` asks for: a product's binding, else a BOM's."""
    return [(entity, item) for item in items for entity in ("product", "bom")]


class _DocumentRefs(MasterRefs):
    """What the document mappers ask (``mappers/invoice.py``'s InvoiceRefs, ``mappers/supplier_invoice.py``'s
    SupplierInvoiceRefs): eAccounting ids of Rackbeat records, synced first when new; and their mapping
    context for one document (the settings; bindings through ``ref``)."""

    def __init__(self, session: RackbeatEAccountingRealtime, *, domestic: bool = True) -> None:
        super().__init__(session.master)
        self._session = session
        self.settings = session.settings
        self._domestic = domestic

    def ref(self, entity: str, source_key: Any) -> str:
        return self(entity, source_key)

    def lookup(self, name: str, key: Any) -> Any:
        raise MappingError(f"unknown {name.replace('_', ' ')} {key!r}")  # documents use no lookup tables

    def customer_id(self, number: Any) -> str:
        return self._session._eaccounting_id(self, "customer", "customers", "CustomerNumber", number)

    def article_id(self, item: Any, line: Record) -> str:
        """The item's article, or the VAT codings mapping's article for the line's rate."""
        article = self._session._article_id(self, item)
        return self._session.vat_articles.article_for(item, line, article, domestic=self._domestic)

    def terms_id(self, payment_terms_id: Any) -> str:
        return self._session.mapper.terms_id(payment_terms_id, bound=self.bound)

    def supplier_id(self, number: Any) -> str:
        return self._session._eaccounting_id(self, "supplier", "suppliers", "SupplierNumber", number)

    def currency_rate(self, invoice: Record) -> Decimal | None:
        return self._session._supplier_rate(dict(invoice))
