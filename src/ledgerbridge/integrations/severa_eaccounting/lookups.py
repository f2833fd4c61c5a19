"""What the registers look up on both sides, read once per run and kept for it (:class:`Lookups`).

Everything here is a read. The keys the integration matches on (seed 004 C66): a customer's number
(eEkonomi's "01234" is Severa's 1234, C31), an article's number = a Severa code (C47), a cost center
item's short name = a project's number (C55).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.converters import money_or_zero
from ledgerbridge.integrations.severa_eaccounting.settings import (
    DEFAULT_CODING_NAME,
    SeveraEAccountingSettings,
)
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.eaccounting.adapters import CostCenterItems
from ledgerbridge.systems.severa.adapters import Severa

Record = dict[str, Any]
Source = Mapping[str, Any]  # a record as a flow hands it to a mapper
CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """A Severa money object or a number, as a Decimal (never a float)."""
    return money_or_zero(value.get("amount") if isinstance(value, dict) else value)


def number_key(value: Any) -> str:
    """A customer number as both sides match it: digits without leading zeros (C31), else as it is."""
    text = str(value if value is not None else "").strip()
    return str(int(text)) if text.isdigit() else text


class Lookups:
    """Both sides' reference data for one run; each list is read the first time it is asked for."""

    def __init__(self, severa: Severa, eaccounting: EAccountingClient, settings: SeveraEAccountingSettings):
        self.severa = severa
        self.eaccounting = eaccounting
        self.settings = settings

    # -- eAccounting ---------------------------------------------------------------------------------
    @cached_property
    def company(self) -> Record:
        found: Record = self.eaccounting.get("companysettings")
        return found

    @cached_property
    def terms(self) -> list[Record]:
        return list(self.eaccounting.iter_collection("termsofpayments"))

    def terms_id(self, days: Any) -> str:
        """A12: the sales term of ``days`` days (type Normal), or the company default when none is set."""
        if days is None:
            default = self.company.get("TermsOfPaymentId")
            if not default:
                raise MappingError("eEkonomi has no default terms of payment (company settings)")
            return str(default)
        for term in self.terms:
            if (
                term.get("NumberOfDays") == int(days)
                and term.get("TermsOfPaymentTypeId") == 0
                and term.get("AvailableForSales", True)
            ):
                return str(term["Id"])
        raise MappingError(f"eEkonomi has no terms of payment of {days} days net: add them in eEkonomi")

    def term_days(self, terms_id: Any) -> int | None:
        term = next((t for t in self.terms if str(t["Id"]) == str(terms_id)), None)
        return int(term["NumberOfDays"]) if term and term.get("NumberOfDays") is not None else None

    @cached_property
    def units(self) -> list[Record]:
        return list(self.eaccounting.iter_collection("units"))

    def unit_id(self, wanted: str | None) -> str | None:
        """The unit whose code, abbreviation or name is ``wanted`` (without case), or None."""
        if not wanted:
            return None
        key = wanted.strip().casefold()
        for unit in self.units:
            names = (unit.get("Code"), unit.get("Abbreviation"), unit.get("Name"))
            if any(str(n or "").casefold() == key for n in names):
                return str(unit["Id"])
        return None

    def unit_abbreviation(self, unit_id: Any) -> str | None:
        unit = next((u for u in self.units if str(u["Id"]) == str(unit_id)), None)
        return (unit.get("Code") or unit.get("Abbreviation") or unit.get("Name")) if unit else None

    @cached_property
    def codings(self) -> list[Record]:
        return list(self.eaccounting.iter_collection("articleaccountcodings"))

    @cached_property
    def coding_id(self) -> str:
        """C49/A17: the chosen coding, else the one named "Tjänster 25% moms"."""
        chosen = self.settings.products.coding_id
        if chosen:
            return chosen
        for coding in self.codings:
            if coding.get("Name") == DEFAULT_CODING_NAME or coding.get("NameEnglish") == "Services 25% VAT":
                return str(coding["Id"])
        raise MappingError(
            f'eEkonomi has no article coding named "{DEFAULT_CODING_NAME}": choose one in the settings '
            "(products.coding_id)"
        )

    def coding_for_rate(self, rate: Decimal) -> str:
        """The preselected coding, unless Severa's VAT rate differs from its rate: then a coding of that
        rate, one of the same kind first ("Tjänster …"), so the article's VAT is Severa's (C52)."""
        preselected = self.coding_id
        if self.coding_vat(preselected) in (None, rate):
            return preselected
        kind = str(next((c.get("Name") for c in self.codings if str(c["Id"]) == preselected), "")).split(" ")[
            0
        ]
        same_rate = [c for c in self.codings if c.get("IsActive", True) and self.coding_vat(c["Id"]) == rate]
        same_rate.sort(key=lambda c: not str(c.get("Name") or "").startswith(kind))
        return str(same_rate[0]["Id"]) if same_rate else preselected

    def coding_vat(self, coding_id: Any) -> Decimal | None:
        coding = next((c for c in self.codings if str(c["Id"]) == str(coding_id)), None)
        if coding is None or coding.get("VatRatePercent") is None:
            return None
        rate = Decimal(str(coding["VatRatePercent"]))
        return rate * 100 if rate < 1 else rate  # the API gives 0.25; the sandbox may give 25

    @cached_property
    def customers(self) -> dict[str, Record]:
        """eEkonomi customers by number as matched (see :func:`number_key`)."""
        return {number_key(c.get("CustomerNumber")): c for c in self.eaccounting.iter_collection("customers")}

    @cached_property
    def articles(self) -> dict[str, Record]:
        return {str(a.get("Number")).strip(): a for a in self.eaccounting.iter_collection("articles")}

    @cached_property
    def cost_center(self) -> Record:
        wanted = str(self.settings.projects.cost_center_id or "")
        for center in CostCenterItems(self.eaccounting).cost_centers():
            if str(center["Id"]).lower() == wanted.lower():
                return center
        raise MappingError(f"eEkonomi has no cost center {wanted} (projects.cost_center_id)")

    @property
    def cost_center_slot(self) -> int:
        """A29: the row slot ``CostCenterItemId<n>`` of the chosen cost center is its ``Number``."""
        return int(self.cost_center.get("Number") or 1)

    @cached_property
    def project_items(self) -> dict[str, Record]:
        """The chosen cost center's items by short name (= Severa project number)."""
        return {str(i.get("ShortName")): i for i in self.cost_center.get("Items") or []}

    # -- Severa --------------------------------------------------------------------------------------
    @cached_property
    def countries(self) -> dict[str, Record]:
        """Severa countries by guid."""
        return {str(c["guid"]): c for c in self.severa.countries.all()}

    def country_guid(self, code2: str | None) -> str | None:
        if not code2:
            return None
        return next(
            (g for g, c in self.countries.items() if str(c.get("code2", "")).upper() == code2.upper()), None
        )

    @cached_property
    def communication_types(self) -> dict[str, str]:
        """Severa communication type guid → its kind (``EmailAddress``, ``Phone``, ``MobilePhone`` …)."""
        return {str(t["guid"]): str(t.get("type")) for t in self.severa.communication_types.all()}

    def communication_type(self, kind: str) -> str | None:
        return next((g for g, k in self.communication_types.items() if k == kind), None)

    @cached_property
    def default_vat(self) -> Decimal:
        rate = self.severa.vat_rates.default()
        return Decimal(str(rate["percentage"])) if rate else Decimal(25)

    @cached_property
    def organisation_currency(self) -> str:
        currency = self.severa.currencies.organisation_currency()
        return str(currency["code"]) if currency else "SEK"

    @cached_property
    def price_version(self) -> Record | None:
        """A16: the default price list's version in force today."""
        from datetime import date

        lists = self.severa.price_lists.all()
        default = next((p for p in lists if p.get("isDefault")), None)
        if default is None:
            return None
        return self.severa.price_lists.current_version(str(default["guid"]), date.today())

    @cached_property
    def work_type_prices(self) -> dict[str, Decimal]:
        version = self.price_version
        if version is None:
            return {}
        prices = {}
        for row in self.severa.price_lists.work_hour_prices(str(version["guid"])):
            if row.get("user"):
                continue  # a user's own price; the work type's price has none
            work_type = (row.get("workType") or {}).get("guid")
            if work_type:
                prices[str(work_type)] = money(row.get("unitPrice"))
        return prices

    @cached_property
    def travel_prices(self) -> dict[str, Decimal]:
        version = self.price_version
        if version is None:
            return {}
        prices = {}
        for row in self.severa.price_lists.travel_prices(str(version["guid"])):
            # TravelPriceModel: the travel expense type as "product", its prices by source
            travel = (row.get("product") or {}).get("guid")
            listed = [p for p in row.get("prices") or [] if not p.get("projectGuid")]
            if travel and listed:
                prices[str(travel)] = money(listed[0].get("price"))
        return prices


