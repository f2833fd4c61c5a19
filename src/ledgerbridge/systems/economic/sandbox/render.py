"""Stored records -> the documents e-conomic sends, with ``self`` links on the request's own base URL.

Shapes follow the recorded demo responses (``shared/specs/economic/recorded``) where they exist and
the GET schemas elsewhere. Booleans: e-conomic documents that ``false`` is omitted, but the recordings
show some falses present; the sandbox sends ``false`` exactly where the recordings do
(``customers.eInvoicingDisabledByDefault``, ``products.barred``, ``productGroup.inventoryEnabled``,
``accounts.blockDirectEntries``) and omits every other false.

Callers hold ``state.lock`` (the renderers look up referenced records, e.g. a product's group name).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.links import encode_id
from ledgerbridge.systems.economic.sandbox.resources import SPECS
from ledgerbridge.systems.economic.sandbox.state import EconomicState, Key, get_path

Record = dict[str, Any]


def link(base: str, route: str, key: Key | None = None, *rest: str) -> str:
    """``{base}/{route}/{encoded key}/{rest...}``."""
    parts = [base, route]
    if key is not None:
        parts.append(encode_id(key))
    parts.extend(rest)
    return "/".join(parts)


def _copy(out: Record, record: Record, *names: str) -> None:
    for name in names:
        if record.get(name) is not None:
            out[name] = record[name]


def _flag(out: Record, record: Record, name: str, *, always: bool = False) -> None:
    value = bool(record.get(name, False))
    if value or always:
        out[name] = value


def _ref(record: Record, name: str, key: str, base: str, route: str) -> Record | None:
    value = get_path(record, f"{name}.{key}")
    if value is None:
        return None
    return {key: value, "self": link(base, route, value)}


def _put_ref(out: Record, record: Record, name: str, key: str, base: str, route: str) -> None:
    ref = _ref(record, name, key, base, route)
    if ref is not None:
        out[name] = ref


class Renderer:
    """Renders records of one state for one base URL."""

    def __init__(self, state: EconomicState, base: str) -> None:
        self.state = state
        self.base = base.rstrip("/")

    def render(self, resource: str, record: Record, *, single: bool = False) -> Record:
        """One record as e-conomic sends it (``single`` adds the write links of a single GET)."""
        renderer: Callable[[Record], Record] = getattr(self, "_" + resource.replace("-", "_"))
        out = renderer(record)
        if single and SPECS[resource].writable:
            # Single resources carry their write links, as e-conomic's hypermedia does.
            name = SPECS[resource].singular
            out["metaData"] = {
                "delete": {"description": f"Delete {name}.", "href": out["self"], "httpMethod": "delete"},
                "replace": {"description": f"Replace {name}.", "href": out["self"], "httpMethod": "put"},
            }
            out["self"] = out.pop("self")  # keep self last, as e-conomic does
        return out

    def _lookup(self, resource: str, key: Any) -> Record | None:
        return self.state.tables[resource].get(key) if key is not None else None

    # -- resources -------------------------------------------------------------------------------
    def _customers(self, r: Record) -> Record:
        b, n = self.base, r["customerNumber"]
        out: Record = {"customerNumber": n}
        _copy(out, r, "currency")
        _put_ref(out, r, "paymentTerms", "paymentTermsNumber", b, "payment-terms")
        _put_ref(out, r, "customerGroup", "customerGroupNumber", b, "customer-groups")
        _copy(out, r, "address")
        out["balance"] = r.get("balance", Decimal("0.00"))
        out["dueAmount"] = r.get("dueAmount", Decimal("0.00"))
        _copy(
            out,
            r,
            "city",
            "country",
            "email",
            "name",
            "zip",
            "telephoneAndFaxNumber",
            "website",
            "corporateIdentificationNumber",
            "pNumber",
            "ean",
            "publicEntryNumber",
            "vatNumber",
            "creditLimit",
        )
        _flag(out, r, "barred")
        _put_ref(out, r, "vatZone", "vatZoneNumber", b, "vat-zones")
        _put_ref(out, r, "layout", "layoutNumber", b, "layouts")
        _put_ref(out, r, "salesPerson", "employeeNumber", b, "employees")
        _copy(out, r, "lastUpdated")
        out["contacts"] = link(b, "customers", n, "contacts")
        out["templates"] = {
            "invoice": link(b, "customers", n, "templates", "invoice"),
            "invoiceLine": link(b, "customers", n, "templates", "invoiceline"),
            "self": link(b, "customers", n, "templates"),
        }
        out["totals"] = {
            "drafts": link(b, "invoices", None, "totals", "drafts", "customers", str(n)),
            "booked": link(b, "invoices", None, "totals", "booked", "customers", str(n)),
            "self": link(b, "customers", n, "totals"),
        }
        out["deliveryLocations"] = link(b, "customers", n, "delivery-locations")
        out["invoices"] = {
            "drafts": link(b, "customers", n, "invoices", "drafts"),
            "booked": link(b, "customers", n, "invoices", "booked"),
            "self": link(b, "customers", n, "invoices"),
        }
        _copy(out, r, "mobilePhone")
        _flag(out, r, "eInvoicingDisabledByDefault", always=True)
        out["self"] = link(b, "customers", n)
        return out

    def _account_summary(self, number: int) -> Record:
        account = self._lookup("accounts", number)
        out: Record = {"accountNumber": number}
        if account is not None:
            out["accountType"] = account.get("accountType", "profitAndLoss")
            out["balance"] = account.get("balance", Decimal("0.00"))
            out["blockDirectEntries"] = bool(account.get("blockDirectEntries", False))
            out["debitCredit"] = account.get("debitCredit", "debit")
            out["name"] = account.get("name", "")
        out["accountingYears"] = link(self.base, "accounts", number, "accounting-years")
        out["self"] = link(self.base, "accounts", number)
        return out

    def _customer_groups(self, r: Record) -> Record:
        b, n = self.base, r["customerGroupNumber"]
        out: Record = {"customerGroupNumber": n}
        _copy(out, r, "name")
        account_number = get_path(r, "account.accountNumber")
        if account_number is not None:
            out["account"] = self._account_summary(account_number)
        out["customers"] = link(b, "customer-groups", n, "customers")
        layout_number = get_path(r, "layout.layoutNumber")
        if layout_number is not None:
            layout = self._lookup("layouts", layout_number) or {}
            out["layout"] = {
                "layoutNumber": layout_number,
                **({"name": layout["name"]} if "name" in layout else {}),
                "self": link(b, "layouts", layout_number),
            }
        out["self"] = link(b, "customer-groups", n)
        return out

    def _suppliers(self, r: Record) -> Record:
        b, n = self.base, r["supplierNumber"]
        out: Record = {"supplierNumber": n}
        _copy(
            out,
            r,
            "name",
            "currency",
            "address",
            "zip",
            "city",
            "country",
            "email",
            "phone",
            "corporateIdentificationNumber",
            "bankAccount",
            "defaultInvoiceText",
        )
        _flag(out, r, "barred")
        _put_ref(out, r, "supplierGroup", "supplierGroupNumber", b, "supplier-groups")
        _put_ref(out, r, "paymentTerms", "paymentTermsNumber", b, "payment-terms")
        _put_ref(out, r, "vatZone", "vatZoneNumber", b, "vat-zones")
        _put_ref(out, r, "layout", "layoutNumber", b, "layouts")
        _put_ref(out, r, "costAccount", "accountNumber", b, "accounts")
        _put_ref(out, r, "salesPerson", "employeeNumber", b, "employees")
        advice = r.get("remittanceAdvice")
        if isinstance(advice, dict) and advice:
            rendered: Record = {}
            _copy(rendered, advice, "creditorId")
            _put_ref(rendered, advice, "paymentType", "paymentTypeNumber", b, "payment-types")
            out["remittanceAdvice"] = rendered
        out["contacts"] = link(b, "suppliers", n, "contacts")
        out["self"] = link(b, "suppliers", n)
        return out

    def _supplier_groups(self, r: Record) -> Record:
        b, n = self.base, r["supplierGroupNumber"]
        out: Record = {"supplierGroupNumber": n}
        _copy(out, r, "name")
        _put_ref(out, r, "account", "accountNumber", b, "accounts")
        out["self"] = link(b, "supplier-groups", n)
        return out

    def _product_group_summary(self, number: int) -> Record:
        group = self._lookup("product-groups", number)
        out: Record = {"productGroupNumber": number}
        if group is not None:
            out["name"] = group.get("name", "")
            out["salesAccounts"] = link(self.base, "product-groups", number, "sales-accounts")
            out["products"] = link(self.base, "product-groups", number, "products")
            out["inventoryEnabled"] = bool(group.get("inventoryEnabled", False))
        out["self"] = link(self.base, "product-groups", number)
        return out

    def _unit_summary(self, number: int) -> Record:
        unit = self._lookup("units", number)
        out: Record = {"unitNumber": number}
        if unit is not None:
            out["name"] = unit.get("name", "")
            out["products"] = link(self.base, "units", number, "products")
        out["self"] = link(self.base, "units", number)
        return out

    def _products(self, r: Record) -> Record:
        b, n = self.base, r["productNumber"]
        out: Record = {"productNumber": n}
        _copy(out, r, "description", "name", "costPrice", "recommendedPrice", "salesPrice", "barCode")
        _flag(out, r, "barred", always=True)
        _copy(out, r, "lastUpdated")
        inventory = r.get("inventory")
        if isinstance(inventory, dict) and inventory:
            out["inventory"] = dict(inventory)
        group = get_path(r, "productGroup.productGroupNumber")
        if group is not None:
            out["productGroup"] = self._product_group_summary(group)
        unit = get_path(r, "unit.unitNumber")
        if unit is not None:
            out["unit"] = self._unit_summary(unit)
        out["invoices"] = {
            "drafts": link(b, "products", n, "invoices", "drafts"),
            "booked": link(b, "products", n, "invoices", "booked"),
            "self": link(b, "products", n, "invoices"),
        }
        out["pricing"] = {
            "currencySpecificSalesPrices": link(b, "products", n, "pricing", "currency-specific-sales-prices")
        }
        out["self"] = link(b, "products", n)
        return out

    def _product_groups(self, r: Record) -> Record:
        out = self._product_group_summary(r["productGroupNumber"])
        return out

    def _units(self, r: Record) -> Record:
        return self._unit_summary(r["unitNumber"])

    def _payment_terms(self, r: Record) -> Record:
        b, n = self.base, r["paymentTermsNumber"]
        out: Record = {"paymentTermsNumber": n}
        _copy(
            out,
            r,
            "daysOfCredit",
            "description",
            "name",
            "paymentTermsType",
            "percentageForPrepaidAmount",
            "percentageForRemainderAmount",
        )
        _put_ref(out, r, "contraAccountForPrepaidAmount", "accountNumber", b, "accounts")
        _put_ref(out, r, "contraAccountForRemainderAmount", "accountNumber", b, "accounts")
        _put_ref(out, r, "creditCardCompany", "customerNumber", b, "customers")
        out["self"] = link(b, "payment-terms", n)
        return out

    def _layouts(self, r: Record) -> Record:
        out: Record = {"layoutNumber": r["layoutNumber"]}
        _copy(out, r, "name")
        _flag(out, r, "deleted")
        out["self"] = link(self.base, "layouts", r["layoutNumber"])
        return out

    def _employees(self, r: Record) -> Record:
        b, n = self.base, r["employeeNumber"]
        out: Record = {"employeeNumber": n}
        _put_ref(out, r, "employeeGroup", "employeeGroupNumber", b, "employee-groups")
        _copy(out, r, "name", "email", "phone")
        _flag(out, r, "barred")
        out["customers"] = link(b, "employees", n, "customers")
        out["draftInvoices"] = link(b, "employees", n, "invoices", "drafts")
        out["bookedInvoices"] = link(b, "employees", n, "invoices", "booked")
        out["self"] = link(b, "employees", n)
        return out

    def _vat_zones(self, r: Record) -> Record:
        out: Record = {"vatZoneNumber": r["vatZoneNumber"]}
        _copy(out, r, "name")
        _flag(out, r, "enabledForCustomer")
        _flag(out, r, "enabledForSupplier")
        out["self"] = link(self.base, "vat-zones", r["vatZoneNumber"])
        return out

    def _accounts(self, r: Record) -> Record:
        b, n = self.base, r["accountNumber"]
        out: Record = {
            "accountNumber": n,
            "accountType": r.get("accountType", "profitAndLoss"),
            "balance": r.get("balance", Decimal("0.00")),
        }
        _copy(out, r, "draftBalance")
        _flag(out, r, "barred")
        _flag(out, r, "blockDirectEntries", always=True)
        out["debitCredit"] = r.get("debitCredit", "debit")
        _copy(out, r, "name")
        vat_code = get_path(r, "vatAccount.vatCode")
        if vat_code:
            out["vatAccount"] = {"vatCode": vat_code, "self": link(b, "vat-accounts", vat_code)}
        _put_ref(out, r, "contraAccount", "accountNumber", b, "accounts")
        summed = r.get("accountsSummed")
        if summed:
            out["accountsSummed"] = [
                {
                    "fromAccount": {
                        "accountNumber": s["fromAccount"]["accountNumber"],
                        "self": link(b, "accounts", s["fromAccount"]["accountNumber"]),
                    },
                    "toAccount": {
                        "accountNumber": s["toAccount"]["accountNumber"],
                        "self": link(b, "accounts", s["toAccount"]["accountNumber"]),
                    },
                }
                for s in summed
            ]
        _put_ref(out, r, "totalFromAccount", "accountNumber", b, "accounts")
        out["accountingYears"] = link(b, "accounts", n, "accounting-years")
        out["self"] = link(b, "accounts", n)
        return out

    def _currencies(self, r: Record) -> Record:
        out: Record = {}
        _copy(out, r, "code", "name", "isoNumber")
        out["self"] = link(self.base, "currencies", r["code"])
        return out

    # -- /self and the OpenAPI supplier groups ---------------------------------------------------
    def agreement(self) -> Record:
        """``GET /self``."""
        a = self.state.agreement
        b = self.base
        out: Record = {}
        _copy(out, a, "agreementNumber", "agreementType", "userName", "signupDate")
        if "user" in a:
            user = dict(a["user"])
            language = user.get("language")
            if isinstance(language, dict) and "languageNumber" in language:
                user["language"] = {**language, "self": link(b, "languages", language["languageNumber"])}
            out["user"] = user
        out["company"] = dict(a.get("company", {}))
        out["bankInformation"] = dict(a.get("bankInformation", {}))
        if "application" in a:
            app = dict(a["application"])
            app["requiredRoles"] = [
                {**role, "self": link(b, "app-roles", role["roleNumber"])}
                for role in app.get("requiredRoles", [])
            ]
            app["self"] = link(b, "apps", app.get("appNumber"))
            out["application"] = app
        out["settings"] = dict(a.get("settings", {}))
        _copy(out, a, "companyAffiliation")
        _flag(out, a, "canSendElectronicInvoice")
        if a.get("modules"):
            out["modules"] = [{**m, "self": link(b, "modules", m["moduleNumber"])} for m in a["modules"]]
        out["self"] = link(b, "self")
        return out

    def oas_supplier_group(self, r: Record) -> Record:
        """A supplier group as the Suppliers OpenAPI service sends it (``Group`` schema)."""
        version = self.state.version_of("supplier-groups", r["supplierGroupNumber"])
        out: Record = {"number": r["supplierGroupNumber"], "name": r.get("name", "")}
        account = get_path(r, "account.accountNumber")
        if account is not None:
            out["accountNumber"] = account
        # objectVersion is opaque; e-conomic's look like base64 row versions.
        out["objectVersion"] = base64.b64encode(version.to_bytes(8, "big")).decode()
        return out
