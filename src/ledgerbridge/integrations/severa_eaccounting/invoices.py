"""Severa invoices → eEkonomi invoice drafts (seed 004 C9, C17, C19, C20, C29, C57–C60), and what comes
back: invoice number, OCR and "sent" (C21, C27), "paid" with its date (C22, C28).

A draft carries ``ContractNumber = "Severa <invoice guid>"``: it is how an earlier attempt is found (the
draft, or the invoice eEkonomi made of it), since eEkonomi has no idempotency keys. The transfer is one
ledger transfer: the draft is the send, "set the transferred status in Severa" its follow-up step, so a
crash or a lost answer between the two resumes at the status and never makes a second draft.

The field mapping of the header and the rows is ``mappers/invoice.py`` (``InvoiceToEAccounting``, read like
seed 004's field table); :class:`DraftBuilder` gives it what it refers to (the eEkonomi ids of the customer,
the articles and the projects' cost center items, and the project behind each row), read once per run.

Readings (docs/integrations/severa-eaccounting.md):

- Header (C57): the billing customer, else the customer (A22), must be in eEkonomi: one that is not is
  synced first with the articles the rows need (A2, see ``registers``); where that fails, the invoice is
  refused with the reason. Address lines 1–2 from the
  invoice's receiver address; postal code, city and country are read-only on drafts (A24). Terms by days
  (A12), invoice and due date, our/your reference. Severa's notes and two free texts become text rows
  (A20(a)), at the top by default.
- Rows (C58–C60): the article is the row's single code; no code, or several codes on a grouped row
  (A21), → the default article number (C17); a grouped row with one code keeps it (C29). Description,
  quantity (more than 2 decimals refused, A28), price; no unit (the article's applies, A31). The row's
  project: the invoice's only project, else read from the entries behind the row; its cost center item in
  slot ``CostCenterItemId<n>`` where n is the cost center's number (A29).
- Credit notes become credit drafts (A27).
- Sent (A32): a customer invoice whose ``CreatedFromDraftId`` is our draft, or whose ``ContractNumber`` is
  our marker; ``IsNotDelivered``/``HasAutoInvoiceError`` is reported and not marked sent. Number and OCR
  go in the same PATCH before the status (A23). Paid: ``PaymentStatus`` 0 with nothing remaining; the
  Severa payment date is eEkonomi's ``PaymentDate``. "Check paid" looks at invoices in the "sent" status,
  and, when no "sent" status is chosen, in the "transferred" status.
"""

from __future__ import annotations

import re
from typing import Any

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, Record, number_key
from ledgerbridge.integrations.severa_eaccounting.mappers.invoice import (
    InvoiceToEAccounting,
    invoice_marker,
    row_code,
)
from ledgerbridge.systems.eaccounting.adapters import CustomerInvoices

DRAFTS, INVOICES = "customerinvoicedrafts", "customerinvoices"


_MARKER = re.compile(r"^Severa ([0-9a-fA-F-]{36})$")


def _quote(text: str) -> str:
    return text.replace("'", "''")


def describe_invoice(invoice: Record) -> str:
    number = invoice.get("number")
    return f"Severa invoice {number}" if number else f"Severa invoice {invoice.get('guid')}"


