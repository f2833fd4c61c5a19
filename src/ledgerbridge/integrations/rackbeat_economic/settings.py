"""The settings page of the Rackbeat ↔ e-conomic integration (seed 003), typed and validated.

Field names follow the seed's headings so a user can find each one in the README and the console.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, model_validator

# Seed 001's start-up list, in the order the sync runs it.
StartupEntity = Literal[
    "customer_group",
    "supplier_group",
    "unit",
    "payment_term",
    "layout",
    "employee",
    "product_group",
    "product",
    "customer",
    "supplier",
    "company",
    "bank_account",
]
STARTUP_ENTITIES: tuple[StartupEntity, ...] = get_args(StartupEntity)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartupSettings(_Strict):
    """Start-up synchronisation (e-conomic → Rackbeat, once). ``entities`` picks what to bring over."""

    entities: list[StartupEntity] = Field(default_factory=lambda: list(STARTUP_ENTITIES))


class SupplierInvoiceSettings(_Strict):
    """Supplier invoices: the creditor integration."""

    enabled: bool = False
    account_for_supplier_groups: int | None = Field(None, description="Creditor account in e-conomic")
    day_book: int | None = Field(None, description="Journal (day book) that receives supplier invoices")

    @model_validator(mode="after")
    def _needs_accounts(self) -> SupplierInvoiceSettings:
        if self.enabled and self.day_book is None:
            raise ValueError(
                "supplier invoices are enabled: choose the day book they are posted to (day_book)"
            )
        return self


class AccountingSettings(_Strict):
    """Accounting: purchase accounts, with a matrix per product group and VAT zone."""

    standard_account: int | None = Field(None, description="Standard account if none are chosen")
    # {"<product group number>": {"domestic": 1310, "eu": 1320, "abroad": 1330}}
    account_matrix: dict[str, dict[Literal["domestic", "eu", "abroad", "domestic_exempt"], int]] = Field(
        default_factory=dict
    )


class CustomerInvoiceSettings(_Strict):
    """Customer invoices: the debtor integration."""

    enabled: bool = False
    use_actual_quantity: bool = False
    post_invoices: bool = Field(False, description="Post invoices in e-conomic when posted in Rackbeat")
    never_post_ean_invoices: bool = False
    mark_invoices_as_sent: bool = Field(False, description="Mark invoices as sent when posted in e-conomic")
    empty_line_product_number: str | None = Field(
        None, description="Product nr. for empty e-conomic product lines"
    )
    one_stop_vat: bool = Field(False, description="Activate One Stop VAT")
    # e-conomic has no OSS field: the agreement's bookkeeper sets up a VAT zone per EU country (with its
    # sales accounts and rates). Country as written on Rackbeat customers (e.g. "Tyskland" or "DE") →
    # that e-conomic VAT zone number.
    one_stop_vat_zones: dict[str, int] = Field(default_factory=dict)
    account_for_customer_groups: int | None = Field(
        None, description="Debtor account for customer groups created from Rackbeat"
    )

    @model_validator(mode="after")
    def _oss_needs_zones(self) -> CustomerInvoiceSettings:
        if self.one_stop_vat and not self.one_stop_vat_zones:
            raise ValueError(
                "'one_stop_vat' needs the e-conomic VAT zone of each EU country you sell to privately: "
                'set one_stop_vat_zones, e.g. {"Tyskland" = 17, "Sverige" = 18}'
            )
        return self

    @model_validator(mode="after")
    def _ean_needs_posting(self) -> CustomerInvoiceSettings:
        # The incumbent accepts this combination and then misbehaves; we refuse it with the reason.
        if self.never_post_ean_invoices and not self.post_invoices:
            raise ValueError(
                "'never_post_ean_invoices' only has a meaning together with 'post_invoices' "
                "(Post invoices in e-conomic when posted in Rackbeat): switch that on, or this off"
            )
        return self


class ProductSettings(_Strict):
    use_actual_cost_price: bool = Field(False, description="Use actual cost price instead of recommended")
    account_for_product_groups: int | None = Field(
        None, description="Sales account for product groups created from Rackbeat"
    )


class InventoryValueSettings(_Strict):
    enabled: bool = False
    frequency: Literal["daily", "weekly", "monthly"] = "daily"
    day_book: int | None = None
    inventory_account: int | None = None
    offset_account: int | None = None

    @model_validator(mode="after")
    def _needs_accounts(self) -> InventoryValueSettings:
        if self.enabled:
            missing = [
                n for n in ("day_book", "inventory_account", "offset_account") if getattr(self, n) is None
            ]
            if missing:
                raise ValueError(f"inventory value synchronisation is enabled: set {', '.join(missing)}")
        return self


class MasterDataSettings(_Strict):
    """Which side maintains customers and products (seed 001: "kan oprettes/vedligeholdes enten i Rackbeat
    eller e-conomic"). New records may start on either side; updates flow from the master only."""

    customers: Literal["rackbeat", "economic"] = "rackbeat"
    products: Literal["rackbeat", "economic"] = "rackbeat"
    # How changes made in e-conomic reach us: e-conomic's webhooks, or a poll every ``poll_minutes``.
    economic_changes: Literal["webhooks", "poll"] = "poll"
    poll_minutes: int = Field(
        60, ge=1, description="Interval of the poll for e-conomic customers and products"
    )


class OrderSettings(_Strict):
    """Sales orders from e-conomic to Rackbeat (the incumbent: every 5 minutes)."""

    enabled: bool = False
    interval_seconds: int = Field(
        60, ge=10, description="How often e-conomic is asked for new and changed orders"
    )


class RackbeatEconomicSettings(_Strict):
    startup: StartupSettings = Field(default_factory=StartupSettings)
    supplier_invoices: SupplierInvoiceSettings = Field(default_factory=SupplierInvoiceSettings)
    accounting: AccountingSettings = Field(default_factory=AccountingSettings)
    customer_invoices: CustomerInvoiceSettings = Field(default_factory=CustomerInvoiceSettings)
    products: ProductSettings = Field(default_factory=ProductSettings)
    # e-conomic layout number → Rackbeat layout number ("Layouts" on the settings page)
    layouts: dict[str, int] = Field(default_factory=dict)
    inventory_value: InventoryValueSettings = Field(default_factory=InventoryValueSettings)
    master_data: MasterDataSettings = Field(default_factory=MasterDataSettings)
    orders: OrderSettings = Field(default_factory=OrderSettings)


class EconomicConnection(_Strict):
    base_url: HttpUrl = HttpUrl("https://restapi.e-conomic.com")
    apis_base_url: HttpUrl | None = Field(None, description="OpenAPI services host; default: base_url")
    app_secret_token: SecretStr
    agreement_grant_token: SecretStr


class RackbeatConnection(_Strict):
    base_url: HttpUrl = HttpUrl("https://app.rackbeat.com/api")
    token: SecretStr


class RackbeatEconomicConnections(_Strict):
    economic: EconomicConnection
    rackbeat: RackbeatConnection
