"""Projects (with their root phase) and users, as far as invoicing needs them."""

from __future__ import annotations

from typing import Any

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
    set_date,
    set_int,
    set_reference,
    set_text,
    severa_resource,
    unique_number,
)
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    day,
    fail,
    flag,
    integer,
    reference,
    text,
)

Record = dict[str, Any]
GROUPINGS = ("OneByOne", "Group", "Group+Attachment")


def user_ref(state: SeveraState, guid: str | None) -> Record | None:
    user = state.table("users").get(guid or "")
    if user is None:
        return None
    return {
        "guid": user["guid"],
        "firstName": user["firstName"],
        "lastName": user["lastName"],
        "name": f"{user['firstName']} {user['lastName']}",
        "code": user.get("code"),
    }


class Projects:
    def __init__(self, state: SeveraState) -> None:
        self.state = state
        self._check_number = unique_number(state, "projects", "Project")

    def render_project(self, record: Record) -> Record:
        state = self.state
        out = public(record)
        customer = state.table("customers").get(record["_customer"])
        currency = state.table("currencies").get(record.get("_currency") or "")
        phase = state.table("phases").get(record.get("_rootPhase") or "")
        out["customer"] = (
            {"guid": customer["guid"], "name": customer["name"], "number": customer["number"]}
            if customer
            else None
        )
        out["currency"] = currency_ref(currency)
        out["projectOwner"] = user_ref(state, record.get("_projectOwner"))
        out["rootPhase"] = {"guid": phase["guid"], "name": phase["name"]} if phase else None
        out["costCenter"] = None
        return out

    def create_project(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        tables = self.state.tables
        customer = reference(body, "customer", tables["customers"], required=True)
        owner = reference(body, "projectOwner", tables["users"], required=True)
        currency = reference(body, "currency", tables["currencies"]) or tables["customers"][
            customer or ""
        ].get("_currency")
        number = integer(body, "number")
        settings = self.state.organization.settings
        with self.state.lock:
            self._check_number({}, number)
            if number is None:
                number = int(settings.get("lastProjectNumber") or 0) + 1
            settings["lastProjectNumber"] = max(int(settings.get("lastProjectNumber") or 0), number)
            closed = flag(body, "isClosed", False)
            record = {
                "name": text(body, "name", required=True),
                "number": number,
                "isClosed": closed,
                "closedDate": self.state.clock().date() if closed else None,
                "isInternal": flag(
                    body, "isInternal", bool(tables["customers"][customer or ""]["isInternal"])
                ),
                "description": text(body, "description"),
                "internalName": text(body, "internalName"),
                "invoiceNotes": text(body, "invoiceNotes"),
                "orderNumber": text(body, "orderNumber"),
                "ourReference": text(body, "ourReference"),
                "yourReference": text(body, "yourReference"),
                "paymentTerm": integer(body, "paymentTerm"),
                "startDate": day(body, "startDate"),
                "deadline": day(body, "deadline"),
                "isJoiningAllowed": flag(body, "isJoiningAllowed", False),
                "isMileageBillable": True,
                "isDailyAllowanceBillable": True,
                "isOtherTravelExpensesBillable": True,
                "useOvertimeMultipliers": flag(body, "useOvertimeMultipliers", False),
                "useProductsFromSetting": flag(body, "useProductsFromSetting", False),
                "useWorkTypesFromSetting": flag(body, "useWorktypesFromSetting", False),
                "_customer": customer,
                "_projectOwner": owner,
                "_currency": currency,
                "_grouping": "OneByOne",  # the invoice grouping new invoices of this project start with
            }
            project = insert(self.state, "projects", record)
            phase = insert(self.state, "phases", {"name": project["name"], "_project": project["guid"]})
            project["_rootPhase"] = phase["guid"]
            return project

    def patch_project(self, call: Call, record: Record, body: Any) -> None:
        tables = self.state.tables

        def set_closed(draft: Record, value: Any) -> None:
            set_bool("isClosed")(draft, value)
            draft["closedDate"] = self.state.clock().date() if draft["isClosed"] else None

        setters = {
            "/name": set_text("name", required=True),
            "/number": set_int("number", check=self._check_number),
            "/isClosed": set_closed,
            "/closedDate": set_date("closedDate"),
            "/description": set_text("description"),
            "/internalName": set_text("internalName"),
            "/invoiceNotes": set_text("invoiceNotes"),
            "/orderNumber": set_text("orderNumber"),
            "/ourReference": set_text("ourReference"),
            "/yourReference": set_text("yourReference"),
            "/paymentTerm": set_int("paymentTerm"),
            "/startDate": set_date("startDate"),
            "/deadline": set_date("deadline"),
            "/customer/guid": set_reference("customer", tables["customers"], nullable=False),
            "/projectOwner/guid": set_reference("projectOwner", tables["users"], nullable=False),
        }
        apply_patch(self.state, record, body, setters)

    def before_project_delete(self, call: Call, record: Record) -> None:
        for table in ("work_hours", "project_fees", "travel_expenses"):
            if any(e["_project"] == record["guid"] for e in self.state.table(table).values()):
                raise fail("InvalidOperation", "The project has entries and cannot be deleted; close it.")

    def select_projects(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isClosed", q["isClosed"])
        records = where_equal(records, "isInternal", q["internal"])
        if q["numbers"]:
            records = [r for r in records if r["number"] in q["numbers"]]
        if q["customerGuids"]:
            wanted = {g.lower() for g in q["customerGuids"]}
            records = [r for r in records if r["_customer"] in wanted]
        if q["projectGuids"]:
            wanted = {g.lower() for g in q["projectGuids"]}
            records = [r for r in records if r["guid"] in wanted]
        if q["projectOwnerGuids"]:
            wanted = {g.lower() for g in q["projectOwnerGuids"]}
            records = [r for r in records if r["_projectOwner"] in wanted]
        if q["currencyGuid"]:
            records = [r for r in records if r.get("_currency") == q["currencyGuid"].lower()]
        return records

    # -- users -----------------------------------------------------------------------------------
    def select_users(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["isActive"])
        if q["code"]:
            records = [r for r in records if r.get("code") == q["code"]]
        if q["email"]:
            records = [r for r in records if (r.get("email") or "").lower() == q["email"].lower()]
        return records

    def register(self, table: RouteTable) -> None:
        projects = severa_resource(
            self.state,
            "projects",
            "projects",
            self.render_project,
            select=self.select_projects,
            create=self.create_project,
            patch=self.patch_project,
            before_delete=self.before_project_delete,
        )
        register_crud(
            table,
            projects,
            collection="/v1/projects",
            item="/v1/projects/{guid}",
            patch_as_array=True,
            **scoped(
                "projects",
                paging="cursor",
                query={
                    **paging.CURSOR,
                    "currencyGuid": "str",
                    "changedSince": "datetime",
                    "customerGuids": "str[]",
                    "projectGuids": "str[]",
                    "projectOwnerGuids": "str[]",
                    "isClosed": "bool",
                    "numbers": "int[]",
                    "internal": "bool",
                },
            ),
        )
        users = severa_resource(self.state, "users", "users", public, select=self.select_users)
        register_crud(
            table,
            users,
            collection="/v1/users",
            item="/v1/users/{guid}",
            operations="LG",
            **scoped(
                "users",
                paging="cursor",
                query={
                    **paging.CURSOR,
                    "isActive": "bool",
                    "changedSince": "datetime",
                    "code": "str",
                    "email": "str",
                },
            ),
        )
