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

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.errorlog import ErrorLog
from ledgerbridge.engine.flows import MappingError
from ledgerbridge.engine.ledger import TransferLedger, TransferResult
from ledgerbridge.engine.polling import Poller
from ledgerbridge.engine.runner import OneWaySync, RunAborted
from ledgerbridge.integrations.base import Realtime
from ledgerbridge.integrations.rackbeat_economic import inventory, invoices, supplier_invoices
from ledgerbridge.integrations.rackbeat_economic.from_economic import changed_orders, order_flow, whole_order
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings, StartupSettings
from ledgerbridge.integrations.rackbeat_economic.startup import startup_operation
from ledgerbridge.integrations.rackbeat_economic.to_economic import master_data_flows
from ledgerbridge.store.db import Store
from ledgerbridge.store.models import Integration
from ledgerbridge.systems.economic import EconomicClient, Filter
from ledgerbridge.systems.errors import ApiError, AuthError, NotFoundError, TransientError
from ledgerbridge.systems.rackbeat import RackbeatClient

# Rackbeat event prefix → our entity name (and Rackbeat resource)
RACKBEAT, ECONOMIC = "rackbeat", "economic"

MASTER_EVENTS = {
    "customer": ("customer", "customers"),
    "customer_group": ("customer_group", "customer-groups"),
    "supplier": ("supplier", "suppliers"),
    "supplier_group": ("supplier_group", "supplier-groups"),
    "product": ("product", "products"),
    "product_group": ("product_group", "product-groups"),
    "lot": ("bom", "lots"),
    "payment_terms": ("payment_term", "payment-terms"),
    "employee": ("employee", "employees"),
}
DOCUMENT_EVENTS = {"customer_invoice.booked": "invoice", "supplier_invoice.booked": "supplier-invoice"}
DOCUMENT_RESOURCES = {"invoice": "customer-invoices", "supplier-invoice": "supplier-invoices"}


