"""A stand-in for severa-eaccounting's run lookups in mapper unit tests: each list is a small table."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.severa_eaccounting.settings import SeveraEAccountingSettings
from tests.integrations.mappers.support import FakeContext


class FakeSeveraCustomers:
    def __init__(self, by_name: dict[str, list[dict[str, Any]]]) -> None:
        self.names = by_name

    def by_name(self, name: str) -> list[dict[str, Any]]:
        return self.names.get(name, [])


class FakeSevera:
    def __init__(self, by_name: dict[str, list[dict[str, Any]]]) -> None:
        self.customers = FakeSeveraCustomers(by_name)


class FakeLookups:
    """Terms: 30 days = T30; units tim, km, st; codings C25 (25 %) and C12 (12 %); Sweden is SE-guid."""

    def __init__(
        self,
        settings: dict[str, Any] | None = None,
        by_name: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.settings = SeveraEAccountingSettings.model_validate(settings or {})
        self.severa = FakeSevera(by_name or {})
        self.countries = {"SE-guid": {"code2": "SE"}, "NO-guid": {"code2": "NO"}}
        self.communication_types = {"e": "EmailAddress", "p": "Phone", "m": "MobilePhone"}
        self.work_type_prices = {"wt-1": Decimal("950")}
        self.travel_prices = {"tt-1": Decimal("25")}
        self.default_vat = Decimal("25")
        self.organisation_currency = "SEK"
        self.units = {"tim": "U-tim", "km": "U-km", "st": "U-st", "kg": "U-kg"}
        self.codings = {"C25": Decimal("25"), "C12": Decimal("12")}

    def terms_id(self, days: Any) -> str:
        if days is None:
            return "T-default"
        if int(days) != 30:
            raise MappingError(f"eEkonomi has no terms of payment of {days} days net: add them in eEkonomi")
        return "T30"

    def term_days(self, terms_id: Any) -> int | None:
        return 30 if terms_id == "T30" else None

    def unit_id(self, wanted: str | None) -> str | None:
        return self.units.get((wanted or "").casefold())

    def unit_abbreviation(self, unit_id: Any) -> str | None:
        return next((name for name, id_ in self.units.items() if id_ == unit_id), None)

    def coding_for_rate(self, rate: Decimal) -> str:
        return next((id_ for id_, vat in self.codings.items() if vat == rate), "C25")

    def coding_vat(self, coding_id: Any) -> Decimal | None:
        return self.codings.get(str(coding_id))


CTX = FakeContext(SeveraEAccountingSettings())
