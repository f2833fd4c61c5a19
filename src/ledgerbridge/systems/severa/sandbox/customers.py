"""Customers, their addresses, contact persons and contact communications (scopes ``customers:*``)."""

from __future__ import annotations

from typing import Any

from ledgerbridge.sandbox.crud import register_crud, where_contains, where_equal
from ledgerbridge.sandbox.routes import Call, RouteTable
from ledgerbridge.systems.severa.sandbox import paging
from ledgerbridge.systems.severa.sandbox.common import (
    apply_patch,
    children,
    currency_ref,
    insert,
    parent,
    public,
    scoped,
    set_bool,
    set_decimal,
    set_int,
    set_reference,
    set_text,
    severa_resource,
    unique_number,
)
from ledgerbridge.systems.severa.sandbox.state import SeveraState
from ledgerbridge.systems.severa.sandbox.wire import (
    body_object,
    fail,
    flag,
    integer,
    invalid_body,
    number,
    reference,
    text,
)

Record = dict[str, Any]
OFFSET = {"firstRow": "int", "rowCount": "int", "calculateRowCount": "bool"}
# What a contact person has in Severa that the sandbox never sets (always null).
UNSET_CONTACT_FIELDS = {
    "dateOfBirth": None,
    "language": None,
    "role": None,
    "salutation": None,
    "satisfactionLevel": None,
    "timeZone": None,
}
COMMUNICATION_METHODS = ("Phone", "Fax", "MobilePhone", "IPPhone", "InstantMessenger", "EmailAddress")


