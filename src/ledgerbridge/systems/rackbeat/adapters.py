"""One CRUD adapter per Rackbeat entity over :class:`RackbeatClient`, with its document operations.

:class:`EntityAdapter` is ``search`` / ``read`` / ``find`` / ``create`` / ``update`` / ``delete`` on one
resource (``update`` is Rackbeat's PUT, which keeps the fields left out; ``suppress_webhooks`` keeps our
own writes from echoing back as deliveries). :class:`Documents` adds booking and the PDF,
:class:`CustomerInvoices` the credit note of a booked invoice, :class:`Customers` their contacts and
addresses. :class:`Rackbeat` holds one adapter per entity the integrations use. Thin by design: everything
passes straight to the client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ledgerbridge.systems.rackbeat.client import RackbeatClient

Record = dict[str, Any]


class EntityAdapter:
    """search / read / find / create / update / delete on one Rackbeat resource (``"customers"``...)."""

    def __init__(self, client: RackbeatClient, resource: str) -> None:
        self.client = client
        self.resource = resource

    def search(self, **params: Any) -> Iterator[Record]:
        """Every record (matching Rackbeat's query ``params``), page by page."""
        return self.client.iter_all(self.resource, params=params or None)

    def read(self, key: int | str) -> Record:
        """One record by its key (its number; ``id`` for bank accounts); NotFoundError if absent."""
        return self.client.get(self.resource, key)

    def find(self, key: int | str) -> Record | None:
        return self.client.find(self.resource, key)

    def create(self, body: Mapping[str, Any], *, suppress_webhooks: bool = False) -> Record:
        return self.client.create(self.resource, body, suppress_webhooks=suppress_webhooks)

    def update(self, key: int | str, body: Mapping[str, Any], *, suppress_webhooks: bool = False) -> Record:
        """PUT the given fields (the others are kept)."""
        return self.client.update(self.resource, key, body, suppress_webhooks=suppress_webhooks)

    def delete(self, key: int | str, *, suppress_webhooks: bool = False) -> None:
        self.client.delete(self.resource, key, suppress_webhooks=suppress_webhooks)


class Customers(EntityAdapter):
    def contacts(self, number: int | str) -> Iterator[Record]:
        return self.client.list_sub(self.resource, number, "contacts")

    def addresses(self, number: int | str) -> Iterator[Record]:
        return self.client.list_sub(self.resource, number, "addresses")


class Documents(EntityAdapter):
    """Invoices and orders: booked once (a second booking is refused with 422), printed as PDF."""

    def book(self, key: int | str, body: Mapping[str, Any] | None = None) -> Record:
        return self.client.book(self.resource, key, body)

    def pdf(self, key: int | str) -> bytes:
        return self.client.get_pdf(self.resource, key)


class CustomerInvoices(Documents):
    def credit_note(self, invoice_number: int | str, body: Mapping[str, Any] | None = None) -> Record:
        """A draft credit note of a booked invoice."""
        return self.client.credit_note(invoice_number, body)


class Rackbeat:
    """One adapter per Rackbeat entity the integrations read or write, over one client."""

    def __init__(self, client: RackbeatClient) -> None:
        self.client = client
        self.customers = Customers(client, "customers")
        self.suppliers = EntityAdapter(client, "suppliers")
        self.products = EntityAdapter(client, "products")
        self.product_groups = EntityAdapter(client, "product-groups")
        self.layouts = EntityAdapter(client, "layouts")
        self.payment_terms = EntityAdapter(client, "payment-terms")
        self.bank_accounts = EntityAdapter(client, "bank-accounts")
        self.customer_invoices = CustomerInvoices(client, "customer-invoices")
        self.supplier_invoices = Documents(client, "supplier-invoices")
        self.orders = Documents(client, "orders")
