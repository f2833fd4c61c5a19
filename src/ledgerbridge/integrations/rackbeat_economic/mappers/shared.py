"""What several Rackbeat ↔ e-conomic mappers resolve alike: bindings, layouts, VAT zones, the street."""

from __future__ import annotations

from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.converters import economic_vat_zone_number, nested, number_of
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings


def economic_ref(ctx: MapContext, entity: str, key: Any, field: str) -> dict[str, int] | None:
    """e-conomic's reference object (``{"customerGroupNumber": 3}``) for a bound Rackbeat record."""
    return None if key in (None, "") else {field: int(ctx.ref(entity, key))}


def rackbeat_ref(ctx: MapContext, entity: str, number: Any) -> int | None:
    """The Rackbeat number bound to an e-conomic one (None for no reference)."""
    return None if number is None else int(ctx.ref(entity, number))


def vat_zone(value: Any) -> dict[str, int] | None:
    """e-conomic's VAT zone reference for a Rackbeat zone."""
    number = economic_vat_zone_number(value)
    return None if number is None else {"vatZoneNumber": number}


def customer_vat_zone(record: Record, settings: RackbeatEconomicSettings) -> dict[str, int] | None:
    """The VAT zone of a customer or its invoice. With "Activate One Stop VAT", an EU private customer
    (EU zone, no CVR/VAT number) gets the e-conomic VAT zone set up for its country."""
    zone = record.get("vat_zone") or "domestic"
    invoices = settings.customer_invoices
    if invoices.one_stop_vat and zone == "eu" and not record.get("company_vat"):
        country = str(record.get("address_country") or "").strip()
        zones = {name.strip().lower(): number for name, number in invoices.one_stop_vat_zones.items()}
        if country.lower() not in zones:
            raise MappingError(
                f"One Stop VAT is on; this EU private customer lives in {country or 'an unknown country'}: "
                "add that country's e-conomic VAT zone to customer_invoices.one_stop_vat_zones"
            )
        return {"vatZoneNumber": zones[country.lower()]}
    return vat_zone(zone)


def payment_terms_of(record: Record) -> Any:
    """A Rackbeat customer's or supplier's payment terms (``payment_terms_id``, or the object's number)."""
    return record.get("payment_terms_id") or number_of(record.get("payment_terms"))


def require_payment_terms(record: Record, party: str) -> None:
    """e-conomic keeps no customer or supplier without payment terms: refuse one Rackbeat has none for."""
    if payment_terms_of(record) in (None, ""):
        raise MappingError(f"the {party} has no payment terms in Rackbeat (e-conomic requires them)")


def rackbeat_party_refs(record: Record, ctx: MapContext) -> Payload:
    """What an e-conomic customer and supplier refer to alike, as Rackbeat's: the VAT zone (by the
    ``vat_zone`` lookup), the payment terms and the layout (by their bindings)."""
    zone = nested(record, "vatZone", "vatZoneNumber")
    return {
        "vat_zone": None if zone is None else ctx.lookup("vat_zone", zone),
        "payment_terms_id": rackbeat_ref(
            ctx, "payment_term", nested(record, "paymentTerms", "paymentTermsNumber")
        ),
        "layout_id": rackbeat_ref(ctx, "layout", nested(record, "layout", "layoutNumber")),
    }


def layout_ref(settings: RackbeatEconomicSettings, rackbeat_layout: Any) -> dict[str, int] | None:
    """The e-conomic layout for a Rackbeat one: the settings' "Layouts" mapping, else the same number."""
    if rackbeat_layout in (None, ""):
        return None
    for economic_number, mapped in settings.layouts.items():
        if str(mapped) == str(rackbeat_layout):
            return {"layoutNumber": int(economic_number)}
    return {"layoutNumber": int(rackbeat_layout)}


def street(record: Record) -> str | None:
    """e-conomic's one address field from Rackbeat's two street lines."""
    lines = [record.get("address_street"), record.get("address_street2")]
    return "\n".join(line for line in lines if line) or None


def rackbeat_address(record: Record) -> dict[str, Any]:
    """Rackbeat's address fields from an e-conomic customer's or supplier's."""
    return {
        "address_street": record.get("address"),
        "address_zipcode": record.get("zip"),
        "address_city": record.get("city"),
        "address_country": record.get("country"),
    }
