"""Orders and quotes made as a user would in e-conomic's UI (test helpers; no validation), priced like drafts.

``add_order(state, {...})``, ``add_quote(state, {...})`` and ``update_order(state, number, {...})`` compute
the amounts with
:func:`~ledgerbridge.systems.economic.sandbox.documents.price_document`, so they live here and not on
:class:`~ledgerbridge.systems.economic.sandbox.state.EconomicState` (the state depends on nothing). The
state keeps the moves (``send_order``, ``unsend_order``, ``archive_order``) and ``find_order``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerbridge.systems.economic.sandbox.documents import price_document
from ledgerbridge.systems.economic.sandbox.resources import SALES_FAMILIES
from ledgerbridge.systems.economic.sandbox.state import (
    EconomicState,
    format_timestamp,
    get_path,
    to_decimal,
)

_AMOUNTS = ("quantity", "unitNetPrice", "discountPercentage", "unitCostPrice")


def add_order(state: EconomicState, record: Mapping[str, Any], *, kind: str = "drafts") -> dict[str, Any]:
    """Add an order (see :func:`add_sales_document`)."""
    return add_sales_document(state, "orders", record, kind=kind)


def add_quote(state: EconomicState, record: Mapping[str, Any], *, kind: str = "drafts") -> dict[str, Any]:
    """Add a quote (to ``/quotes/drafts``, ``"sent"`` or ``"archived"``; see :func:`add_sales_document`)."""
    return add_sales_document(state, "quotes", record, kind=kind)


def add_sales_document(
    state: EconomicState, family: str, record: Mapping[str, Any], *, kind: str = "drafts"
) -> dict[str, Any]:
    """Add an order or quote (``family``: ``"orders"``/``"quotes"``) to its drafts, or straight to
    ``"sent"``/``"archived"``, as a user would in the UI, without validation; returns the stored record.

    Defaults for what is left out: ``customer`` the lowest-numbered customer, ``date`` today, ``currency``
    the customer's (else the base currency), ``layout``/``paymentTerms`` the customer's (else the
    lowest-numbered), ``recipient.name``/``vatZone`` the customer's, ``lines`` none. ``orderNumber``
    (``quoteNumber``) is assigned when missing (one series over the family's three collections). Lines may
    have no product (a text line with description, quantity, price). Amounts are computed as for a draft
    invoice (see ``documents.py``). ``lastUpdated`` is kept when given, else now (archived ones have none).
    """
    documents = SALES_FAMILIES[family]
    table = documents.table(kind)
    with state.lock:
        data: dict[str, Any] = copy.deepcopy(dict(record))
        if isinstance(data.get("lastUpdated"), datetime):
            data["lastUpdated"] = format_timestamp(data["lastUpdated"])
        for name, key in (("customer", "customerNumber"), ("layout", "layoutNumber")):
            if name in data and not isinstance(data[name], Mapping):
                data[name] = {key: data[name]}
        if "customer" not in data:
            first = state.first_key("customers")
            if first is not None:
                data["customer"] = {"customerNumber": first}
        customer = state.tables["customers"].get(get_path(data, "customer.customerNumber")) or {}
        data.setdefault("date", state.today().isoformat())
        data.setdefault("currency", customer.get("currency") or state.base_currency)
        for name, key, resource in (
            ("layout", "layoutNumber", "layouts"),
            ("paymentTerms", "paymentTermsNumber", "payment-terms"),
        ):
            if name not in data:
                number = get_path(customer, f"{name}.{key}") or state.first_key(resource)
                if number is not None:
                    data[name] = {key: number}
        terms_number = get_path(data, "paymentTerms.paymentTermsNumber")
        terms = state.tables["payment-terms"].get(terms_number) if terms_number is not None else None
        if terms is not None:
            data["paymentTerms"] = {
                "paymentTermsNumber": terms_number,
                **{k: terms[k] for k in ("daysOfCredit", "name", "paymentTermsType") if k in terms},
            }
        recipient = data.setdefault("recipient", {})
        recipient.setdefault("name", customer.get("name", ""))
        if "vatZone" not in recipient:
            zone = get_path(customer, "vatZone.vatZoneNumber") or state.first_key("vat-zones")
            if zone is not None:
                recipient["vatZone"] = {"vatZoneNumber": zone}
        lines = []
        for line in data.get("lines", []):
            item = copy.deepcopy(dict(line))
            if "product" in item and not isinstance(item["product"], Mapping):
                item["product"] = {"productNumber": str(item["product"])}
            for name in _AMOUNTS:
                if item.get(name) is not None:
                    item[name] = to_decimal(item[name])
            lines.append(item)
        data["lines"] = lines
        price_document(state, data)
        if kind == "archived":
            data.pop("lastUpdated", None)
        number = data.get(documents.key)
        if number is not None and state.find_sales_document(family, int(number)) is not None:
            raise ValueError(f"{documents.noun} {number} already exists")
        return state.insert(table, data)


def update_order(state: EconomicState, number: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change an order (draft, sent or archived) as a user would: top-level keys merged (None removes),
    amounts recomputed, ``lastUpdated`` bumped (drafts and sent)."""
    with state.lock:
        found = state.find_order(number)
        if found is None:
            raise KeyError(f"no order {number}")
        table = SALES_FAMILIES["orders"].table(found[0])
        merged = copy.deepcopy(state.tables[table][number])
        for name, value in copy.deepcopy(dict(changes)).items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        for line in merged.get("lines", []):
            for name in _AMOUNTS:
                if line.get(name) is not None:
                    line[name] = to_decimal(line[name])
            for name in ("totalNetAmount", "marginInBaseCurrency", "marginPercentage"):
                line.pop(name, None)
        price_document(state, merged)
        merged.pop("lastUpdated", None)
        return state.replace(table, number, merged)
