"""One CRUD adapter per Severa register, with the document operations the integration needs.

A :class:`Register` says how the official OpenAPI serves a register: where its list and its records are,
which paging the list has (``cursor``: ``pageToken``/``NextPageToken``; ``offset``: ``firstRow``; ``none``),
whether the list takes ``changedSince``, and whether create answers an array. :class:`RegisterAdapter`
turns that into ``search`` / ``read`` / ``create`` / ``update`` / ``delete``; the subclasses add what a
register has beyond CRUD (a customer's addresses, an invoice's rows, a row's work hours…).
``tests/systems/severa/test_adapters_spec.py`` checks every register here against the OpenAPI.

``changed_since`` is refused on lists that do not declare it (invoice statuses, VAT rates, currencies,
travel expense types, a customer's addresses): those are read in full, and the caller compares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from ledgerbridge.systems.errors import ApiError
from ledgerbridge.systems.severa.client import SeveraClient

Paging = Literal["cursor", "offset", "none"]
Record = dict[str, Any]


@dataclass(frozen=True)
class Register:
    """How the API serves one register. Paths may hold ``{parent}`` (a customer's addresses)."""

    name: str
    collection: str | None  # the list (GET), None when there is none
    item: str | None = None  # one record: GET / PATCH / DELETE, with ``{guid}``
    paging: Paging = "cursor"
    changed_since: bool = False
    create: str | None = None  # POST path (defaults to the collection when ``creatable``)
    creatable: bool = True
    create_answers_array: bool = False
    patchable: bool = True
    deletable: bool = True

    @property
    def create_path(self) -> str | None:
        if not self.creatable:
            return None
        return self.create or self.collection


class RegisterAdapter:
    """search / read / create / update / delete on one :class:`Register` through a :class:`SeveraClient`."""

    register: Register

    def __init__(self, client: SeveraClient, register: Register | None = None) -> None:
        self.client = client
        if register is not None:
            self.register = register

    # -- reading ---------------------------------------------------------------------------------
    def search(
        self,
        *,
        changed_since: datetime | None = None,
        parent: str | None = None,
        row_count: int = 100,
        **filters: Any,
    ) -> Iterator[Record]:
        """Every record matching ``filters`` (Severa's query names; lists repeat the key), page by page."""
        register = self.register
        if register.collection is None:
            raise ApiError(f"Severa has no list of {register.name}")
        if changed_since is not None:
            if not register.changed_since:
                raise ValueError(
                    f"Severa's {register.name} list has no changedSince: read it in full and compare"
                )
            filters["changedSince"] = changed_since
        path = self._path(register.collection, parent=parent)
        if register.paging == "cursor":
            return self.client.iter_cursor(path, filters, row_count=row_count)
        if register.paging == "offset":
            return self.client.iter_offset(path, filters, row_count=row_count)
        return iter(self.client.read_list(path, filters))

    def all(self, **kwargs: Any) -> list[Record]:
        return list(self.search(**kwargs))

    def read(self, guid: str) -> Record:
        """One record; ``NotFoundError`` when there is none."""
        answer = self.client.read(self._item(guid))
        return _one(answer, self.register.name)

    # -- writing ---------------------------------------------------------------------------------
    def create(self, body: Mapping[str, Any], *, parent: str | None = None) -> Record:
        """The created record (the first of the array where Severa answers one)."""
        return _one(self.create_all(body, parent=parent), self.register.name)

    def create_all(self, body: Mapping[str, Any], *, parent: str | None = None) -> list[Record]:
        path = self.register.create_path
        if path is None:
            raise ApiError(f"Severa's API cannot create {self.register.name}")
        answer = self.client.create(self._path(path, parent=parent), dict(body))
        return [r for r in answer if isinstance(r, dict)] if isinstance(answer, list) else [answer]

    def update(self, guid: str, changes: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Record:
        """Replace the fields in ``changes`` (JSON pointers like ``/status/guid`` or field names)."""
        if not self.register.patchable:
            raise ApiError(f"Severa's API cannot update {self.register.name}")
        return _one(self.client.patch(self._item(guid), changes), self.register.name)

    def delete(self, guid: str) -> None:
        if not self.register.deletable:
            raise ApiError(f"Severa's API cannot delete {self.register.name}")
        self.client.delete(self._item(guid))

    # -- internals -------------------------------------------------------------------------------
    def _item(self, guid: str) -> str:
        if self.register.item is None:
            raise ApiError(f"Severa's API has no single-record route for {self.register.name}")
        return self._path(self.register.item, guid=guid)

    @staticmethod
    def _path(template: str, **values: str | None) -> str:
        for key, value in values.items():
            marker = "{" + key + "}"
            if marker in template:
                if not value:
                    raise ValueError(f"{template} needs {key}")
                template = template.replace(marker, str(value))
        if "{" in template:
            raise ValueError(f"{template} needs a parent guid (parent=...)")
        return template


def _one(answer: Any, name: str) -> Record:
    if isinstance(answer, list):
        answer = next((row for row in answer if isinstance(row, dict)), None)
    if not isinstance(answer, dict):
        raise ApiError(f"Severa answered no {name} record", body=answer)
    return answer


def _guids(values: Sequence[str] | str | None) -> list[str] | None:
    if values is None:
        return None
    return [values] if isinstance(values, str) else list(values)


# -- the registers ------------------------------------------------------------------------------
CUSTOMERS = Register("customers", "v1/customers", "v1/customers/{guid}", "cursor", changed_since=True)
ADDRESSES = Register(
    "addresses",
    "v1/addresses",
    "v1/addresses/{guid}",
    "offset",
    changed_since=True,
    create="v1/customers/{parent}/addresses",
)
CUSTOMER_ADDRESSES = Register(
    "addresses of a customer", "v1/customers/{parent}/addresses", "v1/addresses/{guid}", "offset"
)
CONTACT_PERSONS = Register(
    "contact persons", "v1/contactpersons", "v1/contactpersons/{guid}", "offset", changed_since=True
)
CUSTOMER_CONTACT_PERSONS = Register(
    "contact persons of a customer",
    "v1/customers/{parent}/contactpersons",
    "v1/contactpersons/{guid}",
    "offset",
    create="v1/contactpersons",
)
CONTACT_COMMUNICATIONS = Register(
    "contact communications",
    "v1/contactcommunications",
    "v1/contactcommunications/{guid}",
    "offset",
    changed_since=True,
)
COMMUNICATION_TYPES = Register(
    "communication types", "v1/communicationtypes", "v1/communicationtypes/{guid}", "offset"
)
PRODUCTS = Register("products", "v1/products", "v1/products/{guid}", "cursor", changed_since=True)
WORK_TYPES = Register("work types", "v1/worktypes", "v1/worktypes/{guid}", "offset", changed_since=True)
TRAVEL_EXPENSE_TYPES = Register(
    "travel expense types", "v1/travelexpensetypes", "v1/travelexpensetypes/{guid}", "offset"
)
PRICE_LISTS = Register(
    "price lists", "v1/pricelists", "v1/pricelists/{guid}", "offset", creatable=False, patchable=False,
    deletable=False,
)  # fmt: skip
PROJECTS = Register("projects", "v1/projects", "v1/projects/{guid}", "cursor", changed_since=True)
INVOICE_STATUSES = Register("invoice statuses", "v1/invoicestatuses", "v1/invoicestatuses/{guid}", "offset")
INVOICES = Register(
    "invoices", "v1/invoices", "v1/invoices/{guid}", "cursor", changed_since=True, create_answers_array=True
)
INVOICE_ROWS = Register(
    "invoice rows", "v1/invoicerows", "v1/invoicerows/{guid}", "cursor", changed_since=True, creatable=False
)
PROJECT_FEES = Register(
    "project fees", "v1/projectfees", "v1/projectfees/{guid}", "cursor", changed_since=True,
    create_answers_array=True,
)  # fmt: skip
WORK_HOURS = Register("work hours", "v1/workhours", "v1/workhours/{guid}", "cursor", changed_since=True)
PROJECT_TRAVEL_EXPENSES = Register(
    "project travel expenses",
    "v1/projecttravelexpenses",
    "v1/projecttravelexpenses/{guid}",
    "cursor",
    changed_since=True,
)
VAT_RATES = Register("VAT rates", "v1/vatrates", "v1/vatrates/{guid}", "none")
CURRENCIES = Register(
    "currencies", "v1/currencies", "v1/currencies/{guid}", "offset", creatable=False, deletable=False
)
COUNTRIES = Register(
    "countries", "v1/localization/countries", "v1/localization/countries/{guid}", "none",
    creatable=False, patchable=False, deletable=False,
)  # fmt: skip

#: Every register with a list, for the spec check.
REGISTERS: tuple[Register, ...] = (
    CUSTOMERS,
    ADDRESSES,
    CUSTOMER_ADDRESSES,
    CONTACT_PERSONS,
    CUSTOMER_CONTACT_PERSONS,
    CONTACT_COMMUNICATIONS,
    COMMUNICATION_TYPES,
    PRODUCTS,
    WORK_TYPES,
    TRAVEL_EXPENSE_TYPES,
    PRICE_LISTS,
    PROJECTS,
    INVOICE_STATUSES,
    INVOICES,
    INVOICE_ROWS,
    PROJECT_FEES,
    WORK_HOURS,
    PROJECT_TRAVEL_EXPENSES,
    VAT_RATES,
    CURRENCIES,
    COUNTRIES,
)


# -- adapters -----------------------------------------------------------------------------------
class Customers(RegisterAdapter):
    register = CUSTOMERS

    def by_number(self, number: int) -> Record | None:
        """The customer with ``number`` (Severa numbers are integers: ``"01234"`` is 1234)."""
        return next(self.search(numbers=[int(number)], row_count=2), None)

    def by_name(self, name: str) -> list[Record]:
        """Customers whose name is exactly ``name`` (re-checked: a filter Severa ignores finds them all)."""
        return [c for c in self.search(customerNames=[name]) if c.get("name") == name]

    def addresses(self, customer_guid: str) -> list[Record]:
        return RegisterAdapter(self.client, CUSTOMER_ADDRESSES).all(parent=customer_guid)

    def add_address(self, customer_guid: str, address: Mapping[str, Any]) -> Record:
        return Addresses(self.client).create(address, parent=customer_guid)

    def contact_persons(self, customer_guid: str, **filters: Any) -> list[Record]:
        return RegisterAdapter(self.client, CUSTOMER_CONTACT_PERSONS).all(parent=customer_guid, **filters)

    def projects(self, customer_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/customers/{customer_guid}/projects", filters))


class Addresses(RegisterAdapter):
    """Addresses: created under their customer (``POST /v1/customers/{guid}/addresses``)."""

    register = ADDRESSES

    def create(self, body: Mapping[str, Any], *, parent: str | None = None) -> Record:
        parent = parent or _nested_guid(body, "customer")
        return super().create(body, parent=parent)


class ContactPersons(RegisterAdapter):
    register = CONTACT_PERSONS

    def addresses(self, contact_guid: str) -> list[Record]:
        return self.client.read_list(f"v1/contactpersons/{contact_guid}/addresses")


class ContactCommunications(RegisterAdapter):
    register = CONTACT_COMMUNICATIONS

    def for_contact(self, contact_guid: str, *, active: bool | None = None) -> list[Record]:
        return self.client.read_list(f"v1/contacts/{contact_guid}/contactcommunications", {"active": active})


class CommunicationTypes(RegisterAdapter):
    register = COMMUNICATION_TYPES

    def of_kind(self, kind: str) -> list[Record]:
        """Types whose ``type`` is ``kind`` (``EmailAddress``, ``Phone``, ``MobilePhone``, ``Fax``, …)."""
        return [t for t in self.search() if t.get("type") == kind]


class Products(RegisterAdapter):
    register = PRODUCTS

    def by_code(self, code: str) -> list[Record]:
        return [p for p in self.search(code=code) if p.get("code") == code]


class WorkTypes(RegisterAdapter):
    register = WORK_TYPES

    def by_code(self, code: str) -> list[Record]:
        return [w for w in self.search(code=code) if w.get("code") == code]


class TravelExpenseTypes(RegisterAdapter):
    register = TRAVEL_EXPENSE_TYPES

    def by_code(self, code: str) -> list[Record]:
        return [t for t in self.search(code=code) if t.get("code") == code]


class PriceLists(RegisterAdapter):
    """Price lists → versions → work-hour prices (cursor, ``changedSince``) and travel prices (offset)."""

    register = PRICE_LISTS

    def versions(self, pricelist_guid: str) -> list[Record]:
        return self.client.read_list(f"v1/pricelists/{pricelist_guid}/pricelistversions")

    def version(self, version_guid: str) -> Record:
        return _one(self.client.read(f"v1/pricelistversions/{version_guid}"), "price list version")

    def current_version(self, pricelist_guid: str, today: date) -> Record | None:
        """The version in force on ``today``: the latest ``startDate`` not after it."""
        dated = [v for v in self.versions(pricelist_guid) if _date(v.get("startDate")) is not None]
        current = [v for v in dated if _date(v["startDate"]) <= today]  # type: ignore[operator]
        return max(current, key=lambda v: _date(v["startDate"]), default=None)  # type: ignore[arg-type,return-value]

    def work_hour_prices(self, version_guid: str, *, changed_since: datetime | None = None) -> list[Record]:
        params = {"changedSince": changed_since}
        return list(self.client.iter_cursor(f"v1/pricelistversions/{version_guid}/workhourprices", params))

    def travel_prices(self, version_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_offset(f"v1/pricelistversions/{version_guid}/travelprices", filters))


class Projects(RegisterAdapter):
    register = PROJECTS

    def by_number(self, number: int) -> Record | None:
        return next((p for p in self.search(numbers=[int(number)]) if p.get("number") == int(number)), None)

    def fees(self, project_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/projects/{project_guid}/projectfees", filters))

    def work_hours(self, project_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/projects/{project_guid}/workhours", filters))

    def travel_expenses(self, project_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/projects/{project_guid}/projecttravelexpenses", filters))


class InvoiceStatuses(RegisterAdapter):
    register = INVOICE_STATUSES

    def by_name(self, name: str) -> Record | None:
        return next((s for s in self.search() if s.get("name") == name), None)


class Invoices(RegisterAdapter):
    """Invoices: made from projects' uninvoiced entries, read with their rows and settings, moved on by
    status, numbered and marked paid through JSON-Patch."""

    register = INVOICES

    def in_status(self, *status_guids: str, **filters: Any) -> Iterator[Record]:
        return self.search(invoiceStatusGuids=list(status_guids), **filters)

    def create_from_projects(
        self,
        project_guids: Sequence[str],
        *,
        status_guid: str | None = None,
        billing_customer_guid: str | None = None,
        invoice_date: date | None = None,
        group_projects: bool = False,
    ) -> list[Record]:
        """``POST /v1/invoices`` (``CreateInvoiceModel``): Severa turns the projects' uninvoiced billable
        work hours, fees and travel expenses into invoice rows; answers the created invoices."""
        body: dict[str, Any] = {
            "projects": [{"guid": guid} for guid in project_guids],
            "groupProjects": group_projects,
        }
        if status_guid:
            body["invoiceStatusGuid"] = status_guid
        if billing_customer_guid:
            body["billingCustomerGuid"] = billing_customer_guid
        if invoice_date is not None:
            body["date"] = invoice_date.isoformat()
        return self.create_all(body)

    def set_status(self, invoice_guid: str, status_guid: str, **also: Any) -> Record:
        """Move the invoice to ``status_guid``; ``also`` (``number``, ``referenceNumber``, ``paymentDate``)
        goes in the same PATCH, *before* the status, so a numbering status finds the number set."""
        changes: dict[str, Any] = {f"/{key}": value for key, value in also.items() if value is not None}
        changes["/status/guid"] = status_guid
        return self.update(invoice_guid, changes)

    def rows(self, invoice_guid: str, *, row_type: str | None = None) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoices/{invoice_guid}/invoicerows", {"rowType": row_type}))

    def settings(self, invoice_guid: str) -> Record:
        return InvoiceSettings(self.client).for_invoice(invoice_guid)

    def work_hours(self, invoice_guid: str) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoices/{invoice_guid}/workhours"))

    def project_fees(self, invoice_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoices/{invoice_guid}/projectfees", filters))

    def travel_expenses(self, invoice_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoices/{invoice_guid}/projecttravelexpenses", filters))


class InvoiceRows(RegisterAdapter):
    """Invoice rows and the entries behind each: work hours, project fees, travel expenses."""

    register = INVOICE_ROWS

    def work_hours(self, row_guid: str) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoicerows/{row_guid}/workhours"))

    def project_fees(self, row_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoicerows/{row_guid}/projectfees", filters))

    def travel_expenses(self, row_guid: str, **filters: Any) -> list[Record]:
        return list(self.client.iter_cursor(f"v1/invoicerows/{row_guid}/projecttravelexpenses", filters))

    def entries(self, row_guid: str) -> list[Record]:
        """Everything behind a row, work hours first (for a grouped row's codes and projects)."""
        return [*self.work_hours(row_guid), *self.project_fees(row_guid), *self.travel_expenses(row_guid)]

    def delete(self, guid: str, *, set_as_non_billable: bool | None = None) -> None:
        self.client.delete(self._item(guid), {"setAsNonBillable": set_as_non_billable})


class InvoiceSettings:
    """An invoice's settings (grouping of work hours, fees and travel expenses; payment and entry dates):
    read through the invoice, patched by their own guid."""

    def __init__(self, client: SeveraClient) -> None:
        self.client = client

    def for_invoice(self, invoice_guid: str) -> Record:
        return _one(self.client.read(f"v1/invoices/{invoice_guid}/invoicesettings"), "invoice settings")

    def update(self, settings_guid: str, changes: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Record:
        return _one(self.client.patch(f"v1/invoicesettings/{settings_guid}", changes), "invoice settings")


class ProjectFees(RegisterAdapter):
    """Project fees (the integration writes supplier-invoice costs as fees); create answers an array."""

    register = PROJECT_FEES

    def deleted_since(self, since: datetime, *, project_guids: Sequence[str] | None = None) -> list[Record]:
        params = {"deletedSince": since, "projectGuids": _guids(project_guids)}
        return list(self.client.iter_cursor("v1/deletedprojectfees", params))


class WorkHours(RegisterAdapter):
    register = WORK_HOURS


class ProjectTravelExpenses(RegisterAdapter):
    register = PROJECT_TRAVEL_EXPENSES


class VatRates(RegisterAdapter):
    register = VAT_RATES

    def default(self, *, country_guid: str | None = None) -> Record | None:
        """The organisation's default rate (``isDefault``), among active rates."""
        rates = self.all(countryGuid=country_guid, active=True)
        return next((r for r in rates if r.get("isDefault")), None)


class Currencies(RegisterAdapter):
    register = CURRENCIES

    def by_code(self, code: str) -> Record | None:
        return next((c for c in self.search() if str(c.get("code", "")).upper() == code.upper()), None)

    def organisation_currency(self) -> Record | None:
        return next((c for c in self.search() if c.get("isOrganizationCurrency")), None)


class Countries(RegisterAdapter):
    """Countries: the list, one by guid, and by ISO code (``/v1/localization/countries/{code2}`` answers
    an array in the spec)."""

    register = COUNTRIES

    def by_code2(self, code2: str) -> Record | None:
        rows = self.client.read_list(f"v1/localization/countries/{code2.upper()}")
        return next((c for c in rows if str(c.get("code2", "")).upper() == code2.upper()), None)


class Organisation:
    """The organisation's details (currency, country, VAT registration, add-ons) and settings."""

    def __init__(self, client: SeveraClient) -> None:
        self.client = client

    def details(self) -> Record:
        return _one(self.client.read("v1/organizationdetails"), "organisation details")

    def update_details(self, changes: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Record:
        return _one(self.client.patch("v1/organizationdetails", changes), "organisation details")

    def settings(self) -> Record:
        return _one(self.client.read("v1/organizationsettings"), "organisation settings")


class Severa:
    """Every adapter over one client: ``severa.customers.search(changed_since=…)``,
    ``severa.invoices.set_status(…)``."""

    def __init__(self, client: SeveraClient) -> None:
        self.client = client
        self.customers = Customers(client)
        self.addresses = Addresses(client)
        self.contact_persons = ContactPersons(client)
        self.contact_communications = ContactCommunications(client)
        self.communication_types = CommunicationTypes(client)
        self.products = Products(client)
        self.work_types = WorkTypes(client)
        self.travel_expense_types = TravelExpenseTypes(client)
        self.price_lists = PriceLists(client)
        self.projects = Projects(client)
        self.invoice_statuses = InvoiceStatuses(client)
        self.invoices = Invoices(client)
        self.invoice_rows = InvoiceRows(client)
        self.invoice_settings = InvoiceSettings(client)
        self.project_fees = ProjectFees(client)
        self.work_hours = WorkHours(client)
        self.project_travel_expenses = ProjectTravelExpenses(client)
        self.vat_rates = VatRates(client)
        self.currencies = Currencies(client)
        self.countries = Countries(client)
        self.organisation = Organisation(client)


def _nested_guid(body: Mapping[str, Any], field: str) -> str | None:
    nested = body.get(field)
    return str(nested["guid"]) if isinstance(nested, Mapping) and nested.get("guid") else None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
