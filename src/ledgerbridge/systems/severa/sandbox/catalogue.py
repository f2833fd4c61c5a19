"""What Severa sells: products, work types, travel expense types and their prices (scope ``settings:*``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledgerbridge.sandbox.crud import register_crud, where_contains, where_equal
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.common import (
    Setter,
    apply_patch,
    as_decimal,
    children,
    currency_ref,
    insert,
    organization_currency,
    public,
    scoped,
    set_bool,
    set_decimal,
    set_text,
    severa_resource,
)
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    fail,
    flag,
    invalid_body,
    money_in,
    money_out,
    number,
    text,
)

Record = dict[str, Any]
PRODUCT_TYPES = ("FixedFees", "Materials", "Subcontracting")
EXPENSE_CLASSES = ("Mileage", "DailyAllowance", "OtherTravelExpense")


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...], *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_body(name, f"The {name} field is required.")
        return None
    if value not in allowed:
        raise invalid_body(name, f"{name} must be one of {', '.join(allowed)}.")
    return str(value)


def _set_money(field: str, currency: str) -> Setter:
    """``/unitPrice/amount`` style paths and whole ``/unitPrice`` objects."""

    def setter(record: Record, value: Any) -> None:
        if isinstance(value, dict):
            record[field] = money_in({field: value}, field, currency)
        else:
            amount = as_decimal(field, value)
            code = (record.get(field) or {}).get("currencyCode", currency)
            record[field] = None if amount is None else {"amount": amount, "currencyCode": code}

    return setter


class Catalogue:
    def __init__(self, state: SeveraState) -> None:
        self.state = state

    @property
    def currency(self) -> str:
        return organization_currency(self.state)

    def _codes_in_use(self, code: str | None, exclude: str | None) -> None:
        """With ``uniqueIdentifierForProductsAndWorktypes`` on, a code is unique across both registers."""
        if not code or not self.state.organization.settings.get("uniqueIdentifierForProductsAndWorktypes"):
            return
        for table in ("products", "work_types"):
            for record in self.state.table(table).values():
                if record.get("code") == code and record["guid"] != exclude:
                    raise fail("InvalidOperation", f"The code '{code}' is already in use.")

    def _code_setter(self) -> Setter:
        def setter(record: Record, value: Any) -> None:
            code = set_text("code")
            code(record, value)
            self._codes_in_use(record["code"], record.get("guid"))

        return setter

    def _insert_coded(self, table: str, body: Any, fields: Callable[[dict[str, Any]], Record]) -> Record:
        """Stores a product or work type: its name, code (checked against both registers), isActive and
        the register's own ``fields`` of the body."""
        body = body_object(body)
        code = text(body, "code")
        with self.state.lock:
            self._codes_in_use(code, None)
            record = {
                "name": text(body, "name", required=True),
                "code": code,
                "isActive": flag(body, "isActive", True),
                **fields(body),
            }
            return insert(self.state, table, record)

    def _coded_setters(self) -> dict[str, Setter]:
        """The JSON Patch paths products and work types share."""
        return {
            "/name": set_text("name", required=True),
            "/code": self._code_setter(),
            "/isActive": set_bool("isActive"),
        }

    # -- products --------------------------------------------------------------------------------
    def render_product(self, record: Record) -> Record:
        out = public(record)
        out["unitPrice"] = money_out(record["unitPrice"])
        out["unitCost"] = money_out(record["unitCost"])
        return out

    def create_product(self, call: Call, body: Any) -> Record:
        def fields(body: dict[str, Any]) -> Record:
            return {
                "measurementUnit": text(body, "measurementUnit"),
                "type": _enum(body, "type", PRODUCT_TYPES) or "Materials",
                "vatRate": number(body, "vatRate"),
                "unitPrice": money_in(body, "unitPrice", self.currency),
                "unitCost": money_in(body, "unitCost", self.currency),
                "proposalDescription": text(body, "proposalDescription"),
                "productCategory": None,
                "salesAccount": None,
            }

        return self._insert_coded("products", body, fields)

    def patch_product(self, call: Call, record: Record, body: Any) -> None:
        def set_type(draft: Record, value: Any) -> None:
            draft["type"] = _enum({"type": value}, "type", PRODUCT_TYPES, required=True)

        setters = {
            **self._coded_setters(),
            "/measurementUnit": set_text("measurementUnit"),
            "/type": set_type,
            "/vatRate": set_decimal("vatRate"),
            "/unitPrice": _set_money("unitPrice", self.currency),
            "/unitPrice/amount": _set_money("unitPrice", self.currency),
            "/unitCost": _set_money("unitCost", self.currency),
            "/unitCost/amount": _set_money("unitCost", self.currency),
            "/proposalDescription": set_text("proposalDescription"),
        }
        apply_patch(self.state, record, body, setters)

    def select_products(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "type", q["type"])
        records = where_equal(records, "isActive", q["isActive"])
        if q["code"]:
            records = [r for r in records if r.get("code") == q["code"]]
        return records

    def _not_used_in_entries(self, field: str, table: str) -> Any:
        def check(call: Call, record: Record) -> None:
            if any(e.get(field) == record["guid"] for e in self.state.table(table).values()):
                raise fail("InvalidOperation", "The record is in use and cannot be deleted; deactivate it.")

        return check

    # -- work types ------------------------------------------------------------------------------
    def render_work_type(self, record: Record) -> Record:
        out = public(record)
        out["hourCost"] = money_out(record["hourCost"])
        return out

    def create_work_type(self, call: Call, body: Any) -> Record:
        def fields(body: dict[str, Any]) -> Record:
            return {
                "isProductive": flag(body, "isProductive", True),
                "isDefault": flag(body, "isDefault", False),
                "hourCost": money_in(body, "hourCost", self.currency),
                "salesAccount": None,
            }

        return self._insert_coded("work_types", body, fields)

    def patch_work_type(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            **self._coded_setters(),
            "/isProductive": set_bool("isProductive"),
            "/isDefault": set_bool("isDefault"),
            "/hourCost": _set_money("hourCost", self.currency),
            "/hourCost/amount": _set_money("hourCost", self.currency),
        }
        apply_patch(self.state, record, body, setters)

    def select_work_types(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["active"])
        records = where_equal(records, "isProductive", q["productive"])
        if q["code"]:
            records = [r for r in records if r.get("code") == q["code"]]
        if q["textToSearch"]:
            needle = q["textToSearch"].lower()
            records = [
                r for r in records if needle in r["name"].lower() or needle in (r.get("code") or "").lower()
            ]
        return records

    # -- travel expense types --------------------------------------------------------------------
    def render_travel_type(self, record: Record) -> Record:
        out = public(record)
        out["unitCost"] = money_out(record["unitCost"])
        out["isMileage"] = record["expenseClass"] == "Mileage"
        out["isDailyAllowance"] = record["expenseClass"] == "DailyAllowance"
        return out

    def create_travel_type(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        record = {
            "name": text(body, "name", required=True),
            "code": text(body, "code"),
            "expenseClass": _enum(body, "expenseClass", EXPENSE_CLASSES, required=True),
            "unitCost": money_in(body, "unitCost", self.currency, required=True),
            "isActive": flag(body, "isActive", True),
            "includeTime": flag(body, "includeTime", False),
            "measurementUnit": text(body, "measurementUnit"),
            "vatRate": number(body, "vatRate"),
            "purchaseVatRate": number(body, "purchaseVatRate"),
            "costAccount": None,
            "salesAccount": None,
            "productCategory": None,
        }
        return insert(self.state, "travel_types", record)

    def patch_travel_type(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            "/name": set_text("name", required=True),
            "/code": set_text("code"),
            "/isActive": set_bool("isActive"),
            "/includeTime": set_bool("includeTime"),
            "/measurementUnit": set_text("measurementUnit"),
            "/vatRate": set_decimal("vatRate"),
            "/purchaseVatRate": set_decimal("purchaseVatRate"),
            "/unitCost": _set_money("unitCost", self.currency),
            "/unitCost/amount": _set_money("unitCost", self.currency),
        }
        apply_patch(self.state, record, body, setters)

    def select_travel_types(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["active"])
        if q["code"]:
            records = [r for r in records if r.get("code") == q["code"]]
        records = where_contains(records, "name", q["textToSearch"])
        return records

    # -- price lists -----------------------------------------------------------------------------
    def render_pricelist(self, record: Record) -> Record:
        out = public(record)
        currency = self.state.table("currencies")[record["_currency"]]
        out["currency"] = currency_ref(currency)
        return out

    def select_pricelists(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["active"])
        if q["currencyGuid"]:
            records = [r for r in records if r["_currency"] == q["currencyGuid"].lower()]
        if q["name"]:
            records = [r for r in records if r["name"].lower() == q["name"].lower()]
        records = where_contains(records, "name", q["textToSearch"])
        return records

    def render_workhour_price(self, record: Record) -> Record:
        out = public(record)
        work_type = self.state.table("work_types")[record["_workType"]]
        user = self.state.table("users").get(record.get("_user") or "")
        out["workType"] = {"guid": work_type["guid"], "name": work_type["name"]}
        out["user"] = (
            {"guid": user["guid"], "name": f"{user['firstName']} {user['lastName']}"} if user else None
        )
        out["pricelistVersion"] = {"guid": record["_pricelistVersion"]}
        out["unitPrice"] = money_out(record["unitPrice"])
        return out

    def render_travel_price(self, record: Record) -> Record:
        travel_type = self.state.table("travel_types")[record["_travelType"]]
        return {
            "product": {
                "guid": travel_type["guid"],
                "name": travel_type["name"],
                "expenseClass": travel_type["expenseClass"],
                "productCode": travel_type["code"],
            },
            "prices": [
                {
                    "guid": record["guid"],
                    "price": money_out(record["price"]),
                    "priceSource": "Pricelist",
                    "pricelistVersionGuid": record["_pricelistVersion"],
                    "projectGuid": None,
                }
            ],
        }

    def select_travel_prices(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        types = self.state.table("travel_types")
        if q["expenseClasses"]:
            records = [r for r in records if types[r["_travelType"]]["expenseClass"] in q["expenseClasses"]]
        if q["textToSearch"]:
            records = [
                r for r in records if q["textToSearch"].lower() in types[r["_travelType"]]["name"].lower()
            ]
        return records

    # -- registration ----------------------------------------------------------------------------
    def register(self, table: RouteTable) -> None:
        state = self.state
        products = severa_resource(
            state,
            "products",
            "products",
            self.render_product,
            select=self.select_products,
            create=self.create_product,
            patch=self.patch_product,
            before_delete=self._not_used_in_entries("_product", "project_fees"),
        )
        register_crud(
            table,
            products,
            collection="/v1/products",
            item="/v1/products/{guid}",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="cursor",
                query={
                    "rowCount": "int",
                    "pageToken": "str",
                    "type": "str",
                    "isActive": "bool",
                    "code": "str",
                    "changedSince": "datetime",
                },
            ),
        )
        work_types = severa_resource(
            state,
            "work types",
            "work_types",
            self.render_work_type,
            select=self.select_work_types,
            create=self.create_work_type,
            patch=self.patch_work_type,
            before_delete=self._not_used_in_entries("_workType", "work_hours"),
        )
        register_crud(
            table,
            work_types,
            collection="/v1/worktypes",
            item="/v1/worktypes/{guid}",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="offset",
                query={
                    "active": "bool",
                    "productive": "bool",
                    "code": "str",
                    "changedSince": "datetime",
                    **paging.SORTABLE_OFFSET,
                },
            ),
        )
        travel_types = severa_resource(
            state,
            "travel expense types",
            "travel_types",
            self.render_travel_type,
            select=self.select_travel_types,
            create=self.create_travel_type,
            patch=self.patch_travel_type,
            before_delete=self._not_used_in_entries("_travelType", "travel_expenses"),
        )
        register_crud(
            table,
            travel_types,
            collection="/v1/travelexpensetypes",
            item="/v1/travelexpensetypes/{guid}",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="offset",
                default_rows=None,
                query={"active": "bool", "code": "str", **paging.SORTABLE_OFFSET},
            ),
        )
        pricelists = severa_resource(
            state, "price lists", "pricelists", self.render_pricelist, select=self.select_pricelists
        )
        register_crud(
            table,
            pricelists,
            collection="/v1/pricelists",
            item="/v1/pricelists/{guid}",
            operations="LG",
            **scoped(
                "settings",
                paging="offset",
                query={"active": "bool", "currencyGuid": "str", "name": "str", **paging.SORTABLE_OFFSET},
            ),
        )
        versions = severa_resource(
            state,
            "price list versions",
            "pricelist_versions",
            public,
            rows=children(state, "pricelists", "pricelistGuid", "pricelist_versions", "pricelistGuid"),
        )
        register_crud(
            table,
            versions,
            collection="/v1/pricelists/{pricelistGuid}/pricelistversions",
            operations="L",
            **scoped("settings"),
        )
        workhour_prices = severa_resource(
            state,
            "work hour prices",
            "workhour_prices",
            self.render_workhour_price,
            rows=children(
                state, "pricelist_versions", "pricelistVersionGuid", "workhour_prices", "_pricelistVersion"
            ),
        )
        register_crud(
            table,
            workhour_prices,
            collection="/v1/pricelistversions/{pricelistVersionGuid}/workhourprices",
            operations="L",
            **scoped(
                "settings",
                paging="cursor",
                query=paging.CURSOR_CHANGED,
            ),
        )
        travel_prices = severa_resource(
            state,
            "travel prices",
            "travel_prices",
            self.render_travel_price,
            rows=children(
                state, "pricelist_versions", "pricelistVersionGuid", "travel_prices", "_pricelistVersion"
            ),
            select=self.select_travel_prices,
        )
        register_crud(
            table,
            travel_prices,
            collection="/v1/pricelistversions/{pricelistVersionGuid}/travelprices",
            operations="L",
            **scoped(
                "settings",
                paging="offset",
                query={
                    "fromPricelistOnly": "bool",
                    "expenseClasses": "str[]",
                    **paging.OFFSET_SEARCH,
                    "calculateRowCount": "bool",
                },
            ),
        )