class DraftContext:
    """The mapping context of a draft: the settings; a draft refers to nothing through bindings."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def ref(self, entity: str, source_key: Any) -> str:
        raise MappingError(f"{entity} {source_key}: a draft refers to eEkonomi ids, not to bindings")

    def lookup(self, name: str, key: Any) -> Any:
        return None


class DraftBuilder:
    """Builds the eEkonomi draft of one Severa invoice (rows read once per invoice, kept for the run): the
    field mapping is ``mappers/invoice.py``; this reads what it refers to (:class:`DraftReferences`)."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.severa = lookups.severa
        self.settings = lookups.settings
        self.warnings: list[str] = []  # A24: what the draft cannot say as Severa does
        self._rows: dict[str, list[Record]] = {}
        self._row_projects: dict[str, str | None] = {}
        #: register → record key → why that register refused it when the invoices synced it first (A2)
        self.refused: dict[str, dict[str, str]] = {}

    def rows(self, invoice_guid: str) -> list[Record]:
        if invoice_guid not in self._rows:
            self._rows[invoice_guid] = self.severa.invoices.rows(invoice_guid)
        return self._rows[invoice_guid]

    @staticmethod
    def customer_key(invoice: Record) -> str:
        """The invoice's eEkonomi customer number: the billing customer's, else the customer's (A22)."""
        customer = invoice.get("billingCustomer") or invoice.get("customer") or {}
        return number_key(customer.get("number"))

    def article_numbers(self, invoice: Record) -> set[str]:
        """The eEkonomi article numbers the invoice's rows need (C17, C29, C58)."""
        return {self.row_code(row) for row in self.rows(str(invoice["guid"]))}

    def customer_id(self, invoice: Record) -> str:
        customer = invoice.get("billingCustomer") or invoice.get("customer") or {}
        number = self.customer_key(invoice)
        found = self.lookups.customers.get(number)
        if found is None:
            raise MappingError(
                f"customer {number} ({customer.get('name')}) is not in eEkonomi: transfer customers first"
                + self._why("customers", number)
            )
        receiver = invoice.get("receiverAddress") or {}
        theirs = (found.get("InvoicePostalCode"), found.get("InvoiceCity"))
        mine = (receiver.get("postalCode"), receiver.get("city"))
        if all(mine) and [str(x or "").strip() for x in mine] != [str(x or "").strip() for x in theirs]:
            self.warnings.append(
                f"{describe_invoice(invoice)}: the draft shows the eEkonomi customer's postal code and city "
                f"{' '.join(str(x) for x in theirs)}, not the invoice's {' '.join(str(x) for x in mine)} "
                "(read-only on drafts)"
            )
        return str(found["Id"])

    def article_id(self, number: str) -> str:
        article = self.lookups.articles.get(number)
        if article is None:
            raise MappingError(
                f"article {number} is not in eEkonomi: transfer products first"
                + self._why("products", number)
            )
        return str(article["Id"])

    def row_code(self, row: Record) -> str:
        return row_code(row, self.settings.invoices.default_article_number)  # C17, C29, A21

    def project_numbers(self, invoice: Record) -> set[str]:
        """The Severa project numbers the invoice's rows carry (their cost center items, C60)."""
        numbers = (self.row_project_number(invoice, row) for row in self.rows(str(invoice["guid"])))
        return {number for number in numbers if number is not None}

    def row_project_number(self, invoice: Record, row: Record) -> str | None:
        """The row's project: the invoice's only one, else the one of the entries behind the row (read
        once per row and kept for the run)."""
        guid = str(row["guid"])
        if guid not in self._row_projects:
            self._row_projects[guid] = self._row_project_number(invoice, row)
        return self._row_projects[guid]

    def _row_project_number(self, invoice: Record, row: Record) -> str | None:
        projects = invoice.get("projects") or []
        if len(projects) == 1:
            return str(projects[0].get("number"))
        for entry in self.severa.invoice_rows.entries(str(row["guid"])):
            project = entry.get("project") or {}
            if project.get("guid"):
                found = next((p for p in projects if p.get("guid") == project["guid"]), None)
                number = (found or {}).get("number") or project.get("number")
                if number is None:
                    number = self.severa.projects.read(str(project["guid"])).get("number")
                return str(number)
        return None

    def item_id(self, project_number: str) -> str:
        item = self.lookups.project_items.get(project_number)
        if item is None:
            raise MappingError(
                f"project {project_number} is not a cost center item in eEkonomi: transfer projects first"
                + self._why("projects", project_number)
            )
        return str(item["Id"])

    def _why(self, register: str, key: str) -> str:
        reason = self.refused.get(register, {}).get(key)
        return f" (the {register} register refused it: {reason})" if reason else ""

    @property
    def cost_center_slot(self) -> int:
        return self.lookups.cost_center_slot

    def terms_id(self, days: Any) -> str:
        return self.lookups.terms_id(days)

    def draft(self, invoice: Record) -> dict[str, Any]:
        """The draft of ``invoice`` (a MappingError says why it cannot be one)."""
        mapper = InvoiceToEAccounting(self, self.rows(str(invoice["guid"])))
        return mapper.map(invoice, DraftContext(self.settings))


