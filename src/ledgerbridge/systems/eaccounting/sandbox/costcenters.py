"""Cost centers and their items (``CostCenterApi``, ``CostCenterItemApi`` of the 2026 OpenAPI), and the
check of ``CostCenterItemId1/2/3`` on document rows.

Routes, exactly as the spec has them: ``GET /costcenters`` (each with its ``Items`` embedded — the only
way to list items), ``PUT /costcenters/{id}``; ``POST /costcenteritems`` (201), ``GET`` and ``PUT
/costcenteritems/{id}``. There is no POST or DELETE of cost centers and no list or DELETE of items
(405). Choices (UNCONFIRMED where the public material is silent):

- A company has three cost centers, ``Number`` 1, 2 and 3, named "Kostnadsställe 1..3" and inactive
  until someone names and activates them (:func:`.chart.cost_center_records`; a new state has them).
  ``Number`` and ``Items`` are read-only; a PUT replaces ``Name`` (required, ≤ 20) and ``IsActive``.
- An item needs ``CostCenterId`` (an existing cost center), ``Name`` (≤ 50), ``ShortName`` (≤ 9) and
  ``IsActive``; a ``ShortName`` used by another item of the same cost center is 400 ``ErrorCode`` 4000
  (Conflict). A PUT naming another ``CostCenterId`` is 400 (the spec: "The cost center assignment cannot
  be changed through this operation"). Validation messages use ASP.NET's wording ("The Name field is
  required.", "The field ShortName must be a string with a maximum length of 9.").
- Rows on an account with ``IsCostCenterAllowed`` false may name no item, and with
  ``IsFirstCostCenterMandatory`` must name one in slot 1 (400/2000; supplier invoices).
- Rows: ``CostCenterItemId<n>`` must name an item of the cost center whose ``Number`` is ``n`` (400/2000
  ``NotFound`` or ``WrongCostCenter``); an inactive item or an item of an inactive cost center is 400
  ``ErrorCode`` 5006 (InactiveCostCenter). Checked on customer invoice drafts, customer invoices,
  supplier invoice drafts and supplier invoices.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ledgerbridge.systems.eaccounting.sandbox.chart import COST_CENTER_NUMBERS
from ledgerbridge.systems.eaccounting.sandbox.resources import RESOURCES
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    GUID,
    HttpError,
    check_fields,
    error_response,
    field_error,
    invalid,
    not_found,
)

if TYPE_CHECKING:
    from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

SLOTS = COST_CENTER_NUMBERS
INACTIVE_COST_CENTER = 5006


def _aspnet_wording(errors: list[dict[str, Any]], fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages ASP.NET model validation writes for length problems."""
    for error in errors:
        name = error["Field"].rsplit(".", 1)[-1]
        if error["ErrorCode"] == "MaxLength" and name in fields:
            error["Message"] = (
                f"The field {name} must be a string with a maximum length of {fields[name].max_length}."
            )
    return errors