class Customers:
    """Rules and renderers of ``CustomerModel``, ``AddressModel``, ``ContactModel`` and communications."""

    def __init__(self, state: SeveraState) -> None:
        self.state = state
        self._check_number = unique_number(state, "customers", "Customer")

    # -- shared renderers ------------------------------------------------------------------------
    def customer_ref(self, guid: str | None, *, with_number: bool = True) -> Record | None:
        customer = self.state.table("customers").get(guid) if guid else None
        if customer is None:
            return None
        ref = {"guid": customer["guid"], "name": customer["name"]}
        if with_number:
            ref["number"] = customer["number"]
        return ref

    def country_ref(self, guid: str | None) -> Record | None:
        country = self.state.table("countries").get(guid) if guid else None
        if country is None:
            return None
        return {
            "guid": country["guid"],
            "name": country["name"],
            "englishName": country["englishName"],
            "hasRegions": country["hasRegions"],
        }

    # -- customers -------------------------------------------------------------------------------
    def render_customer(self, record: Record) -> Record:
        out = public(record)
        for key in ("_headquarterAddress", "_currency", "_invoicingVat", "_owner"):
            out.pop(key, None)
        address = self.state.table("addresses").get(record.get("_headquarterAddress") or "")
        country = self.state.table("countries").get(address.get("_country") or "") if address else None
        out["headquarterAddress"] = (
            {
                "guid": address["guid"],
                "addressline": address["addressline"],
                "postalCode": address["postalCode"],
                "city": address["city"],
                "country": country["name"] if country else None,
            }
            if address
            else None
        )
        currency = self.state.table("currencies").get(record.get("_currency") or "")
        out["currency"] = currency_ref(currency)
        vat = self.state.table("vat_rates").get(record.get("_invoicingVat") or "")
        out["invoicingVat"] = (
            {"guid": vat["guid"], "percentage": vat["percentage"], "code": vat["code"]} if vat else None
        )
        owner = self.state.table("users").get(record.get("_owner") or "")
        out["owner"] = (
            {
                "guid": owner["guid"],
                "firstName": owner["firstName"],
                "lastName": owner["lastName"],
                "name": f"{owner['firstName']} {owner['lastName']}",
                "code": owner.get("code"),
            }
            if owner
            else None
        )
        return out

    def create_customer(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        name = text(body, "name", required=True)
        number_value = integer(body, "number")
        settings = self.state.organization.settings
        with self.state.lock:
            self._check_number({}, number_value)
            if number_value is None:  # Severa numbers customers itself when none is given (see the docs)
                number_value = int(settings.get("lastCustomerNumber", 0)) + 1
                while any(c["number"] == number_value for c in self.state.table("customers").values()):
                    number_value += 1
            settings["lastCustomerNumber"] = max(int(settings.get("lastCustomerNumber", 0)), number_value)
            record = {
                "name": name,
                "number": number_value,
                "isActive": flag(body, "isActive", True),
                "isInternal": False,
                "email": text(body, "email"),
                "website": text(body, "website"),
                "vatNumber": text(body, "vatNumber"),
                "kvkNumber": text(body, "kvkNumber", max_length=25),
                "notes": text(body, "notes"),
                "paymentTerm": integer(body, "paymentTerm"),
                "overdueInterest": number(body, "overdueInterest"),
                "eInvoiceAddress": text(body, "eInvoiceAddress"),
                "eInvoiceOperator": text(body, "eInvoiceOperator"),
                "numberOfEmployees": integer(body, "numberOfEmployees"),
                "annualRevenue": integer(body, "annualRevenue"),
                "language": None,
                "industry": None,
                "invoiceTemplate": None,
                "pricelist": None,
                "timezone": None,
                "_headquarterAddress": reference(body, "headquarterAddress", self.state.table("addresses")),
                "_currency": reference(body, "currency", self.state.table("currencies")),
                "_invoicingVat": reference(body, "invoicingVat", self.state.table("vat_rates")),
                "_owner": reference(body, "owner", self.state.table("users")),
            }
            return insert(self.state, "customers", record)

    def patch_customer(self, call: Call, record: Record, body: Any) -> None:
        tables = self.state.tables
        setters = {
            "/name": set_text("name", required=True),
            "/number": set_int("number", check=self._check_number),
            "/isActive": set_bool("isActive"),
            "/email": set_text("email"),
            "/website": set_text("website"),
            "/vatNumber": set_text("vatNumber"),
            "/kvkNumber": set_text("kvkNumber", max_length=25),
            "/notes": set_text("notes"),
            "/paymentTerm": set_int("paymentTerm"),
            "/overdueInterest": set_decimal("overdueInterest"),
            "/eInvoiceAddress": set_text("eInvoiceAddress"),
            "/eInvoiceOperator": set_text("eInvoiceOperator"),
            "/numberOfEmployees": set_int("numberOfEmployees"),
            "/annualRevenue": set_int("annualRevenue"),
            "/headquarterAddress/guid": set_reference("headquarterAddress", tables["addresses"]),
            "/currency/guid": set_reference("currency", tables["currencies"]),
            "/invoicingVat/guid": set_reference("invoicingVat", tables["vat_rates"]),
            "/owner/guid": set_reference("owner", tables["users"]),
        }
        apply_patch(self.state, record, body, setters)

    def before_customer_delete(self, call: Call, record: Record) -> None:
        guid = record["guid"]
        used = any(p.get("_customer") == guid for p in self.state.table("projects").values()) or any(
            i.get("_customer") == guid for i in self.state.table("invoices").values()
        )
        if used:
            raise fail("InvalidOperation", "The customer has projects or invoices and cannot be deleted.")

    def delete_customer(self, call: Call, record: Record) -> None:
        with self.state.lock:
            guid = record["guid"]
            self.state.table("customers").pop(guid, None)
            for table in ("addresses", "contacts"):
                for key in [k for k, r in self.state.table(table).items() if r.get("_customer") == guid]:
                    self.state.table(table).pop(key)

    def select_customers(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q["isActive"])
        records = where_equal(records, "isInternal", q["isInternal"])
        if q["numbers"]:
            records = [r for r in records if r["number"] in q["numbers"]]
        if q["customerNames"]:
            names = {n.lower() for n in q["customerNames"]}
            records = [r for r in records if r["name"].lower() in names]
        if q["emailAddresses"]:
            emails = {e.lower() for e in q["emailAddresses"]}
            records = [r for r in records if (r.get("email") or "").lower() in emails]
        if q["customerOwnerGuids"]:
            owners = {g.lower() for g in q["customerOwnerGuids"]}
            records = [r for r in records if r.get("_owner") in owners]
        return records

    # -- addresses -------------------------------------------------------------------------------
    def render_address(self, record: Record) -> Record:
        out = public(record)
        out["country"] = self.country_ref(record.get("_country"))
        out["customer"] = self.customer_ref(record.get("_customer"))
        out["countryRegion"] = None
        out["contacts"] = [
            {"guid": c["guid"], "name": f"{c['firstName']} {c['lastName']}"}
            for c in self.state.table("contacts").values()
            if c.get("addressGuid") == record["guid"]
        ]
        return out

    def address_fields(self, body: Record) -> Record:
        return {
            "addressline": text(body, "addressline"),
            "postalCode": text(body, "postalCode"),
            "city": text(body, "city"),
            "phone": text(body, "phone"),
            "fax": text(body, "fax"),
            "isBillingAddress": flag(body, "isBillingAddress", False),
            "isPostalAddress": flag(body, "isPostalAddress", False),
            "isVisitAddress": flag(body, "isVisitAddress", False),
            "_country": reference(body, "country", self.state.table("countries")),
        }

    def create_address(self, call: Call, body: Any) -> Record:
        customer = parent(self.state, "customers", call, "customerGuid")
        with self.state.lock:
            record = insert(
                self.state,
                "addresses",
                {**self.address_fields(body_object(body)), "_customer": customer["guid"]},
            )
            if not customer.get("_headquarterAddress"):  # a customer's first address becomes its main one
                customer["_headquarterAddress"] = record["guid"]
            return record

    def patch_address(self, call: Call, record: Record, body: Any) -> None:
        setters = {
            "/addressline": set_text("addressline"),
            "/postalCode": set_text("postalCode"),
            "/city": set_text("city"),
            "/phone": set_text("phone"),
            "/fax": set_text("fax"),
            "/isBillingAddress": set_bool("isBillingAddress"),
            "/isPostalAddress": set_bool("isPostalAddress"),
            "/isVisitAddress": set_bool("isVisitAddress"),
            "/country/guid": set_reference("country", self.state.table("countries")),
        }
        apply_patch(self.state, record, body, setters)

    def delete_address(self, call: Call, record: Record) -> None:
        with self.state.lock:
            self.state.table("addresses").pop(record["guid"], None)
            for customer in self.state.table("customers").values():
                if customer.get("_headquarterAddress") == record["guid"]:
                    customer["_headquarterAddress"] = None
            for contact in self.state.table("contacts").values():
                if contact.get("addressGuid") == record["guid"]:
                    contact["addressGuid"] = None

    # -- contact persons -------------------------------------------------------------------------
    def _communications_of(self, contact_guid: str) -> list[Record]:
        return [c for c in self.state.table("communications").values() if c["_contact"] == contact_guid]

    def _type_of(self, communication: Record) -> str | None:
        kind = self.state.table("communication_types").get(communication["_communicationType"])
        return kind["type"] if kind else None

    def render_contact(self, record: Record) -> Record:
        out = public(record)
        out.pop("_customer", None)
        out["name"] = f"{record['firstName']} {record['lastName']}"
        out["customer"] = self.customer_ref(record["_customer"])
        communications = self._communications_of(record["guid"])
        out["emails"] = [c["value"] for c in communications if self._type_of(c) == "EmailAddress"]
        out["phoneNumbers"] = [
            c["value"] for c in communications if self._type_of(c) in ("Phone", "MobilePhone", "IPPhone")
        ]
        return out

    def _check_address(self, record: Record, address_guid: Any) -> str | None:
        if address_guid is None:
            return None
        address = self.state.table("addresses").get(str(address_guid).lower())
        if address is None or address["_customer"] != record["_customer"]:
            raise invalid_body("addressGuid", f"No address '{address_guid}' of this customer.")
        return str(address["guid"])

    def create_contact(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        record: Record = {
            "firstName": text(body, "firstName", required=True),
            "lastName": text(body, "lastName", required=True),
            "_customer": reference(body, "customer", self.state.table("customers"), required=True),
        }
        record.update(
            {
                "addressGuid": self._check_address(record, body.get("addressGuid")),
                "isActive": flag(body, "isActive", True),
                "isDeleted": False,
                "isEmailAllowed": flag(body, "isEmailAllowed", True),
                "jobTitle": text(body, "jobTitle"),
                "description": text(body, "description"),
                **UNSET_CONTACT_FIELDS,
            }
        )
        return insert(self.state, "contacts", record)

    def patch_contact(self, call: Call, record: Record, body: Any) -> None:
        def set_address(draft: Record, value: Any) -> None:
            draft["addressGuid"] = self._check_address(draft, value)

        setters = {
            "/firstName": set_text("firstName", required=True),
            "/lastName": set_text("lastName", required=True),
            "/addressGuid": set_address,
            "/isActive": set_bool("isActive"),
            "/isEmailAllowed": set_bool("isEmailAllowed"),
            "/jobTitle": set_text("jobTitle"),
            "/description": set_text("description"),
        }
        apply_patch(self.state, record, body, setters)

    def delete_contact(self, call: Call, record: Record) -> None:
        with self.state.lock:
            self.state.table("contacts").pop(record["guid"], None)
            for communication in self._communications_of(record["guid"]):
                self.state.table("communications").pop(communication["guid"], None)

    def select_contacts(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q.get("active"))
        if q.get("textToSearch"):
            needle = q["textToSearch"].lower()
            records = [r for r in records if needle in f"{r['firstName']} {r['lastName']}".lower()]
        return records

    # -- contact communications ------------------------------------------------------------------
    def render_communication(self, record: Record) -> Record:
        out = public(record)
        kind = self.state.table("communication_types")[record["_communicationType"]]
        contact = self.state.table("contacts").get(record["_contact"])
        out["communicationType"] = {
            "guid": kind["guid"],
            "name": kind["name"],
            "type": kind["type"],
            "isActive": kind["isActive"],
        }
        out["contact"] = {
            "guid": record["_contact"],
            "name": f"{contact['firstName']} {contact['lastName']}" if contact else None,
        }
        return out

    def create_communication(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        record = {
            "value": text(body, "value", required=True),
            "isForbiddenToUse": flag(body, "isForbiddenToUse", False),
            "_contact": reference(body, "contact", self.state.table("contacts"), required=True),
            "_communicationType": reference(
                body, "communicationType", self.state.table("communication_types"), required=True
            ),
        }
        return insert(self.state, "communications", record)

    def patch_communication(self, call: Call, record: Record, body: Any) -> None:
        def set_type(draft: Record, value: Any) -> None:
            set_reference("communicationType", self.state.table("communication_types"), nullable=False)(
                draft, value
            )

        setters = {
            "/value": set_text("value", required=True),
            "/isForbiddenToUse": set_bool("isForbiddenToUse"),
            "/communicationType/guid": set_type,
        }
        apply_patch(self.state, record, body, setters)

    def select_communications(self, call: Call, records: list[Record]) -> list[Record]:
        # "active" is read as "not forbidden to use" (the spec does not say; see the docs).
        q = paging.query(call)
        if q.get("active") is not None:
            records = [r for r in records if r["isForbiddenToUse"] != q["active"]]
        records = where_contains(records, "value", q.get("textToSearch"))
        return records

    # -- communication types ---------------------------------------------------------------------
    def create_communication_type(self, call: Call, body: Any) -> Record:
        body = body_object(body)
        kind = body.get("type", "Phone")
        if kind not in COMMUNICATION_METHODS:
            raise invalid_body("type", f"type must be one of {', '.join(COMMUNICATION_METHODS)}.")
        record = {
            "name": text(body, "name", required=True),
            "type": kind,
            "isActive": flag(body, "isActive", True),
        }
        return insert(self.state, "communication_types", record)

    def patch_communication_type(self, call: Call, record: Record, body: Any) -> None:
        setters = {"/name": set_text("name", required=True), "/isActive": set_bool("isActive")}
        apply_patch(self.state, record, body, setters)

    def before_communication_type_delete(self, call: Call, record: Record) -> None:
        if any(
            c["_communicationType"] == record["guid"] for c in self.state.table("communications").values()
        ):
            raise fail("InvalidOperation", "The communication type is in use.")

    def select_communication_types(self, call: Call, records: list[Record]) -> list[Record]:
        q = paging.query(call)
        records = where_equal(records, "isActive", q.get("active"))
        records = where_contains(records, "name", q.get("textToSearch"))
        return records

    # -- registration ----------------------------------------------------------------------------
    def register(self, table: RouteTable) -> None:
        state = self.state
        customers = severa_resource(
            state,
            "customers",
            "customers",
            self.render_customer,
            select=self.select_customers,
            create=self.create_customer,
            patch=self.patch_customer,
            before_delete=self.before_customer_delete,
            delete=self.delete_customer,
        )
        register_crud(
            table,
            customers,
            collection="/v1/customers",
            item="/v1/customers/{guid}",
            patch_as_array=True,
            **scoped(
                "customers",
                paging="cursor",
                query={
                    **paging.CURSOR,
                    "isActive": "bool",
                    "customerOwnerGuids": "str[]",
                    "isInternal": "bool",
                    "numbers": "int[]",
                    "changedSince": "datetime",
                    "emailAddresses": "str[]",
                    "customerNames": "str[]",
                },
            ),
        )
        addresses = severa_resource(
            state,
            "addresses",
            "addresses",
            self.render_address,
            patch=self.patch_address,
            delete=self.delete_address,
        )
        register_crud(
            table,
            addresses,
            collection="/v1/addresses",
            item="/v1/addresses/{guid}",
            operations="LGPD",
            patch_as_array=True,
            **scoped("customers", paging="offset", query={**OFFSET, "changedSince": "datetime"}),
        )
        per_customer = severa_resource(
            state,
            "customer addresses",
            "addresses",
            self.render_address,
            rows=children(state, "customers", "customerGuid", "addresses", "_customer"),
            create=self.create_address,
        )
        register_crud(
            table,
            per_customer,
            collection="/v1/customers/{customerGuid}/addresses",
            operations="LC",
            **scoped("customers", paging="offset", query=OFFSET),
        )

        contacts = severa_resource(
            state,
            "contact persons",
            "contacts",
            self.render_contact,
            select=self.select_contacts,
            create=self.create_contact,
            patch=self.patch_contact,
            delete=self.delete_contact,
        )
        contact_query = {
            "active": "bool",
            **paging.OFFSET_SEARCH,
            "sortings": "sortings",
            "changedSince": "datetime",
        }
        register_crud(
            table,
            contacts,
            collection="/v1/contactpersons",
            item="/v1/contactpersons/{guid}",
            patch_as_array=True,
            **scoped("customers", paging="offset", query=contact_query),
        )
        per_customer_contacts = severa_resource(
            state,
            "customer contact persons",
            "contacts",
            self.render_contact,
            rows=children(state, "customers", "customerGuid", "contacts", "_customer"),
            select=self.select_contacts,
        )
        register_crud(
            table,
            per_customer_contacts,
            collection="/v1/customers/{customerGuid}/contactpersons",
            operations="L",
            **scoped(
                "customers",
                paging="offset",
                query={"active": "bool", **paging.OFFSET_SEARCH},
            ),
        )
        communications = severa_resource(
            state,
            "contact communications",
            "communications",
            self.render_communication,
            select=self.select_communications,
            create=self.create_communication,
            patch=self.patch_communication,
        )
        register_crud(
            table,
            communications,
            collection="/v1/contactcommunications",
            item="/v1/contactcommunications/{guid}",
            patch_as_array=False,  # the spec answers this PATCH with the object, not an array
            **scoped(
                "customers",
                paging="offset",
                query={"active": "bool", **paging.OFFSET_SEARCH, "changedSince": "datetime"},
            ),
        )
        per_contact = severa_resource(
            state,
            "communications of a contact",
            "communications",
            self.render_communication,
            rows=children(state, "contacts", "contactGuid", "communications", "_contact"),
            select=self.select_communications,
        )
        register_crud(
            table,
            per_contact,
            collection="/v1/contacts/{contactGuid}/contactcommunications",
            operations="L",
            **scoped("customers", query={"active": "bool"}),
        )
        communication_types = severa_resource(
            state,
            "communication types",
            "communication_types",
            public,
            select=self.select_communication_types,
            create=self.create_communication_type,
            patch=self.patch_communication_type,
            before_delete=self.before_communication_type_delete,
        )
        register_crud(
            table,
            communication_types,
            collection="/v1/communicationtypes",
            item="/v1/communicationtypes/{guid}",
            patch_as_array=True,
            **scoped(
                "settings",
                paging="offset",
                query={"active": "bool", **paging.SORTABLE_OFFSET},
            ),
        )
