"""``ledgerbridge doctor`` for Visma Severa ↔ eEkonomi (seed 004): both sides reached and signed in to,
Severa's API client granted every scope the registers use, one record of every register read, every invoice
status, cost center, article, coding and unit the settings name found.

Severa is signed in to afresh (tokens in memory only, not the stored ones): a stored token that is still
valid would hide a client secret changed or revoked since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from ledgerbridge.integrations.doctor import Doctor, SideDown, first_page
from ledgerbridge.integrations.severa_eaccounting.settings import (
    DEFAULT_CODING_NAME,
    SeveraEAccountingSettings,
)
from ledgerbridge.systems.eaccounting.adapters import CostCenterItems
from ledgerbridge.systems.severa import DEFAULT_SCOPES, MemoryVault, Severa, SeveraClient
from ledgerbridge.systems.severa.errors import InsufficientScope

SEVERA, EACCOUNTING = "severa", "eaccounting"
SEVERA_FIX = (
    "check client_id and client_secret in the Severa connection (Severa → Settings → API → API clients); "
    "`ledgerbridge connect {name} severa` tests them"
)
SCOPES_FIX = (
    "grant the API client these scopes in Severa (Settings → API → API clients) and keep them in the "
    "connection's scopes: {scopes}"
)
EACCOUNTING_FIX = "sign in again: `ledgerbridge connect {name} eaccounting`"
#: The Severa registers the transfers read (seed 004's registers and what invoices and statuses need).
SEVERA_REGISTERS = (
    "customers",
    "products",
    "work_types",
    "travel_expense_types",
    "projects",
    "invoices",
    "project_fees",
)
EACCOUNTING_ENTITIES = (
    "customers",
    "articles",
    "units",
    "termsofpayments",
    "articleaccountcodings",
    "customerinvoicedrafts",
    "customerinvoices",
    "supplierinvoices",
)
STATUS_SETTINGS = ("to_transfer", "transferred", "sent", "paid")


def checks(kind: Any, doctor: Doctor, name: str) -> None:
    severa_checks(doctor, kind.connections.severa, kind.settings, name)
    eaccounting_checks(doctor, kind, kind.settings, name)


# -- Severa ---------------------------------------------------------------------------------------------
def severa_checks(doctor: Doctor, connection: Any, settings: SeveraEAccountingSettings, name: str) -> None:
    fix = SEVERA_FIX.format(name=name)
    missing = [scope for scope in DEFAULT_SCOPES if scope not in connection.scopes]
    doctor.add(
        SEVERA,
        "scopes asked for",
        not missing,
        f"{len(DEFAULT_SCOPES) - len(missing)} of {len(DEFAULT_SCOPES)} scopes the registers use"
        + (f"; missing: {', '.join(missing)}" if missing else ""),
        SCOPES_FIX.format(scopes=", ".join(DEFAULT_SCOPES)),
    )
    client = SeveraClient.open(connection, MemoryVault())
    try:
        if not _signed_in(doctor, client, tuple(connection.scopes), fix):
            return
        severa = Severa(client)
        for register in SEVERA_REGISTERS:
            adapter = getattr(severa, register)
            doctor.read_one(
                SEVERA, register.replace("_", " "), partial(_first, adapter.search), fix_refused=fix
            )
        statuses = doctor.listing(
            SEVERA,
            "invoice statuses",
            lambda: ({**s, "guid": str(s["guid"]).lower()} for s in severa.invoice_statuses.search()),
            "guid",
            "name",
            fix_refused=fix,
        )
        for field in STATUS_SETTINGS:
            chosen = getattr(settings.statuses, field)
            value = str(chosen).lower() if chosen else None
            doctor.exists(SEVERA, f"statuses.{field}", value, statuses, "invoice status")
    finally:
        client.close()


def _signed_in(doctor: Doctor, client: SeveraClient, scopes: tuple[str, ...], fix: str) -> bool:
    """Sign in with the client credentials and ask ``/heartbeat/authorized`` once (no retries: a side that
    is down is said at once). A refused scope is its own ✗: the credentials themselves were right."""

    def sign_in() -> InsufficientScope | None:
        try:
            client.request("GET", "heartbeat/authorized", retry=False)
        except InsufficientScope as exc:
            return exc
        return None

    try:
        refused = doctor.call(SEVERA, "reach and sign in", sign_in, fix_refused=fix)
    except SideDown:
        return False
    if refused is not None:
        doctor.add(SEVERA, "reach and sign in", True, f"{client.base_url}: the credentials are accepted")
        doctor.add(
            SEVERA,
            "scopes granted",
            False,
            refused.remote_message,
            SCOPES_FIX.format(scopes=", ".join(scopes)),
        )
        doctor.down.add(SEVERA)
        return False
    doctor.add(SEVERA, "reach and sign in", True, str(client.base_url))
    doctor.add(SEVERA, "scopes granted", True, ", ".join(scopes))
    return True


def _first(search: Callable[..., Iterable[Any]]) -> Iterable[Any]:
    return first_page(iter(search(row_count=1)))


# -- eEkonomi -------------------------------------------------------------------------------------------
def eaccounting_checks(doctor: Doctor, kind: Any, settings: SeveraEAccountingSettings, name: str) -> None:
    fix = EACCOUNTING_FIX.format(name=name)
    try:
        books = doctor.call(EACCOUNTING, "connected (OAuth2)", kind.open_eaccounting, fix_refused=fix)
    except SideDown:
        return
    doctor.add(EACCOUNTING, "connected (OAuth2)", True, "a Visma Connect grant is stored")
    try:
        try:
            company = doctor.call(  # once, without the client's retries
                EACCOUNTING,
                "reach and sign in",
                lambda: books.request("GET", "companysettings", retry=False).json(),
                fix_refused=fix,
            )
        except SideDown:
            return
        doctor.add(EACCOUNTING, "reach and sign in", True, str(company.get("Name") or ""))
        for entity in EACCOUNTING_ENTITIES:
            doctor.read_one(
                EACCOUNTING,
                entity,
                partial(books.iter_collection, entity, pagesize=1),
                fix_refused=fix,
            )
        _named_in_settings(doctor, books, company, settings, fix)
    finally:
        books.close()


def _named_in_settings(
    doctor: Doctor, books: Any, company: Mapping[str, Any], settings: SeveraEAccountingSettings, fix: str
) -> None:
    def listing(
        name: str, rows: Callable[[], Iterable[Mapping[str, Any]]], key: str
    ) -> dict[str, str] | None:
        return doctor.listing(EACCOUNTING, name, rows, key, "Name", fix_refused=fix)

    centers = listing("cost centers", lambda: CostCenterItems(books).cost_centers(), "Id")
    doctor.exists(
        EACCOUNTING,
        "projects.cost_center_id",
        settings.projects.cost_center_id,
        _any_case(centers),
        "cost center",
    )
    if settings.invoices.default_article_number:
        articles = listing("articles", lambda: books.iter_collection("articles"), "Number")
        doctor.exists(
            EACCOUNTING,
            "invoices.default_article_number",
            settings.invoices.default_article_number,
            articles,
            "article",
        )
    codings = listing("article codings", lambda: books.iter_collection("articleaccountcodings"), "Id")
    if settings.products.coding_id:
        doctor.exists(EACCOUNTING, "products.coding_id", settings.products.coding_id, codings, "coding")
    elif codings is not None:
        found = DEFAULT_CODING_NAME in codings.values()
        doctor.add(
            EACCOUNTING,
            f'coding "{DEFAULT_CODING_NAME}"',
            found,
            "articles from Severa get it (products.coding_id is empty)"
            if found
            else f'there is no article coding named "{DEFAULT_CODING_NAME}" in eaccounting',
            "choose a coding in settings.products.coding_id (`ledgerbridge integrations update`)",
        )
    units = doctor.listing(EACCOUNTING, "units", lambda: _unit_names(books), "Name", "Label", fix_refused=fix)
    for register, unit in settings.products.units.model_dump().items():
        doctor.exists(EACCOUNTING, f"products.units.{register}", str(unit).casefold(), units, "unit")
    terms = listing("terms of payment", lambda: books.iter_collection("termsofpayments"), "Id")
    doctor.exists(
        EACCOUNTING,
        "company default terms of payment",
        company.get("TermsOfPaymentId"),
        _any_case(terms),
        "term of payment",
    )


def _any_case(known: dict[str, str] | None) -> dict[str, str] | None:
    """Ids as eEkonomi writes them and in lower case (settings may hold either)."""
    if known is None:
        return None
    return {**known, **{k.lower(): v for k, v in known.items()}, **{k.upper(): v for k, v in known.items()}}


def _unit_names(books: Any) -> Iterable[Mapping[str, Any]]:
    """A unit may be named by code, abbreviation or name (the registers match any, without case)."""
    for unit in books.iter_collection("units"):
        label = str(unit.get("Name") or "")
        for name in (unit.get("Code"), unit.get("Abbreviation"), unit.get("Name")):
            if name:
                yield {"Name": str(name).casefold(), "Label": label}
