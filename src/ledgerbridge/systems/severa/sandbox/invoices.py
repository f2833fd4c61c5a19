"""Invoice statuses, invoices, their rows and settings.

``POST /v1/invoices`` works as in Severa: it takes the billable, not yet invoiced work hours, fees and
travel expenses of the given projects and turns them into rows, one row per entry (``OneByOne``) or one row
per work type / product / travel expense type and unit price (``Group``, ``Group+Attachment``). A row's
``code[]`` lists the distinct codes of the entries behind it. Changing a grouping with
``PATCH /v1/invoicesettings/{guid}`` rebuilds the invoice's rows. A status with ``hasInvoiceNumber`` gives
an invoice without a number the next number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledgerbridge.sandbox.crud import register_crud, where_contains, where_equal
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.common import (
    Setter,
    apply_patch,
    children,
    insert,
    parent,
    public,
    scoped,
    set_bool,
    set_date,
    set_int,
    set_text,
    severa_resource,
    touch,
)
from ledgerbridge.systems.severa.sandbox.entries import Entries
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    day,
    fail,
    flag,
    integer,
    invalid_body,
    json_response,
    money_out,
    text,
)

Record = dict[str, Any]
READ, WRITE = ("invoices:read",), ("invoices:write",)
GROUPINGS = ("OneByOne", "Group", "Group+Attachment")
CENT = Decimal("0.01")
# entry table → (row type, row category, settings prefix, the entry's register reference and its table)
SOURCES = (
    ("work_hours", "Hours", "Hours", "workHour", "_workType", "work_types"),
    ("project_fees", "ProjectFees", "ProjectFees", "projectFee", "_product", "products"),
    ("travel_expenses", "TravelExpenses", "Travels", "projectTravelExpense", "_travelType", "travel_types"),
)
# What a grouped row gathers (``<kind>PrimaryGroupBy``; the values are the sandbox's reading, see the docs):
# entries of one register record (the default), or all entries of one project with the same price and VAT.
GROUP_BY = ("Register", "Project")


def _money(amount: Decimal, currency: str) -> Record:
    return {"amount": amount.quantize(CENT, ROUND_HALF_UP), "currencyCode": currency, "multiCurrencyInfo": []}


class Invoices:
    def __init__(self, state: SeveraState, entries: Entries) -> None:
        self.state = state
        self.entries = entries

    # -- invoice statuses ------------------------------------------------------------------------
    def create_status(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        record = {
            "name": text(body, "name", required=True),
            "isActive": flag(body, "isActive", True),
            "isDefault": flag(body, "isDefault", False),
            "isDefaultForCreditNote": flag(body, "isDefaultForCreditNote", False),
            "isReadOnly": flag(body, "isReadOnly", False),
            "hasInvoiceNumber": flag(body, "hasInvoiceNumber", False),
            "isSent": flag(body, "isSent", False),
            "isWaitingPayment": flag(body, "isWaitingPayment", False),
            "isPaid": flag(body, "isPaid", False),
            "sortOrder": integer(body, "sortOrder") or len(self.state.table("invoice_statuses")) + 1,
        }
        with self.state.lock:
            if record["isDefault"]:
                for other in self.state.table("invoice_statuses").values():
                    other["isDefault"] = False
            return insert(self.state, "invoice_statuses", record)

    def patch_status(self, call: Call, record: Record, body: Any) -> None:
        setters = {f"/{name}": set_bool(name) for name in (
            "isActive", "isDefault", "isDefaultForCreditNote", "isReadOnly", "hasInvoiceNumber", "isSent",
            "isWaitingPayment", "isPaid",
        )}  # fmt: skip
        setters["/name"] = set_text("name", required=True)
        setters["/sortOrder"] = set_int("sortOrder", nullable=False)
        apply_patch(self.state, record, body, setters)
        if record["isDefault"]:
            for other in self.state.table("invoice_statuses").values():
                other["isDefault"] = other is record

    def before_status_delete(self, call: Call, record: Record) -> None:
        if any(i["_status"] == record["guid"] for i in self.state.table("invoices").values()):
            raise fail("InvalidOperation", "The invoice status is in use and cannot be deleted.")

    def select_statuses(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["active"])
        records = where_contains(records, "name", q["textToSearch"])
        return sorted(records, key=lambda r: r["sortOrder"])

    # -- invoices --------------------------------------------------------------------------------
    def _rows_of(self, invoice_guid: str) -> list[Record]:
        """The invoice's rows in order (the invoice keeps their guids in ``_rows``; no table scan)."""
        rows = self.state.table("invoice_rows")
        return [rows[guid] for guid in self.state.table("invoices")[invoice_guid].get("_rows", [])]

    def render_invoice(self, record: Record) -> Record:
        state = self.state
        out = public(record)
        status = state.table("invoice_statuses")[record["_status"]]
        currency = state.table("currencies")[record["_currency"]]
        code = currency["code"]
        rows = self._rows_of(record["guid"])
        by_type: dict[str, Decimal] = {
            "Hours": Decimal(0),
            "ProjectFees": Decimal(0),
            "TravelExpenses": Decimal(0),
        }
        tax = Decimal(0)
        hours = Decimal(0)
        for row in rows:
            line = (row["quantity"] * row["unitPrice"]["amount"]).quantize(CENT, ROUND_HALF_UP)
            by_type[row["rowType"]] = by_type.get(row["rowType"], Decimal(0)) + line
            tax += (line * (row["vatRate"] or Decimal(0)) / 100).quantize(CENT, ROUND_HALF_UP)
            if row["rowType"] == "Hours":
                hours += row["quantity"]
        net = sum(by_type.values(), Decimal(0))

        def customer(guid: str | None) -> Record | None:
            found = state.table("customers").get(guid or "")
            return (
                {"guid": found["guid"], "name": found["name"], "number": found["number"]} if found else None
            )

        out.update(
            {
                "status": {
                    "guid": status["guid"],
                    "name": status["name"],
                    "isSent": status["isSent"],
                    "isWaitingPayment": status["isWaitingPayment"],
                    "isPaid": status["isPaid"],
                },
                "customer": customer(record["_customer"]),
                "billingCustomer": customer(record["_billingCustomer"]),
                "projects": [
                    {"guid": p["guid"], "name": p["name"], "number": p["number"]}
                    for p in (state.table("projects")[g] for g in record["_projects"])
                ],
                "currency": {
                    "guid": currency["guid"],
                    "code": code,
                    "name": currency["name"],
                    "symbol": currency["symbol"],
                },
                "canBeDeleted": not (status["isSent"] or status["isPaid"] or status["isReadOnly"]),
                "freeText1": self._free_text(record["_freeText1"]),
                "freeText2": self._free_text(record["_freeText2"]),
                "totalExcludingTax": _money(net, code),
                "totalTax": _money(tax, code),
                "totalIncludingTax": _money(net + tax, code),
                "workHoursTotalExcludingTax": _money(by_type["Hours"], code),
                "projectFeesTotalExcludingTax": _money(by_type["ProjectFees"], code),
                "projectTravelExpensesTotalExcludingTax": _money(by_type["TravelExpenses"], code),
                "flatRatesTotalExcludingTax": _money(Decimal(0), code),
                "workHoursQuantity": hours,
                "workHourValueAddedTax": self.entries.default_vat(),
                "creditNoteInvoice": self._related(record.get("_creditNoteInvoice")),
                "reimburseInvoice": self._related(record.get("_reimburseInvoice")),
                "invoiceTemplate": None,
                "language": None,
                "culture": None,
            }
        )
        return out

    def _related(self, guid: str | None) -> Record | None:
        """``RelatedInvoiceSubModel``: the credit note of an invoice, or the invoice a credit note credits."""
        found = self.state.table("invoices").get(guid or "")
        return {"guid": found["guid"], "number": found["number"]} if found else None

    def credit(self, invoice_guid: str, status_guid: str | None = None) -> Record:
        """A credit note of an invoice, as Severa's "credit invoice" action in the user interface makes it
        (the REST API has no operation for it): the invoice's header and rows with the quantities negated,
        ``isCreditNote``, the two linked by ``reimburseInvoice`` / ``creditNoteInvoice``. Its status is
        ``status_guid``, else the status for credit notes (``isDefaultForCreditNote``), else the default."""
        tables = self.state.tables
        with self.state.lock:
            original = tables["invoices"][invoice_guid.lower()]
            statuses = tables["invoice_statuses"].values()
            status = status_guid or next(
                (s["guid"] for s in statuses if s["isDefaultForCreditNote"]),
                next(s["guid"] for s in statuses if s["isDefault"]),
            )
            header = {
                k: v
                for k, v in original.items()
                if k not in ("guid", "createdDateTime", "lastUpdatedDateTime", "_seq", "_rows", "_settings")
            }
            header.update(
                {
                    "number": None,
                    "referenceNumber": None,
                    "paymentDate": None,
                    "entryDate": None,
                    "isCreditNote": True,
                    "_status": str(status).lower(),
                    "_reimburseInvoice": original["guid"],
                }
            )
            note = insert(self.state, "invoices", header)
            settings = {
                k: v
                for k, v in self._settings_of(original["guid"]).items()
                if k not in ("guid", "createdDateTime", "lastUpdatedDateTime", "_seq")
            }
            note["_settings"] = insert(
                self.state, "invoice_settings", {**settings, "_invoice": note["guid"]}
            )["guid"]
            note["_rows"] = []
            for row in self._rows_of(original["guid"]):
                copied = {
                    k: v
                    for k, v in row.items()
                    if k not in ("guid", "createdDateTime", "lastUpdatedDateTime", "_seq")
                }
                copied.update(
                    {
                        "quantity": -row["quantity"],
                        "unitPrice": dict(row["unitPrice"]),
                        "_invoice": note["guid"],
                    }
                )
                note["_rows"].append(insert(self.state, "invoice_rows", copied)["guid"])
            original["_creditNoteInvoice"] = note["guid"]
            touch(self.state, original)
            self._number_if_due(note)
            return note

    @staticmethod
    def _free_text(value: str | None) -> Record | None:
        if value is None:
            return None
        return {"value": value, "text": value, "plainText": value, "allowTags": False, "tagContext": None}

    def _receiver(self, customer: Record) -> tuple[Record | None, str | None]:
        """The first billing address of the customer (else its main address) as the invoice's receiver."""
        addresses = sorted(
            (a for a in self.state.table("addresses").values() if a["_customer"] == customer["guid"]),
            key=lambda a: a["_seq"],
        )
        chosen = next((a for a in addresses if a["isBillingAddress"]), None)
        chosen = chosen or self.state.table("addresses").get(customer.get("_headquarterAddress") or "")
        if chosen is None:
            return None, None
        country = self.state.table("countries").get(chosen.get("_country") or "")
        contact = next(
            (c for c in self.state.table("contacts").values() if c.get("addressGuid") == chosen["guid"]), None
        )
        address = {
            "addressline": chosen["addressline"],
            "postalCode": chosen["postalCode"],
            "city": chosen["city"],
            "state": None,
            "country": country["name"] if country else None,
        }
        return address, f"{contact['firstName']} {contact['lastName']}" if contact else None

    def create_invoices(self, call: Call, body: Any) -> list[Record]:
        body = body_object(body)
        projects_in = body.get("projects")
        if not isinstance(projects_in, list) or not projects_in:
            raise invalid_body("projects", "The projects field is required.")
        tables = self.state.tables
        projects = []
        for item in projects_in:
            guid = item.get("guid") if isinstance(item, dict) else None
            if not isinstance(guid, str) or guid.lower() not in tables["projects"]:
                raise invalid_body("projects.guid", f"No project with guid '{guid}'.")
            projects.append(tables["projects"][guid.lower()])
        status_guid = body.get("invoiceStatusGuid")
        if status_guid is not None:
            status_guid = str(status_guid).lower()
            if status_guid not in tables["invoice_statuses"]:
                raise invalid_body("invoiceStatusGuid", f"No invoice status with guid '{status_guid}'.")
        else:
            default = next((s for s in tables["invoice_statuses"].values() if s["isDefault"]), None)
            if default is None:
                raise fail("ConfigurationError", "The organisation has no default invoice status.")
            status_guid = default["guid"]
        billing = body.get("billingCustomerGuid")
        if billing is not None and str(billing).lower() not in tables["customers"]:
            raise invalid_body("billingCustomerGuid", f"No customer with guid '{billing}'.")
        invoice_date = day(body, "date") or self.state.clock().date()
        groups = [projects] if flag(body, "groupProjects", False) else [[p] for p in projects]
        with self.state.lock:
            for group in groups:
                if len({p["_customer"] for p in group}) > 1:
                    raise fail("InvalidOperation", "Projects of different customers cannot share an invoice.")
                if any(p["isInternal"] for p in group):
                    raise fail("InvalidOperation", "Internal projects cannot be invoiced.")
            return [
                self.create_one(group, status_guid, str(billing).lower() if billing else None, invoice_date)
                for group in groups
            ]

    def create_one(
        self, projects: list[Record], status_guid: str, billing: str | None, invoice_date: Any
    ) -> Record:
        tables = self.state.tables
        customer = tables["customers"][projects[0]["_customer"]]
        payer = tables["customers"][billing] if billing else customer
        term = projects[0].get("paymentTerm") or payer.get("paymentTerm")
        if term is None:
            term = self.state.organization.settings.get("paymentTerm", 30)
        currency = projects[0].get("_currency") or customer.get("_currency")
        currency = currency or next(
            c["guid"] for c in tables["currencies"].values() if c["isOrganizationCurrency"]
        )
        receiver, contact_name = self._receiver(payer)
        invoice = insert(
            self.state,
            "invoices",
            {
                "number": None,
                "referenceNumber": None,
                "date": invoice_date,
                "dueDate": invoice_date + timedelta(days=int(term)),
                "entryDate": None,
                "paymentDate": None,
                "paymentTerm": int(term),
                "overdueInterest": payer.get("overdueInterest") or Decimal(8),
                "ourReference": projects[0].get("ourReference"),
                "yourReference": projects[0].get("yourReference"),
                "orderNumber": projects[0].get("orderNumber"),
                "notes": projects[0].get("invoiceNotes"),
                "isCreditNote": False,
                "currencyRate": tables["currencies"][currency]["rate"],
                "receiverAddress": receiver,
                "receiverCustomerName": payer["name"],
                "receiverContactName": contact_name,
                "receiverContactGuid": None,
                "receiverContactEmail": None,
                "receiverVatNumber": payer.get("vatNumber"),
                "receiverKvkNumber": None,
                "senderName": self.state.organization.details.get("name"),
                "senderVatNumber": self.state.organization.details.get("vatNumber"),
                "senderAddress": None,
                "_customer": customer["guid"],
                "_billingCustomer": payer["guid"],
                "_status": status_guid,
                "_currency": currency,
                "_projects": [p["guid"] for p in projects],
                "_freeText1": None,
                "_freeText2": None,
            },
        )
        grouping = projects[0].get("_grouping", "OneByOne")
        settings = insert(
            self.state,
            "invoice_settings",
            {
                "workHourGrouping": grouping,
                "projectFeeGrouping": grouping,
                "projectTravelExpenseGrouping": grouping,
                "workHourPrimaryGroupBy": None,
                "workHourSecondaryGroupBy": None,
                "projectFeePrimaryGroupBy": None,
                "projectFeeSecondaryGroupBy": None,
                "projectTravelExpensePrimaryGroupBy": None,
                "projectTravelExpenseSecondaryGroupBy": None,
                "paymentDate": None,
                "entryDate": None,
                "isReverseCharged": False,
                "showCategories": True,
                "showFooter": True,
                "showLogoAndTitle": True,
                "showQuantity": True,
                "showReferenceNumber": True,
                "showUnit": True,
                "showUnitPrice": True,
                "showValueAddedTax": True,
                "showAttachmentPriceExcludingValueAddedTax": True,
                "showAttachmentQuantity": True,
                "showAttachmentUnit": True,
                "showAttachmentUnitPrice": True,
                "showAttachmentValueAddedTax": True,
                "showPriceExcludingValueAddedTax": True,
                "_invoice": invoice["guid"],
            },
        )
        invoice["_settings"] = settings["guid"]
        project_guids = set(invoice["_projects"])
        for source in SOURCES:
            for entry in tables[source[0]].values():
                if entry["_project"] in project_guids and entry["isBillable"] and not entry.get("_invoice"):
                    entry["_invoice"] = invoice["guid"]
                    touch(self.state, entry)
        self._build_rows(invoice)
        self._number_if_due(invoice)
        return invoice

    def _settings_of(self, invoice_guid: str) -> Record:
        return self.state.table("invoice_settings")[self.state.table("invoices")[invoice_guid]["_settings"]]

    def regroup(self, invoice: Record, **settings: str | None) -> None:
        """Changes the invoice's grouping settings and rebuilds its rows (the demo uses it)."""
        self._settings_of(invoice["guid"]).update(settings)
        self._build_rows(invoice)

    def _build_rows(self, invoice: Record) -> None:
        """(Re)makes the invoice's rows from the entries it holds, as its settings group them."""
        tables = self.state.tables
        for row in self._rows_of(invoice["guid"]):
            tables["invoice_rows"].pop(row["guid"])
        invoice["_rows"] = []
        settings = self._settings_of(invoice["guid"])
        order = 0
        for table, row_type, category, kind, register_key, register_table in SOURCES:
            entries = sorted(
                (e for e in tables[table].values() if e.get("_invoice") == invoice["guid"]),
                key=lambda e: (e["eventDate"], e["_seq"]),
            )
            grouping, group_by = settings[f"{kind}Grouping"], settings[f"{kind}PrimaryGroupBy"] or "Register"
            for batch in self._batches(entries, grouping, group_by, register_key):
                order += 1
                row = self._row(invoice, batch, row_type, category, register_key, register_table, order)
                invoice["_rows"].append(row["guid"])
                for entry in batch:
                    entry["_invoiceRow"] = row["guid"]
        touch(self.state, invoice)

    @staticmethod
    def _batches(
        entries: list[Record], grouping: str, group_by: str, register_key: str
    ) -> Iterable[list[Record]]:
        if grouping == "OneByOne":
            return [[e] for e in entries]
        groups: dict[tuple[Any, ...], list[Record]] = {}
        for entry in entries:
            what = (
                entry["_project"] if group_by == "Project" else entry.get(register_key) or entry.get("name")
            )
            key = (what, entry["unitPrice"]["amount"], entry.get("vatRate"))
            groups.setdefault(key, []).append(entry)
        return list(groups.values())

    def _row(
        self,
        invoice: Record,
        batch: list[Record],
        row_type: str,
        category: str,
        register_key: str,
        register_table: str,
        order: int,
    ) -> Record:
        registers = self.state.table(register_table)
        first = batch[0]
        register = registers.get(first.get(register_key) or "")
        codes = sorted(
            {
                registers[e[register_key]]["code"]
                for e in batch
                if e.get(register_key) and registers[e[register_key]]["code"]
            }
        )
        quantity = Decimal(0)
        for entry in batch:  # the quantity to invoice, when set, wins over the recorded quantity
            quantity += (
                entry["invoiceQuantity"] if entry.get("invoiceQuantity") is not None else entry["quantity"]
            )
        unit: str | None
        vat: Decimal | None
        if row_type == "Hours":
            unit, vat = "h", self.entries.default_vat()
        else:
            unit = first.get("measurementUnit") or (register.get("measurementUnit") if register else None)
            vat = first.get("vatRate")
        if len(batch) == 1:
            description = (
                first.get("invoiceRowDescription")
                or first.get("description")
                or first.get("name")
                or (register["name"] if register else "")
            )
        elif len({e.get(register_key) for e in batch}) > 1:  # grouped by project across registers
            description = self.state.table("projects")[first["_project"]]["name"]
        else:
            description = register["name"] if register else (first.get("name") or "")
        return insert(
            self.state,
            "invoice_rows",
            {
                "description": description,
                "quantity": quantity,
                "unitPrice": {
                    "amount": first["unitPrice"]["amount"],
                    "currencyCode": first["unitPrice"]["currencyCode"],
                },
                "measurementUnit": unit,
                "vatRate": vat,
                "sortOrder": order,
                "code": codes,
                "rowType": row_type,
                "category": category,
                "flatRateGuid": None,
                "hasInvoiceComment": any(e.get("invoiceRowComment") for e in batch),
                "_invoice": invoice["guid"],
            },
        )

    def _number_if_due(self, invoice: Record) -> None:
        status = self.state.table("invoice_statuses")[invoice["_status"]]
        if status["hasInvoiceNumber"] and invoice["number"] is None:
            settings = self.state.organization.settings
            taken = {i["number"] for i in self.state.table("invoices").values() if i["number"] is not None}
            number = int(settings.get("lastInvoiceNumber") or 0) + 1
            while number in taken:
                number += 1
            invoice["number"] = number
            settings["lastInvoiceNumber"] = number

    def _check_invoice_number(self, record: Record, value: int | None) -> None:
        if value is None:
            return
        if value < 1:
            raise invalid_body("number", "The invoice number must be positive.")
        for other in self.state.table("invoices").values():
            if other["number"] == value and other["guid"] != record["guid"]:
                raise fail("InvalidOperation", f"Invoice number {value} is already in use.")

    def patch_invoice(self, call: Call, record: Record, body: Any) -> None:
        statuses = self.state.table("invoice_statuses")

        def set_status(draft: Record, value: Any) -> None:
            if not isinstance(value, str) or value.lower() not in statuses:
                raise invalid_body("status.guid", f"No invoice status with guid '{value}'.")
            draft["_status"] = value.lower()

        def set_free_text(field: str) -> Setter:
            def setter(draft: Record, value: Any) -> None:
                draft[field] = None if value is None else str(value)

            return setter

        setters = {
            "/status/guid": set_status,
            "/number": set_int("number", check=self._check_invoice_number),
            "/referenceNumber": set_text("referenceNumber"),
            "/paymentDate": set_date("paymentDate"),
            "/entryDate": set_date("entryDate"),
            "/date": set_date("date"),
            "/dueDate": set_date("dueDate"),
            "/ourReference": set_text("ourReference"),
            "/yourReference": set_text("yourReference"),
            "/orderNumber": set_text("orderNumber"),
            "/notes": set_text("notes"),
            "/paymentTerm": set_int("paymentTerm", nullable=False),
            "/freeText1/value": set_free_text("_freeText1"),
            "/freeText2/value": set_free_text("_freeText2"),
        }
        with self.state.lock:
            apply_patch(self.state, record, body, setters)
            self._number_if_due(record)

    def before_invoice_delete(self, call: Call, record: Record) -> None:
        if not self.render_invoice(record)["canBeDeleted"]:
            raise fail("InvalidOperation", "The invoice has been sent or paid and cannot be deleted.")

    def delete_invoice(self, call: Call, record: Record) -> None:
        tables = self.state.tables
        with self.state.lock:
            for source in SOURCES:
                for entry in tables[source[0]].values():
                    if entry.get("_invoice") == record["guid"]:
                        entry["_invoice"] = entry["_invoiceRow"] = None
                        touch(self.state, entry)
            for row in self._rows_of(record["guid"]):
                tables["invoice_rows"].pop(row["guid"])
            settings = self._settings_of(record["guid"])
            tables["invoice_settings"].pop(settings["guid"])
            tables["invoices"].pop(record["guid"])

    def select_invoices(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)

        def lowered(name: str) -> set[str]:
            return {g.lower() for g in q[name]}

        if q["invoiceStatusGuids"]:
            wanted = lowered("invoiceStatusGuids")
            records = [r for r in records if r["_status"] in wanted]
        if q["projectGuids"]:
            wanted = lowered("projectGuids")
            records = [r for r in records if wanted & set(r["_projects"])]
        if q["customerGuids"]:
            wanted = lowered("customerGuids")
            records = [r for r in records if r["_customer"] in wanted]
        if q["numbers"]:
            records = [r for r in records if r["number"] in q["numbers"]]
        if q["referenceNumbers"]:
            records = [r for r in records if r["referenceNumber"] in q["referenceNumbers"]]
        # These filters are date-times in the spec; invoices carry dates, compared by the date part.
        if q["startDate"]:
            records = [r for r in records if r["date"] >= q["startDate"].date()]
        if q["endDate"]:
            records = [r for r in records if r["date"] <= q["endDate"].date()]
        if q["minimumTotalExcludingTax"] is not None or q["maximumTotalExcludingTax"] is not None:
            low, high = q["minimumTotalExcludingTax"], q["maximumTotalExcludingTax"]

            def net(record: Record) -> Decimal:
                return Decimal(str(self.render_invoice(record)["totalExcludingTax"]["amount"]))

            records = [
                r for r in records if (low is None or net(r) >= low) and (high is None or net(r) <= high)
            ]
        if q["paymentDateStart"]:
            start = q["paymentDateStart"].date()
            records = [r for r in records if r["paymentDate"] and r["paymentDate"] >= start]
        return records

    # -- rows and settings -----------------------------------------------------------------------
    def render_row(self, record: Record) -> Record:
        out = public(record)
        out["invoiceGuid"] = record["_invoice"]
        out["unitPrice"] = money_out(record["unitPrice"])
        for account in (
            "salesAccount",
            "costCenter",
            "vatAccount",
            "recurringSalesAccount",
            "salesReceivableAccount",
        ):
            out[account] = None
        return out

    def rows_of_invoice(self, call: Call) -> dict[str, Record]:
        invoice = parent(self.state, "invoices", call, "invoiceGuid")
        return {r["guid"]: r for r in self._rows_of(invoice["guid"])}

    def select_rows(self, call: Call, records: list[Record]) -> list[Record]:
        row_type = paging.query(call).get("rowType")
        return [r for r in records if r["rowType"] == row_type] if row_type else records

    def _select_behind_row(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        if q.get("productType"):
            records = [r for r in records if r.get("productType") == q["productType"]]
        if q.get("expenseClass"):
            types = self.state.table("travel_types")
            records = [r for r in records if types[r["_travelType"]]["expenseClass"] == q["expenseClass"]]
        return records

    def settings_of_invoice(self, call: Call) -> Any:
        invoice = parent(self.state, "invoices", call, "invoiceGuid")
        return self._settings_of(invoice["guid"])

    def patch_settings(self, call: Call, record: Record, body: Any) -> None:
        def set_grouping(field: str) -> Setter:
            def setter(draft: Record, value: Any) -> None:
                if value not in GROUPINGS:
                    raise invalid_body(field, f"{field} must be one of {', '.join(GROUPINGS)}.")
                draft[field] = value

            return setter

        def set_group_by(field: str) -> Setter:
            def setter(draft: Record, value: Any) -> None:
                if value is not None and value not in GROUP_BY:
                    raise invalid_body(field, f"{field} must be one of {', '.join(GROUP_BY)} (or null).")
                draft[field] = value

            return setter

        setters: dict[str, Setter] = {
            f"/{g}": set_grouping(g)
            for g in ("workHourGrouping", "projectFeeGrouping", "projectTravelExpenseGrouping")
        }
        for kind in ("workHour", "projectFee", "projectTravelExpense"):
            setters[f"/{kind}PrimaryGroupBy"] = set_group_by(f"{kind}PrimaryGroupBy")
        setters.update({"/paymentDate": set_date("paymentDate"), "/entryDate": set_date("entryDate")})
        for flag_name in ("showCategories", "showFooter", "showQuantity", "showUnit", "showUnitPrice"):
            setters[f"/{flag_name}"] = set_bool(flag_name)
        with self.state.lock:
            apply_patch(self.state, record, body, setters)
            invoice = self.state.table("invoices")[record["_invoice"]]
            if not self.render_invoice(invoice)["canBeDeleted"]:
                return  # a sent invoice keeps its rows
            self._build_rows(invoice)

    # -- registration ----------------------------------------------------------------------------
    def register(self, table: RouteTable) -> None:
        state = self.state
        statuses = severa_resource(
            state,
            "invoice statuses",
            "invoice_statuses",
            public,
            select=self.select_statuses,
            create=self.create_status,
            patch=self.patch_status,
            before_delete=self.before_status_delete,
        )
        register_crud(
            table,
            statuses,
            collection="/v1/invoicestatuses",
            item="/v1/invoicestatuses/{guid}",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="offset",
                query={"active": "bool", **paging.SORTABLE_OFFSET},
            ),
        )
        invoices = severa_resource(
            state,
            "invoices",
            "invoices",
            self.render_invoice,
            select=self.select_invoices,
            patch=self.patch_invoice,
            before_delete=self.before_invoice_delete,
            delete=self.delete_invoice,
        )
        register_crud(
            table,
            invoices,
            collection="/v1/invoices",
            item="/v1/invoices/{guid}",
            operations="LGPD",
            patch_as_array=True,
            **scoped(
                "invoices",
                paging="cursor",
                query={
                    "rowCount": "int",
                    "pageToken": "str",
                    "paymentDateStart": "datetime",
                    "invoiceStatusGuids": "str[]",
                    "projectGuids": "str[]",
                    "customerGuids": "str[]",
                    "startDate": "datetime",
                    "endDate": "datetime",
                    "referenceNumbers": "str[]",
                    "numbers": "int[]",
                    "changedSince": "datetime",
                    "minimumTotalExcludingTax": "number",
                    "maximumTotalExcludingTax": "number",
                },
            ),
        )

        async def post_invoices(call: Call) -> Any:
            created = self.create_invoices(call, await call.json())
            return json_response(201, [self.render_invoice(i) for i in created])

        table.add("POST", "/v1/invoices", post_invoices, scopes=WRITE)

        rows = severa_resource(state, "invoice rows", "invoice_rows", self.render_row)
        register_crud(
            table,
            rows,
            collection="/v1/invoicerows",
            item="/v1/invoicerows/{guid}",
            operations="LG",
            **scoped(
                "invoices",
                paging="cursor",
                query=paging.CURSOR_CHANGED,
            ),
        )
        invoice_rows = severa_resource(
            state,
            "rows of an invoice",
            "invoice_rows",
            self.render_row,
            rows=self.rows_of_invoice,
            select=self.select_rows,
        )
        register_crud(
            table,
            invoice_rows,
            collection="/v1/invoices/{invoiceGuid}/invoicerows",
            operations="L",
            **scoped("invoices", paging="cursor", query={**paging.CURSOR, "rowType": "str"}),
        )
        for path, table_name, render, extra in (
            ("workhours", "work_hours", self.entries.render_work_hour, {}),
            ("projectfees", "project_fees", self.entries.render_fee, {"productType": "str"}),
            ("projecttravelexpenses", "travel_expenses", self.entries.render_travel, {"expenseClass": "str"}),
        ):
            behind = severa_resource(
                state,
                f"{path} of an invoice row",
                table_name,
                render,
                rows=children(state, "invoice_rows", "invoiceRowGuid", table_name, "_invoiceRow"),
                select=self._select_behind_row,
            )
            register_crud(
                table,
                behind,
                collection=f"/v1/invoicerows/{{invoiceRowGuid}}/{path}",
                operations="L",
                **scoped("invoices", paging="cursor", query={**paging.CURSOR, **extra}),
            )

        async def get_settings(call: Call) -> Any:
            return json_response(200, public(self.settings_of_invoice(call)))

        table.add("GET", "/v1/invoices/{invoiceGuid}/invoicesettings", get_settings, scopes=READ)
        settings = severa_resource(
            state, "invoice settings", "invoice_settings", public, patch=self.patch_settings
        )
        register_crud(
            table,
            settings,
            item="/v1/invoicesettings/{guid}",
            operations="P",
            patch_as_array=False,  # the spec answers this PATCH with the object, not an array
            **scoped("invoices"),
        )
