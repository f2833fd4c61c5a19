"""Settings every integration kind has, whatever its pair: the ``general`` group with the time zone its
times are shown in (console and CLI).

Each kind subclasses :class:`GeneralSettings` only to set its ledger's country as the default zone
(e-conomic: Denmark; eAccounting / eEkonomi: Sweden), so integrations stored before the setting existed
load with that default. Times are stored in UTC; the zone only changes how they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, Field

from ledgerbridge.services.common import N_, Message
from ledgerbridge.systems.connection import Strict

DEFAULT_ZONE = "UTC"


@cache
def zone_named(name: str) -> tzinfo:
    """The zone of an IANA name (``Europe/Copenhagen``); ``ValueError`` saying what to write instead."""
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            Message(
                N_(
                    "%(zone)r is not a time zone: use an IANA name such as Europe/Copenhagen, "
                    "Europe/Stockholm, Europe/Oslo or UTC"
                ),
                zone=name,
            )
        ) from None


def _valid_zone(name: str) -> str:
    zone_named(name.strip())
    return name.strip()


#: An IANA time zone name, checked against the zone database (tzdata) when the settings are validated.
TimezoneName = Annotated[str, AfterValidator(_valid_zone)]


def timezone_field(default: str) -> Any:
    return Field(
        default,
        title="Time zone",
        description="Times in the console and the command line are shown in this zone, with its "
        "abbreviation or offset (an IANA name such as Europe/Copenhagen or Europe/Stockholm).",
    )


class GeneralSettings(Strict):
    """The group every kind's settings end with; a kind's subclass sets its ledger's zone as default."""

    timezone: TimezoneName = timezone_field(DEFAULT_ZONE)


class DanishGeneralSettings(GeneralSettings):
    """Kinds whose ledger is Visma e-conomic (Denmark)."""

    timezone: TimezoneName = timezone_field("Europe/Copenhagen")


class SwedishGeneralSettings(GeneralSettings):
    """Kinds whose ledger is Visma eAccounting / eEkonomi (Sweden)."""

    timezone: TimezoneName = timezone_field("Europe/Stockholm")


def general_field(model: type[GeneralSettings]) -> Any:
    """The ``general`` group of a kind's settings model."""
    return Field(default_factory=model, title="General")


def zone_of(settings_model: type[BaseModel], stored: Mapping[str, Any] | None) -> tzinfo:
    """The zone of an integration from its stored settings document, without validating the rest of it:
    the stored ``general.timezone``, else the kind's default, else UTC (also for a name no longer known)."""
    general = (stored or {}).get("general")
    name = general.get("timezone") if isinstance(general, Mapping) else None
    if not name:
        name = _default_zone(settings_model)
    try:
        return zone_named(str(name))
    except ValueError:
        return UTC


def _default_zone(settings_model: type[BaseModel]) -> str:
    field = settings_model.model_fields.get("general")
    model = field.default_factory if field is not None else None
    if isinstance(model, type) and issubclass(model, GeneralSettings):
        return str(model.model_fields["timezone"].default)
    return DEFAULT_ZONE


def zone_label(moment: datetime) -> str:
    """``+01:00 CET`` for an aware moment; the offset alone where the zone has no abbreviation; ``UTC``."""
    if moment.utcoffset() == timedelta(0) and moment.tzname() == "UTC":
        return "UTC"
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
    name = moment.tzname() or ""
    return f"{offset} {name}" if name and not name.startswith(("+", "-")) else offset


def in_zone(value: datetime | str | None, zone: tzinfo | None = None) -> datetime | None:
    """A stored moment (naive means UTC, as SQLite returns them) in ``zone`` (default UTC)."""
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
    return as_zone(moment, zone)


def as_zone(moment: datetime, zone: tzinfo | None = None) -> datetime:
    """``moment`` (naive means UTC) in ``zone`` (default UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone or UTC)
