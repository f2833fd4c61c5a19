"""Cost centers and cost center items over HTTP: the routes the spec has (and only those), the checks
on the items, and CostCenterItemId1/2/3 on draft, invoice and supplier rows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState
from ledgerbridge.systems.eaccounting.adapters import CostCenterItems
from ledgerbridge.systems.eaccounting.sandbox.chart import cost_center_id
from ledgerbridge.systems.errors import NotFoundError, ValidationError


def _item(center: str, short: str = "P1", name: str = "Projekt ett", active: bool = True) -> dict[str, Any]:
    return {"CostCenterId": center, "ShortName": short, "Name": name, "IsActive": active}


def _activate(raw: httpx.Client, number: int, name: str = "Projekt") -> str:
    center = cost_center_id(number)
    answer = raw.put(f"/v2/costcenters/{center}", json={"Name": name, "IsActive": True})
    assert answer.status_code == 200, answer.text
    return center


def test_a_new_company_has_three_inactive_cost_centers(raw: httpx.Client, state: EAccountingState) -> None:
    page = raw.get("/v2/costcenters").json()
    assert [(c["Number"], c["IsActive"], c["Items"]) for c in page["Data"]] == [
        (1, False, []),
        (2, False, []),
        (3, False, []),
    ]
    assert page["Meta"]["TotalNumberOfResults"] == 3


def test_items_are_created_read_updated_and_listed_only_inside_their_cost_center(
    raw: httpx.Client, state: EAccountingState
) -> None:
    center = _activate(raw, 1)
    created = raw.post("/v2/costcenteritems", json=_item(center, "P100", "Bygget"))
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["CostCenterId"] == center and item["ShortName"] == "P100" and item["CreatedUtc"]
    assert raw.get(f"/v2/costcenteritems/{item['Id']}").json() == item
    changed = raw.put(
        f"/v2/costcenteritems/{item['Id']}", json=_item(center, "P100", "Bygget (klart)", False)
    )
    assert changed.status_code == 200 and changed.json()["Name"] == "Bygget (klart)"
    assert changed.json()["IsActive"] is False and changed.json()["CreatedUtc"] == item["CreatedUtc"]
    centers = {c["Number"]: c for c in raw.get("/v2/costcenters").json()["Data"]}
    assert [i["Id"] for i in centers[1]["Items"]] == [item["Id"]]
    assert centers[1]["Name"] == "Projekt" and centers[1]["IsActive"] is True
    assert centers[2]["Items"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/costcenteritems"),
        ("DELETE", "/v2/costcenteritems/{item}"),
        ("POST", "/v2/costcenters"),
        ("DELETE", "/v2/costcenters/{center}"),
        ("GET", "/v2/costcenters/{center}"),
    ],
)
def test_routes_the_spec_does_not_have_answer_405(
    raw: httpx.Client, state: EAccountingState, method: str, path: str
) -> None:
    center = cost_center_id(1)
    item = raw.post("/v2/costcenteritems", json=_item(center)).json()["Id"]
    answer = raw.request(method, path.format(item=item, center=center), json={"Name": "x"})
    assert answer.status_code == 405
    assert answer.json()["ErrorCode"] == 4000


def test_item_fields_are_checked_in_aspnet_words(raw: httpx.Client, state: EAccountingState) -> None:
    center = cost_center_id(1)
    too_long = raw.post("/v2/costcenteritems", json=_item(center, "P12345678X", "N" * 51))
    assert too_long.status_code == 400
    messages = {e["Field"]: e["Message"] for e in too_long.json()["Errors"]}
    assert messages == {
        "ShortName": "The field ShortName must be a string with a maximum length of 9.",
        "Name": "The field Name must be a string with a maximum length of 50.",
    }
    assert raw.post("/v2/costcenteritems", json=_item(center, "P12345678")).status_code == 201  # 9 is fine
    missing = raw.post("/v2/costcenteritems", json={"CostCenterId": center}).json()
    assert {e["Field"]: e["Message"] for e in missing["Errors"]} == {
        "IsActive": "The IsActive field is required.",
        "Name": "The Name field is required.",
        "ShortName": "The ShortName field is required.",
    }
    unknown = raw.post("/v2/costcenteritems", json=_item("0f0f0f0f-0000-4000-8000-000000000000")).json()
    assert unknown["Errors"][0]["Field"] == "CostCenterId"
    long_center = raw.put(f"/v2/costcenters/{center}", json={"Name": "K" * 21, "IsActive": True})
    assert long_center.status_code == 400
    assert long_center.json()["Errors"][0]["Message"].endswith("maximum length of 20.")


def test_a_short_name_is_unique_per_cost_center_and_an_item_cannot_move(
    raw: httpx.Client, state: EAccountingState
) -> None:
    first, second = cost_center_id(1), cost_center_id(2)
    item = raw.post("/v2/costcenteritems", json=_item(first, "P1")).json()
    clash = raw.post("/v2/costcenteritems", json=_item(first, "p1", "Annat"))
    assert clash.status_code == 400 and clash.json()["ErrorCode"] == 4000
    assert raw.post("/v2/costcenteritems", json=_item(second, "P1")).status_code == 201
    moved = raw.put(f"/v2/costcenteritems/{item['Id']}", json=_item(second, "P1"))
    assert moved.status_code == 400
    assert moved.json()["Errors"][0]["Field"] == "CostCenterId"
    assert raw.get(f"/v2/costcenteritems/{item['Id']}").json()["CostCenterId"] == first


def test_unknown_items_and_cost_centers_are_404(raw: httpx.Client, state: EAccountingState) -> None:
    unknown = "0f0f0f0f-0000-4000-8000-000000000000"
    assert raw.get(f"/v2/costcenteritems/{unknown}").status_code == 404
    assert raw.put(f"/v2/costcenteritems/{unknown}", json=_item(cost_center_id(1))).status_code == 404
    assert raw.put(f"/v2/costcenters/{unknown}", json={"Name": "X", "IsActive": True}).status_code == 404


# -- rows --------------------------------------------------------------------------------------------
def _draft(demo: dict[str, dict[str, str]], **row: Any) -> dict[str, Any]:
    return {
        "CustomerId": demo["customer"]["1001"],
        "Rows": [{"ArticleId": demo["article"]["KON-TIM"], "Quantity": 2, "IsTextRow": False, **row}],
    }


def _supplier_draft(demo: dict[str, dict[str, str]], **row: Any) -> dict[str, Any]:
    return {
        "SupplierId": demo["supplier"]["1"],
        "InvoiceNumber": "L-1",
        "TotalAmount": 1250,
        "Rows": [
            {"AccountNumber": 4010, "DebitAmount": 1000, **row},
            {"AccountNumber": 2641, "DebitAmount": 250},
        ],
    }


def test_rows_name_an_active_item_of_the_cost_center_of_their_slot(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    project = demo["costcenteritem"]["P1001"]
    good = raw.post("/v2/customerinvoicedrafts", json=_draft(demo, CostCenterItemId1=project))
    assert good.status_code == 201, good.text
    assert good.json()["Rows"][0]["CostCenterItemId1"] == project
    wrong_slot = raw.post("/v2/customerinvoicedrafts", json=_draft(demo, CostCenterItemId2=project))
    assert wrong_slot.status_code == 400 and wrong_slot.json()["ErrorCode"] == 2000
    assert wrong_slot.json()["Errors"][0]["Field"] == "Rows[0].CostCenterItemId2"
    assert wrong_slot.json()["Errors"][0]["ErrorCode"] == "WrongCostCenter"
    unknown = raw.post(
        "/v2/customerinvoicedrafts",
        json=_draft(demo, CostCenterItemId1="0f0f0f0f-0000-4000-8000-000000000000"),
    )
    assert unknown.status_code == 400 and unknown.json()["Errors"][0]["ErrorCode"] == "NotFound"
    closed = raw.post(
        "/v2/customerinvoicedrafts", json=_draft(demo, CostCenterItemId1=demo["costcenteritem"]["P0999"])
    )
    assert closed.status_code == 400 and closed.json()["ErrorCode"] == 5006


def test_supplier_draft_and_invoice_rows_are_checked_too(
    raw: httpx.Client, demo: dict[str, dict[str, str]]
) -> None:
    project = demo["costcenteritem"]["P1001"]
    closed = demo["costcenteritem"]["P0999"]
    draft = raw.post("/v2/supplierinvoicedrafts", json=_supplier_draft(demo, CostCenterItemId1=project))
    assert draft.status_code == 201, draft.text
    refused = raw.post("/v2/supplierinvoicedrafts", json=_supplier_draft(demo, CostCenterItemId1=closed))
    assert refused.status_code == 400 and refused.json()["ErrorCode"] == 5006
    invoice: dict[str, Any] = {
        "SupplierId": demo["supplier"]["1"],
        "InvoiceNumber": "L-2",
        "TotalAmount": 125,
        "Rows": [
            {"AccountNumber": 4010, "DebetAmount": 100, "CostCenterItemId3": project},
            {"AccountNumber": 2641, "DebetAmount": 25},
        ],
    }
    answer = raw.post("/v2/supplierinvoices", json=invoice)
    assert answer.status_code == 400
    assert answer.json()["Errors"][0]["Field"] == "Rows[0].CostCenterItemId3"
    invoice["Rows"][0] = {"AccountNumber": 4010, "DebetAmount": 100, "CostCenterItemId1": project}
    assert raw.post("/v2/supplierinvoices", json=invoice).status_code == 201
    direct = raw.post(
        "/v2/customerinvoices",
        json={
            **_draft(demo, CostCenterItemId1=closed),
            "Rows": [{"Text": "Arbete", "CostCenterItemId1": closed}],
        },
    )
    assert direct.status_code == 400 and direct.json()["ErrorCode"] == 5006


# -- the client side ---------------------------------------------------------------------------------
def test_adapter_creates_finds_and_updates_items(client: EAccountingClient, state: EAccountingState) -> None:
    items = CostCenterItems(client)
    center = items.cost_center(1)
    assert center is not None and center["IsActive"] is False
    items.update_cost_center(center["Id"], name="Projekt", active=True)
    made = items.create(center["Id"], "100234", "Kundportal")
    assert items.find(center["Id"], "100234") == made
    assert items.find(center["Id"], "nope") is None
    assert items.find(cost_center_id(2), "100234") is None
    closed = items.update(made["Id"], active=False)
    assert closed["IsActive"] is False and closed["Name"] == "Kundportal" and closed["ShortName"] == "100234"
    assert [i["Id"] for i in items.items()] == [made["Id"]]
    assert items.cost_center(1)["Name"] == "Projekt"  # type: ignore[index]


def test_adapter_errors_are_typed(client: EAccountingClient, state: EAccountingState) -> None:
    items = CostCenterItems(client)
    center = cost_center_id(1)
    with pytest.raises(ValidationError) as too_long:
        items.create(center, "1234567890", "Tio tecken")
    assert "ShortName" in too_long.value.errors
    items.create(center, "P1", "Ett")
    with pytest.raises(ValidationError, match="short name P1"):
        items.create(center, "P1", "Ett igen")
    with pytest.raises(NotFoundError):
        items.get("0f0f0f0f-0000-4000-8000-000000000000")