def marked_documents(lookups: Lookups) -> dict[str, str]:
    """Every draft and invoice in eEkonomi carrying our marker: Severa invoice guid → remote key. Read once
    for a whole register run, so finding an earlier attempt costs no call per invoice."""
    found: dict[str, str] = {}
    for path, kind in ((INVOICES, "invoice"), (DRAFTS, "draft")):  # a draft wins: it is what we made
        for document in lookups.eaccounting.iter_collection(path):
            marker = _MARKER.match(str(document.get("ContractNumber") or ""))
            if marker:
                found[marker.group(1).lower()] = f"{kind}:{document['Id']}"
    return found


class DraftSender:
    """find / send of one invoice for the transfer ledger. ``known``: :func:`marked_documents`, read at the
    run's start (a run is the only one sending its invoices: the ledger's claim sees to that); without it
    ``find`` asks eEkonomi for this invoice's marker."""

    def __init__(
        self, lookups: Lookups, builder: DraftBuilder, invoice: Record, known: dict[str, str] | None = None
    ) -> None:
        self.lookups = lookups
        self.builder = builder
        self.invoice = invoice
        self.marker = invoice_marker(str(invoice["guid"]))
        self.known = known

    def _first(self, path: str) -> Record | None:
        query = f"ContractNumber eq '{_quote(self.marker)}'"
        return next(iter(self.lookups.eaccounting.iter_collection(path, filter=query, pagesize=50)), None)

    def find(self) -> str | None:
        if self.known is not None:
            return self.known.get(str(self.invoice["guid"]).lower())
        draft = self._first(DRAFTS)
        if draft is not None:
            return f"draft:{draft['Id']}"
        invoice = self._first(INVOICES)  # the bookkeeper was quick: the draft is an invoice already
        return f"invoice:{invoice['Id']}" if invoice is not None else None

    def send(self, idempotency_key: str) -> str:
        draft = self.lookups.eaccounting.create(DRAFTS, self.builder.draft(self.invoice))
        return f"draft:{draft['Id']}"


def describe_remote(remote_key: str) -> str:
    kind, _, ident = remote_key.partition(":")
    return f"eEkonomi {'invoice draft' if kind == 'draft' else 'invoice'} {ident}"


# -- check sent / check paid ---------------------------------------------------------------------------


class BookedInvoices:
    """eEkonomi's customer invoices by the Severa invoice they came from (marker or our draft id)."""

    def __init__(self, lookups: Lookups, drafts_by_guid: dict[str, str]) -> None:
        self.by_guid: dict[str, Record] = {}
        by_draft = {draft: guid for guid, draft in drafts_by_guid.items()}
        for invoice in CustomerInvoices(lookups.eaccounting).modified_since(None):
            found = _MARKER.match(str(invoice.get("ContractNumber") or ""))
            guid = found.group(1) if found else by_draft.get(str(invoice.get("CreatedFromDraftId") or ""))
            if guid:
                self.by_guid[guid.lower()] = invoice

    def get(self, guid: str) -> Record | None:
        return self.by_guid.get(guid.lower())


def sent_changes(invoice: Record) -> dict[str, Any]:
    """C27: what "sent" writes to Severa, number and OCR before the status (A23)."""
    changes: dict[str, Any] = {"number": invoice.get("InvoiceNumber")}
    if invoice.get("PaymentReferenceNumber"):
        changes["referenceNumber"] = str(invoice["PaymentReferenceNumber"])
    return changes


def not_delivered(invoice: Record) -> str | None:
    if invoice.get("IsNotDelivered"):
        return "eEkonomi could not deliver the invoice by e-mail (IsNotDelivered)"
    if invoice.get("HasAutoInvoiceError"):
        return "eEkonomi's AutoInvoice reports an error for the invoice (HasAutoInvoiceError)"
    return None


def paid_date(invoice: Record) -> str | None:
    if not CustomerInvoices.is_paid(invoice):
        return None
    value = invoice.get("PaymentDate")
    return str(value)[:10] if value else None
