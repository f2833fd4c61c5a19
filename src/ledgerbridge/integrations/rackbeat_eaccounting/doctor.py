"""``ledgerbridge doctor`` for Rackbeat ↔ eAccounting: both sides reached and signed in to (the eAccounting
grant alive), one record of every entity read, every account, coding, unit and term of payment the settings
name found, the Rackbeat webhooks subscribed."""

from __future__ import annotations

from functools import partial
from typing import Any

from ledgerbridge.integrations import base_currencies
from ledgerbridge.integrations.doctor import Doctor, SideDown, rackbeat_checks, subscribed_events

EACCOUNTING_FIX = "sign in again: `ledgerbridge connect {name} eaccounting`"
RACKBEAT_ENTITIES = ("product-groups", "products", "customers", "suppliers", "customer-invoices")
EACCOUNTING_ENTITIES = ("customers", "articles", "units", "termsofpayments", "articleaccountcodings")


def checks(kind: Any, doctor: Doctor, name: str) -> None:
    fix = EACCOUNTING_FIX.format(name=name)
    try:
        eaccounting, rackbeat = doctor.call("eaccounting", "signed in", kind.open_clients, fix_refused=fix)
    except SideDown:
        return
    try:
        rackbeat_checks(doctor, rackbeat, name, RACKBEAT_ENTITIES, subscribed_events(kind))
        try:
            company = doctor.call(  # once, without the client's retries
                "eaccounting",
                "reach and sign in",
                lambda: eaccounting.request("GET", "companysettings", retry=False).json(),
                fix_refused=fix,
            )
        except SideDown:
            return
        doctor.add("eaccounting", "reach and sign in", True, str(company.get("Name") or ""))
        base_currencies.doctor_check(
            doctor,
            rackbeat,
            side="eaccounting",
            ledger_base=str(company.get("CurrencyCode") or "SEK"),
            ledger_name="eAccounting",
        )
        for entity in EACCOUNTING_ENTITIES:
            doctor.read_one(
                "eaccounting", entity, partial(eaccounting.iter_collection, entity), fix_refused=fix
            )
        _settings_exist(doctor, eaccounting, kind.settings, fix)
    finally:
        eaccounting.close()
        rackbeat.close()


def _settings_exist(doctor: Doctor, eaccounting: Any, settings: Any, fix: str) -> None:
    def listing(resource: str, key: str, label: str = "Name") -> dict[str, str] | None:
        rows = doctor.listing(
            "eaccounting",
            resource,
            lambda: eaccounting.iter_collection(resource),
            key,
            label,
            fix_refused=fix,
        )
        if rows is None or key == "Number":
            return rows
        # Codings, units and terms may be named by id or by name.
        return {**rows, **{v: k for k, v in rows.items()}}

    codings = listing("articleaccountcodings", "Id")
    products, invoices = settings.products, settings.invoices
    doctor.exists("eaccounting", "products.default_coding", products.default_coding, codings, "coding")
    for group, coding in products.coding_for_product_groups.items():
        doctor.exists("eaccounting", f"products.coding_for_product_groups.{group}", coding, codings, "coding")
    for rate, coding in invoices.vat_codings.items():
        doctor.exists("eaccounting", f"invoices.vat_codings.{rate}", coding, codings, "coding")
    if products.default_unit:
        doctor.exists(
            "eaccounting", "products.default_unit", products.default_unit, listing("units", "Id"), "unit"
        )
    if invoices.default_payment_terms or invoices.payment_terms_mapping:
        terms = listing("termsofpayments", "Id")
        doctor.exists(
            "eaccounting",
            "invoices.default_payment_terms",
            invoices.default_payment_terms,
            terms,
            "term of payment",
        )
        for rackbeat_term, term in invoices.payment_terms_mapping.items():
            doctor.exists(
                "eaccounting",
                f"invoices.payment_terms_mapping.{rackbeat_term}",
                term,
                terms,
                "term of payment",
            )
    supplier, inventory = settings.supplier_invoices, settings.inventory_value
    if supplier.enabled or inventory.enabled:
        accounts = listing("accounts", "Number")
        if supplier.enabled:
            doctor.exists(
                "eaccounting", "supplier_invoices.cost_account", supplier.cost_account, accounts, "account"
            )
            doctor.exists(
                "eaccounting", "supplier_invoices.vat_account", supplier.vat_account, accounts, "account"
            )
        if inventory.enabled:
            doctor.exists(
                "eaccounting",
                "inventory_value.inventory_account",
                inventory.inventory_account,
                accounts,
                "account",
            )
            doctor.exists(
                "eaccounting", "inventory_value.offset_account", inventory.offset_account, accounts, "account"
            )
