"""Every operation the eAccounting sandbox serves, registered one by one on the shared route table.

Plain collections (customers, articles, labels, suppliers, bank accounts, the read-only registers of the
company) and the plain parts of the documents go through the generic CRUD handlers
(:mod:`ledgerbridge.sandbox.crud`, adapted in :mod:`.stored`); everything else is a small handler here
that calls the rules of its module. A path no template matches answers 404 "No HTTP resource was
found", a served path with another method 405 with ``Allow`` (:mod:`ledgerbridge.sandbox.routes`).
Every route carries ``endpoint``: the rate-limit bucket (``/v2/<resource>``) and the query parameters
the spec declares for it (:mod:`.queries`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ledgerbridge.sandbox.crud import Record, get_handler, register_crud
from ledgerbridge.sandbox.routes import Call, HttpError, RouteTable
from ledgerbridge.systems.eaccounting.sandbox.balances import AccountBalances, day_of
from ledgerbridge.systems.eaccounting.sandbox.costcenters import CostCenters
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
from ledgerbridge.systems.eaccounting.sandbox.payments import post_payment
from ledgerbridge.systems.eaccounting.sandbox.purchases import SupplierInvoices
from ledgerbridge.systems.eaccounting.sandbox.registers import account_types, countries, country, currencies
from ledgerbridge.systems.eaccounting.sandbox.resources import ALIASES, RESOURCES, Resource
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.stored import (
    ID,
    missing_as,
    missing_or_no_route,
    stored_resource,
)
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    GUID,
    check_fields,
    error_response,
    field_error,
    invalid,
    json_response,
    not_found,
    page_of,
    read_body,
    resource_filter_fields,
)


def check_references(state: EAccountingState, resource: Resource, data: dict[str, Any]) -> None:
    """A body of a plain resource: the schema's checks, and every reference names an existing record."""
    errors = check_fields(resource.fields, data, resource.required)
    for name, target in resource.references.items():
        value = data.get(name)
        wanted = [value] if isinstance(value, str) else []
        if resource.fields[name].kind == "labels" and isinstance(value, list):
            wanted = [
                item["Id"] for item in value if isinstance(item, dict) and isinstance(item.get("Id"), str)
            ]
        for item in wanted:
            if GUID.match(item) and state.get(target, item) is None:
                errors.append(field_error(name, "NotFound", f"{name} {item} does not exist in /v2/{target}."))
    if errors:
        raise invalid(errors)


