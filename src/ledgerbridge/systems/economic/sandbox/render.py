"""Stored records -> the documents e-conomic sends, with ``self`` links on the request's own base URL.

Shapes follow the recorded demo responses (``shared/specs/economic/recorded``) where they exist and
the GET schemas elsewhere. Booleans: e-conomic documents that ``false`` is omitted, but the recordings
show some falses present; the sandbox sends ``false`` exactly where the recordings do
(``customers.eInvoicingDisabledByDefault``, ``products.barred``, ``productGroup.inventoryEnabled``,
``accounts.blockDirectEntries``) and omits every other false.

Callers hold ``state.lock`` (the renderers look up referenced records, e.g. a product's group name).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic.links import encode_id
from ledgerbridge.systems.economic.sandbox.documents import ENTRY_KINDS
from ledgerbridge.systems.economic.sandbox.resources import SALES_FAMILIES, SPECS
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


def _with_payment_type_link(details: Record, base: str) -> Record:
    out = dict(details)
    kind = details.get("paymentType")
    if isinstance(kind, dict) and kind.get("paymentTypeNumber") is not None:
        out["paymentType"] = {**kind, "self": link(base, "payment-types", kind["paymentTypeNumber"])}
    return out


class Renderer:
    """Renders records of one state for one base URL."""

    def __init__(self, state: EconomicState, base: str) -> None:
        self.state = state
        self.base = base.rstrip("/")
        # One renderer per table, named explicitly (invoices and orders go through ``invoice``).
        self._renderers: dict[str, Callable[[Record], Record]] = {
            "customers": self._customers,
            "customer-groups": self._customer_groups,
            "suppliers": self._suppliers,
            "supplier-groups": self._supplier_groups,
            "products": self._products,
            "product-groups": self._product_groups,
            "units": self._units,
            "payment-terms": self._payment_terms,
            "layouts": self._layouts,
            "employees": self._employees,
            "vat-zones": self._vat_zones,
            "accounts": self._accounts,
            "currencies": self._currencies,
            "customer-contacts": self._customer_contacts,
            "delivery-locations": self._delivery_locations,
            "invoices-sent": self._invoices_sent,
            "accounting-years": self._accounting_years,
            "journals": self._journals,
            "journal-entries": self._journal_entries,
        }

    def render(self, resource: str, record: Record, *, single: bool = False) -> Record:
        """One record as e-conomic sends it (``single`` adds the write links of a single GET, and the
        lines of an invoice, which collections leave out)."""
        if resource in ("invoices-drafts", "invoices-booked"):
            out = self.invoice(record, booked=resource == "invoices-booked", single=single)
        elif resource.startswith(("orders-", "quotes-")):
            family, kind = resource.split("-", 1)
            out = self.invoice(record, booked=False, single=single, order=kind, family=family)
        else:
            out = self._renderers[resource](record)
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
        for name in ("attention", "customerContact"):
            contact = get_path(r, f"{name}.customerContactNumber")
            if contact is not None:
                out[name] = {
                    "customerContactNumber": contact,
                    "self": link(b, "customers", n, "contacts", str(contact)),
                }
        location = get_path(r, "defaultDeliveryLocation.deliveryLocationNumber")
        if location is not None:
            out["defaultDeliveryLocation"] = {
                "deliveryLocationNumber": location,
                "self": link(b, "customers", n, "delivery-locations", str(location)),
            }
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
        _copy(out, r, "minimumStock")  # not in the schemas; real products carry it (research 11.4)
        inventory = r.get("inventory")
        if isinstance(inventory, dict) and inventory:
            out["inventory"] = dict(inventory)
        group = get_path(r, "productGroup.productGroupNumber")
        if group is not None:
            out["productGroup"] = self._product_group_summary(group)
        unit = get_path(r, "unit.unitNumber")
        if unit is not None:
            out["unit"] = self._unit_summary(unit)
        _put_ref(
            out,
            r,
            "departmentalDistribution",
            "departmentalDistributionNumber",
            b,
            "departmental-distributions",
        )
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
        # No ``employeeGroup``: employee groups are not served, and the schema requires its ``self``.
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

    # -- customer contacts and delivery locations ------------------------------------------------
    def _customer_contacts(self, r: Record) -> Record:
        b, n = self.base, r["customerContactNumber"]
        customer = get_path(r, "customer.customerNumber")
        out: Record = {"customerContactNumber": n}
        _copy(out, r, "email", "name", "phone", "eInvoiceId", "notes", "emailNotifications")
        out["customer"] = {"customerNumber": customer, "self": link(b, "customers", customer)}
        _copy(out, r, "sortKey")
        out["self"] = link(b, "customers", customer, "contacts", str(n))
        return out

    def _delivery_locations(self, r: Record) -> Record:
        b, n = self.base, r["deliveryLocationNumber"]
        customer = get_path(r, "customer.customerNumber")
        out: Record = {"deliveryLocationNumber": n}
        _copy(out, r, "address", "postalCode", "city", "country", "termsOfDelivery", "sortKey")
        _flag(out, r, "barred")
        out["customer"] = {"customerNumber": customer, "self": link(b, "customers", customer)}
        out["self"] = link(b, "customers", customer, "delivery-locations", str(n))
        return out

    # -- invoices --------------------------------------------------------------------------------
    def _contact_ref(self, contact: Any) -> Record:
        record = self._lookup("customer-contacts", contact) or {}
        customer = get_path(record, "customer.customerNumber")
        out: Record = {"customerContactNumber": contact}
        if customer is not None:
            out["customer"] = {"customerNumber": customer, "self": link(self.base, "customers", customer)}
            out["self"] = link(self.base, "customers", customer, "contacts", str(contact))
        else:
            out["self"] = link(self.base, "customer-contacts", contact)
        return out

    def _vat_zone_ref(self, number: Any) -> Record:
        zone = self._lookup("vat-zones", number) or {}
        out: Record = {}
        _copy(out, zone, "name")
        out["vatZoneNumber"] = number
        out["enabledForCustomer"] = bool(zone.get("enabledForCustomer", False))
        out["enabledForSupplier"] = bool(zone.get("enabledForSupplier", False))
        out["self"] = link(self.base, "vat-zones", number)
        return out

    def invoice(
        self, r: Record, *, booked: bool, single: bool, order: str | None = None, family: str = "orders"
    ) -> Record:
        """A draft or booked invoice (``invoices.drafts.*`` / ``invoices.booked.*`` schemas), or with
        ``order`` (``"drafts"``, ``"sent"``, ``"archived"``) an order or, ``family="quotes"``, a quote
        (``orders.*`` / ``quotes.*`` schemas): the draft invoice's document with ``orderNumber``
        (``quoteNumber``), ``soap.orderHandle`` (``quoteHandle``) and the upgrade template link; archived
        ones have no ``lastUpdated`` and no templates."""
        b = self.base
        route = "invoices/booked" if booked else "invoices/drafts"
        key_name = "bookedInvoiceNumber" if booked else "draftInvoiceNumber"
        if order is not None:
            route, key_name = f"{family}/{order}", SALES_FAMILIES[family].key
        number = r[key_name]
        self_link = f"{b}/{route}/{number}"
        out: Record = {key_name: number}
        _copy(out, r, "date", "currency", "exchangeRate", "netAmount", "netAmountInBaseCurrency")
        _copy(out, r, "grossAmount", "grossAmountInBaseCurrency")
        if not booked:
            _copy(out, r, "marginInBaseCurrency", "marginPercentage")
        _copy(out, r, "vatAmount", "roundingAmount")
        if booked:
            _copy(out, r, "remainder", "remainderInBaseCurrency")
        else:
            _copy(out, r, "costPriceInBaseCurrency")
        _copy(out, r, "dueDate")
        terms = r.get("paymentTerms") or {}
        if terms:
            out["paymentTerms"] = {
                **{
                    k: terms[k]
                    for k in ("paymentTermsNumber", "daysOfCredit", "name", "paymentTermsType")
                    if k in terms
                },
                "self": link(b, "payment-terms", terms["paymentTermsNumber"]),
            }
            # Real documents also carry the terms' description (not in the schemas; issue 13).
            described = self._lookup("payment-terms", terms.get("paymentTermsNumber")) or {}
            if described.get("description"):
                out["paymentTerms"]["description"] = described["description"]
        _put_ref(out, r, "customer", "customerNumber", b, "customers")
        recipient = dict(r.get("recipient") or {})
        if recipient:
            rendered: Record = {}
            _copy(
                rendered, recipient, "name", "address", "zip", "city", "country", "ean", "publicEntryNumber"
            )
            attention = get_path(recipient, "attention.customerContactNumber")
            if attention is not None:
                contact = self._contact_ref(attention)
                rendered["attention"] = {"customerContactNumber": attention, "self": contact["self"]}
            zone = get_path(recipient, "vatZone.vatZoneNumber")
            if zone is not None:
                rendered["vatZone"] = self._vat_zone_ref(zone)
            _copy(rendered, recipient, "cvr", "mobilePhone")
            if not booked:
                _copy(rendered, recipient, "nemHandelType")
            out["recipient"] = rendered
        location = get_path(r, "deliveryLocation.deliveryLocationNumber")
        if location is not None:
            owner = get_path(self._lookup("delivery-locations", location) or {}, "customer.customerNumber")
            out["deliveryLocation"] = {
                "deliveryLocationNumber": location,
                "self": link(b, "customers", owner, "delivery-locations", str(location))
                if owner is not None
                else link(b, "delivery-locations", location),
            }
        for name, names in (
            ("delivery", ("address", "zip", "city", "country", "deliveryTerms", "deliveryDate")),
            ("notes", ("heading", "textLine1", "textLine2")),
        ):
            part = r.get(name) or {}
            if part:
                section: Record = {}
                _copy(section, part, *names)
                out[name] = section
        references = r.get("references") or {}
        if references:
            refs: Record = {}
            contact = get_path(references, "customerContact.customerContactNumber")
            if contact is not None:
                refs["customerContact"] = self._contact_ref(contact)
            _put_ref(refs, references, "salesPerson", "employeeNumber", b, "employees")
            _put_ref(refs, references, "vendorReference", "employeeNumber", b, "employees")
            _copy(refs, references, "other")
            out["references"] = refs
        if booked:
            out["pdf"] = {"download": f"{self_link}/pdf"}
            _put_ref(out, r, "layout", "layoutNumber", b, "layouts")
            _put_ref(out, r, "project", "projectNumber", b, "projects")
        else:
            _put_ref(out, r, "layout", "layoutNumber", b, "layouts")
            _put_ref(out, r, "project", "projectNumber", b, "projects")
            if order != "archived":
                _copy(out, r, "lastUpdated")
            out["pdf"] = {"download": f"{self_link}/pdf"}
            if order is None:
                out["soap"] = {"currentInvoiceHandle": {"id": number}}
                out["templates"] = {
                    "bookingInstructions": f"{self_link}/templates/booking-instructions",
                    "self": f"{self_link}/templates",
                }
            else:
                out["soap"] = {SALES_FAMILIES[family].handle: {"id": number}}
                if order != "archived":
                    out["templates"] = {
                        "upgradeInstructions": f"{self_link}/templates/upgrade-instructions/draftInvoice",
                        "self": f"{self_link}/templates",
                    }
        if single:
            out["lines"] = [self._invoice_line(line, booked=booked) for line in r.get("lines", [])]
        if booked and r.get("sentInvoiceId") is not None:
            out["sent"] = link(b, "invoices/sent", r["sentInvoiceId"])
        out["self"] = self_link
        return out

    def _invoice_line(self, line: Record, *, booked: bool) -> Record:
        b = self.base
        out: Record = {}
        _copy(out, line, "lineNumber", "sortKey", "description")
        if booked:
            _copy(out, line, "deliveryDate")
        accrual = line.get("accrual")
        if isinstance(accrual, dict) and accrual and not booked:
            out["accrual"] = dict(accrual)
        unit = get_path(line, "unit.unitNumber")
        if unit is not None:
            unit_record = self._lookup("units", unit) or {}
            out["unit"] = {
                "unitNumber": unit,
                **({"name": unit_record["name"]} if "name" in unit_record else {}),
                "products": link(b, "units", unit, "products"),  # as real lines do (issue 13)
                "self": link(b, "units", unit),
            }
        _put_ref(out, line, "product", "productNumber", b, "products")
        _copy(out, line, "quantity", "unitNetPrice", "discountPercentage", "unitCostPrice")
        if booked:
            _copy(out, line, "vatRate", "vatAmount", "totalNetAmount")
        else:
            _copy(out, line, "totalNetAmount", "marginInBaseCurrency", "marginPercentage")
        _put_ref(
            out,
            line,
            "departmentalDistribution",
            "departmentalDistributionNumber",
            b,
            "departmental-distributions",
        )
        return out

    def _invoices_sent(self, r: Record) -> Record:
        b = self.base
        number = get_path(r, "invoice.bookedInvoiceNumber")
        out: Record = {"id": r["id"]}
        out["invoice"] = {"bookedInvoiceNumber": number, "self": link(b, "invoices/booked", number)}
        _copy(out, r, "status", "sendBy", "creationDate", "createdBy")
        recipient = r.get("recipient") or {}
        if recipient:
            out["recipient"] = {k: v for k, v in recipient.items() if v}
        out["self"] = link(b, "invoices/sent", r["id"])
        return out

    # -- accounting years, journals, entries, vouchers --------------------------------------------
    def _accounting_years(self, r: Record) -> Record:
        b, year = self.base, r["year"]
        out: Record = {"fromDate": r["fromDate"], "toDate": r["toDate"]}
        _flag(out, r, "closed")
        out["year"] = year
        for name in ("entries", "totals"):  # periods and vouchers are not served
            out[name] = link(b, "accounting-years", year, name)
        out["self"] = link(b, "accounting-years", year)
        return out

    def account_year(self, account: Key, r: Record) -> Record:
        """An accounting year as ``/accounts/{n}/accounting-years/{y}`` shows it: the account's own entries
        and totals in that year."""
        b, year = self.base, r["year"]
        own = f"{link(b, 'accounts', account)}/accounting-years/{encode_id(year)}"
        out: Record = {"fromDate": r["fromDate"], "toDate": r["toDate"]}
        _flag(out, r, "closed")
        out["year"] = year
        out["entries"] = f"{own}/entries"
        out["totals"] = f"{own}/totals"
        out["self"] = own
        return out

    def _journals(self, r: Record) -> Record:
        b, n = self.base, r["journalNumber"]
        out: Record = {}
        _copy(out, r, "name")
        settings = r.get("settings") or {}
        rendered: Record = {}
        numbers = settings.get("voucherNumbers")
        if numbers:
            rendered["voucherNumbers"] = dict(numbers)
        _copy(rendered, settings, "entryTypeRestrictedTo")
        contra = settings.get("contraAccounts") or {}
        if contra:
            rendered["contraAccounts"] = {
                kind: {
                    "accountNumber": value["accountNumber"],
                    "self": link(b, "accounts", value["accountNumber"]),
                }
                for kind, value in contra.items()
                if isinstance(value, dict) and value.get("accountNumber") is not None
            }
        out["settings"] = rendered
        out["vouchers"] = link(b, "journals", n, "vouchers")
        out["entries"] = link(b, "journals", n, "entries")
        out["journalNumber"] = n
        out["self"] = link(b, "journals", n)
        return out

    def voucher_link(self, journal: int, year: str, number: int) -> str:
        """``/journals/{n}/vouchers/{accountingYear}-{voucherNumber}``."""
        return link(self.base, "journals", journal, "vouchers", f"{encode_id(year)}-{number}")

    def _journal_entries(self, r: Record) -> Record:
        return self.journal_entry(r, in_voucher=False)

    def journal_entry(self, r: Record, *, in_voucher: bool) -> Record:
        """An entry as ``/journals/{n}/entries`` lists it, or (``in_voucher``) inside a voucher."""
        b = self.base
        journal = get_path(r, "journal.journalNumber")
        year = str(get_path(r, "voucher.accountingYear.year"))
        voucher_number = get_path(r, "voucher.voucherNumber")
        out: Record = {}
        _put_ref(out, r, "account", "accountNumber", b, "accounts")
        out["journal"] = {"journalNumber": journal, "self": link(b, "journals", journal)}
        _put_ref(out, r, "customer", "customerNumber", b, "customers")
        _copy(out, r, "customerInvoice")
        _put_ref(out, r, "supplier", "supplierNumber", b, "suppliers")
        _copy(out, r, "supplierInvoiceNumber")
        details = r.get("paymentDetails")
        if isinstance(details, dict) and details:
            out["paymentDetails"] = _with_payment_type_link(details, b)
        _copy(out, r, "dueDate", "text", "amount")
        _put_ref(out, r, "contraAccount", "accountNumber", b, "accounts")
        for name in ("contraVatAccount", "vatAccount"):
            code = get_path(r, f"{name}.vatCode")
            if code and (in_voucher or name == "contraVatAccount"):
                out[name] = {"vatCode": code, "self": link(b, "vat-accounts", code)}
        _copy(out, r, "contraVatAmount")
        if in_voucher:
            _copy(out, r, "vatAmount")
        _put_ref(out, r, "costType", "costTypeNumber", b, "cost-types")
        code = get_path(r, "currency.code")
        if code:
            out["currency"] = {"code": code, "self": link(b, "currencies", code)}
        _copy(out, r, "date")
        _put_ref(
            out,
            r,
            "departmentalDistribution",
            "departmentalDistributionNumber",
            b,
            "departmental-distributions",
        )
        _put_ref(out, r, "employee", "employeeNumber", b, "employees")
        _copy(out, r, "exchangeRate", "entryType")
        voucher_self = self.voucher_link(journal, year, voucher_number)
        if in_voucher:
            out["voucher"] = {"voucherNumber": voucher_number, "self": voucher_self}
        else:
            out["voucher"] = {
                "accountingYear": {"year": year, "self": link(b, "accounting-years", year)},
                "voucherNumber": voucher_number,
                "self": voucher_self,
            }
        _put_ref(out, r, "project", "projectNumber", b, "projects")
        if in_voucher:
            _copy(out, r, "amountBaseCurrency")
        elif r.get("amountBaseCurrency") is not None:
            out["amountDefaultCurrency"] = r["amountBaseCurrency"]
        out["journalEntryNumber"] = r["journalEntryNumber"]
        _copy(out, r, "quantity1", "quantity2")
        _put_ref(out, r, "unit1", "unitNumber", b, "units")
        _put_ref(out, r, "unit2", "unitNumber", b, "units")
        out["self"] = link(b, "journals", journal, "entries", str(r["journalEntryNumber"]))
        return out

    def voucher(self, journal: int, year: str, number: int, entries: list[Record]) -> Record:
        """A voucher: its entries grouped by type (only the arrays that have entries)."""
        b = self.base
        grouped: Record = {}
        for array_name, (entry_type, _, _, _) in ENTRY_KINDS.items():
            items = [
                self.journal_entry(e, in_voucher=True) for e in entries if e.get("entryType") == entry_type
            ]
            if items:
                grouped[array_name] = items
        voucher_self = self.voucher_link(journal, year, number)
        return {
            "accountingYear": {"year": year, "self": link(b, "accounting-years", year)},
            "journal": {"journalNumber": journal, "self": link(b, "journals", journal)},
            "entries": grouped,
            "voucherNumber": number,
            "attachment": f"{voucher_self}/attachment",
            "self": voucher_self,
        }

    # -- /self -----------------------------------------------------------------------------------
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
