"""Projects → cost center items, one direction (seed 004 C54–C56).

The project number is the item's short name (``ShortName``, at most 9 characters: longer is refused,
C55/A8), the name its ``Name`` (cut to 50: items are labels, A8; no name: the number), active = not closed
(C54). Not synced: the project's customer, Severa's own cost center, dates and the rest (``ignored``).
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping

SHORT_NAME_LIMIT = 9
NAME_LIMIT = 50


class ProjectToEAccounting(Mapper):
    """A Severa project as an item of the chosen eEkonomi cost center."""

    direct = (("number", "ShortName", str),)  # C55
    ignored = ("customer", "costCenter", "closedDate", "owner", "salesStatus")

    def check(self, record: Record, ctx: MapContext) -> None:
        number = record.get("number")
        if number is None:
            raise MappingError("the project has no number; it is the cost center item's short name (C55)")
        short = str(number)
        if len(short) > SHORT_NAME_LIMIT:
            raise MappingError(
                f"project number {short} has {len(short)} digits; eEkonomi's short name (förkortning) "
                f"allows {SHORT_NAME_LIMIT}"
            )

    @mapping
    def name(self, record: Record, ctx: MapContext) -> Payload:
        return {"Name": str(record.get("name") or record["number"])[:NAME_LIMIT]}  # C56

    @mapping
    def active(self, record: Record, ctx: MapContext) -> Payload:
        return {"IsActive": not record.get("isClosed")}  # C54


map_project_to_eaccounting = ProjectToEAccounting()