class RackbeatEconomicRealtime(Realtime):
    webhook_source: ClassVar[str] = "rackbeat"

    def __init__(
        self,
        store: Store,
        integration_id: int,
        economic: EconomicClient,
        rackbeat: RackbeatClient,
        settings: RackbeatEconomicSettings,
        sides: tuple[str, str],
    ) -> None:
        self.store = store
        self.integration_id = integration_id
        self.economic = economic
        self.rackbeat = rackbeat
        self.settings = settings
        self.master = OneWaySync(
            store,
            integration_id=integration_id,
            sides=sides,
            operation="realtime",
            settings=settings,
            flows=master_data_flows(economic, rackbeat, settings),
            detect_conflicts=True,
        )
        self.ledger = TransferLedger(store, integration_id)
        self._base_currency: str | None = None
        self._from_economic: OneWaySync | None = None
        self._last_runs: dict[str, float] = {}

    def close(self) -> None:
        self.economic.close()
        self.rackbeat.close()

    # -- subscription ------------------------------------------------------------------------------------
    def webhook_events(self) -> list[str]:
        events = [f"{prefix}.{action}" for prefix in MASTER_EVENTS for action in ("created", "updated")]
        return [*events, *DOCUMENT_EVENTS]

    def subscribe(self, url: str) -> dict[str, str]:
        return {
            event: self.rackbeat.subscribe_webhook(event, url)["token"] for event in self.webhook_events()
        }

    # -- handling ----------------------------------------------------------------------------------------
    def handle(self, event: str, key: str, payload: dict[str, Any] | None = None) -> str:
        if event.startswith("economic."):
            return self._handle_economic(event, key, payload or {})
        if event in DOCUMENT_EVENTS:
            result = self.transfer(DOCUMENT_EVENTS[event], key)
            if result.outcome == "uncertain":
                raise RunAborted(result.message)  # retried with back-off; the ledger finds it first
            return (
                result.message
                if result.ok or result.outcome == "in_progress"
                else f"failed: {result.message}"
            )
        prefix, _, action = event.rpartition(".")
        if prefix not in MASTER_EVENTS or action == "deleted":
            return "ignored"  # deletions never delete bookkeeping records
        entity, _ = MASTER_EVENTS[prefix]
        if self._maintained_in_economic(entity) and self._bound(entity, RACKBEAT, key):
            return f"ignored: e-conomic maintains {entity}s (updates flow from the master only)"
        outcome = self.master.sync_one(entity, key)
        if entity == "customer" and outcome != "failed":
            self._sync_customer_children(key)
        return outcome

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

    def _bound(self, entity: str, system: str, key: str) -> bool:
        with self.store.session() as session:
            return (
                Binder(session, self.integration_id, self.master.sides).find(entity, system, key) is not None
            )

    # -- e-conomic → Rackbeat ------------------------------------------------------------------------------
    @property
    def from_economic(self) -> OneWaySync:
        """The start-up sync's flows (every entity, whatever the start-up picked) plus orders."""
        if self._from_economic is None:
            every_entity = self.settings.model_copy(update={"startup": StartupSettings()})
            operation = startup_operation(self.economic, self.rackbeat, every_entity)
            self._from_economic = OneWaySync(
                self.store,
                integration_id=self.integration_id,
                sides=self.master.sides,
                operation="from-economic",
                settings=self.settings,
                lookups=operation.lookups,
                flows=[*operation.flows, order_flow(self.economic, self.rackbeat)],
                detect_conflicts=True,
            )
        return self._from_economic

    def poll_orders(self) -> str:
        """New and changed e-conomic orders → Rackbeat sales orders."""
        sync = self.from_economic
        counts: dict[str, int] = {}

        def handle(order: dict[str, Any]) -> None:
            outcome = sync.sync_record("order", whole_order(self.economic, order))
            counts[outcome] = counts.get(outcome, 0) + 1

        try:
            result = self._poller("economic-orders").poll(
                lambda since: changed_orders(self.economic, since),
                lambda o: o.get("lastUpdated"),
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

            def handle(record: dict[str, Any], entity: str = entity, counts: dict[str, int] = counts) -> None:
                key = str(record["customerNumber" if entity == "customer" else "productNumber"])
                if not self._maintained_in_economic(entity) and self._bound(entity, ECONOMIC, key):
                    outcome = "ignored"  # Rackbeat maintains it: e-conomic's edits do not flow back
                else:
                    outcome = self._sync_from_economic(entity, record)
                counts[outcome] = counts.get(outcome, 0) + 1

            def fetch(since: datetime | None, path: str = path) -> Iterator[dict[str, Any]]:
                query = Filter.gt("lastUpdated", since) if since else None
                return self.economic.iter_collection(path, filter=query)

            try:
                number_field = "customerNumber" if entity == "customer" else "productNumber"

                def key_of(record: dict[str, Any], field: str = number_field) -> Any:
                    return record[field]

                result = self._poller(f"economic-{path}").poll(
                    fetch, lambda r: r.get("lastUpdated"), handle, key_of=key_of
                )
            except (TransientError, AuthError) as exc:
                raise RunAborted(f"{path} poll: {exc.remote_message}") from exc
            done.append(
                f"{path}: {result.seen} seen " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            )
        return "; ".join(done)

    def _poller(self, name: str) -> Poller:
        with self.store.session() as session:
            row = session.get(Integration, self.integration_id)
            started = row.startup_completed_at if row is not None else None
        return Poller(self.store, self.integration_id, name, start_from=started)

    def _due(self, job: str, every_seconds: float) -> bool:
        now = time.monotonic()
        if now - self._last_runs.get(job, float("-inf")) < every_seconds:
            return False
        self._last_runs[job] = now
        return True

    def _sync_customer_children(self, number: str) -> None:
        """Contact persons ("Referencer") and delivery addresses follow a customer update."""
        customer_path = f"customers/{int(number)}"
        try:
            contacts = list(self.rackbeat.list_sub("customers", number, "contacts"))
            addresses = [
                a
                for a in self.rackbeat.list_sub("customers", number, "addresses")
                if a.get("type") == "delivery"
            ]
            existing = {c.get("name"): c for c in self.economic.iter_collection(f"{customer_path}/contacts")}
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
                    self.economic.create(f"{customer_path}/contacts", body)
                elif any(found.get(k) != v for k, v in body.items() if k != "customer"):
                    self.economic.replace(
                        f"{customer_path}/contacts/{found['customerContactNumber']}", {**found, **body}
                    )
            places = {
                (p.get("address"), p.get("zip")): p
                for p in self.economic.iter_collection(f"{customer_path}/delivery-locations")
            }
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
                self.economic.create(
                    f"{customer_path}/delivery-locations", {k: v for k, v in body.items() if v}
                )
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"customer {number} contacts/addresses: {exc.remote_message}") from exc
        except ApiError as exc:
            self._log("realtime", "customer", number, f"contacts and delivery addresses: {exc}", exc, None)

    # -- documents -------------------------------------------------------------------------------------
    def transfer(self, document_type: str, key: str) -> TransferResult:
        if document_type not in DOCUMENT_RESOURCES:
            raise MappingError(f"unknown document type {document_type!r} (invoice, supplier-invoice)")
        try:
            document = self.rackbeat.get(DOCUMENT_RESOURCES[document_type], key)
        except NotFoundError:
            return self._refuse(
                document_type, key, f"Rackbeat has no {document_type.replace('-', ' ')} {key}"
            )
        except (TransientError, AuthError) as exc:
            return TransferResult(
                "uncertain", None, f"could not read it from Rackbeat: {exc.remote_message}", exc
            )
        if not document.get("is_booked"):
            return self._refuse(
                document_type,
                key,
                f"{document_type.replace('-', ' ')} {key} is not booked in "
                "Rackbeat yet; only booked documents are transferred",
            )
        if document_type == "invoice":
            return self._transfer_invoice(document)
        return self._transfer_supplier_invoice(document)

    def _transfer_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        if not self.settings.customer_invoices.enabled:
            return self._refuse(
                "invoice", key, "customer invoices are switched off (settings.customer_invoices)"
            )
        document = self._map(
            "invoice", key, lambda: invoices.map_invoice(invoice, self.settings, refs=_Refs(self))
        )
        if isinstance(document, TransferResult):
            return document
        book = invoices.should_book(invoice, self.settings)
        sender = invoices.InvoiceSender(self.economic, invoice, document, book=book)
        result = self.ledger.transfer(
            "invoice", key, find=sender.find, send=sender.send, describe=invoices.describe
        )
        self._after_transfer("invoice", key, result, document)
        if result.outcome == "transferred" and book and self.settings.customer_invoices.mark_invoices_as_sent:
            try:
                self.rackbeat.update("customer-invoices", key, {"is_sent": True}, suppress_webhooks=True)
            except ApiError as exc:
                self._log(
                    "transfer",
                    "invoice",
                    key,
                    f"booked, but not marked as sent in Rackbeat: {exc}",
                    exc,
                    None,
                )
        return result

    def _transfer_supplier_invoice(self, invoice: dict[str, Any]) -> TransferResult:
        key = str(invoice["number"])
        settings = self.settings.supplier_invoices
        if not settings.enabled or settings.day_book is None:
            return self._refuse(
                "supplier-invoice", key, "supplier invoices are switched off (settings.supplier_invoices)"
            )
        voucher = self._map(
            "supplier-invoice",
            key,
            lambda: supplier_invoices.map_supplier_invoice(invoice, self.settings, refs=_Refs(self)),
        )
        if isinstance(voucher, TransferResult):
            return voucher
        journal = settings.day_book
        entry = voucher["entries"]["supplierInvoices"][0]

        def find() -> str | None:
            for existing in self.economic.iter_collection(f"journals/{journal}/vouchers"):
                for line in (existing.get("entries") or {}).get("supplierInvoices") or []:
                    if (
                        str(line.get("supplierInvoiceNumber")) == entry["supplierInvoiceNumber"]
                        and (line.get("supplier") or {}).get("supplierNumber")
                        == entry["supplier"]["supplierNumber"]
                    ):
                        return f"{journal}:{existing.get('voucherNumber')}"
            return None

        result = self.ledger.transfer(
            "supplier-invoice",
            key,
            find=find,
            send=self._voucher_sender(journal, voucher),
            describe=lambda remote: "voucher {1} in day book {0}".format(*remote.split(":", 1)),
        )
        self._after_transfer("supplier-invoice", key, result, voucher)
        return result

    def _map(
        self, document_type: str, key: str, mapping: Callable[[], dict[str, Any]]
    ) -> dict[str, Any] | TransferResult:
        """The document's payload, or the result that explains why there is none (refused or uncertain)."""
        try:
            return mapping()
        except MappingError as exc:
            return self._refuse(document_type, key, str(exc))
        except (TransientError, AuthError) as exc:
            return TransferResult("uncertain", None, exc.remote_message, exc)
        except ApiError as exc:
            return self._refuse(document_type, key, exc.remote_message, exc)

    def _after_transfer(self, document_type: str, key: str, result: TransferResult, payload: Any) -> None:
        if result.outcome == "failed":
            self._log(
                "transfer",
                document_type,
                key,
                result.message,
                result.error if isinstance(result.error, ApiError) else None,
                payload,
            )
        elif result.ok:
            with self.store.session() as session:
                ErrorLog(session, self.integration_id).resolve("transfer", document_type, key)

    def _refuse(
        self, document_type: str, key: str, message: str, exc: ApiError | None = None
    ) -> TransferResult:
        self._log("transfer", document_type, key, message, exc, None)
        return TransferResult("failed", None, message, exc)

    def _log(
        self, operation: str, entity: str, key: str, message: str, exc: ApiError | None, payload: Any
    ) -> None:
        with self.store.session() as session:
            ErrorLog(session, self.integration_id).record(
                operation=operation,
                entity=entity,
                record_key=str(key),
                message=f"{entity.replace('-', ' ')} {key}: {message}",
                remote_message=exc.remote_message if exc else None,
                status_code=exc.status_code if exc else None,
                payload=payload if isinstance(payload, dict) else None,
                response=exc.body if exc else None,
            )

    # -- the safety net ----------------------------------------------------------------------------------
    def scan(self, since: datetime | None) -> Iterable[tuple[str, str]]:
        """Every master record Rackbeat changed since ``since`` and since we last synced it, and every
        booked document the ledger does not know yet.

        A record whose ``updated_at`` is not after its binding's last sync is skipped: the start-up
        sync's own records, and records a webhook already brought over, cost nothing here. Rackbeat
        stamps changes to the second and its clock is compared with ours: a change in the same second
        as our sync of that record, or hidden by clock skew, is left to its webhook.
        """
        params = {"updated_at_from": since.strftime("%Y-%m-%d %H:%M:%S")} if since else {}
        found: list[tuple[str, str]] = []
        try:
            with self.store.session() as session:
                binder = Binder(session, self.integration_id, self.master.sides)
                for prefix, (entity, resource) in MASTER_EVENTS.items():
                    for record in self.rackbeat.iter_all(resource, params=params):
                        binding = binder.find(entity, RACKBEAT, str(record["number"]))
                        if binding is not None and not _changed_since(
                            record.get("updated_at"), binding.synced_at
                        ):
                            continue
                        found.append((f"{prefix}.updated", str(record["number"])))
            for event, document_type in DOCUMENT_EVENTS.items():
                for record in self.rackbeat.iter_all(
                    DOCUMENT_RESOURCES[document_type], params={**params, "is_booked": "true"}
                ):
                    if (
                        record.get("is_booked")
                        and self.ledger.get(document_type, str(record["number"])) is None
                    ):
                        found.append((event, str(record["number"])))
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"safety-net scan: {exc.remote_message}") from exc
        return found

    # -- inventory value ---------------------------------------------------------------------------------
    def periodic(self, now: datetime) -> list[str]:
        done = []
        if self.settings.orders.enabled and self._due("orders", self.settings.orders.interval_seconds):
            done.append(self.poll_orders())
        masters = self.settings.master_data
        if masters.economic_changes == "poll" and self._due("master-data", masters.poll_minutes * 60):
            done.append(self.poll_master_data())
        return done + self._inventory_value(now)

    def _inventory_value(self, now: datetime) -> list[str]:
        settings = self.settings.inventory_value
        if not settings.enabled:
            return []
        assert settings.day_book and settings.inventory_account and settings.offset_account
        today = now.date()
        with self.store.session() as session:
            state = Checkpoints(session, self.integration_id).get("inventory_value")
        if state is None:
            value = self._valuation(today - timedelta(days=1))
            self._save_inventory_state(today - timedelta(days=1), value)
            return [
                f"inventory value starting point {value} recorded; the next period's change will be posted"
            ]
        done = []
        last_end = date.fromisoformat(state["last_end"])
        last_value = Decimal(state["last_value"])
        for end in inventory.closed_periods(last_end, today, settings.frequency):
            value = self._valuation(end)
            change = value - last_value
            period = inventory.period_id(end, settings.frequency)
            if change:
                voucher = inventory.inventory_voucher(
                    change,
                    end,
                    frequency=settings.frequency,
                    inventory_account=settings.inventory_account,
                    offset_account=settings.offset_account,
                )
                result = self.ledger.transfer(
                    "inventory-value",
                    period,
                    find=lambda: None,
                    send=self._voucher_sender(settings.day_book, voucher),
                    describe=lambda remote: "voucher {1} in day book {0}".format(*remote.split(":", 1)),
                )
                self._after_transfer("inventory-value", period, result, voucher)
                if not result.ok:
                    break  # keep the period open; the next run tries again from here
                done.append(f"inventory value {period}: {change:+} ({result.message})")
            else:
                done.append(f"inventory value {period}: unchanged")
            last_end, last_value = end, value
            self._save_inventory_state(last_end, last_value)
        return done

    def _voucher_sender(self, journal: int, voucher: dict[str, Any]) -> Callable[[str], str]:
        def send(idempotency_key: str) -> str:
            posted = self.economic.post_vouchers(journal, [voucher], idempotency_key=idempotency_key)
            return f"{journal}:{posted[0].get('voucherNumber')}"

        return send

    def _valuation(self, day: date) -> Decimal:
        try:
            return Decimal(str(self.rackbeat.get_valuation(day)["total_value"]))
        except (TransientError, AuthError) as exc:
            raise RunAborted(f"inventory valuation: {exc.remote_message}") from exc

    def _save_inventory_state(self, end: date, value: Decimal) -> None:
        with self.store.session() as session:
            Checkpoints(session, self.integration_id).put(
                "inventory_value", {"last_end": end.isoformat(), "last_value": str(value)}
            )

    def base_currency(self) -> str:
        if self._base_currency is None:
            self._base_currency = str(
                (self.economic.get("self").get("settings") or {}).get("baseCurrency") or "DKK"
            )
        return self._base_currency