def query_flag(request: Request, name: str, default: bool) -> bool:
    """A true/false query parameter; anything else is 400/6000."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false"):
        raise HttpError(error_response(400, 6000, f"{name} must be true or false."))
    return value.lower() == "true"


def _ok(body: Any, status: int = 200) -> Response:
    return json_response(body, status)


class EAccountingRoutes:
    """Builds the table: one ``_<area>`` method per area of the API, each adding its operations."""

    def __init__(self, state: EAccountingState, documents: Documents) -> None:
        self.state = state
        self.documents = documents
        self.purchases = SupplierInvoices(state, documents)
        self.cost_centers = CostCenters(state)
        self.balances = AccountBalances(state)
        self.table = RouteTable()

    def build(self) -> RouteTable:
        for resource in RESOURCES.values():
            if not resource.custom:
                self._plain(resource)
        self._customer_invoice_drafts()
        self._customer_invoices()
        self._orders()
        self._supplier_invoice_drafts()
        self._supplier_invoices()
        self._vouchers()
        self._accounts()
        self._company_settings()
        self._cost_centers()
        self._registers()
        self._account_balances()
        return self.table

    def _add(self, method: str, template: str, handler: Any, endpoint: str) -> None:
        self.table.add(method, template, handler, endpoint=endpoint)

    def _listing(self, call: Call, name: str, records: list[dict[str, Any]]) -> Response:
        fields = resource_filter_fields(RESOURCES[name])
        return page_of(call.request, records, fields, self.state.now_text())

    # -- plain collections -------------------------------------------------------------------------
    def _plain(self, resource: Resource) -> None:
        """``GET`` list and one; ``POST``, ``PUT`` (replace) and ``DELETE`` where the spec has them."""
        state, name = self.state, resource.name

        def create(call: Call, data: dict[str, Any]) -> Record:
            check_references(state, resource, data)
            data.pop("Id", None)
            return state.records[name][state.add(name, data)["Id"]]

        def replace(call: Call, record: Record, data: dict[str, Any]) -> Record:
            check_references(state, resource, data)
            return state.records[name][state.replace(name, record["Id"], data)["Id"]]

        crud = stored_resource(state, name, missing=missing_or_no_route(name), create=create, replace=replace)
        operations = "LG"
        if resource.writable:
            operations += "CU" + ("D" if resource.deletable else "")
        if resource.operations is not None:
            operations = resource.operations
        spellings = [name] + [alias for alias, target in ALIASES.items() if target == name]
        for spelling in spellings:
            register_crud(
                self.table,
                crud,
                collection=f"/v2/{spelling}",
                item=f"/v2/{spelling}/{{{ID}}}",
                operations=operations,
                created_status=resource.created_status,
                endpoint=name,
            )

    # -- documents -----------------------------------------------------------------------------------
    def _documents(self, name: str, what: str, save: Any) -> None:
        """A document collection's plain routes: list, POST, GET, PUT (``save(data, old)``), DELETE."""
        state = self.state

        def create(call: Call, data: dict[str, Any]) -> Record:
            return state.records[name][save(data)["Id"]]

        def replace(call: Call, record: Record, data: dict[str, Any]) -> Record:
            return state.records[name][save(data, record)["Id"]]

        crud = stored_resource(state, name, missing=missing_as(what), create=create, replace=replace)
        register_crud(
            self.table,
            crud,
            collection=f"/v2/{name}",
            item=f"/v2/{name}/{{{ID}}}",
            operations="LCGUD",
            endpoint=name,
        )

    def _customer_invoice_drafts(self) -> None:
        name, documents = "customerinvoicedrafts", self.documents
        self._documents(name, "customer invoice draft", documents.save_draft)

        async def convert(call: Call) -> Response:
            draft = documents.record(name, call.params[ID], "customer invoice draft")
            body = await read_body(call.request, optional=True)
            return _ok(documents.convert_record(draft, body), 201)

        self._add("POST", f"/v2/{name}/{{{ID}}}/convert", convert, name)

    def _customer_invoices(self) -> None:
        name, documents, state = "customerinvoices", self.documents, self.state

        async def listing(call: Call) -> Response:
            records = state.all(name)
            since_text = call.request.query_params.get("modifiedSinceUtc")
            if since_text:
                since = parse_datetime(since_text)
                if since is None:
                    raise HttpError(error_response(400, 6001, "modifiedSinceUtc must be a date-time."))
                records = [r for r in records if (parse_datetime(r["ModifiedUtc"]) or since) >= since]
            return self._listing(call, name, records)

        async def create(call: Call) -> Response:
            return _ok(documents.create_invoice(await read_body(call.request)), 201)

        def invoice(call: Call) -> dict[str, Any]:
            return documents.record(name, call.params[ID], "customer invoice")

        async def email(call: Call) -> Response:
            found = invoice(call)
            documents.send_email(found, await read_body(call.request, optional=True))
            return Response(status_code=200)

        async def payment(call: Call) -> Response:
            found = invoice(call)
            return _ok(post_payment(documents, found, await read_body(call.request)), 201)

        one = stored_resource(state, name, missing=missing_as("customer invoice"))
        self._add("GET", f"/v2/{name}", listing, name)
        self._add("POST", f"/v2/{name}", create, name)
        self._add("GET", f"/v2/{name}/{{{ID}}}", get_handler(one), name)
        self._add("POST", f"/v2/{name}/{{{ID}}}/email", email, name)
        self._add("POST", f"/v2/{name}/{{{ID}}}/payments", payment, name)

    def _orders(self) -> None:
        self._documents("orders", "order", self.documents.save_order)

    def _supplier_invoice_drafts(self) -> None:
        name, documents, purchases = "supplierinvoicedrafts", self.documents, self.purchases
        self._documents(name, "supplier invoice draft", documents.save_supplier_draft)

        async def convert(call: Call) -> Response:
            draft = documents.record(name, call.params[ID], "supplier invoice draft")
            return _ok(purchases.convert_draft(draft), 201)

        self._add("POST", f"/v2/{name}/{{{ID}}}/convert", convert, name)

    def _supplier_invoices(self) -> None:
        name, purchases, state = "supplierinvoices", self.purchases, self.state

        async def listing(call: Call) -> Response:
            return self._listing(call, name, state.all(name))

        async def create(call: Call) -> Response:
            request = call.request
            duplicates = query_flag(request, "duplicateCheckExtendedValidation", False)
            query_flag(request, "useDefaultVatCodes", True)
            query_flag(request, "calculateVatOnCostAccounts", False)
            data = await read_body(request)
            return _ok(purchases.create(data, duplicate_check=duplicates), 201)

        one = stored_resource(state, name, missing=missing_as("supplier invoice"))
        self._add("GET", f"/v2/{name}", listing, name)
        self._add("POST", f"/v2/{name}", create, name)
        self._add("GET", f"/v2/{name}/{{{ID}}}", get_handler(one), name)

    # -- bookkeeping -----------------------------------------------------------------------------------
    def _vouchers(self) -> None:
        name, documents, state = "vouchers", self.documents, self.state

        async def listing(call: Call) -> Response:
            return self._listing(call, name, state.all(name))

        async def create(call: Call) -> Response:
            data = await read_body(call.request)
            series = call.request.query_params.get("useDefaultVoucherSeries", "true").lower() != "false"
            return _ok(documents.create_voucher(data, use_default_series=series), 201)

        async def of_year(call: Call) -> Response:
            year = documents.record("fiscalyears", call.params["fiscalyearId"], "fiscal year")
            in_year = [v for v in state.records[name].values() if v["_FiscalYearId"] == year["Id"]]
            return self._listing(call, name, [state.render(name, v) for v in in_year])

        async def one(call: Call) -> Response:
            year_id = call.params["fiscalyearId"]
            year = documents.record("fiscalyears", year_id, "fiscal year")
            voucher = documents.record(name, call.params[ID], "voucher")
            if voucher["_FiscalYearId"] != year["Id"]:
                raise not_found(f"voucher {call.params[ID]} in fiscal year {year_id}")
            return _ok(state.render(name, voucher))

        self._add("GET", f"/v2/{name}", listing, name)
        self._add("POST", f"/v2/{name}", create, name)
        self._add("GET", f"/v2/{name}/{{fiscalyearId}}", of_year, name)
        self._add("GET", f"/v2/{name}/{{fiscalyearId}}/{{{ID}}}", one, name)

    def _accounts(self) -> None:
        name, documents, state = "accounts", self.documents, self.state

        async def listing(call: Call) -> Response:
            return self._listing(call, name, state.all(name))

        async def of_year(call: Call) -> Response:
            year = documents.record("fiscalyears", call.params["fiscalyearId"], "fiscal year")
            return self._listing(call, name, [a for a in state.all(name) if a["FiscalYearId"] == year["Id"]])

        async def one(call: Call) -> Response:
            year_id, number = call.params["fiscalyearId"], call.params["accountNumber"]
            year = documents.record("fiscalyears", year_id, "fiscal year")
            account = state.account(year["Id"], number) if number.isdigit() else None
            if account is None:
                raise not_found(f"account {number} in fiscal year {year_id}")
            return _ok(account)

        async def standard(call: Call) -> Response:
            # Only Dutch companies have standard accounts (the spec says so); the sandbox's is Swedish.
            return page_of(call.request, [], set(), state.now_text())

        self._add("GET", f"/v2/{name}", listing, name)
        self._add("GET", f"/v2/{name}/standardaccounts", standard, name)
        self._add("GET", f"/v2/{name}/{{fiscalyearId}}", of_year, name)
        self._add("GET", f"/v2/{name}/{{fiscalyearId}}/{{accountNumber}}", one, name)

    def _company_settings(self) -> None:
        name, state = "companysettings", self.state

        async def read(call: Call) -> Response:
            return _ok(state.company_settings())

        async def replace(call: Call) -> Response:
            data = await read_body(call.request)
            required = ("Name", "Address1", "CountryCode", "PostalCode", "City")
            errors = check_fields(RESOURCES[name].fields, data, required)
            if errors:
                raise invalid(errors)
            return _ok(state.replace_company(data))

        self._add("GET", f"/v2/{name}", read, name)
        self._add("PUT", f"/v2/{name}", replace, name)

    def _account_balances(self) -> None:
        name, balances, state = "accountbalances", self.balances, self.state

        async def on_day(call: Call) -> Response:
            found = balances.balances(day_of(call.params["date"]))
            return page_of(call.request, found, set(), state.now_text())

        async def of_account(call: Call) -> Response:
            number = call.params["accountNumber"]
            found = balances.balances(day_of(call.params["date"]))
            account = next((b for b in found if str(b["AccountNumber"]) == number), None)
            if account is None:
                raise not_found(f"account {number}")
            return _ok(account)

        self._add("GET", f"/v2/{name}/{{date}}", on_day, name)
        self._add("GET", f"/v2/{name}/{{accountNumber}}/{{date}}", of_account, name)

    # -- cost centers (the Severa integration's projects) ------------------------------------------------
    def _cost_centers(self) -> None:
        centers, state = self.cost_centers, self.state

        async def listing(call: Call) -> Response:
            with state.lock:
                ordered = sorted(state.records["costcenters"].values(), key=lambda c: c["Number"])
                shown = [centers.render_cost_center(c) for c in ordered]
            fields = resource_filter_fields(RESOURCES["costcenters"]) | {"Number"}
            return page_of(call.request, shown, fields, state.now_text())

        async def rename(call: Call) -> Response:
            center = centers.center(call.params[ID])
            return _ok(centers.replace_cost_center(center["Id"], await read_body(call.request)))

        async def create_item(call: Call) -> Response:
            return _ok(centers.create_item(await read_body(call.request)), 201)

        async def read_item(call: Call) -> Response:
            return _ok(centers.render_item(centers.item(call.params[ID])))

        async def replace_item(call: Call) -> Response:
            item = centers.item(call.params[ID])
            return _ok(centers.replace_item(item["Id"], await read_body(call.request)))

        self._add("GET", "/v2/costcenters", listing, "costcenters")
        self._add("PUT", f"/v2/costcenters/{{{ID}}}", rename, "costcenters")
        # No list of items: they are read through /costcenters.
        self._add("POST", "/v2/costcenteritems", create_item, "costcenteritems")
        self._add("GET", f"/v2/costcenteritems/{{{ID}}}", read_item, "costcenteritems")
        self._add("PUT", f"/v2/costcenteritems/{{{ID}}}", replace_item, "costcenteritems")

    # -- fixed registers -------------------------------------------------------------------------------
    def _registers(self) -> None:
        state = self.state

        def register(name: str, records: list[dict[str, Any]]) -> None:
            async def listing(call: Call) -> Response:
                return page_of(call.request, records, set(records[0]), state.now_text())

            self._add("GET", f"/v2/{name}", listing, name)

        async def one_country(call: Call) -> Response:
            return _ok(country(call.params["countryCode"]))

        async def exchange_rate(call: Call) -> Response:
            # The company's daily rates (``state.currency_rates``, its currency per unit), crossed for two
            # foreign currencies; one date's rate serves every date (the sandbox keeps no history).
            # Both codes are optional in the spec: a missing one is read as the company's own currency.
            query = call.request.query_params
            own = state.company["CurrencyCode"]
            source, target = (
                str(query.get(k) or own).upper() for k in ("sourceCurrencyCode", "targetCurrencyCode")
            )
            day = query.get("date") or state.now_text()
            rates = {state.company["CurrencyCode"]: Decimal(1), **state.currency_rates}
            for code in (source, target):
                if code not in rates:
                    raise HttpError(error_response(400, 6000, f"No exchange rate for currency '{code}'."))
            rate = (rates[source] / rates[target]).quantize(Decimal("0.000001")).normalize()
            return _ok({"Date": day, "SourceCurrency": source, "TargetCurrency": target, "Rate": rate})

        register("currencies", currencies())
        self._add("GET", "/v2/currencies/exchangerate", exchange_rate, "currencies")
        register("countries", countries())
        register("accounttypes", account_types())
        self._add("GET", "/v2/countries/{countryCode}", one_country, "countries")


def build_routes(state: EAccountingState, documents: Documents) -> RouteTable:
    """Every operation the sandbox serves."""
    return EAccountingRoutes(state, documents).build()
