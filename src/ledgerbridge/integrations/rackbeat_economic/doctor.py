"""``ledgerbridge doctor`` for Rackbeat ↔ e-conomic: both sides reached and signed in to, one record of
every entity read, every day book, account, VAT zone, layout and product the settings name found, the
Rackbeat webhooks subscribed."""

from __future__ import annotations

from functools import partial
from typing import Any

from ledgerbridge.integrations import base_currencies
from ledgerbridge.integrations.doctor import Doctor, SideDown, rackbeat_checks, subscribed_events
from ledgerbridge.systems.errors import NotFoundError

ECONOMIC_FIX = (
    "check the e-conomic app secret token and agreement grant token in the connection "
    "(the grant is made when the agreement installs the app)"
)
# What the real-time sync reads on each side (a record of each is read).
RACKBEAT_ENTITIES = ("product-groups", "products", "customers", "suppliers", "customer-invoices", "layouts")
ECONOMIC_ENTITIES = ("customers", "customer-groups", "products", "product-groups", "suppliers", "units")


def checks(kind: Any, doctor: Doctor, name: str) -> None:
    settings = kind.settings
    economic, rackbeat = kind.open_clients()
    try:
        rackbeat_checks(doctor, rackbeat, name, RACKBEAT_ENTITIES, subscribed_events(kind))
        try:
            me = doctor.call(  # once, without the client's retries: a side that is down is said at once
                "economic",
                "reach and sign in",
                lambda: economic.request("GET", "self", retry=False).json(),
                fix_refused=ECONOMIC_FIX,
            )
        except SideDown:
            return
        company = (me.get("company") or {}).get("name") or me.get("agreementNumber") or ""
        doctor.add("economic", "reach and sign in", True, f"agreement {company}".strip())
        base = str((me.get("settings") or {}).get("baseCurrency") or "DKK")
        base_currencies.doctor_check(
            doctor, rackbeat, side="economic", ledger_base=base, ledger_name="e-conomic"
        )
        for entity in ECONOMIC_ENTITIES:
            doctor.read_one(
                "economic", entity, partial(economic.iter_collection, entity), fix_refused=ECONOMIC_FIX
            )
        _settings_exist(doctor, economic, rackbeat, settings)
    finally:
        economic.close()
        rackbeat.close()


def _settings_exist(doctor: Doctor, economic: Any, rackbeat: Any, settings: Any) -> None:
    def listing(resource: str, key: str) -> dict[str, str] | None:
        return doctor.listing(
            "economic",
            resource,
            lambda: economic.iter_collection(resource),
            key,
            "name",
            fix_refused=ECONOMIC_FIX,
        )

    journals = listing("journals", "journalNumber")
    accounts = listing("accounts", "accountNumber")
    zones = listing("vat-zones", "vatZoneNumber")
    supplier, accounting = settings.supplier_invoices, settings.accounting
    customer, inventory = settings.customer_invoices, settings.inventory_value
    doctor.exists("economic", "supplier_invoices.day_book", supplier.day_book, journals, "day book")
    doctor.exists("economic", "inventory_value.day_book", inventory.day_book, journals, "day book")
    named_accounts = {
        "supplier_invoices.account_for_supplier_groups": supplier.account_for_supplier_groups,
        "accounting.standard_account": accounting.standard_account,
        "customer_invoices.account_for_customer_groups": customer.account_for_customer_groups,
        "products.account_for_product_groups": settings.products.account_for_product_groups,
        "inventory_value.inventory_account": inventory.inventory_account,
        "inventory_value.offset_account": inventory.offset_account,
    }
    for group, columns in accounting.account_matrix.items():
        for column, account in columns.items():
            named_accounts[f"accounting.account_matrix.{group}.{column}"] = account
    for setting, account in named_accounts.items():
        doctor.exists("economic", setting, account, accounts, "account")
    doctor.exists(
        "economic", "customer_invoices.exempt_vat_zone", customer.exempt_vat_zone, zones, "VAT zone"
    )
    for country, zone in customer.one_stop_vat_zones.items():
        doctor.exists("economic", f"customer_invoices.one_stop_vat_zones.{country}", zone, zones, "VAT zone")
    if settings.layouts:
        economic_layouts = listing("layouts", "layoutNumber")
        rackbeat_layouts = doctor.listing(
            "rackbeat",
            "layouts",
            lambda: rackbeat.iter_all("layouts"),
            "number",
            "name",
            fix_refused="check the Rackbeat API token",
        )
        for economic_layout, rackbeat_layout in settings.layouts.items():
            doctor.exists(
                "economic", f"layouts.{economic_layout}", economic_layout, economic_layouts, "layout"
            )
            doctor.exists(
                "rackbeat", f"layouts.{economic_layout}", rackbeat_layout, rackbeat_layouts, "layout"
            )
    products = dict(customer.vat_products)
    if customer.empty_line_product_number:
        products["empty lines"] = customer.empty_line_product_number
    for label, number in products.items():
        setting = (
            "customer_invoices.empty_line_product_number"
            if label == "empty lines"
            else f"customer_invoices.vat_products.{label}"
        )
        _product_exists(doctor, economic, setting, number)


def _product_exists(doctor: Doctor, economic: Any, setting: str, number: str) -> None:
    if "economic" in doctor.down:
        return
    try:
        product = economic.get(economic.product_path(number))
    except NotFoundError:
        doctor.add(
            "economic",
            f"{setting} = {number}",
            False,
            f"there is no product {number} in economic",
            f"create product {number} in e-conomic or choose another in settings.{setting}",
        )
        return
    except Exception as exc:  # noqa: BLE001 - reported as the check's failure
        doctor.add("economic", f"{setting} = {number}", False, str(exc), "see the reach check above")
        return
    doctor.add(
        "economic", f"{setting} = {number}", True, f"product {number} {product.get('name', '')}".rstrip()
    )
