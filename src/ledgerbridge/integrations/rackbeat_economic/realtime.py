"""Rackbeat → e-conomic in real time: what each Rackbeat webhook sets in motion (seeds 001 and 003).

| Rackbeat event                         | what happens in e-conomic                                  |
|----------------------------------------|------------------------------------------------------------|
| customer / supplier / product / lot /  | the record is created or updated (field tables in          |
| *_group / payment_terms / employee     | ``to_economic``); unchanged records cost no write          |
| customer.updated                       | also its contact persons and delivery addresses            |
| customer_invoice.booked                | the invoice, once (``invoices``), if customer invoices on  |
| supplier_invoice.booked                | a supplier-invoice voucher, once, if supplier invoices on  |
| (scheduled)                            | the inventory value per period, once (``inventory``)       |

Every document goes through the transfer ledger; master data through bindings and snapshot hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerbridge.engine.binder import Binder, chunked
from ledgerbridge.engine.context import RunContext
from ledgerbridge.engine.ledger import Step, StepContext, TransferResult
from ledgerbridge.engine.runner import OneWaySync, RunAborted
from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.base_currencies import rackbeat_base_currency
from ledgerbridge.integrations.own_numbers import keep_order_numbers
from ledgerbridge.integrations.rackbeat_economic import inventory, invoices, voucher_guard
from ledgerbridge.integrations.rackbeat_economic.from_economic import Orders, changed_orders, whole_order
from ledgerbridge.integrations.rackbeat_economic.invoice_guard import VatLookup
from ledgerbridge.integrations.rackbeat_economic.mappers import invoice as invoice_mapper
from ledgerbridge.integrations.rackbeat_economic.mappers import supplier_invoice
from ledgerbridge.integrations.rackbeat_economic.mappers.invoice import InvoiceToEconomic
from ledgerbridge.integrations.rackbeat_economic.mappers.supplier_invoice import SupplierInvoiceToEconomic
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings, StartupSettings
from ledgerbridge.integrations.rackbeat_economic.startup import startup_operation
from ledgerbridge.integrations.rackbeat_economic.to_economic import master_data_flows
from ledgerbridge.integrations.rackbeat_realtime import (
    RACKBEAT,
    MasterRefs,
    RackbeatRealtime,
    master_lock,
    rackbeat_summary,
)
from ledgerbridge.integrations.reconcile import source_amounts
from ledgerbridge.integrations.reconcile_views import EconomicView
from ledgerbridge.store.db import Store
from ledgerbridge.systems.economic import EconomicClient, Filter
from ledgerbridge.systems.economic.adapters import Economic
from ledgerbridge.systems.errors import ApiError, AuthError, NotFoundError, TransientError
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.systems.rackbeat.adapters import Rackbeat

ECONOMIC = "economic"


def voucher_words(remote_key: str) -> str:
    """A voucher's remote key ("day book:year-voucher number", or "day book:voucher number" as keys were
    written before) in words."""
    journal, _, rest = remote_key.partition(":")
    year, dash, number = rest.rpartition("-")
    return (
        f"voucher {number} of {year} in day book {journal}"
        if dash
        else f"voucher {rest} in day book {journal}"
    )


def voucher_key(journal: int, voucher: dict[str, Any], year: Any = None) -> str:
    """``JOURNAL:YEAR-NUMBER``: a voucher number starts again in each accounting year (reconcile reads this
    and the older ``JOURNAL:NUMBER``)."""
    year = (voucher.get("accountingYear") or {}).get("year") or year
    return f"{journal}:{year}-{voucher.get('voucherNumber')}"


class RackbeatEconomicRealtime(RackbeatRealtime):
    ledger_side: ClassVar[str] = ECONOMIC
    remote_words: ClassVar[Mapping[str, Callable[[str], str]]] = {
        "invoice": invoices.describe,
        "supplier-invoice": voucher_words,
    }

    def __init__(
        self,
        store: Store,
        integration_id: int,
        economic: EconomicClient,
        rackbeat: RackbeatClient,
        settings: RackbeatEconomicSettings,
        sides: tuple[str, str],
    ) -> None:
        master = OneWaySync(
            RunContext(store, integration_id, sides, "realtime", settings=settings, detect_conflicts=True),
            master_data_flows(economic, rackbeat, settings),
        )
        super().__init__(store, integration_id, rackbeat, settings, sides, master)
        self.settings: RackbeatEconomicSettings = settings
        self.economic = economic
        self._base_currency: str | None = None
        self._rackbeat_base: str | None = None
        self._from_economic: OneWaySync | None = None
        # e-conomic's products, groups, sales accounts, expense accounts and VAT codes as the totals guard
        # and the supplier vouchers' VAT check read them, once per session (invoice_guard.VatLookup; what a
        # held invoice or a refused voucher read is read again on its retry).
        self._vat_lookups: dict[Any, Any] = {}

    def close(self) -> None:
        self.economic.close()
        self.rackbeat.close()

    # -- handling ----------------------------------------------------------------------------------------
    def handle_master(self, entity: str, key: str) -> str:
        if self._maintained_in_economic(entity) and self.bound(entity, RACKBEAT, key):
            return f"ignored: e-conomic maintains {entity}s (updates flow from the master only)"
        outcome = self.master.sync_one(entity, key)
        if entity == "customer" and outcome != "failed":
            self._sync_customer_children(key)
        return outcome

    def handle_other(self, event: str, key: str, payload: dict[str, Any]) -> str:
        if event.startswith("economic."):
            return self._handle_economic(event, key, payload)
        return "ignored"

    def _handle_economic(self, event: str, new: str, payload: dict[str, Any]) -> str:
        """An e-conomic web hook: a customer or product was created, changed, renumbered or deleted."""
        entity = event.split(".")[1]
        if entity not in ("customer", "product"):
            return "ignored"  # an invoice booked in e-conomic asks nothing of Rackbeat
        old = str(payload.get("old") or new)
        resource = "customers" if entity == "customer" else "products"
        outcome = []
        with self.store.session() as session:
            binder = Binder(session, self.integration_id, self.master.sides)
            binding = binder.find(entity, ECONOMIC, old) or binder.find(entity, ECONOMIC, new)
            rackbeat_key = binding.a_key if binding is not None else None
            if binding is not None and old != new:
                # Renumbered in e-conomic: the same two records stay bound, under the new number.
                binder.bind(entity, {RACKBEAT: binding.a_key, ECONOMIC: new}, {})
                session.commit()
                outcome.append(f"renumbered {old} → {new}")
        try:
            path = self.economic.resource_path(resource, new)
            record = self.economic.get(path)
        except NotFoundError:
            if rackbeat_key is None:
                return "ignored: deleted in e-conomic, never synced"
            # Deleted in e-conomic: bar it in Rackbeat, keeping its history (orders, invoices).
            self.rackbeat.update(resource, rackbeat_key, {"is_barred": True}, suppress_webhooks=True)
            return f"{entity} {new} deleted in e-conomic: barred in Rackbeat"
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"{entity} {new}: {exc.remote_message}") from exc
        if binding is not None and not self._maintained_in_economic(entity):
            return "; ".join([*outcome, "ignored: Rackbeat maintains it"])
        return "; ".join([*outcome, self._sync_from_economic(entity, record)])

    def _sync_from_economic(self, entity: str, record: dict[str, Any]) -> str:
        outcome = self.from_economic.sync_record(entity, record)
        if entity == "customer" and outcome not in ("failed", "gone"):
            self._delivery_address_from_billing(record)
        return outcome

    def _delivery_address_from_billing(self, customer: dict[str, Any]) -> None:
        """Seed 001: a customer from e-conomic gets a delivery address taken from its billing address."""
        if not customer.get("address"):
            return
        with self.store.session() as session:
            binder = Binder(session, self.integration_id, self.master.sides)
            number = binder.other_key("customer", ECONOMIC, str(customer["customerNumber"]))
        if number is None:
            return
        wanted = {
            "street": customer.get("address"),
            "zipcode": customer.get("zip"),
            "city": customer.get("city"),
            "country": customer.get("country"),
        }
        try:
            for address in self.rackbeat.list_sub("customers", number, "addresses"):
                if address.get("type") == "delivery" and all(address.get(k) == v for k, v in wanted.items()):
                    return
            body = {"type": "delivery", "name": customer.get("name"), **wanted}
            self.rackbeat.create_sub(
                "customers", number, "addresses", {k: v for k, v in body.items() if v}, suppress_webhooks=True
            )
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"delivery address of customer {number}: {exc.remote_message}") from exc

    def _maintained_in_economic(self, entity: str) -> bool:
        masters = self.settings.master_data
        return (entity == "customer" and masters.customers == "economic") or (
            entity in ("product", "bom") and masters.products == "economic"
        )

    # -- e-conomic → Rackbeat ------------------------------------------------------------------------------
    @property
    def from_economic(self) -> OneWaySync:
        """The start-up sync's flows (every entity, whatever the start-up picked) plus orders."""
        if self._from_economic is None:
            every_entity = self.settings.model_copy(update={"startup": StartupSettings()})
            operation = startup_operation(self.economic, self.rackbeat, every_entity)
            context = RunContext(
                self.store,
                self.integration_id,
                self.master.sides,
                "from-economic",
                settings=self.settings,
                lookups=operation.lookups,
                detect_conflicts=True,
            )
            self._from_economic = OneWaySync(
                context, [*operation.flows, Orders(self.economic, self.rackbeat)]
            )
        return self._from_economic

    def poll_orders(self) -> str:
        """New and changed e-conomic orders → Rackbeat sales orders."""
        sync = self.from_economic
        counts: dict[str, int] = {}
        stream = sync.stream("order")
        assert isinstance(stream, Orders)

        def handle(order: dict[str, Any]) -> None:
            outcome = sync.sync_record("order", whole_order(self.economic, order))
            counts[outcome] = counts.get(outcome, 0) + 1
            # Rackbeat's own order number, from the answer to our write, onto the binding just made.
            keep_order_numbers(self.store, self.integration_id, self.master.sides, stream)

        try:
            result = self.poller(stream).poll(
                lambda since: changed_orders(self.economic, since),
                lambda o: o.get(stream.replication_key),
                handle,
                key_of=lambda o: o["orderNumber"],
            )
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"order poll: {exc.remote_message}") from exc
        return f"orders: {result.seen} seen " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

    def poll_master_data(self) -> str:
        """Customers and products changed in e-conomic: new ones always, updates where e-conomic is master."""
        done = []
        for entity, path in (("customer", "customers"), ("product", "products")):
            counts: dict[str, int] = {}
            number_field = "customerNumber" if entity == "customer" else "productNumber"
            # Keys seen bound when their chunk was read: one query per chunk, not one per record.
            bound: set[str] = set()

            def handle(
                record: dict[str, Any],
                entity: str = entity,
                counts: dict[str, int] = counts,
                bound: set[str] = bound,
            ) -> None:
                key = str(record["customerNumber" if entity == "customer" else "productNumber"])
                if not self._maintained_in_economic(entity) and (
                    key in bound or self.bound(entity, ECONOMIC, key)
                ):
                    outcome = "ignored"  # Rackbeat maintains it: e-conomic's edits do not flow back
                else:
                    outcome = self._sync_from_economic(entity, record)
                counts[outcome] = counts.get(outcome, 0) + 1

            def fetch(
                since: datetime | None,
                path: str = path,
                entity: str = entity,
                field: str = number_field,
                bound: set[str] = bound,
            ) -> Iterator[dict[str, Any]]:
                query = Filter.gt("lastUpdated", since) if since else None
                for chunk in chunked(self.economic.iter_collection(path, filter=query)):
                    if not self._maintained_in_economic(entity):
                        bound |= self.bound_keys(entity, ECONOMIC, (str(r[field]) for r in chunk))
                    yield from chunk

            try:

                def key_of(record: dict[str, Any], field: str = number_field) -> Any:
                    return record[field]

                stream = self.from_economic.stream(entity)

                def changed_at(record: dict[str, Any], field: str = stream.replication_key) -> Any:
                    return record.get(field)

                result = self.poller(stream).poll(fetch, changed_at, handle, key_of=key_of)
            except (TransientError, AuthError) as exc:
                raise RunAborted(f"{path} poll: {exc.remote_message}") from exc
            done.append(
                f"{path}: {result.seen} seen " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            )
        return "; ".join(done)

    def _sync_customer_children(self, number: str) -> None:
        """Contact persons ("Referencer") and delivery addresses follow a customer update."""
        rackbeat_customers = Rackbeat(self.rackbeat).customers
        economic_customers = Economic(self.economic).customers
        economic_contacts = economic_customers.contacts(int(number))
        delivery_locations = economic_customers.delivery_locations(int(number))
        try:
            contacts = list(rackbeat_customers.contacts(number))
            addresses = [a for a in rackbeat_customers.addresses(number) if a.get("type") == "delivery"]
            existing = {c.get("name"): c for c in economic_contacts.search()}
            for contact in contacts:
                body = {
                    "name": contact.get("name"),
                    "email": contact.get("contact_email") or None,
                    "phone": contact.get("contact_phone") or None,
                    "customer": {"customerNumber": int(number)},
                }
                body = {k: v for k, v in body.items() if v is not None}
                found = existing.get(contact.get("name"))
                if found is None:
                    economic_contacts.create(body)
                elif any(found.get(k) != v for k, v in body.items() if k != "customer"):
                    economic_contacts.update(found["customerContactNumber"], {**found, **body})
            places = {(p.get("address"), p.get("zip")): p for p in delivery_locations.search()}
            for address in addresses:
                street = "\n".join(x for x in (address.get("street"), address.get("street2")) if x)
                if (street, address.get("zipcode")) in places:
                    continue
                body = {
                    "address": street,
                    "postalCode": address.get("zipcode"),
                    "city": address.get("city"),
                    "country": address.get("country"),
                }
                delivery_locations.create({k: v for k, v in body.items() if v})
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"customer {number} contacts/addresses: {exc.remote_message}") from exc
        except ApiError as exc:
            self.log("realtime", "customer", number, f"contacts and delivery addresses: {exc}", exc, None)

    # -- documents -------------------------------------------------------------------------------------
    def transfer_document(self, document_type: str, document: dict[str, Any]) -> TransferResult:
        if document_type == "invoice":
            return self._transfer_invoice(document)
        return self._transfer_supplier_invoice(document)

    def _transfer_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        if not self.settings.customer_invoices.enabled:
            return self.refuse(
                "invoice", key, "customer invoices are switched off (settings.customer_invoices)"
            )
        refs = _Refs(self)  # also the mapping context: the settings, bindings through ctx.ref
        refs.prefetch(invoice_mapper.master_refs(invoice))  # customer, terms, sales person: one query
        document = self.map_document("invoice", key, lambda: InvoiceToEconomic(refs).map(invoice, refs))
        if isinstance(document, TransferResult):
            return document
        book = invoices.should_book(invoice, self.settings)
        sender = invoices.InvoiceSender(
            self.economic,
            invoice,
            document,
            book=book,
            settings=self.settings,
            base_currency=self.base_currency(),
            source_base_currency=self.rackbeat_base_currency(),
            lookups=self._vat_lookups,
        )
        # Booking is a step after the draft: only with Rackbeat's totals (issue 11); a mismatch leaves the
        # draft, explained in the error log, and a retry checks again.
        # "Mark invoices as sent when posted in e-conomic": a step of the transfer, so a crash or a
        # refusal after the booking is resumed (and retried) until Rackbeat says sent.
        mark = book and self.settings.customer_invoices.mark_invoices_as_sent
        result = self.ledger.transfer(
            "invoice",
            key,
            find=sender.find,
            send=sender.send,
            describe=invoices.describe,
            steps=[
                sender.book_step() if book else sender.check_step(self._warn_about("invoice", key)),
                *([self.mark_sent_step(key)] if mark else []),
            ],
            summary=rackbeat_summary(invoice, "customer"),
        )
        self.after_transfer("invoice", key, result, document)
        return result

    def _warn_about(self, document_type: str, key: str) -> Callable[[str], None]:
        def warn(message: str) -> None:
            self.log("warning", document_type, key, message, None, None)

        return warn

    def _transfer_supplier_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        settings = self.settings.supplier_invoices
        if not settings.enabled or settings.day_book is None:
            return self.refuse(
                "supplier-invoice", key, "supplier invoices are switched off (settings.supplier_invoices)"
            )
        refs = _Refs(self)
        refs.prefetch(supplier_invoice.master_refs(invoice))
        voucher = self.map_document(
            "supplier-invoice", key, lambda: SupplierInvoiceToEconomic(refs).map(invoice, refs)
        )
        if isinstance(voucher, TransferResult):
            refs.vat.forget()  # a retry after the fix reads the accounts again
            return voucher
        journal = settings.day_book
        entry = voucher["entries"]["supplierInvoices"][0]
        source = source_amounts(invoice, self.base_currency())

        def find() -> str | None:
            for existing in self.economic.iter_collection(f"journals/{journal}/vouchers"):
                for line in (existing.get("entries") or {}).get("supplierInvoices") or []:
                    if (
                        str(line.get("supplierInvoiceNumber")) == entry["supplierInvoiceNumber"]
                        and (line.get("supplier") or {}).get("supplierNumber")
                        == entry["supplier"]["supplierNumber"]
                    ):
                        return voucher_key(journal, existing, year)
            # Once the day book is booked its entries leave the journal: look among the year's entries.
            query = Filter.eq("supplierInvoiceNumber", entry["supplierInvoiceNumber"])
            supplier = entry["supplier"]["supplierNumber"]
            try:
                for booked in self.economic.iter_collection(f"accounting-years/{year}/entries", filter=query):
                    if (booked.get("supplier") or {}).get("supplierNumber") == supplier:
                        return voucher_key(journal, booked, year)
            except NotFoundError:
                pass  # an accounting year e-conomic does not have: nothing booked in it
            return None

        year = voucher["accountingYear"]["year"]
        posted: set[str] = set()  # the vouchers this attempt posted (a found one may be a bookkeeper's)
        send = self._voucher_sender(journal, voucher)

        def send_and_remember(idempotency_key: str) -> str:
            # What e-conomic will make of the voucher's VAT (its accounts' VAT codes), before posting it:
            # a difference fails the transfer with the reason and nothing reaches the day book.
            voucher_guard.check_before_posting(voucher, source, refs.vat)
            remote_key = send(idempotency_key)
            posted.add(remote_key)
            return remote_key

        result = self.ledger.transfer(
            "supplier-invoice",
            key,
            find=find,
            send=send_and_remember,
            describe=voucher_words,
            steps=[self._voucher_check_step(invoice, voucher, journal, posted, send_and_remember)],
            summary=rackbeat_summary(invoice, "supplier"),
        )
        if result.outcome == "failed":
            # Refused before posting or read back different: an account may have changed in e-conomic
            # since this session read it, so the retry after the fix reads the accounts again.
            refs.vat.forget()
        self.after_transfer("supplier-invoice", key, result, voucher)
        return result

    # -- inventory value ---------------------------------------------------------------------------------
    def periodic(self, now: datetime) -> list[str]:
        done = []
        if self.settings.orders.enabled and self.due("orders", self.settings.orders.interval_seconds):
            done.append(self.poll_orders())
        masters = self.settings.master_data
        if masters.economic_changes == "poll" and self.due("master-data", masters.poll_minutes * 60):
            done.append(self.poll_master_data())
        return done + self._inventory_value(now)

    def _inventory_value(self, now: datetime) -> list[str]:
        settings = self.settings.inventory_value
        if not settings.enabled:
            return []
        assert settings.day_book and settings.inventory_account and settings.offset_account
        day_book, inventory_account, offset_account = (
            settings.day_book,
            settings.inventory_account,
            settings.offset_account,
        )

        def post(change: Any, end: date, period: str) -> TransferResult:
            source_base = self.rackbeat_base_currency()
            refusal = inventory.base_currency_refusal(source_base, self.base_currency(), period)
            if refusal is not None:  # Rackbeat's value is in another currency than e-conomic's books
                return self.refuse("inventory-value", period, refusal)
            voucher = inventory.inventory_voucher(
                change,
                end,
                frequency=settings.frequency,
                inventory_account=inventory_account,
                offset_account=offset_account,
                currency=source_base,
            )
            result = self.ledger.transfer(
                "inventory-value",
                period,
                find=lambda: None,
                send=self._voucher_sender(day_book, voucher),
                describe=voucher_words,
            )
            self.after_transfer("inventory-value", period, result, voucher)
            return result

        return self.post_inventory_periods(now, settings.frequency, post)

    def _voucher_sender(self, journal: int, voucher: dict[str, Any]) -> Callable[[str], str]:
        def send(idempotency_key: str) -> str:
            posted = self.economic.post_vouchers(journal, [voucher], idempotency_key=idempotency_key)
            return voucher_key(journal, posted[0], voucher["accountingYear"]["year"])

        return send

    def _voucher_check_step(
        self,
        invoice: dict[str, Any],
        voucher: dict[str, Any],
        journal: int,
        posted: set[str],
        send: Callable[[str], str],
    ) -> Step:
        """Read the supplier voucher back from e-conomic and compare it with Rackbeat's supplier invoice
        (gross, input VAT, currency, and the rate when one was sent): the mapping checks the rate and the
        VAT split, and ``voucher_guard`` the VAT e-conomic will give it, before posting; this checks what
        e-conomic made of them (an account changed since the session read it shows here). A difference
        fails the transfer with the reason; a voucher this attempt posted is taken out of the day book again
        (its entries deleted: never booked), one found there (or booked already) is left as it is and named.
        A retry posts again when the voucher is gone from the day book and the year's entries (checked
        before posting again, with the accounts read anew)."""
        day = str(invoice.get("invoice_date") or "")[:10]
        view = EconomicView(self.economic)
        source = source_amounts(invoice, self.base_currency())
        entries = voucher["entries"]["supplierInvoices"]
        sent_rate = entries[0].get("exchangeRate")

        def run(ctx: StepContext) -> str:
            remote_key = ctx.remote_key
            found = view.voucher_read_back(remote_key, day)
            if found is None:  # taken out of the day book (by an earlier check, or by hand): post again
                # (a key of its own: e-conomic would answer a repeated key with the voucher now gone)
                remote_key = send(f"{ctx.idempotency_key}:after:{remote_key}")
                found = view.voucher_read_back(remote_key, day)
            problem = supplier_invoice.posted_differences(
                source, found, sent_rate, document=f"supplier invoice {invoice['number']}"
            )
            if problem is None:
                return remote_key
            if found is None:
                raise MappingError(
                    f"{problem} ({voucher_words(remote_key)}): look for it in e-conomic, then retry"
                )
            where = voucher_words(remote_key)
            if found is not None and found.in_day_book and remote_key in posted:
                for number in found.entry_numbers:
                    self.economic.delete(f"journals/{journal}/entries/{number}")
                raise MappingError(
                    f"{problem}. {where} was taken out of the day book again, nothing booked: fix it in "
                    "Rackbeat or the settings, then retry"
                )
            state = "is still in the day book, not booked" if found.in_day_book else "is booked"
            raise MappingError(f"{problem}. {where} {state}: correct or delete it in e-conomic, then retry")

        return Step("check-voucher", run, title="check the voucher e-conomic made", replaces_remote_key=True)

    def base_currency(self) -> str:
        if self._base_currency is None:
            self._base_currency = str(
                (self.economic.get("self").get("settings") or {}).get("baseCurrency") or "DKK"
            )
        return self._base_currency

    def rackbeat_base_currency(self) -> str:
        """The Rackbeat company's base currency (``GET /self``), read once per session: its rates are
        per 100 units in it (``base_currencies``)."""
        if self._rackbeat_base is None:
            self._rackbeat_base = rackbeat_base_currency(self.rackbeat)
        return self._rackbeat_base