class CostCenters:
    """The rules of ``/costcenters`` and ``/costcenteritems`` (:mod:`.routes` serves them)."""

    def __init__(self, state: EAccountingState) -> None:
        self.state = state

    # -- what GET shows ----------------------------------------------------------------------------
    def render_item(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    def render_cost_center(self, center: dict[str, Any]) -> dict[str, Any]:
        items = [
            self.render_item(item)
            for item in self.state.records["costcenteritems"].values()
            if item["CostCenterId"] == center["Id"]
        ]
        return {**center, "Items": items}

    def center(self, record_id: str) -> dict[str, Any]:
        center = self.state.records["costcenters"].get(record_id.lower()) if GUID.match(record_id) else None
        if center is None:
            raise not_found(f"cost center {record_id}")
        return center

    def item(self, record_id: str) -> dict[str, Any]:
        item = self.state.records["costcenteritems"].get(record_id.lower()) if GUID.match(record_id) else None
        if item is None:
            raise not_found(f"cost center item {record_id}")
        return item

    # -- /costcenters ------------------------------------------------------------------------------
    def replace_cost_center(self, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """``PUT /costcenters/{id}``: ``Name`` and ``IsActive`` replaced; ``Number`` and ``Items`` stay."""
        resource = RESOURCES["costcenters"]
        with self.state.lock:
            center = self.center(record_id)
            errors = _aspnet_wording(check_fields(resource.fields, data, resource.required), resource.fields)
            if errors:
                raise invalid(errors)
            center["Name"] = data["Name"]
            center["IsActive"] = bool(data.get("IsActive"))
            return self.render_cost_center(center)

    # -- /costcenteritems --------------------------------------------------------------------------
    def _checked_item(self, data: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
        """The item's fields from ``data`` after every check (``current``: the item a PUT replaces)."""
        resource = RESOURCES["costcenteritems"]
        errors = _aspnet_wording(check_fields(resource.fields, data, resource.required), resource.fields)
        center_id = str(data.get("CostCenterId")).lower()
        if not errors and self.state.records["costcenters"].get(center_id) is None:
            errors.append(
                field_error(
                    "CostCenterId", "NotFound", f"CostCenterId {center_id} does not exist in /v2/costcenters."
                )
            )
        if not errors and current is not None and center_id != current["CostCenterId"]:
            errors.append(
                field_error(
                    "CostCenterId",
                    "CannotBeChanged",
                    "The cost center assignment cannot be changed through this operation.",
                )
            )
        if errors:
            raise invalid(errors)
        own_id = current["Id"] if current else None
        short_name = data["ShortName"]
        clash = next(
            (
                i
                for i in self.state.records["costcenteritems"].values()
                if i["CostCenterId"] == center_id
                and i["ShortName"].lower() == short_name.lower()
                and i["Id"] != own_id
            ),
            None,
        )
        if clash is not None:
            raise HttpError(
                error_response(
                    400,
                    4000,
                    f"Conflict: the cost center already has an item with the short name {short_name}.",
                    [field_error("ShortName", "Duplicate", f"ShortName {short_name} is already used.")],
                )
            )
        return {
            "CostCenterId": center_id,
            "Name": data["Name"],
            "ShortName": short_name,
            "IsActive": bool(data["IsActive"]),
        }

    def create_item(self, data: dict[str, Any]) -> dict[str, Any]:
        """``POST /costcenteritems``: a new item of an existing cost center."""
        with self.state.lock:
            fields = self._checked_item(data, None)
            item = {"Id": str(uuid.uuid4()), **fields, "CreatedUtc": self.state.now_text()}
            self.state.records["costcenteritems"][item["Id"]] = item
            return self.render_item(item)

    def replace_item(self, record_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """``PUT /costcenteritems/{id}``: name, short name and activity; never another cost center."""
        with self.state.lock:
            item = self.item(record_id)
            item.update(self._checked_item(data, item))
            return self.render_item(item)


def account_cost_center_errors(
    account: dict[str, Any], row: dict[str, Any], prefix: str
) -> list[dict[str, Any]]:
    """The account's own rules for a row: ``IsCostCenterAllowed`` false refuses cost center items (400/2000,
    Visma's changelog), ``IsFirstCostCenterMandatory`` needs ``CostCenterItemId1``."""
    errors: list[dict[str, Any]] = []
    named = [slot for slot in SLOTS if row.get(f"CostCenterItemId{slot}")]
    number = account.get("Number")
    if named and account.get("IsCostCenterAllowed") is False:
        errors.append(
            field_error(
                f"{prefix}CostCenterItemId{named[0]}",
                "CostCenterNotAllowed",
                f"Account {number} does not allow cost centers.",
            )
        )
    if account.get("IsFirstCostCenterMandatory") and 1 not in named:
        errors.append(
            field_error(
                f"{prefix}CostCenterItemId1",
                "Required",
                f"Account {number} needs an item of the first cost center.",
            )
        )
    return errors


def check_row_cost_centers(state: EAccountingState, rows: Iterable[Any], prefix: str = "Rows") -> None:
    """400 unless every ``CostCenterItemId<n>`` on ``rows`` names an active item of cost center ``n``."""
    problems: list[dict[str, Any]] = []
    inactive: list[dict[str, Any]] = []
    with state.lock:
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            for slot in SLOTS:
                field = f"{prefix}[{index}].CostCenterItemId{slot}"
                value = row.get(f"CostCenterItemId{slot}")
                if not isinstance(value, str) or not GUID.match(value):
                    continue  # absent, or reported by the field checks
                item = state.records["costcenteritems"].get(value.lower())
                if item is None:
                    problems.append(
                        field_error(field, "NotFound", f"Cost center item {value} does not exist.")
                    )
                    continue
                center = state.records["costcenters"][item["CostCenterId"]]
                if center["Number"] != slot:
                    problems.append(
                        field_error(
                            field,
                            "WrongCostCenter",
                            f"Cost center item {item['ShortName']} belongs to cost center "
                            f"{center['Number']}, not {slot}.",
                        )
                    )
                elif not (item["IsActive"] and center["IsActive"]):
                    inactive.append(
                        field_error(
                            field,
                            "InactiveCostCenter",
                            f"Cost center item {item['ShortName']} is not active.",
                        )
                    )
    if problems:
        raise invalid(problems + inactive)
    if inactive:
        raise invalid(
            inactive, INACTIVE_COST_CENTER, "InactiveCostCenter: a cost center item on the rows is inactive."
        )