def _changed_since(updated_at: Any, synced_at: datetime) -> bool:
    """Did Rackbeat change the record after we synced it? Unknown times count as changed."""
    if not updated_at:
        return True
    try:
        changed = datetime.fromisoformat(str(updated_at).replace("Z", "+00:00"))
    except ValueError:
        return True
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    synced = synced_at if synced_at.tzinfo else synced_at.replace(tzinfo=UTC)
    return changed > synced


class _Refs:
    """What document mappers may ask: Rackbeat number → e-conomic number (syncing it first when new)."""

    def __init__(self, session: RackbeatEconomicRealtime) -> None:
        self._session = session

    def __call__(self, entity: str, number: Any) -> str:
        sync = self._session.master
        # A bound record is kept current by its own webhooks: use it as it is (no extra calls).
        with sync.store.session() as session:
            bound = Binder(session, sync.integration_id, sync.sides).other_key(entity, RACKBEAT, str(number))
        if bound is not None:
            return bound
        flow = next((f for f in sync.flows if f.entity == entity), None)
        if flow is not None:
            outcome = sync.sync_one(entity, number)
            if outcome == "failed":
                raise MappingError(
                    f"{entity.replace('_', ' ')} {number} could not be synced (see the error log)"
                )
            if outcome == "gone":
                raise MappingError(f"{entity.replace('_', ' ')} {number} does not exist in Rackbeat")
        with sync.store.session() as session:
            bound = Binder(session, sync.integration_id, sync.sides).other_key(entity, RACKBEAT, str(number))
        return bound or str(number)

    def contact(self, customer_number: int, name: str) -> int:
        """The e-conomic contact person of that name on the customer, created if missing."""
        path = f"customers/{customer_number}/contacts"
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
