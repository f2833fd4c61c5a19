"""What invoices are made from: work hours, project fees and project travel expenses on projects.

An entry is billable until an invoice takes it (``_invoice``/``_invoiceRow`` set by ``POST /v1/invoices``);
then it can no longer be changed or deleted. Prices not given come from the default price list's version
valid on the entry's date (work types, travel types) or from the product (fees).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.sandbox.crud import register_crud, where_equal
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.common import (
    apply_patch,
    children,
    insert,
    organization_currency,
    public,
    scoped,
    set_bool,
    set_date,
    set_decimal,
    set_text,
    severa_resource,
)
from ledgerbridge.systems.severa.sandbox.projects import user_ref
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    day,
    fail,
    flag,
    invalid_body,
    money_in,
    money_out,
    number,
    reference,
    text,
)

Record = dict[str, Any]
PRODUCT_TYPES = ("FixedFees", "Materials", "Subcontracting")


class Entries:
    def __init__(self, state: SeveraState) -> None:
        self.state = state

    # -- shared ----------------------------------------------------------------------------------
    @property
    def currency(self) -> str:
        return organization_currency(self.state)

    def default_vat(self) -> Decimal:
        rates = self.state.table("vat_rates").values()
        return next((r["percentage"] for r in rates if r["isDefault"]), Decimal(0))

    def _price_version(self, on: date) -> str | None:
        """The default price list's version valid on ``on`` (latest start date not after it)."""
        pricelist = next((p for p in self.state.table("pricelists").values() if p["isDefault"]), None)
        if pricelist is None:
            return None
        versions = [
            v
            for v in self.state.table("pricelist_versions").values()
            if v["pricelistGuid"] == pricelist["guid"] and (v["startDate"] is None or v["startDate"] <= on)
        ]
        versions.sort(key=lambda v: v["startDate"] or date.min)
        return str(versions[-1]["guid"]) if versions else None

    def work_type_price(self, work_type: str, on: date) -> Decimal:
        version = self._price_version(on)
        for price in self.state.table("workhour_prices").values():
            if (
                price["_pricelistVersion"] == version
                and price["_workType"] == work_type
                and price["_user"] is None
            ):
                return Decimal(price["unitPrice"]["amount"])
        return Decimal(0)

    def travel_type_price(self, travel_type: str, on: date) -> Decimal:
        version = self._price_version(on)
        for price in self.state.table("travel_prices").values():
            if price["_pricelistVersion"] == version and price["_travelType"] == travel_type:
                return Decimal(price["price"]["amount"])
        return Decimal(0)

    def _project_of_phase(self, phase_guid: str) -> Record:
        phase = self.state.table("phases")[phase_guid]
        return self.state.table("projects")[phase["_project"]]

    def _open_project(self, project: Record) -> None:
        if project["isClosed"]:
            raise fail("InvalidOperation", f"Project {project['number']} is closed; entries cannot be added.")

    def _refs(self, record: Record) -> Record:
        """The embedded references every entry renders."""
        state = self.state
        project = state.table("projects")[record["_project"]]
        customer = state.table("customers").get(project["_customer"])
        invoice = state.table("invoices").get(record.get("_invoice") or "")
        return {
            "project": project,
            "customer": {"guid": customer["guid"], "name": customer["name"], "number": customer["number"]}
            if customer
            else None,
            "invoice": {"guid": invoice["guid"], "number": invoice["number"], "date": invoice["date"]}
            if invoice
            else None,
        }

    @staticmethod
    def _check_not_invoiced(record: Record) -> None:
        if record.get("_invoice"):
            raise fail("InvalidOperation", "The entry is on an invoice and cannot be changed or deleted.")

    def _unchanged_once_invoiced(self, call: Call, record: Record) -> None:
        self._check_not_invoiced(record)

    def _insert_entry(self, table: str, record: Record) -> Record:
        """Stores a new entry, billable until an invoice takes it."""
        return insert(self.state, table, {**record, "_invoice": None, "_invoiceRow": None})

    def _patch_entry(self, record: Record, body: Any, setters: dict[str, Any]) -> None:
        """Applies a JSON Patch with the paths every entry has and ``setters`` (refused once invoiced)."""
        self._check_not_invoiced(record)
        common = {
            "/eventDate": set_date("eventDate"),
            "/quantity": set_decimal("quantity"),
            "/invoiceQuantity": set_decimal("invoiceQuantity"),
            "/description": set_text("description"),
            "/isBillable": set_bool("isBillable"),
        }
        apply_patch(self.state, record, body, {**common, **setters})

    @staticmethod
    def _user_out(user: Record | None) -> Record | None:
        """The user as fees and travel expenses embed it."""
        if user is None:
            return None
        return {"guid": user["guid"], "name": user["name"], "code": user["code"], "companyGuid": None}

    @staticmethod
    def billed_filter(call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isBillable", q.get("isBillable"))
        if q.get("isBilled") is not None:
            records = [r for r in records if bool(r.get("_invoice")) == q["isBilled"]]
        return records

    # -- work hours ------------------------------------------------------------------------------
    def render_work_hour(self, record: Record) -> Record:
        refs = self._refs(record)
        project = refs["project"]
        phase = self.state.table("phases")[record["_phase"]]
        work_type = self.state.table("work_types")[record["_workType"]]
        out = public(record)
        out.update(
            {
                "customer": refs["customer"],
                "invoice": refs["invoice"],
                "invoiceRowGuid": record.get("_invoiceRow"),
                "project": {
                    "guid": project["guid"],
                    "name": project["name"],
                    "number": project["number"],
                    "isClosed": project["isClosed"],
                    "companyGuid": None,
                },
                "phase": {
                    "guid": phase["guid"],
                    "name": phase["name"],
                    "isCompleted": False,
                    "isLocked": False,
                },
                "user": user_ref(self.state, record["_user"]),
                "workType": {"guid": work_type["guid"], "code": work_type["code"], "name": work_type["name"]},
                "billableStatus": "Billable" if record["isBillable"] else "NotBillable",
                "isModifiable": not record.get("_invoice"),
                "isProductive": work_type["isProductive"],
                "unitPrice": money_out(record["unitPrice"]),
                "unitCost": money_out(record["unitCost"]),
                "overtime": None,
            }
        )
        return out

    def create_work_hour(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        tables = self.state.tables
        event_date = day(body, "eventDate", required=True)
        phase = reference(body, "phase", tables["phases"], required=True)
        user = reference(body, "user", tables["users"], required=True)
        work_type = reference(body, "workType", tables["work_types"], required=True)
        assert event_date is not None and phase and user and work_type
        project = self._project_of_phase(phase)
        self._open_project(project)
        price = money_in(body, "unitPrice", self.currency) or {
            "amount": self.work_type_price(work_type, event_date),
            "currencyCode": self.currency,
        }
        cost = tables["work_types"][work_type].get("hourCost") or {
            "amount": Decimal(0),
            "currencyCode": self.currency,
        }
        record = {
            "eventDate": event_date,
            "quantity": number(body, "quantity") or Decimal(0),
            "invoiceQuantity": number(body, "invoiceQuantity"),
            "plannedInvoiceQuantity": number(body, "plannedInvoiceQuantity"),
            "description": text(body, "description"),
            "invoiceRowDescription": text(body, "invoiceRowDescription"),
            "invoiceRowComment": text(body, "invoiceRowComment"),
            "isBillable": flag(body, "isBillable", not project["isInternal"]),
            "isApproved": flag(body, "isApproved", False),
            "startTime": None,
            "endTime": None,
            "unitPrice": price,
            "unitCost": dict(cost),
            "_project": project["guid"],
            "_phase": phase,
            "_user": user,
            "_workType": work_type,
        }
        return self._insert_entry("work_hours", record)

    def patch_work_hour(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            "/invoiceRowDescription": set_text("invoiceRowDescription"),
            "/isApproved": set_bool("isApproved"),
        }
        self._patch_entry(record, body, setters)

    def select_work_hours(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        if q.get("billableStatus"):
            wanted = q["billableStatus"]
            records = [r for r in records if ("Billable" if r["isBillable"] else "NotBillable") == wanted]
        if q.get("eventDateStart"):
            records = [r for r in records if r["eventDate"] >= q["eventDateStart"]]
        if q.get("eventDateEnd"):
            records = [r for r in records if r["eventDate"] <= q["eventDateEnd"]]
        return records

    # -- project fees ----------------------------------------------------------------------------
    def render_fee(self, record: Record) -> Record:
        refs = self._refs(record)
        project = refs["project"]
        product = self.state.table("products").get(record.get("_product") or "")
        user = user_ref(self.state, record.get("_user"))
        out = public(record)
        out.update(
            {
                "customer": refs["customer"],
                "invoice": refs["invoice"],
                "invoiceRowGuid": record.get("_invoiceRow"),
                "project": {"guid": project["guid"], "name": project["name"], "companyGuid": None},
                "product": {"guid": product["guid"], "code": product["code"], "name": product["name"]}
                if product
                else None,
                "user": self._user_out(user),
                "unitPrice": money_out(record["unitPrice"]),
                "unitCost": money_out(record["unitCost"]),
                "hasVolumePricing": False,
                "isRecurrenceRule": False,
                "recurrenceRuleGuid": None,
                "phase": None,
                "costCenter": None,
                "salesAccount": None,
            }
        )
        return out

    def create_fee(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        tables = self.state.tables
        project_guid = reference(body, "project", tables["projects"], required=True)
        project = tables["projects"][project_guid or ""]
        self._open_project(project)
        product_guid = reference(body, "product", tables["products"])
        product = tables["products"].get(product_guid or "")
        product_type = body.get("productType")
        if product_type is not None and product_type not in PRODUCT_TYPES:
            raise invalid_body("productType", f"productType must be one of {', '.join(PRODUCT_TYPES)}.")
        price = money_in(body, "unitPrice", self.currency)
        if price is None:
            price = dict(product["unitPrice"]) if product and product.get("unitPrice") else None
        cost = money_in(body, "unitCost", self.currency)
        if cost is None:
            cost = dict(product["unitCost"]) if product and product.get("unitCost") else None
        vat = number(body, "vatRate")
        if vat is None:
            vat = product["vatRate"] if product and product.get("vatRate") is not None else self.default_vat()
        record = {
            "name": text(body, "name") or (product["name"] if product else None),
            "description": text(body, "description"),
            "eventDate": day(body, "eventDate") or self.state.clock().date(),
            "quantity": number(body, "quantity") or Decimal(0),
            "invoiceQuantity": number(body, "invoiceQuantity"),
            "invoiceRowDescription": text(body, "invoiceRowDescription"),
            "invoiceRowComment": text(body, "invoiceRowComment"),
            "measurementUnit": text(body, "measurementUnit")
            or (product["measurementUnit"] if product else None),
            "productType": product_type or (product["type"] if product else None),
            "isBillable": flag(body, "isBillable", True),
            "plannedBillingDate": day(body, "plannedBillingDate"),
            "displayPeriodStartDate": None,
            "billingSchedule": None,
            "billingDependencyPhase": None,
            "unitPrice": price or {"amount": Decimal(0), "currencyCode": self.currency},
            "unitCost": cost or {"amount": Decimal(0), "currencyCode": self.currency},
            "vatRate": vat,
            "_project": project["guid"],
            "_product": product_guid,
            "_user": reference(body, "user", tables["users"]),
        }
        return self._insert_entry("project_fees", record)

    def patch_fee(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            "/name": set_text("name"),
            "/measurementUnit": set_text("measurementUnit"),
            "/vatRate": set_decimal("vatRate"),
            "/unitPrice/amount": self._money_amount("unitPrice"),
            "/unitCost/amount": self._money_amount("unitCost"),
        }
        self._patch_entry(record, body, setters)

    def _money_amount(self, field: str) -> Any:
        def setter(record: Record, value: Any) -> None:
            set_decimal("_amount")(record, value)
            amount = record.pop("_amount")
            record[field] = {"amount": amount or Decimal(0), "currencyCode": record[field]["currencyCode"]}

        return setter

    def delete_fee(self, call: Call, record: Record) -> None:
        now = self.state.clock()
        with self.state.lock:
            self.state.table("project_fees").pop(record["guid"], None)
            self.state.deleted_fees.append(
                {
                    "guid": record["guid"],
                    "name": record["name"],
                    "eventDate": record["eventDate"],
                    "quantity": record["quantity"],
                    "measurementUnit": record["measurementUnit"],
                    "project": {"guid": record["_project"]},
                    "product": {"guid": record["_product"]} if record.get("_product") else None,
                    "user": {"guid": record["_user"]} if record.get("_user") else None,
                    "createdDateTime": record["createdDateTime"],
                    "lastUpdatedDateTime": now,
                    "deletedDateTime": now,
                    "_seq": self.state.next_seq(),
                }
            )

    def select_project_fees(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        if q.get("productType"):
            records = [r for r in records if r["productType"] == q["productType"]]
        return self.billed_filter(call, records)

    def deleted_fees(self, call: Call) -> dict[str, Record]:
        return {f["guid"]: f for f in self.state.deleted_fees}

    def select_deleted_fees(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        if q["deletedSince"] is not None:
            records = [r for r in records if r["deletedDateTime"] >= q["deletedSince"]]
        if q["projectGuids"]:
            wanted = {g.lower() for g in q["projectGuids"]}
            records = [r for r in records if r["project"]["guid"] in wanted]
        if q["userGuids"]:
            wanted = {g.lower() for g in q["userGuids"]}
            records = [r for r in records if r["user"] and r["user"]["guid"] in wanted]
        return records

    # -- travel expenses -------------------------------------------------------------------------
    def render_travel(self, record: Record) -> Record:
        refs = self._refs(record)
        project = refs["project"]
        phase = self.state.table("phases")[record["_phase"]]
        travel_type = self.state.table("travel_types")[record["_travelType"]]
        user = user_ref(self.state, record["_user"])
        customer = refs["customer"]
        out = public(record)
        out.update(
            {
                "customer": {"guid": customer["guid"], "name": customer["name"]} if customer else None,
                "invoice": refs["invoice"],
                "invoiceRowGuid": record.get("_invoiceRow"),
                "project": {
                    "guid": project["guid"],
                    "name": project["name"],
                    "number": project["number"],
                    "isInternal": project["isInternal"],
                    "companyGuid": None,
                },
                "phase": {"guid": phase["guid"], "name": phase["name"]},
                "travelExpense": {
                    "guid": travel_type["guid"],
                    "code": travel_type["code"],
                    "name": travel_type["name"],
                    "expenseClass": travel_type["expenseClass"],
                    "includeTime": travel_type["includeTime"],
                },
                "user": self._user_out(user),
                "unitPrice": money_out(record["unitPrice"]),
                "unitCost": money_out(record["unitCost"]),
                "unitCostExcludingPurchaseVat": money_out(record["unitCost"]),
                "attachmentCount": 0,
                "travelReimbursement": None,
                "costAccount": None,
                "costCenter": None,
                "salesAccount": None,
                "billingDependencyPhase": None,
            }
        )
        return out

    def create_travel(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        tables = self.state.tables
        project_guid = reference(body, "project", tables["projects"], required=True)
        phase = reference(body, "phase", tables["phases"], required=True)
        user = reference(body, "user", tables["users"], required=True)
        travel_type = reference(body, "travelExpense", tables["travel_types"], required=True)
        quantity = number(body, "quantity", required=True)
        assert project_guid and phase and user and travel_type
        project = tables["projects"][project_guid]
        if tables["phases"][phase]["_project"] != project_guid:
            raise invalid_body("phase.guid", "The phase does not belong to the project.")
        self._open_project(project)
        event_date = day(body, "eventDate") or self.state.clock().date()
        kind = tables["travel_types"][travel_type]
        price = money_in(body, "unitPrice", self.currency) or {
            "amount": self.travel_type_price(travel_type, event_date),
            "currencyCode": self.currency,
        }
        cost = money_in(body, "unitCost", self.currency) or dict(kind["unitCost"])
        vat = number(body, "vatRate")
        record = {
            "eventDate": event_date,
            "quantity": quantity,
            "invoiceQuantity": number(body, "invoiceQuantity"),
            "description": text(body, "description"),
            "invoiceRowDescription": text(body, "invoiceRowDescription"),
            "invoiceRowComment": text(body, "invoiceRowComment"),
            "measurementUnit": text(body, "measurementUnit") or kind["measurementUnit"],
            "isBillable": flag(body, "isBillable", not project["isInternal"]),
            "vatRate": vat
            if vat is not None
            else (kind["vatRate"] if kind["vatRate"] is not None else self.default_vat()),
            "purchaseVatRate": number(body, "purchaseVatRate"),
            "travelReimbursementRequired": flag(body, "travelReimbursementRequired", False),
            "travelStartTime": None,
            "travelEndTime": None,
            "plannedBillingDate": day(body, "plannedBillingDate"),
            "billingSchedule": None,
            "unitPrice": price,
            "unitCost": cost,
            "_project": project_guid,
            "_phase": phase,
            "_user": user,
            "_travelType": travel_type,
        }
        return self._insert_entry("travel_expenses", record)

    def patch_travel(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            "/vatRate": set_decimal("vatRate"),
            "/unitPrice/amount": self._money_amount("unitPrice"),
        }
        self._patch_entry(record, body, setters)

    # -- registration ----------------------------------------------------------------------------
    def register(self, table: RouteTable) -> None:
        state = self.state
        work_hours = severa_resource(
            state,
            "work hours",
            "work_hours",
            self.render_work_hour,
            select=self.select_work_hours,
            create=self.create_work_hour,
            patch=self.patch_work_hour,
            before_delete=self._unchanged_once_invoiced,
        )
        register_crud(
            table,
            work_hours,
            collection="/v1/workhours",
            item="/v1/workhours/{guid}",
            patch_as_array=True,
            **scoped(
                "hours",
                paging="cursor",
                query={
                    **paging.CURSOR_CHANGED,
                    "billableStatus": "str",
                    "eventDateStart": "date",
                    "eventDateEnd": "date",
                },
            ),
        )
        fees = severa_resource(
            state,
            "project fees",
            "project_fees",
            self.render_fee,
            create=self.create_fee,
            patch=self.patch_fee,
            before_delete=self._unchanged_once_invoiced,
            delete=self.delete_fee,
        )
        register_crud(
            table,
            fees,
            collection="/v1/projectfees",
            item="/v1/projectfees/{guid}",
            patch_as_array=True,
            create_as_array=True,  # the spec answers POST /v1/projectfees with an array
            **scoped("fees", paging="cursor", query=paging.CURSOR_CHANGED),
        )
        per_project = severa_resource(
            state,
            "fees of a project",
            "project_fees",
            self.render_fee,
            rows=children(state, "projects", "projectGuid", "project_fees", "_project"),
            select=self.select_project_fees,
        )
        register_crud(
            table,
            per_project,
            collection="/v1/projects/{projectGuid}/projectfees",
            operations="L",
            **scoped(
                "fees",
                paging="cursor",
                query={
                    **paging.CURSOR,
                    "productType": "str",
                    "isBillable": "bool",
                    "isBilled": "bool",
                },
            ),
        )
        deleted = severa_resource(
            state,
            "deleted project fees",
            "project_fees",
            public,
            rows=self.deleted_fees,
            select=self.select_deleted_fees,
        )
        register_crud(
            table,
            deleted,
            collection="/v1/deletedprojectfees",
            operations="L",
            **scoped(
                "fees",
                paging="cursor",
                query={
                    **paging.CURSOR,
                    "projectGuids": "str[]",
                    "userGuids": "str[]",
                    "deletedSince": "datetime",
                },
            ),
        )
        travels = severa_resource(
            state,
            "project travel expenses",
            "travel_expenses",
            self.render_travel,
            create=self.create_travel,
            patch=self.patch_travel,
            before_delete=self._unchanged_once_invoiced,
        )
        register_crud(
            table,
            travels,
            collection="/v1/projecttravelexpenses",
            item="/v1/projecttravelexpenses/{guid}",
            patch_as_array=True,
            **scoped("travels", paging="cursor", query=paging.CURSOR_CHANGED),
        )
