"""Lookups: VAT rates, currencies, countries, the organisation's details and settings."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from ledgerbridge.sandbox.crud import register_crud, where_equal
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.common import (
    apply_patch,
    currency_ref,
    insert,
    public,
    scoped,
    set_bool,
    set_decimal,
    set_text,
    severa_resource,
)
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    GUID,
    body_object,
    fail,
    flag,
    json_response,
    not_found,
    number,
    text,
)

Record = dict[str, Any]
READ = ("settings:read",)
WORK_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


class Lookups:
    def __init__(self, state: SeveraState) -> None:
        self.state = state

    # -- VAT rates -------------------------------------------------------------------------------
    def create_vat_rate(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        country = body.get("countryGuid")
        if country is not None and str(country).lower() not in self.state.table("countries"):
            raise fail(
                "InvalidParameter", f"No country with guid '{country}'.", ("RequestBody", "countryGuid")
            )
        record: Record = {
            "percentage": number(body, "percentage", required=True),
            "code": text(body, "code", max_length=10),
            "isActive": flag(body, "isActive", True),
            "isDefault": flag(body, "isDefault", False),
            "countryGuid": str(country).lower() if country else None,
        }
        with self.state.lock:
            if record["isDefault"]:
                self._clear_default(record["countryGuid"])
            return insert(self.state, "vat_rates", record)

    def _clear_default(self, country: str | None) -> None:
        for other in self.state.table("vat_rates").values():
            if other["countryGuid"] == country:
                other["isDefault"] = False

    def patch_vat_rate(self, call: Call, record: Record, body: Any) -> None:
        def set_default(draft: Record, value: Any) -> None:
            set_bool("isDefault")(draft, value)
            if draft["isDefault"]:
                self._clear_default(draft["countryGuid"])

        setters = {
            "/percentage": set_decimal("percentage"),
            "/code": set_text("code", max_length=10),
            "/isActive": set_bool("isActive"),
            "/isDefault": set_default,
        }
        apply_patch(self.state, record, body, setters)

    def select_vat_rates(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        if q["countryGuid"]:
            records = [r for r in records if r["countryGuid"] == q["countryGuid"].lower()]
        records = where_equal(records, "isActive", q["active"])
        return records

    # -- currencies ------------------------------------------------------------------------------
    def select_currencies(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["active"])
        if q["textToSearch"]:
            needle = q["textToSearch"].lower()
            records = [r for r in records if needle in r["code"].lower() or needle in r["name"].lower()]
        return records

    def patch_currency(self, call: Call, record: Record, body: Any) -> None:
        setters = {"/isActive": set_bool("isActive"), "/rate": set_decimal("rate")}
        apply_patch(self.state, record, body, setters)

    # -- countries -------------------------------------------------------------------------------
    def render_country(self, record: Record) -> Record:
        out = public(record)
        out.pop("createdDateTime", None)
        out.pop("lastUpdatedDateTime", None)
        return out

    async def countries(self, call: Call) -> Response:
        records = sorted(self.state.table("countries").values(), key=lambda r: r["_seq"])
        return json_response(200, [self.render_country(r) for r in records])

    async def country(self, call: Call) -> Response:
        """One path shape serves {code2}, {code3}, {countryName} (each answering an array, as the spec
        declares) and {guid} (answering the country itself, or 404)."""
        key = call.params["code2"]
        records = sorted(self.state.table("countries").values(), key=lambda r: r["_seq"])
        if GUID.match(key):
            found = next((r for r in records if r["guid"] == key.lower()), None)
            if found is None:
                raise not_found()
            return json_response(200, self.render_country(found))
        wanted = key.lower()
        matches = [
            r
            for r in records
            if wanted in (r["code2"].lower(), r["code3"].lower(), r["name"].lower(), r["englishName"].lower())
        ]
        return json_response(200, [self.render_country(r) for r in matches])

    # -- organisation ----------------------------------------------------------------------------
    async def organization_details(self, call: Call) -> Response:
        details = self.state.organization.details
        out = public(details)
        country = self.state.table("countries").get(details.get("_country") or "")
        currency = self.state.table("currencies").get(details.get("_currency") or "")
        out["country"] = (
            {
                "guid": country["guid"],
                "code": country["code2"],
                "name": country["name"],
                "englishName": country["englishName"],
            }
            if country
            else None
        )
        out["currency"] = currency_ref(currency)
        return json_response(200, out)

    async def organization_settings(self, call: Call) -> Response:
        settings = self.state.organization.settings
        last_customer = int(settings.get("lastCustomerNumber") or 0)
        last_project = int(settings.get("lastProjectNumber") or 0)
        last_invoice = settings.get("lastInvoiceNumber")
        body = {
            "workWeek": WORK_WEEK,
            "paymentTerm": settings.get("paymentTerm"),
            "overdueInterest": settings.get("overdueInterest"),
            "uniqueIdentifierForProductsAndWorktypes": bool(
                settings.get("uniqueIdentifierForProductsAndWorktypes")
            ),
            "lastCustomerNumber": last_customer,
            "nextCustomerNumber": last_customer + 1,
            "lastProjectNumber": last_project,
            "nextProjectNumber": last_project + 1,
            "lastInvoiceNumber": last_invoice,
            "nextInvoiceNumber": int(last_invoice or 0) + 1,
        }
        return json_response(200, body)

    # -- registration ----------------------------------------------------------------------------
    def register(self, table: RouteTable) -> None:
        state = self.state
        vat_rates = severa_resource(
            state,
            "VAT rates",
            "vat_rates",
            public,
            select=self.select_vat_rates,
            create=self.create_vat_rate,
            patch=self.patch_vat_rate,
        )
        register_crud(
            table,
            vat_rates,
            collection="/v1/vatrates",
            item="/v1/vatrates/{guid}",
            patch_as_array=True,
            **scoped("settings", query={"countryGuid": "str", "active": "bool"}),
        )
        currencies = severa_resource(
            state,
            "currencies",
            "currencies",
            public,
            select=self.select_currencies,
            patch=self.patch_currency,
        )
        register_crud(
            table,
            currencies,
            collection="/v1/currencies",
            item="/v1/currencies/{guid}",
            operations="LGP",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="offset",
                query={"active": "bool", **paging.SORTABLE_OFFSET},
            ),
        )
        table.add("GET", "/v1/localization/countries", self.countries, scopes=READ)
        table.add("GET", "/v1/localization/countries/{code2}", self.country, scopes=READ)
        table.add("GET", "/v1/organizationdetails", self.organization_details, scopes=("organization:read",))
        table.add(
            "GET", "/v1/organizationsettings", self.organization_settings, scopes=("organization:read",)
        )