def bind_only(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
    """The non-master side's flow (A4): a record the target already has (same number or code) is bound to
    it as it is, never written over; only records the target lacks are created."""
    return dict(payload)


class FirstSight:
    """The master's flow meeting a record that the other direction made (or bound by number) and that its own
    binding does not know yet: it is bound as it is, not written over with what the round trip loses (a
    three-line address folded onto two); from then on the master's changes are written as usual.

    ``keys()`` answers the target side's keys bound by the other direction only; it is asked when the flow
    reads its targets (so bindings made earlier in the same run count)."""

    def __init__(self, keys: Callable[[], set[str]], key_of: Callable[[Source], str]) -> None:
        self.keys = keys
        self.key_of = key_of
        self.now: set[str] = set()

    def targets(self, read: Callable[[], Iterable[Source]]) -> Callable[[], Iterable[Source]]:
        def wrapped() -> Iterable[Source]:
            self.now = self.keys()
            return read()

        return wrapped

    def project(
        self, inner: Callable[[Source, dict[str, Any]], dict[str, Any]]
    ) -> Callable[[Source, dict[str, Any]], dict[str, Any]]:
        def view(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
            return dict(payload) if self.key_of(current) in self.now else inner(current, payload)

        return view


def gross(net: Decimal, vat_percent: Decimal) -> Decimal:
    """C52: the price including VAT, from Severa's rate, to the öre."""
    return (net * (1 + vat_percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
