"""What it takes to reach one Severa organisation: the REST API's base URL and an API client's credentials.

Severa's REST API v1 signs in with OAuth2 client credentials (an API client made under Settings → Client
credentials in Severa gives the client id and secret, and the scopes it may use). The scopes below are what
the Severa ↔ eAccounting integration reads and writes (shared/research/severa-eaccounting-spec.md §2.1,
from each operation's ``security.OAuth2`` list in the official OpenAPI).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

from ledgerbridge.services.common import N_, Message
from ledgerbridge.systems.web_address import DocumentAddress

DEFAULT_BASE_URL = "https://api.severa.visma.com/rest-api"
STAGING_BASE_URL = "https://api.severa.stag.visma.com/rest-api"

#: The scopes the integration needs: customers (with addresses, contacts, communications), settings
#: (products, work types, travel expense types, statuses, VAT rates, currencies, price lists), projects,
#: invoices, project fees (the supplier-invoice costs) and the organisation's details.
DEFAULT_SCOPES: tuple[str, ...] = (
    "customers:read",
    "customers:write",
    "settings:read",
    "settings:write",
    "projects:read",
    "invoices:read",
    "invoices:write",
    "fees:read",
    "fees:write",
    "organization:read",
)


class SeveraConnection(BaseModel):
    """A Severa connection as a settings form shows it; the secret never appears in reprs or logs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: HttpUrl = Field(
        default=HttpUrl(DEFAULT_BASE_URL),
        title="API address",
        description=f"Severa's REST API; {STAGING_BASE_URL} for Severa's test environment.",
    )
    client_id: str = Field(
        min_length=1, title="Client id", description="From Severa: Settings → Client credentials."
    )
    client_secret: SecretStr = Field(title="Client secret")
    scopes: tuple[str, ...] = Field(
        default=DEFAULT_SCOPES,
        title="Scopes",
        description="What the API client may do; the API client in Severa must have each of them.",
    )

    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        title="Request timeout (seconds)",
        description="How long one request to Severa may take before it is given up and retried.",
    )
    document_address: DocumentAddress = None

    @field_validator("client_id")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(Message(N_("the client id is empty")))
        return value

    @field_validator("client_secret")
    @classmethod
    def _secret_given(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError(Message(N_("the client secret is empty")))
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes_known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(dict.fromkeys(s.strip() for s in value if s.strip()))
        for scope in cleaned:
            area, _, right = scope.partition(":")
            if not area or right not in ("read", "write", "delete"):
                raise ValueError(f"{scope!r} is not a Severa scope (area:read, area:write or area:delete)")
        return cleaned

    @property
    def api_url(self) -> str:
        """The base the ``v1/…`` paths go under; a pasted ``…/rest-api/v1`` or ``…/v1.0`` loses its version
        (third-party clients document the base with it)."""
        url = str(self.base_url).rstrip("/")
        for version in ("/v1.0", "/v1"):
            if url.lower().endswith(version):
                return url[: -len(version)]
        return url
