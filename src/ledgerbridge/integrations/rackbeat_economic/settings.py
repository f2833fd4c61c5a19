"""The settings page of the Rackbeat ↔ e-conomic integration (seed 003), typed and validated.

Field names follow the seed's headings so a user can find each one in the README and the console.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Literal, get_args

from pydantic import Field, model_validator

from ledgerbridge.integrations.base import Strict
from ledgerbridge.integrations.common_settings import DanishGeneralSettings, general_field
from ledgerbridge.services.common import N_, Message
from ledgerbridge.systems.economic.connection import EconomicConnection
from ledgerbridge.systems.rackbeat.connection import RackbeatConnection

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


class StartupSettings(Strict):
    """Start-up synchronisation (e-conomic → Rackbeat, once). ``entities`` picks what to bring over."""

    entities: list[StartupEntity] = Field(
        default_factory=lambda: list(STARTUP_ENTITIES),
        title="What to bring over from e-conomic",
        description="Ticked kinds of records are copied from e-conomic to Rackbeat by the start-up sync. "
        "Product groups always arrive with inventory switched on; switch it off in Rackbeat where needed.",
    )


class SupplierInvoiceSettings(Strict):
    """Supplier invoices: the creditor integration."""

    enabled: bool = Field(
        False,
        title="Activate creditor integration",
        description="Send suppliers, supplier groups and booked supplier invoices from Rackbeat to "
        "e-conomic.",
    )
    account_for_supplier_groups: int | None = Field(
        None,
        title="Account for supplier groups",
        description="The creditor account in e-conomic that supplier groups made in Rackbeat get.",
    )
    day_book: int | None = Field(
        None,
        title="Day book",
        description="The e-conomic day book (journal) that receives supplier invoices. We recommend a day "
        "book of its own for invoices coming from Rackbeat. Needed when the creditor integration is on.",
    )

    @model_validator(mode="after")
    def _needs_accounts(self) -> SupplierInvoiceSettings:
        if self.enabled and self.day_book is None:
            raise ValueError(
                Message(
                    N_("supplier invoices are enabled: choose the day book they are posted to (day_book)")
                )
            )
        return self


class AccountingSettings(Strict):
    """Accounting: purchase accounts, with a matrix per product group and VAT zone."""

    standard_account: int | None = Field(
        None,
        title="Standard account if none are chosen",
        description="The purchase account used for a supplier-invoice line whose product group and VAT zone "
        "have no account in the matrix below.",
    )
    # {"<product group number>": {"domestic": 1310, "eu": 1320, "abroad": 1330}}
    account_matrix: dict[str, dict[Literal["domestic", "eu", "abroad", "domestic_exempt"], int]] = Field(
        default_factory=dict,
        title="Purchase account per product group and VAT zone",
        description="For each product group, the e-conomic account purchases are booked to, per the "
        "supplier's VAT zone. The account decides the VAT, so choose with care (ask your accountant).",
    )


class CustomerInvoiceSettings(Strict):
    """Customer invoices: the debtor integration."""

    enabled: bool = Field(
        False,
        title="Activate debtor integration",
        description="Send customers, customer groups and booked customer invoices from Rackbeat to "
        "e-conomic.",
    )
    use_actual_quantity: bool = Field(
        False,
        title="Use actual quantity when creating",
        description="Invoice lines in e-conomic carry Rackbeat's quantity and unit price. Off: each line is "
        "quantity 1 at the line's amount. Amounts match Rackbeat to the øre either way.",
    )
    post_invoices: bool = Field(
        False,
        title="Post invoices in e-conomic when posted in Rackbeat",
        description="On: a booked Rackbeat invoice is booked in e-conomic too, with the same number. "
        "Off: it arrives as a draft for you to book in e-conomic.",
    )
    never_post_ean_invoices: bool = Field(
        False,
        title="Never post EAN invoices",
        description="Invoices with an EAN number stay drafts, so you can send them by EAN from e-conomic. "
        "Only meaningful together with 'Post invoices in e-conomic when posted in Rackbeat'.",
    )
    mark_invoices_as_sent: bool = Field(
        False,
        title="Mark invoices as sent when posted in e-conomic",
        description="After an invoice is booked in e-conomic, it is marked as sent in Rackbeat.",
    )
    empty_line_product_number: str | None = Field(
        None,
        title="Product nr. for empty e-conomic product lines",
        description="Rackbeat needs a product on every line: e-conomic order lines without a product get "
        "this Rackbeat product (e.g. a product called 'Product' without inventory).",
    )
    one_stop_vat: bool = Field(
        False,
        title="Activate One Stop VAT",
        description="Private customers in other EU countries get their country's VAT zone in e-conomic.",
    )
    # e-conomic has no OSS field: the agreement's bookkeeper sets up a VAT zone per EU country (with its
    # sales accounts and rates). Country as written on Rackbeat customers (e.g. "Tyskland" or "DE") →
    # that e-conomic VAT zone number.
    one_stop_vat_zones: dict[str, int] = Field(
        default_factory=dict,
        title="One Stop VAT: VAT zone per country",
        description="The country as written on Rackbeat customers (e.g. 'Tyskland' or 'DE') and the "
        "e-conomic VAT zone your bookkeeper set up for it. Needed when One Stop VAT is on.",
    )
    # VAT mapping (issue 11): e-conomic decides a line's VAT from its product's group and the VAT zone,
    # so a Rackbeat rate the product's group does not book needs a product (or zone) that does.
    vat_products: dict[str, str] = Field(
        default_factory=dict,
        title="VAT mapping: e-conomic product per VAT rate",
        description="e-conomic books a line's VAT by its product's group. For each VAT rate (e.g. 0) "
        "choose an e-conomic product whose group books that rate (e.g. one in 'Varer u/moms'): a line "
        "whose rate e-conomic would book differently is sent on that product, Rackbeat's text and amounts "
        "kept. Without it such an invoice stays a draft with the reason.",
    )
    exempt_vat_zone: int | None = Field(
        None,
        title="VAT zone for VAT-free domestic invoices",
        description="A domestic invoice whose lines are all 0 % VAT in Rackbeat is sent with this e-conomic "
        "VAT zone (e.g. 4 'Domestic exempt VAT').",
    )
    allow_rounding_differences: bool = Field(
        False,
        title="Allow VAT rounding differences",
        description="Rackbeat rounds VAT per line, e-conomic per rate on the total, so the VAT can differ by "
        "a few øre. Off: such an invoice stays a draft with the reason. On: it is booked with a VAT-free "
        "rounding line (the 0 % product of the VAT mapping) so its total equals Rackbeat's.",
    )
    account_for_customer_groups: int | None = Field(
        None,
        title="Account for customer groups",
        description="The debtor account in e-conomic that customer groups made in Rackbeat get.",
    )

    @model_validator(mode="after")
    def _vat_mapping_is_by_rate(self) -> CustomerInvoiceSettings:
        for rate in self.vat_products:
            try:
                Decimal(rate)
            except InvalidOperation:
                raise ValueError(
                    f'vat_products maps VAT rates to products: {rate!r} is not a rate (e.g. "0" or "25")'
                ) from None
        if self.allow_rounding_differences and not any(Decimal(r) == 0 for r in self.vat_products):
            raise ValueError(
                "'allow_rounding_differences' books the difference on a VAT-free rounding line: choose the "
                "e-conomic product for 0 % in vat_products"
            )
        return self

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


class ProductSettings(Strict):
    use_actual_cost_price: bool = Field(
        False,
        title="Use actual cost price",
        description="Products in e-conomic get Rackbeat's actual (average) cost price instead of the "
        "recommended cost price.",
    )
    account_for_product_groups: int | None = Field(
        None,
        title="Account for product groups",
        description="The sales account in e-conomic that product groups made in Rackbeat get.",
    )


class InventoryValueSettings(Strict):
    enabled: bool = Field(
        False,
        title="Activate inventory value synchronization",
        description="Post the change in Rackbeat's stock value to e-conomic as a voucher, once per period.",
    )
    frequency: Literal["daily", "weekly", "monthly"] = Field(
        "daily", title="Frequency", description="How often the inventory value is posted."
    )
    day_book: int | None = Field(
        None,
        title="Day book",
        description="The e-conomic day book the voucher goes to; it must be one that can take finance "
        "vouchers.",
    )
    inventory_account: int | None = Field(
        None,
        title="Inventory account",
        description="The balance-sheet account holding the stock value. Not sure? Ask your accountant.",
    )
    offset_account: int | None = Field(
        None,
        title="Offset account",
        description="The account that takes the other side of the change (cost of goods). Not sure? Ask "
        "your accountant.",
    )

    @model_validator(mode="after")
    def _needs_accounts(self) -> InventoryValueSettings:
        if self.enabled:
            missing = [
                n for n in ("day_book", "inventory_account", "offset_account") if getattr(self, n) is None
            ]
            if missing:
                raise ValueError(
                    Message(
                        N_("inventory value synchronisation is enabled: set %(missing)s"), missing=missing
                    )
                )
        return self


class MasterDataSettings(Strict):
    """Which side maintains customers and products (seed 001: "kan oprettes/vedligeholdes enten i Rackbeat
    eller e-conomic"). New records may start on either side; updates flow from the master only."""

    customers: Literal["rackbeat", "economic"] = Field(
        "rackbeat",
        title="Customers are maintained in",
        description="New customers may start on either side; changes to a customer flow from this side only.",
    )
    products: Literal["rackbeat", "economic"] = Field(
        "rackbeat",
        title="Products are maintained in",
        description="New products may start on either side; changes to a product flow from this side only.",
    )
    # How changes made in e-conomic reach us: e-conomic's webhooks, or a poll every ``poll_minutes``.
    economic_changes: Literal["webhooks", "poll"] = Field(
        "poll",
        title="How e-conomic's changes reach us",
        description="'poll': we ask e-conomic regularly. 'webhooks': e-conomic tells us (set up the web "
        "hooks in e-conomic with `ledgerbridge integrations economic-webhooks`).",
    )
    poll_minutes: int = Field(
        60,
        ge=1,
        title="Poll every (minutes)",
        description="Interval of the poll for e-conomic customers and products",
    )


class OrderSettings(Strict):
    """Sales orders from e-conomic to Rackbeat (the incumbent: every 5 minutes)."""

    enabled: bool = Field(
        False,
        title="Start the order flow in e-conomic",
        description="Sales orders made in e-conomic (drafts and sent) are created and updated in Rackbeat.",
    )
    interval_seconds: int = Field(
        60,
        ge=10,
        title="Ask e-conomic every (seconds)",
        description="How often e-conomic is asked for new and changed orders",
    )


class RackbeatEconomicSettings(Strict):
    startup: StartupSettings = Field(
        default_factory=StartupSettings,
        title="Start-up synchronization",
        description="Copies records from e-conomic to Rackbeat once, when the integration is set up.",
    )
    supplier_invoices: SupplierInvoiceSettings = Field(
        default_factory=SupplierInvoiceSettings,
        title="Supplier invoices",
        description="The creditor integration: suppliers and booked supplier invoices go to e-conomic.",
    )
    accounting: AccountingSettings = Field(
        default_factory=AccountingSettings,
        title="Accounting",
        description="Which e-conomic accounts purchases on supplier invoices are booked to.",
    )
    customer_invoices: CustomerInvoiceSettings = Field(
        default_factory=CustomerInvoiceSettings,
        title="Customer invoices",
        description="The debtor integration: customers and booked customer invoices go to e-conomic.",
    )
    products: ProductSettings = Field(
        default_factory=ProductSettings,
        title="Products and groups",
        description="How products and product groups made in Rackbeat look in e-conomic.",
    )
    # e-conomic layout number → Rackbeat layout number ("Layouts" on the settings page)
    layouts: dict[str, int] = Field(
        default_factory=dict,
        title="Layouts",
        description="Which Rackbeat layout matches each e-conomic layout. Which layout a customer uses is "
        "chosen on the customer.",
    )
    inventory_value: InventoryValueSettings = Field(
        default_factory=InventoryValueSettings,
        title="Inventory value",
        description="Post the stock value from Rackbeat to e-conomic daily, weekly or monthly.",
    )
    master_data: MasterDataSettings = Field(
        default_factory=MasterDataSettings,
        title="Customers and products: which side leads",
        description="Customers and products can be made and maintained in Rackbeat or in e-conomic.",
    )
    orders: OrderSettings = Field(
        default_factory=OrderSettings,
        title="Sales orders from e-conomic",
        description="Start the order flow in e-conomic: its orders are brought to Rackbeat.",
    )
    general: DanishGeneralSettings = general_field(DanishGeneralSettings)


class RackbeatEconomicConnections(Strict):
    economic: EconomicConnection = Field(title="Visma e-conomic")
    rackbeat: RackbeatConnection = Field(title="Rackbeat")
