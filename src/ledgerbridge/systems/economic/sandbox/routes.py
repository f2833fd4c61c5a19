"""The e-conomic legacy REST operations the sandbox serves, registered one by one on a route table.

Each line is one documented operation (method + path template) and the handler that serves it; a path
that matches no template answers e-conomic's 404 "endpoint does not exist", a served path with another
method 405 with ``Allow`` (see :mod:`ledgerbridge.sandbox.routes`). Plain collections, documents and a
journal's entries and vouchers go through the shared generic CRUD handlers (``stored.py`` adapts them);
the other handlers are the sandbox's methods in ``app.py`` (why each stays one:
``docs/sandboxes/economic.md``); this module only says which serves what.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from ledgerbridge.sandbox.crud import register_crud
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.economic.links import decode_id
from ledgerbridge.systems.economic.sandbox.resources import SALES_FAMILIES, SPECS, SalesFamily
from ledgerbridge.systems.economic.sandbox.stored import (
    CUSTOMER,
    ID,
    JOURNAL,
    collection_resource,
    customer_child_resource,
    document_resource,
    journal_entries_resource,
    journal_vouchers_resource,
)

if TYPE_CHECKING:
    from ledgerbridge.systems.economic.sandbox.app import _EconomicApi

# A handler in the sandbox's terms: the request, the path split into decoded segments, the base URL.
Serve = Callable[[Request, list[str], str], Awaitable[Response] | Response]


def path_parts(request: Request) -> list[str]:
    return [unquote(p) for p in request.url.path.split("/") if p]


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _adapt(serve: Serve) -> Callable[[Call], Awaitable[Response]]:
    async def handle(call: Call) -> Response:
        answer = serve(call.request, path_parts(call.request), base_of(call.request))
        if isinstance(answer, Response):
            return answer
        return await answer

    return handle


def legacy_routes(api: _EconomicApi) -> RouteTable:
    """Every legacy REST operation the sandbox serves."""
    table = RouteTable()

    def add(methods: str, template: str, serve: Serve, **meta: Any) -> None:
        for method in methods.split():
            table.add(method, template, _adapt(serve), **meta)

    add("GET", "/self", lambda req, parts, base: api.agreement(base))

    # Plain collections through the generic CRUD handlers (stored.py): GET /{name}[/{id}]; the writable
    # ones also POST and DELETE, and PUT, which is e-conomic's upsert (201 for a missing record).
    for spec in SPECS.values():
        if not spec.top_level:
            continue
        resource = collection_resource(api, spec)
        register_crud(
            table,
            resource,
            collection=f"/{spec.name}",
            item=f"/{spec.name}/{{{ID}}}",
            operations="LGCD" if spec.writable else "LG",
            records=spec.name,
        )
        if spec.writable:

            async def replace(req: Request, parts: list[str], base: str, spec: Any = spec) -> Response:
                return await api.replace(req, spec, spec.key_from_text(decode_id(parts[1])), base)

            add("PUT", f"/{spec.name}/{{{ID}}}", replace, records=spec.name)

    # Customers' contacts and delivery locations through the generic CRUD handlers too (PUT: the upsert).
    for child in (SPECS["customer-contacts"], SPECS["delivery-locations"]):
        below = f"/customers/{{{CUSTOMER}}}/{child.path}"
        register_crud(
            table,
            customer_child_resource(api, child),
            collection=below,
            item=f"{below}/{{{ID}}}",
            operations="LGCD",
            records=child.name,
        )

        def replace_child(
            req: Request, parts: list[str], base: str, child: Any = child
        ) -> Awaitable[Response]:
            return api.replace_customer_child(req, child, parts[1], parts[3], base)

        add("PUT", f"{below}/{{{ID}}}", replace_child, records=child.name)

    # A customer's invoices.
    def customer(req: Request, parts: list[str], base: str) -> Awaitable[Response]:
        return api.customer_routes(req, parts[1:], base)

    add("GET", "/customers/{customerNumber}/invoices/drafts", customer)
    add("GET", "/customers/{customerNumber}/invoices/booked", customer)

    # Documents and a journal's entries through the generic CRUD handlers too (stored.py): list, get,
    # create (the hooks below validate, number and store), delete. What they cannot serve stays a handler.
    invoices = (("drafts", api.create_draft, "LGC"), ("booked", api.book, "LGC"), ("sent", None, "LG"))
    for kind, create, operations in invoices:
        register_crud(
            table,
            document_resource(api, SPECS[f"invoices-{kind}"], create=create),
            collection=f"/invoices/{kind}",
            item=f"/invoices/{kind}/{{{ID}}}",
            operations=operations,
        )
    for family in SALES_FAMILIES.values():  # orders and quotes
        for kind, spec in family.specs.items():
            archived = kind == "archived"
            register_crud(
                table,
                document_resource(
                    api,
                    spec,
                    read_only=archived,
                    create=None if archived else api.post_sales_document(family, kind),
                ),
                collection=f"/{family.name}/{kind}",
                item=f"/{family.name}/{kind}/{{{ID}}}",
                operations="LG" if archived else "LGCD",
            )
    register_crud(
        table,
        journal_entries_resource(api),
        collection=f"/journals/{{{JOURNAL}}}/entries",
        item=f"/journals/{{{JOURNAL}}}/entries/{{{ID}}}",
        operations="LGD",
    )

    # Invoices: the index, the views by remainder, and what the generic handlers do not do — a draft's
    # PUT (404 when missing, the body read first), DELETE (200 with a status document; on the collection
    # every draft the filter selects), its lines' POST, and booking with a number (PUT).
    add("GET", "/invoices", lambda req, parts, base: api.invoices_index(base))

    def invoice_view(req: Request, parts: list[str], base: str) -> Response:
        return api.invoice_view(req, parts[1], base)

    for view in ("paid", "unpaid", "overdue", "not-due"):
        add("GET", f"/invoices/{view}", invoice_view)
    add("DELETE", "/invoices/drafts", lambda req, parts, base: api.delete_drafts(req, None, base))
    add(
        "DELETE",
        f"/invoices/drafts/{{{ID}}}",
        lambda req, parts, base: api.delete_drafts(req, parts[2], base),
    )
    add("PUT", f"/invoices/drafts/{{{ID}}}", lambda req, parts, base: api.replace_draft(req, parts[2], base))
    add(
        "POST",
        "/invoices/drafts/{draftInvoiceNumber}/lines",
        lambda req, parts, base: api.add_draft_lines(req, parts[2], base),
    )
    add(
        "PUT",
        f"/invoices/booked/{{{ID}}}",
        lambda req, parts, base: api.book_with_number(req, parts[2], base),
    )

    # Orders and quotes: the index, a draft's PUT, the templates.
    for family in SALES_FAMILIES.values():

        def index(req: Request, parts: list[str], base: str, family: SalesFamily = family) -> Response:
            return api.sales_index(family, base)

        def replace_draft(
            req: Request, parts: list[str], base: str, family: SalesFamily = family
        ) -> Awaitable[Response]:
            return api.replace_sales_draft(req, family, parts[2], base)

        def templates(req: Request, parts: list[str], base: str, family: SalesFamily = family) -> Response:
            return api.sales_templates(req, family, parts, base)

        add("GET", f"/{family.name}", index)
        add("PUT", f"/{family.name}/drafts/{{{ID}}}", replace_draft)
        number = f"{{{family.key}}}"
        for kind in ("drafts", "sent"):  # both render a templates link
            below = f"/{family.name}/{kind}/{number}/templates"
            add("GET", below, templates)
            add("GET", f"{below}/upgrade-instructions/draftInvoice", templates)

    # Journals' vouchers: read as generic resources (grouped from the entries); a POST answers an array.
    register_crud(
        table,
        journal_vouchers_resource(api),
        collection=f"/journals/{{{JOURNAL}}}/vouchers",
        item=f"/journals/{{{JOURNAL}}}/vouchers/{{{ID}}}",
        operations="LG",
    )
    add(
        "POST",
        f"/journals/{{{JOURNAL}}}/vouchers",
        lambda req, parts, base: api.post_vouchers(req, parts[1], base),
    )

    # The books (books.py).
    for what in ("entries", "totals"):
        add("GET", f"/accounting-years/{{accountingYear}}/{what}", api.book_routes)
        add("GET", f"/accounts/{{accountNumber}}/accounting-years/{{accountingYear}}/{what}", api.book_routes)
    add("GET", "/vat-accounts", api.vat_accounts)
    add("GET", "/vat-accounts/{vatCode}", api.vat_accounts)
    add(
        "GET",
        "/product-groups/{productGroupNumber}/sales-accounts",
        lambda req, parts, base: api.sales_accounts(req, parts[1], base),
    )

    # Sub-collections and link documents below a parent.
    def children(parent: str, child: str, at: str) -> Serve:
        def serve(req: Request, parts: list[str], base: str) -> Response:
            return api.children(req, SPECS[parent], parts[1], SPECS[child], at, base)

        return serve

    add(
        "GET",
        "/customer-groups/{customerGroupNumber}/customers",
        children("customer-groups", "customers", "customerGroup.customerGroupNumber"),
    )
    add(
        "GET",
        "/employees/{employeeNumber}/customers",
        children("employees", "customers", "salesPerson.employeeNumber"),
    )
    add(
        "GET",
        "/product-groups/{productGroupNumber}/products",
        children("product-groups", "products", "productGroup.productGroupNumber"),
    )
    add("GET", "/units/{unitNumber}/products", children("units", "products", "unit.unitNumber"))

    def invoice_links(parent: str) -> Serve:
        return lambda req, parts, base: api.invoice_links(SPECS[parent], parts[1], base)

    def invoices_of(parent: str, booked: bool) -> Serve:
        return lambda req, parts, base: api.invoices_of(req, SPECS[parent], parts[1], booked, base)

    def self_part(what: str) -> Serve:
        return lambda req, parts, base: api.self_part(req, what, parts[1], base)

    def invoice_totals(kind: str) -> Serve:
        return lambda req, parts, base: api.invoice_totals(kind, parts[4], base)

    for parent in ("customers", "products"):
        add("GET", f"/{parent}/{{number}}/invoices", invoice_links(parent))
    for parent in ("products", "employees"):
        for kind in ("drafts", "booked"):
            add("GET", f"/{parent}/{{number}}/invoices/{kind}", invoices_of(parent, kind == "booked"))
    add(
        "GET",
        "/accounts/{accountNumber}/accounting-years",
        lambda req, parts, base: api.account_years(req, parts[1], None, base),
    )
    add(
        "GET",
        "/accounts/{accountNumber}/accounting-years/{accountingYear}",
        lambda req, parts, base: api.account_years(req, parts[1], parts[3], base),
    )
    add("GET", "/app-roles", lambda req, parts, base: api.self_part(req, "app-roles", None, base))
    for what in ("app-roles", "languages", "apps"):
        add(
            "GET",
            f"/{what}/{{number}}",
            self_part(what),
        )
    prices = "/products/{productNumber}/pricing/currency-specific-sales-prices"
    add("GET POST", prices, api.currency_prices)
    add("GET PUT", prices + "/{currencyCode}", api.currency_prices)
    templates_of = "/customers/{customerNumber}/templates"
    for tail in ("", "/invoice", "/invoiceline", "/invoiceline/{productNumber}"):
        add("GET", templates_of + tail, api.customer_templates)
    add(
        "GET", "/customers/{customerNumber}/totals", lambda req, parts, base: api.customer_totals(parts, base)
    )
    for kind in ("drafts", "booked"):
        add(
            "GET",
            f"/invoices/totals/{kind}/customers/{{customerNumber}}",
            invoice_totals(kind),
        )
    pdfs = ["invoices/drafts", "invoices/booked"]
    pdfs += [f"{family.name}/{kind}" for family in SALES_FAMILIES.values() for kind in family.specs]
    for kind in pdfs:
        add("GET", f"/{kind}/{{number}}/pdf", lambda req, parts, base: api.document_pdf(parts, base))
    for tail in ("", "/booking-instructions"):
        add(
            "GET",
            "/invoices/drafts/{draftInvoiceNumber}/templates" + tail,
            lambda req, parts, base: api.booking_instructions(parts, base),
        )
    add(
        "GET",
        "/accounting-years/{accountingYear}/entries/{entryNumber}",
        lambda req, parts, base: api.year_entry(parts, base),
    )
    return table
