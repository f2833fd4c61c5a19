"""The settings page of the Visma Severa ↔ Visma eEkonomi integration, in seed 004's order (C12–C22).

Groups, as the seed's "Integrationsinställningar" lists them: the master systems (C14, C15), the cost
center for projects (C16), the default article number (C17), supplier invoices as billable or not (C18),
the four invoice statuses (C19–C22); then what the seed's field rules preselect: the article coding (C49)
and the unit per register (C50); the currency rule (C44, A13); the schedule (C68).

Readings (docs/integrations/severa-eaccounting.md has the why):

- Masters, cost center, default article number and the two main statuses have **no default**: the user
  must choose, and a register that needs one is refused with the reason until it is chosen (C12).
- "Transfer supplier invoices as" has no default either (the seed says "choose"); only the
  supplier-invoice register needs it.
- The "sent" and "paid" statuses are optional (C30): empty means "check sent" / "check paid" are refused.
- The coding left empty means the coding named "Tjänster 25% moms" in eAccounting (A17), looked up live.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ledgerbridge.integrations.base import Strict
from ledgerbridge.integrations.common_settings import SwedishGeneralSettings, general_field
from ledgerbridge.services.common import N_, Message, Setting, Title
from ledgerbridge.systems.eaccounting.connection import EAccountingConnection
from ledgerbridge.systems.severa.connection import SeveraConnection

Master = Literal["severa", "eaccounting"]
REGISTERS: tuple[str, ...] = (
    "customers",
    "products",
    "projects",
    "invoices",
    "supplier-invoices",
    "check-sent",
    "check-paid",
)
DEFAULT_CODING_NAME = "Tjänster 25% moms"


class MasterSettings(Strict):
    """Överordnat system: which side updates bound records; new ones go both ways (C14, C15)."""

    customers: Master | None = Field(
        None,
        title="Master system for customers",
        description="New customers go both ways; afterwards they are only updated from this system. "
        "Changes made on the other side are kept in the conflict report.",
    )
    products: Master | None = Field(
        None,
        title="Master system for products",
        description="Products, work types and travel expense types in Severa ↔ articles in eEkonomi.",
    )


class ProjectSettings(Strict):
    cost_center_id: str | None = Field(
        None,
        title="Cost center for projects (Kostnadsbärare)",
        description="The eEkonomi cost center whose items are Severa's projects. Create it in eEkonomi "
        "(Bokföring > Resultatenheter) first: the API cannot.",
    )
    include_closed: bool = Field(
        False,
        title="Transfer closed projects too",
        description="Closed projects are otherwise only sent when already transferred (to deactivate them).",
    )


class InvoiceSettings(Strict):
    default_article_number: str | None = Field(
        None,
        title="Default article number",
        description="Used on an invoice row without a code in Severa.",
    )
    note_rows: Literal["top", "bottom", "off"] = Field(
        "top",
        title="Invoice texts as text rows",
        description="Severa's notes and two free texts become text rows of the draft (eEkonomi drafts "
        "have no note field).",
    )


class SupplierInvoiceSettings(Strict):
    transfer_as: Literal["billable", "not_billable"] | None = Field(
        None,
        title="Transfer supplier invoices as",
        description="Billable: the price is the cost. Not billable: the price is 0 kr.",
    )


class StatusSettings(Strict):
    to_transfer: str | None = Field(None, title="Status for invoices to be transferred")
    transferred: str | None = Field(None, title="Status for transferred invoices")
    sent: str | None = Field(
        None, title="Status after the invoice has been sent from eEkonomi", description="Empty: not checked."
    )
    paid: str | None = Field(
        None, title="Status after the invoice has been paid in eEkonomi", description="Empty: not checked."
    )

    @model_validator(mode="after")
    def _transferred_differs(self) -> StatusSettings:
        if self.to_transfer and self.transferred and self.to_transfer == self.transferred:
            raise ValueError(
                Message(
                    N_(
                        "the status for transferred invoices must differ from the status for invoices to be "
                        "transferred (otherwise every invoice would be transferred again)"
                    )
                )
            )
        return self


class UnitSettings(Strict):
    """C50: the unit each Severa register's articles get in eEkonomi (a unit's code or abbreviation)."""

    work_type: str = Field("tim", title="Work types")
    mileage: str = Field("km", title="Mileage")
    daily_allowance: str = Field("st", title="Per diems (traktamenten)")
    other_travel: str = Field("st", title="Other travel expenses")
    product: str = Field(
        "st", title="Products", description="A product whose own unit exists in eEkonomi keeps it."
    )


class ProductSettings(Strict):
    coding_id: str | None = Field(
        None,
        title="Article coding for articles from Severa",
        description=f'Empty: the coding named "{DEFAULT_CODING_NAME}". Set on new articles only.',
    )
    units: UnitSettings = Field(default_factory=UnitSettings, title="Units")


class CustomerSettings(Strict):
    transfer_currency: bool = Field(
        False,
        title="Transfer the customer's currency",
        description="Needs currency handling (valutahantering) in eEkonomi; off: both sides use the "
        "company currency.",
    )


class ScheduleSettings(Strict):
    interval_minutes: int | None = Field(
        None,
        ge=60,
        title="Run every registers on a schedule (minutes)",
        description="Empty: transfers are started by hand only. At least 60: Severa asks integrations not "
        "to run more than once an hour.",
    )


class SeveraEAccountingSettings(Strict):
    masters: MasterSettings = Field(default_factory=MasterSettings, title="Master systems")
    projects: ProjectSettings = Field(default_factory=ProjectSettings, title="Projects")
    invoices: InvoiceSettings = Field(default_factory=InvoiceSettings, title="Invoices")
    supplier_invoices: SupplierInvoiceSettings = Field(
        default_factory=SupplierInvoiceSettings, title="Supplier invoices"
    )
    statuses: StatusSettings = Field(default_factory=StatusSettings, title="Severa invoice statuses")
    products: ProductSettings = Field(default_factory=ProductSettings, title="Articles from Severa")
    customers: CustomerSettings = Field(default_factory=CustomerSettings, title="Customers")
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings, title="Schedule")
    general: SwedishGeneralSettings = general_field(SwedishGeneralSettings)


#: What each register needs set before it may run (C12): setting path → its title.
NEEDED: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("masters.customers", "master system for customers"),),
    "products": (("masters.products", "master system for products"),),
    "projects": (("projects.cost_center_id", "cost center for projects"),),
    "invoices": (
        ("projects.cost_center_id", "cost center for projects"),
        ("invoices.default_article_number", "default article number"),
        ("statuses.to_transfer", "status for invoices to be transferred"),
        ("statuses.transferred", "status for transferred invoices"),
    ),
    "supplier-invoices": (
        ("projects.cost_center_id", "cost center for projects"),
        ("supplier_invoices.transfer_as", "transfer supplier invoices as"),
    ),
    "check-sent": (
        ("statuses.transferred", "status for transferred invoices"),
        ("statuses.sent", "status after the invoice has been sent"),
    ),
    "check-paid": (
        ("statuses.transferred", "status for transferred invoices"),
        ("statuses.paid", "status after the invoice has been paid"),
    ),
}


def refusal(settings: SeveraEAccountingSettings, register: str) -> str | None:
    """Why ``register`` may not run yet (C12), or None."""
    if register not in NEEDED:
        return f"unknown register {register!r} (one of: {', '.join(REGISTERS)})"
    missing = []
    for path, title in NEEDED[register]:
        value: object = settings
        for part in path.split("."):
            value = getattr(value, part)
        if value in (None, ""):
            missing.append(Setting(title, path))
    if not missing:
        return None
    return Message(
        N_("%(register)s cannot be transferred before these settings are set: %(missing)s"),
        register=Title(register),
        missing=missing,
    )


class SeveraEAccountingConnections(Strict):
    severa: SeveraConnection
    eaccounting: EAccountingConnection
