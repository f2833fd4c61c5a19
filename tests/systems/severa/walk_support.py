"""Concrete values for the path parameters of the Severa sandbox's routes, taken from its state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# collection segment → state table, for the {guid} of /v1/<segment>/{guid}
TABLE_OF = {
    "customers": "customers",
    "addresses": "addresses",
    "contactpersons": "contacts",
    "contactcommunications": "communications",
    "communicationtypes": "communication_types",
    "products": "products",
    "worktypes": "work_types",
    "travelexpensetypes": "travel_types",
    "pricelists": "pricelists",
    "projects": "projects",
    "invoicestatuses": "invoice_statuses",
    "invoices": "invoices",
    "invoicerows": "invoice_rows",
    "invoicesettings": "invoice_settings",
    "workhours": "work_hours",
    "projectfees": "project_fees",
    "projecttravelexpenses": "travel_expenses",
    "vatrates": "vat_rates",
    "currencies": "currencies",
    "users": "users",
}
PARAM_TABLES = {
    "customerGuid": "customers",
    "contactGuid": "contacts",
    "pricelistGuid": "pricelists",
    "pricelistVersionGuid": "pricelist_versions",
    "projectGuid": "projects",
    "invoiceGuid": "invoices",
    "invoiceRowGuid": "invoice_rows",
}


def first(state: Any, table: str, where: Callable[[dict[str, Any]], bool] = lambda r: True) -> str:
    records = sorted(state.table(table).values(), key=lambda r: r["_seq"])
    return str(next(r["guid"] for r in records if where(r)))


def concrete_params(state: Any, template: str) -> dict[str, str]:
    params: dict[str, str] = {}
    segments = template.strip("/").split("/")
    for index, segment in enumerate(segments):
        if not segment.startswith("{"):
            continue
        name = segment[1:-1]
        if name == "code2":
            params[name] = "SE"
        elif name == "guid":
            table = TABLE_OF[segments[index - 1]]
            # Entries that are on an invoice cannot change; pick one that is not.
            if table in ("work_hours", "project_fees", "travel_expenses"):
                open_entries = [r for r in state.table(table).values() if not r.get("_invoice")]
                params[name] = str(open_entries[0]["guid"]) if open_entries else first(state, table)
            else:
                params[name] = first(state, table)
        else:
            table = PARAM_TABLES[name]
            if table == "invoice_rows":  # a row with entries of every kind is not needed; any row has some
                params[name] = first(state, table)
            elif table == "pricelist_versions":
                params[name] = max(state.table(table).values(), key=lambda r: r["startDate"])["guid"]
            else:
                params[name] = first(state, table)
    return params