class _Refs(MasterRefs):
    """What the document mappers ask (``mappers/invoice.py``'s InvoiceRefs, ``mappers/supplier_invoice.py``'s
    SupplierInvoiceRefs), and their mapping context for one document: the settings, and Rackbeat number →
    e-conomic number through ``ref`` (syncing it first when new; asked once per document)."""

    def __init__(self, session: RackbeatEconomicRealtime) -> None:
        super().__init__(session.master)
        self._session = session
        self.settings = session.settings
        self._known: dict[tuple[str, str], str] = {}
        # Accounts and VAT codes through the session's cache (what a refused document read is forgotten).
        self.vat = VatLookup(session.economic, session.settings, session._vat_lookups)

    def ref(self, entity: str, source_key: Any) -> str:
        key = (entity, str(source_key))
        if key not in self._known:
            self._known[key] = self(entity, source_key)
        return self._known[key]

    def lookup(self, name: str, key: Any) -> Any:
        raise MappingError(f"unknown {name.replace('_', ' ')} {key!r}")  # documents use no lookup tables

    def contact(self, customer_number: int, name: str) -> int:
        """The e-conomic contact person of that name on the customer, created if missing."""
        path = f"customers/{customer_number}/contacts"
        with master_lock(self.sync):  # invoices run side by side: two of one customer create it once
            for contact in self._session.economic.iter_collection(path):
                if (contact.get("name") or "").strip().lower() == name.strip().lower():
                    return int(contact["customerContactNumber"])
            created = self._session.economic.create(
                path, {"name": name, "customer": {"customerNumber": customer_number}}
            )
            return int(created["customerContactNumber"])

    def customer_terms(self, customer_number: int) -> dict[str, int] | None:
        terms = self._session.economic.get(f"customers/{customer_number}").get("paymentTerms")
        return {"paymentTermsNumber": int(terms["paymentTermsNumber"])} if isinstance(terms, dict) else None

    def customer_layout(self, customer_number: int) -> dict[str, int] | None:
        """e-conomic wants a layout on every invoice: the customer's, else its group's, else the first one."""
        economic = self._session.economic
        customer = economic.get(f"customers/{customer_number}")
        layout = customer.get("layout")
        if not isinstance(layout, dict):
            group = (customer.get("customerGroup") or {}).get("customerGroupNumber")
            layout = economic.get(f"customer-groups/{group}").get("layout") if group is not None else None
        if not isinstance(layout, dict):
            layout = next((x for x in economic.iter_collection("layouts") if not x.get("deleted")), None)
        return {"layoutNumber": int(layout["layoutNumber"])} if isinstance(layout, dict) else None

    def base_currency(self) -> str:
        return self._session.base_currency()

    def source_base_currency(self) -> str | None:
        return self._session.rackbeat_base_currency()

    def account_vat_code(self, account_number: int) -> str | None:
        """The VAT code of an e-conomic account (e.g. I25 on a purchase account), or None."""
        account = voucher_guard.expense_account(self.vat, account_number)
        return (account.get("vatAccount") or {}).get("vatCode") or None

    def vat_code_rate(self, code: str) -> Decimal | None:
        """The rate of an e-conomic VAT code (``/vat-accounts/{code}``), or None when it has none."""
        return self.vat.code_rate(code)
