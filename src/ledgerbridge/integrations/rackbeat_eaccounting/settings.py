"""The settings page of the Rackbeat ↔ Visma eAccounting / eEkonomi integration (seeds 000 and 002).

Grouped as seed 002's page is: Initial sync, Product settings, Customer settings, Payment terms
mapping, Invoice settings; then seed 000's other flows (supplier invoices, sales orders from
eAccounting, the inventory value). Field names follow the headings so the README and the console can
point at each one.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from ledgerbridge.integrations.base import Strict
from ledgerbridge.integrations.common_settings import SwedishGeneralSettings, general_field
from ledgerbridge.systems.eaccounting.connection import EAccountingConnection
from ledgerbridge.systems.rackbeat.connection import RackbeatConnection

# What the start-up sync can bring from eAccounting (seed 002's list, plus what seed 000 adds and
# eAccounting actually has), in the order it runs.
InitialSyncEntity = Literal[
    "product_group",  # "Varegrupper": eAccounting's article account codings
    "unit",  # "Enheter"
    "payment_term",  # seed 000 "Betalingsvillkor"
    "customer_group",  # one Rackbeat customer group for the customers below (eAccounting has none)
    "supplier_group",  # the same for suppliers
    "product",  # "Varer": articles
    "customer",  # "Kunder"
    "supplier",  # seed 000 "Leverantörer"
]
INITIAL_SYNC_ENTITIES: tuple[InitialSyncEntity, ...] = get_args(InitialSyncEntity)

Direction = Literal["rackbeat_to_eaccounting", "eaccounting_to_rackbeat", "off"]


class InitialSyncSettings(Strict):
    """INITIAL SYNC: "Sync from eAccounting to Rackbeat", once."""

    entities: list[InitialSyncEntity] = Field(
        default_factory=lambda: list(INITIAL_SYNC_ENTITIES),
        title="Sync from eAccounting to Rackbeat",
        description="Ticked kinds of records are copied from eAccounting to Rackbeat by the start-up sync. "
        "It can run only once, so do it while setting up the integration.",
    )
    customer_group_name: str = Field(
        "Customers",
        title="Rackbeat customer group for eAccounting customers",
        description="eAccounting has no customer groups; Rackbeat needs one. Customers arrive in this group "
        "(made if missing).",
    )
    supplier_group_name: str = Field(
        "Suppliers",
        title="Rackbeat supplier group for eAccounting suppliers",
        description="eAccounting has no supplier groups; suppliers arrive in this group (made if missing).",
    )


class ProductSettings(Strict):
    """Product settings: products and structure articles (Rackbeat BOMs)."""

    sync: Direction = Field(
        "rackbeat_to_eaccounting",
        title="Continuous sync of products",
        description="Rackbeat → eAccounting: products and BOMs are created and updated in eAccounting when "
        "they change in Rackbeat. eAccounting → Rackbeat: eAccounting is the master; its articles are "
        "brought to Rackbeat every hour (new articles from Rackbeat are still created in eAccounting).",
    )
    coding_for_product_groups: dict[str, str] = Field(
        default_factory=dict,
        title="Account coding per product group",
        description="Rackbeat product group number → eAccounting article account coding (its id or name). "
        "Groups not listed use the coding they came from in the start-up sync, else a coding with the "
        "group's name, else the default below.",
    )
    default_coding: str | None = Field(
        None,
        title="Default account coding",
        description="The eAccounting account coding (id or name) for products whose group has none.",
    )
    default_unit: str | None = Field(
        None,
        title="Default unit",
        description="The eAccounting unit (id, name or abbreviation) for products without a unit in "
        "Rackbeat. eAccounting requires one on every article.",
    )
    use_actual_cost_price: bool = Field(
        False,
        title="Use actual cost price",
        description="Send Rackbeat's actual cost price as the purchase price instead of the recommended one.",
    )
    poll_minutes: int = Field(60, ge=1, title="Poll interval (minutes) when eAccounting is master")


class CustomerSettings(Strict):
    """Customer settings: customers on create and update."""

    sync: Direction = Field(
        "rackbeat_to_eaccounting",
        title="Continuous sync of customers",
        description="Rackbeat → eAccounting: customers are created or updated in eAccounting when you "
        "create or change them in Rackbeat. eAccounting → Rackbeat: eAccounting is the master; its "
        "customers are brought to Rackbeat every hour.",
    )
    suppliers: bool = Field(
        True,
        title="Also suppliers",
        description="Send suppliers from Rackbeat to eAccounting when created or changed (seed 000).",
    )
    poll_minutes: int = Field(60, ge=1, title="Poll interval (minutes) when eAccounting is master")


class InvoiceSettings(Strict):
    """Invoice settings."""

    start_order_flow_from: Literal["rackbeat", "dont_transfer"] = Field(
        "rackbeat",
        title="Start order flow from",
        description="Rackbeat: an invoice goes to eAccounting when it is booked in Rackbeat. "
        "Don't transfer: customer invoices stay in Rackbeat.",
    )
    status: Literal["draft", "invoiced", "invoiced_and_send_email"] = Field(
        "draft",
        title="Status of new eAccounting invoices",
        description="Draft: an invoice draft. Invoiced: the draft is made an invoice at once. Invoiced and "
        "send email: made an invoice, then e-mailed to the customer from eAccounting.",
    )
    use_exact_quantity: bool = Field(
        False,
        title="Use the exact quantity",
        description="Yes: invoice lines carry Rackbeat's quantity and unit price. No: each line is "
        "quantity 1 at the line's amount. eAccounting keeps 2 decimals: a quantity with more is rounded "
        "to 2 and a rounding row keeps the line total exact, and you are warned in the error log.",
    )
    payment_terms_mapping: dict[str, str] = Field(
        default_factory=dict,
        title="Payment terms mapping",
        description="Rackbeat payment terms number → eAccounting terms of payment (id or name). Terms not "
        "listed are matched by name; name your Rackbeat terms as in eAccounting.",
    )
    default_payment_terms: str | None = Field(
        None,
        title="Default eAccounting payment terms",
        description="Used for customers and suppliers whose Rackbeat terms match nothing in eAccounting.",
    )
    accept_vat_rounding: bool = Field(
        False,
        title="Accept eAccounting's VAT rounding",
        description="eAccounting rounds VAT per rate on the total, Rackbeat per line: they can differ by a "
        "few öre. No: such an invoice stays a draft with the difference explained. Yes: when every line's "
        "rate and amount agree it is booked with eAccounting's VAT and a VAT-free rounding row (article "
        "AVRUNDNING, on the coding chosen for 0 % under VAT codings) keeps the total Rackbeat's; the error "
        "log notes it as a warning.",
    )
    vat_codings: dict[str, str] = Field(
        default_factory=dict,
        title="VAT codings",
        description="Rackbeat VAT % (e.g. 0, 6, 12) → eAccounting article account coding (id or name). "
        "eAccounting takes a row's VAT from its article's coding: a line whose Rackbeat VAT differs from "
        "the coding of its product's article is sent on a companion article (the product's number with "
        "'-V' and the rate, e.g. 5020-V0) that has the chosen coding. Rates not listed must match.",
    )


class SupplierInvoiceSettings(Strict):
    """Supplier invoices from Rackbeat, as drafts (seed 000: "Leverantörsfakturor (som utkast)")."""

    enabled: bool = Field(False, title="Transfer supplier invoices as drafts")
    cost_account: int = Field(
        4010, title="Cost account", description="Debited with each line's amount without VAT (BAS 4010)."
    )
    vat_account: int = Field(
        2641, title="Input VAT account", description="Debited with the invoice's VAT (BAS 2641)."
    )


class OrderSettings(Strict):
    """Sales orders from eAccounting into Rackbeat (seed 000: "var 5:e minut")."""

    enabled: bool = Field(False, title="Bring sales orders from eAccounting")
    interval_seconds: int = Field(
        60, ge=10, title="Interval (seconds)", description="How often eAccounting is asked for new orders."
    )
    product_for_lines_without_article: str | None = Field(
        None,
        title="Product for order rows without an article",
        description="Rackbeat needs a product on every order line; rows without an article use this one.",
    )


class InventoryValueSettings(Strict):
    """The inventory value from Rackbeat as a balanced voucher."""

    enabled: bool = Field(False, title="Post the inventory value")
    frequency: Literal["daily", "weekly", "monthly"] = Field("monthly", title="Frequency")
    inventory_account: int = Field(1460, title="Inventory account (BAS 1460)")
    offset_account: int = Field(4990, title="Change in inventory account (BAS 4990)")


class RackbeatEAccountingSettings(Strict):
    initial_sync: InitialSyncSettings = Field(
        default_factory=InitialSyncSettings,
        title="Initial sync",
        description="Copy eAccounting's records to Rackbeat once, when the integration is set up.",
    )
    products: ProductSettings = Field(
        default_factory=ProductSettings,
        title="Product settings",
        description="Products and structure articles (BOMs): which side maintains them, how they are coded.",
    )
    customers: CustomerSettings = Field(
        default_factory=CustomerSettings,
        title="Customer settings",
        description="Customers (and suppliers) on create and update.",
    )
    invoices: InvoiceSettings = Field(
        default_factory=InvoiceSettings,
        title="Invoice settings",
        description="When and how booked Rackbeat invoices reach eAccounting, and the payment terms mapping.",
    )
    supplier_invoices: SupplierInvoiceSettings = Field(
        default_factory=SupplierInvoiceSettings,
        title="Supplier invoices",
        description="Booked Rackbeat supplier invoices as drafts in eAccounting, for the bookkeeper.",
    )
    orders: OrderSettings = Field(
        default_factory=OrderSettings,
        title="Sales orders from eAccounting",
        description="Start the order flow in eAccounting: its sales orders are brought to Rackbeat.",
    )
    inventory_value: InventoryValueSettings = Field(
        default_factory=InventoryValueSettings,
        title="Inventory value",
        description="Rackbeat's stock value posted to eAccounting as a balanced voucher, once a period.",
    )
    general: SwedishGeneralSettings = general_field(SwedishGeneralSettings)


class RackbeatEAccountingConnections(Strict):
    eaccounting: EAccountingConnection
    rackbeat: RackbeatConnection
