"""One CRUD adapter per e-conomic entity over :class:`EconomicClient`, with its document operations.

An :class:`Entity` says where the REST API keeps a collection and which field numbers its records;
:class:`EntityAdapter` turns that into ``search`` / ``read`` / ``find`` / ``create`` / ``update`` /
``delete`` (``update`` is e-conomic's PUT, which replaces the whole document). :class:`Economic` holds one
adapter per entity the integrations use; sub-collections (a customer's contacts and delivery locations)
are adapters of their own, opened with the parent's number. Invoices add booking and the exact-reference
lookups. Thin by design: paths, filters and idempotency keys pass straight to the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ledgerbridge.systems.economic.client import EconomicClient
from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.errors import NotFoundError

Record = dict[str, Any]


@dataclass(frozen=True)
class Entity:
    """A collection of the REST API: its path and the field that numbers its records."""

    name: str
    path: str
    key: str


class EntityAdapter:
    """search / read / find / create / update / delete on one :class:`Entity`."""

    def __init__(self, client: EconomicClient, entity: Entity) -> None:
        self.client = client
        self.entity = entity

    def record_path(self, key: int | str) -> str:
        return self.client.resource_path(self.entity.path, key)

    def search(self, *, filter: str | Filter | None = None, sort: str | None = None) -> Iterator[Record]:  # noqa: A002
        """Every record (matching e-conomic's ``filter``), page by page."""
        return self.client.iter_collection(self.entity.path, filter=filter, sort=sort)

    def read(self, key: int | str) -> Record:
        """One record by its number; NotFoundError if absent."""
        return self.client.get(self.record_path(key))

    def find(self, key: int | str) -> Record | None:
        try:
            return self.read(key)
        except NotFoundError:
            return None

    def create(self, body: Record, *, idempotency_key: str | None = None) -> Record:
        return self.client.create(self.entity.path, body, idempotency_key=idempotency_key)

    def update(self, key: int | str, body: Record, *, idempotency_key: str | None = None) -> Record:
        """PUT the whole record (properties left out are cleared: send what was read, changed)."""
        return self.client.replace(self.record_path(key), body, idempotency_key=idempotency_key)

    def delete(self, key: int | str, *, idempotency_key: str | None = None) -> None:
        self.client.delete(self.record_path(key), idempotency_key=idempotency_key)


class Customers(EntityAdapter):
    """Customers, with their contacts ("Referencer") and delivery locations."""

    def contacts(self, customer_number: int | str) -> EntityAdapter:
        path = f"{self.record_path(customer_number)}/contacts"
        return EntityAdapter(self.client, Entity("customer contacts", path, "customerContactNumber"))

    def delivery_locations(self, customer_number: int | str) -> EntityAdapter:
        path = f"{self.record_path(customer_number)}/delivery-locations"
        return EntityAdapter(self.client, Entity("delivery locations", path, "deliveryLocationNumber"))


class DraftInvoices(EntityAdapter):
    def by_reference(self, other_reference: str) -> Record | None:
        """The draft whose ``references.other`` is exactly ``other_reference`` (with its lines), or None."""
        return self.client.find_draft_invoice_by_reference(other_reference)

    def book(
        self,
        draft_number: int,
        *,
        send_by: str | None = None,
        book_with_number: int | None = None,
        idempotency_key: str | None = None,
    ) -> Record:
        """Book the draft; pass the same ``idempotency_key`` on a retry, or it could book twice."""
        return self.client.book_invoice(
            draft_number, send_by=send_by, book_with_number=book_with_number, idempotency_key=idempotency_key
        )


class BookedInvoices(EntityAdapter):
    def by_reference(self, other_reference: str) -> Record | None:
        """The booked invoice whose ``references.other`` is exactly ``other_reference``, or None."""
        return self.client.find_booked_invoice_by_reference(other_reference)


CUSTOMERS = Entity("customers", "customers", "customerNumber")
PRODUCTS = Entity("products", "products", "productNumber")
SUPPLIERS = Entity("suppliers", "suppliers", "supplierNumber")
PRODUCT_GROUPS = Entity("product groups", "product-groups", "productGroupNumber")
CUSTOMER_GROUPS = Entity("customer groups", "customer-groups", "customerGroupNumber")
PAYMENT_TERMS = Entity("payment terms", "payment-terms", "paymentTermsNumber")
LAYOUTS = Entity("layouts", "layouts", "layoutNumber")
ACCOUNTS = Entity("accounts", "accounts", "accountNumber")
VAT_ACCOUNTS = Entity("VAT accounts", "vat-accounts", "vatCode")
DRAFT_INVOICES = Entity("draft invoices", "invoices/drafts", "draftInvoiceNumber")
BOOKED_INVOICES = Entity("booked invoices", "invoices/booked", "bookedInvoiceNumber")


class Economic:
    """One adapter per e-conomic entity the integrations read or write, over one client."""

    def __init__(self, client: EconomicClient) -> None:
        self.client = client
        self.customers = Customers(client, CUSTOMERS)
        self.products = EntityAdapter(client, PRODUCTS)
        self.suppliers = EntityAdapter(client, SUPPLIERS)
        self.product_groups = EntityAdapter(client, PRODUCT_GROUPS)
        self.customer_groups = EntityAdapter(client, CUSTOMER_GROUPS)
        self.payment_terms = EntityAdapter(client, PAYMENT_TERMS)
        self.layouts = EntityAdapter(client, LAYOUTS)
        self.accounts = EntityAdapter(client, ACCOUNTS)
        self.vat_accounts = EntityAdapter(client, VAT_ACCOUNTS)
        self.draft_invoices = DraftInvoices(client, DRAFT_INVOICES)
        self.booked_invoices = BookedInvoices(client, BOOKED_INVOICES)
