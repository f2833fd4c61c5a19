"""The Severa sandbox's data: one plain table per resource, the API clients and their tokens, a clock.

Records are stored in the shape of the API's output models (camelCase), plus internal keys that start with
``_`` (``_seq``: insertion order, which cursors follow). Rendering adds what is derived (embedded names,
flags) and drops the internal keys. This module imports nothing from the rest of the sandbox.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]

# Every table the sandbox serves, by resource name.
TABLES = (
    "customers",
    "addresses",
    "contacts",
    "communications",
    "communication_types",
    "products",
    "work_types",
    "travel_types",
    "pricelists",
    "pricelist_versions",
    "workhour_prices",
    "travel_prices",
    "users",
    "projects",
    "phases",
    "invoice_statuses",
    "invoices",
    "invoice_rows",
    "invoice_settings",
    "work_hours",
    "project_fees",
    "travel_expenses",
    "vat_rates",
    "currencies",
    "countries",
)

# Every OAuth2 scope the official document lists (securitySchemes.OAuth2).
ALL_SCOPES = tuple(
    f"{area}:{right}"
    for area in (
        "activities",
        "customers",
        "fees",
        "files",
        "hours",
        "invoices",
        "projects",
        "resourceallocations",
        "settings",
        "travels",
        "users",
    )
    for right in ("read", "write", "delete")
) + ("organization:read", "organization:write")


@dataclass
class ApiClient:
    client_id: str
    client_secret: str
    scopes: frozenset[str]


@dataclass
class IssuedToken:
    client_id: str
    scopes: frozenset[str]
    expires: datetime


@dataclass
class Organization:
    details: Record = field(default_factory=dict)
    settings: Record = field(default_factory=dict)


class SeveraState:
    """All data of one emulated Severa organisation. ``clock`` returns an aware UTC datetime."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.access_token_lifetime = 3600  # seconds (UNCONFIRMED for real Severa; see the docs)
        self.refresh_token_lifetime = 30 * 24 * 3600
        self.clients: dict[str, ApiClient] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every record and token (registered API clients stay)."""
        with self.lock:
            self.tables: dict[str, dict[str, Record]] = {name: {} for name in TABLES}
            self.access_tokens: dict[str, IssuedToken] = {}
            self.refresh_tokens: dict[str, IssuedToken] = {}
            self.deleted_fees: list[Record] = []
            self.organization = Organization()
            self._seq = itertools.count(1)
            self._invoice_numbers = itertools.count(1)

    def table(self, name: str) -> dict[str, Record]:
        return self.tables[name]

    def next_seq(self) -> int:
        return next(self._seq)

    def register_client(
        self, client_id: str, client_secret: str, scopes: tuple[str, ...] = ALL_SCOPES
    ) -> None:
        self.clients[client_id] = ApiClient(client_id, client_secret, frozenset(scopes))
