"""The Severa sandbox over HTTP: the demo organisation, entries, invoices made from them, statuses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest


@pytest.fixture
def api(severa_sandbox: Any) -> Iterator[httpx.Client]:
    token = httpx.post(
        f"{severa_sandbox.base_url}/v1/token", json={"client_id": "sandbox", "client_secret": "sandbox"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Client_Id": "sandbox"}
    with httpx.Client(base_url=severa_sandbox.base_url, headers=headers) as client:
        yield client


def _status(api: httpx.Client, name: str) -> dict[str, Any]:
    return dict(next(s for s in api.get("/v1/invoicestatuses").json() if s["name"] == name))


def _project(api: httpx.Client, number: int) -> dict[str, Any]:
    [project] = api.get("/v1/projects", params={"numbers": str(number)}).json()
    return dict(project)


def _by_code(api: httpx.Client, path: str, code: str) -> dict[str, Any]:
    [found] = api.get(path, params={"code": code}).json()
    return dict(found)


def _user(api: httpx.Client) -> str:
    return str(api.get("/v1/users", params={"code": "EJ"}).json()[0]["guid"])


def _work_hour(
    api: httpx.Client, project: dict[str, Any], code: str, hours: float, day: str
) -> dict[str, Any]:
    body = {
        "eventDate": day,
        "phase": {"guid": project["rootPhase"]["guid"]},
        "user": {"guid": _user(api)},
        "workType": {"guid": _by_code(api, "/v1/worktypes", code)["guid"]},
        "quantity": hours,
    }
    response = api.post("/v1/workhours", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


# -- the demo organisation -------------------------------------------------------------------------
def test_demo_has_the_special_cases_the_integration_meets(api: httpx.Client) -> None:
    statuses = [s["name"] for s in api.get("/v1/invoicestatuses").json()]
    assert statuses == ["Utkast", "Till eEkonomi", "Överförd till eEkonomi", "Skickad", "Betald"]
    waiting = api.get(
        "/v1/invoices", params={"invoiceStatusGuids": _status(api, "Till eEkonomi")["guid"]}
    ).json()
    assert len(waiting) == 5 and all(i["number"] is None for i in waiting)
    # One waiting invoice has hours grouped by project: a row behind which are two work types' codes.
    logistics = next(i for i in waiting if i["projects"][0]["number"] == 1234567890)
    rows = api.get(f"/v1/invoices/{logistics['guid']}/invoicerows").json()
    assert ["DOK", "SUP"] in [r["code"] for r in rows]
    by_number = {p["number"]: p for p in api.get("/v1/projects", params={"rowCount": 100}).json()}
    assert len(by_number) == 11
    assert by_number[10006]["isClosed"] and by_number[10006]["closedDate"]
    assert by_number[10010]["isInternal"]
    assert len(str(max(by_number))) > 9
    customers = api.get("/v1/customers", params={"rowCount": 100}).json()
    assert len(customers) == 20  # "~20 customers"
    names = [c["name"] for c in customers]
    assert [n for n in set(names) if names.count(n) > 1] == ["Nordic Sustain AB"]  # a duplicate name
    assert 1234 in {c["number"] for c in customers}  # eEkonomi's "01234" collapses onto it (leading zero)
    assert len([p for p in by_number.values() if p["isClosed"]]) == 1
    assert len([p for p in by_number.values() if p["isInternal"]]) == 1
    no_address = next(c for c in customers if c["number"] == 1004)
    assert no_address["headquarterAddress"] is None
    three_lines = next(c for c in customers if c["number"] == 1003)["headquarterAddress"]["addressline"]
    assert three_lines.count("\n") == 2
    kiruna = next(c for c in customers if c["number"] == 1002)
    billing = [
        a for a in api.get(f"/v1/customers/{kiruna['guid']}/addresses").json() if a["isBillingAddress"]
    ]
    assert len(billing) == 2
    # Codes: one product without a code, "KONS" both a product and a work type.
    products = api.get("/v1/products", params={"rowCount": 100}).json()
    assert any(p["code"] is None for p in products)
    assert _by_code(api, "/v1/products", "KONS") and _by_code(api, "/v1/worktypes", "KONS")
    travel_types = api.get("/v1/travelexpensetypes").json()
    classes = {t["expenseClass"] for t in travel_types}
    assert classes == {"Mileage", "DailyAllowance", "OtherTravelExpense"}
    assert all(t["code"] for t in travel_types)  # travel types with codes
    assert all(w["code"] for w in api.get("/v1/worktypes", params={"rowCount": 100}).json())
    assert len([p for p in products if p["code"] is None]) == 1


def test_contacts_carry_their_communications(api: httpx.Client) -> None:
    customer = api.get("/v1/customers", params={"numbers": "1001"}).json()[0]
    contacts = api.get(f"/v1/customers/{customer['guid']}/contactpersons").json()
    maria = next(c for c in contacts if c["firstName"] == "Maria")
    assert maria["name"] == "Maria Berg"
    assert maria["emails"] == ["maria.berg@norrlandstra.se"]
    assert sorted(maria["phoneNumbers"]) == ["070-111 11 11", "0911-100 11"]
    communications = api.get(f"/v1/contacts/{maria['guid']}/contactcommunications").json()
    assert {c["communicationType"]["type"] for c in communications} == {
        "EmailAddress",
        "Phone",
        "MobilePhone",
    }
    billing = next(
        a for a in api.get(f"/v1/customers/{customer['guid']}/addresses").json() if a["isBillingAddress"]
    )
    assert [c["guid"] for c in billing["contacts"]] == [maria["guid"]]


def test_offset_lists_sort_and_travel_types_default_to_all(api: httpx.Client, severa_sandbox: Any) -> None:
    for i in range(25):
        body = {
            "name": f"Typ {i:02}",
            "expenseClass": "OtherTravelExpense",
            "unitCost": {"amount": 1, "currencyCode": "SEK"},
        }
        assert api.post("/v1/travelexpensetypes", json=body).status_code == 201
    assert len(api.get("/v1/travelexpensetypes").json()) == 29  # "Default all" on this route
    names = [
        w["name"]
        for w in api.get(
            "/v1/worktypes", params={"sortings[0].key": "name", "sortings[0].value": "Desc"}
        ).json()
    ]
    assert names == sorted(names, reverse=True)
    refused = api.get("/v1/worktypes", params={"sortings[0].key": "name", "sortings[0].value": "Sideways"})
    assert refused.status_code == 400


# -- entries and invoices --------------------------------------------------------------------------
def test_post_invoices_turns_entries_into_rows_one_by_one_then_grouped(api: httpx.Client) -> None:
    project = _project(api, 10009)
    _work_hour(api, project, "UTV", 3, "2026-11-24")
    created = api.post("/v1/invoices", json={"projects": [{"guid": project["guid"]}]})
    assert created.status_code == 201
    [invoice] = created.json()
    assert invoice["status"]["name"] == "Utkast" and invoice["number"] is None
    assert invoice["customer"]["number"] == 1016 and invoice["currency"]["code"] == "NOK"
    rows = api.get(f"/v1/invoices/{invoice['guid']}/invoicerows").json()
    hours = [r for r in rows if r["rowType"] == "Hours"]
    assert len(hours) == 5  # four demo entries and the new one, one row each
    assert {tuple(r["code"]) for r in hours} == {("PL",), ("UTV",), ("KONS",)}
    fee_row = next(r for r in rows if r["rowType"] == "ProjectFees")
    assert fee_row["code"] == ["LIC-01"] and fee_row["category"] == "ProjectFees"
    behind = api.get(f"/v1/invoicerows/{hours[1]['guid']}/workhours").json()
    assert len(behind) == 1 and behind[0]["invoice"]["guid"] == invoice["guid"]
    assert behind[0]["invoiceRowGuid"] == hours[1]["guid"] and behind[0]["isModifiable"] is False
    # Nothing is left to invoice on the project.
    assert api.get(f"/v1/projects/{project['guid']}/projectfees", params={"isBilled": "false"}).json() == []

    settings = api.get(f"/v1/invoices/{invoice['guid']}/invoicesettings").json()
    assert settings["workHourGrouping"] == "OneByOne"
    patched = api.patch(
        f"/v1/invoicesettings/{settings['guid']}",
        json=[{"op": "Replace", "path": "/workHourGrouping", "value": "Group"}],
    )
    assert patched.status_code == 200 and patched.json()["workHourGrouping"] == "Group"
    grouped = [
        r for r in api.get(f"/v1/invoices/{invoice['guid']}/invoicerows").json() if r["rowType"] == "Hours"
    ]
    assert sorted((r["code"][0], r["quantity"]) for r in grouped) == [
        ("KONS", 1.25),
        ("PL", 2.5),
        ("UTV", 16.5),
    ]
    after = api.get(f"/v1/invoices/{invoice['guid']}").json()
    assert after["totalExcludingTax"] == invoice["totalExcludingTax"]  # grouping does not change the sum
    by_project = [{"op": "Replace", "path": "/workHourPrimaryGroupBy", "value": "Project"}]
    assert api.patch(f"/v1/invoicesettings/{settings['guid']}", json=by_project).status_code == 200
    rows = api.get(f"/v1/invoices/{invoice['guid']}/invoicerows", params={"rowType": "Hours"}).json()
    assert len(rows) == 3  # one per price: the project's name, the codes behind it
    assert all(r["description"] == project["name"] or len(r["code"]) == 1 for r in rows)
    bad = [{"op": "Replace", "path": "/workHourPrimaryGroupBy", "value": "Moon"}]
    assert api.patch(f"/v1/invoicesettings/{settings['guid']}", json=bad).status_code == 400


def test_invoiced_entries_cannot_change_and_closed_projects_take_no_entries(api: httpx.Client) -> None:
    invoiced = api.get("/v1/workhours", params={"rowCount": 1}).json()[0]
    assert invoiced["invoice"] is not None
    refused = api.patch(
        f"/v1/workhours/{invoiced['guid']}", json=[{"op": "Replace", "path": "/quantity", "value": 9}]
    )
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "InvalidOperation"
    assert api.delete(f"/v1/workhours/{invoiced['guid']}").status_code == 400
    closed = _project(api, 10006)
    body = {
        "eventDate": "2026-11-24",
        "phase": {"guid": closed["rootPhase"]["guid"]},
        "user": {"guid": _user(api)},
        "workType": {"guid": _by_code(api, "/v1/worktypes", "UTV")["guid"]},
        "quantity": 1,
    }
    assert api.post("/v1/workhours", json=body).json()["error"]["type"] == "InvalidOperation"
    internal = _project(api, 10010)
    refused_invoice = api.post("/v1/invoices", json={"projects": [{"guid": internal["guid"]}]})
    assert refused_invoice.status_code == 400


def test_status_write_back_sets_number_reference_and_payment_date(api: httpx.Client) -> None:
    waiting = _status(api, "Till eEkonomi")
    invoice = api.get("/v1/invoices", params={"invoiceStatusGuids": waiting["guid"], "rowCount": 1}).json()[0]
    transferred = _status(api, "Överförd till eEkonomi")
    ops = [{"op": "Replace", "path": "/status/guid", "value": transferred["guid"]}]
    [moved] = api.patch(f"/v1/invoices/{invoice['guid']}", json=ops).json()
    assert moved["status"]["name"] == "Överförd till eEkonomi" and moved["number"] is None
    sent = _status(api, "Skickad")
    ops = [
        {"op": "Replace", "path": "/number", "value": "5001"},
        {"op": "Replace", "path": "/referenceNumber", "value": "500153"},
        {"op": "Replace", "path": "/status/guid", "value": sent["guid"]},
    ]
    [numbered] = api.patch(f"/v1/invoices/{invoice['guid']}", json=ops).json()
    assert (numbered["number"], numbered["referenceNumber"]) == (5001, "500153")
    assert numbered["status"]["isSent"] and numbered["canBeDeleted"] is False
    paid = _status(api, "Betald")
    ops = [
        {"op": "Replace", "path": "/status/guid", "value": paid["guid"]},
        {"op": "Replace", "path": "/paymentDate", "value": "2026-12-01"},
    ]
    [done] = api.patch(f"/v1/invoices/{invoice['guid']}", json=ops).json()
    assert done["status"]["isPaid"] and done["paymentDate"] == "2026-12-01"
    assert api.delete(f"/v1/invoices/{invoice['guid']}").status_code == 400
    # Another invoice cannot take the same number; a status with numbering gives the series' next one.
    other = api.get("/v1/invoices", params={"invoiceStatusGuids": waiting["guid"], "rowCount": 1}).json()[0]
    clash = api.patch(
        f"/v1/invoices/{other['guid']}", json=[{"op": "Replace", "path": "/number", "value": 5001}]
    )
    assert clash.status_code == 400
    expected = api.get("/v1/organizationsettings").json()["nextInvoiceNumber"]
    [auto] = api.patch(
        f"/v1/invoices/{other['guid']}",
        json=[{"op": "Replace", "path": "/status/guid", "value": sent["guid"]}],
    ).json()
    assert auto["number"] == expected == 3  # the organisation's series (1 and 2 are the demo's)


def test_deleting_a_draft_invoice_releases_its_entries(api: httpx.Client) -> None:
    draft = api.get("/v1/invoices", params={"invoiceStatusGuids": _status(api, "Utkast")["guid"]}).json()[0]
    project = draft["projects"][0]["guid"]
    assert api.delete(f"/v1/invoices/{draft['guid']}").status_code == 204
    assert api.get(f"/v1/invoices/{draft['guid']}").status_code == 404
    unbilled = api.get(f"/v1/projects/{project}/projectfees", params={"isBilled": "false"}).json()
    assert unbilled and all(f["invoice"] is None for f in unbilled)
    again = api.post("/v1/invoices", json={"projects": [{"guid": project}]})
    assert again.status_code == 201 and again.json()[0]["totalExcludingTax"] == draft["totalExcludingTax"]


def test_project_fees_post_answers_an_array_and_deletions_are_listed(api: httpx.Client) -> None:
    project = _project(api, 10009)
    body = {
        "project": {"guid": project["guid"]},
        "name": "2026-11-20 V123 Leverantör AB",
        "description": "2026-11-20 V123 Leverantör AB",
        "eventDate": "2026-11-20",
        "quantity": 1,
        "unitCost": {"amount": 1234.5, "currencyCode": "SEK"},
        "unitPrice": {"amount": 0, "currencyCode": "SEK"},
        "isBillable": False,
    }
    created = api.post("/v1/projectfees", json=body)
    assert created.status_code == 201
    [fee] = created.json()
    assert fee["unitCost"]["amount"] == 1234.5 and fee["vatRate"] == 25  # the organisation's default VAT
    assert fee["product"] is None and fee["productType"] is None
    assert api.delete(f"/v1/projectfees/{fee['guid']}").status_code == 204
    deleted = api.get("/v1/deletedprojectfees", params={"projectGuids": project["guid"]}).json()
    assert [d["guid"] for d in deleted] == [fee["guid"]]


def test_unique_codes_across_products_and_work_types_when_the_setting_is_on(
    api: httpx.Client, severa_sandbox: Any
) -> None:
    assert api.post("/v1/products", json={"name": "Dubbelkod", "code": "PL"}).status_code == 201
    severa_sandbox.state.organization.settings["uniqueIdentifierForProductsAndWorktypes"] = True
    refused = api.post("/v1/products", json={"name": "Dubbelkod 2", "code": "UTV"})
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "InvalidOperation"
    assert api.get("/v1/organizationsettings").json()["uniqueIdentifierForProductsAndWorktypes"] is True


def test_third_party_path_prefix_is_an_alias(api: httpx.Client) -> None:
    assert api.get("/rest-api/v1.0/customers", params={"numbers": "1001"}).json()[0]["number"] == 1001
    assert api.get("/rest-api/heartbeat/authorized").status_code == 204


def test_invoices_filtered_by_total_and_deleted_fees_by_user(api: httpx.Client) -> None:
    totals = sorted(i["totalExcludingTax"]["amount"] for i in api.get("/v1/invoices").json())
    middle = totals[len(totals) // 2]
    above = api.get("/v1/invoices", params={"minimumTotalExcludingTax": str(middle)}).json()
    assert sorted(i["totalExcludingTax"]["amount"] for i in above) == [t for t in totals if t >= middle]
    below = api.get("/v1/invoices", params={"maximumTotalExcludingTax": str(middle)}).json()
    assert all(i["totalExcludingTax"]["amount"] <= middle for i in below)
    assert api.get("/v1/invoices", params={"minimumTotalExcludingTax": "lots"}).status_code == 400
    project = _project(api, 10009)
    user = _user(api)
    deleted = []
    for who in (None, user):
        body = {
            "project": {"guid": project["guid"]},
            "quantity": 1,
            **({"user": {"guid": who}} if who else {}),
        }
        [fee] = api.post("/v1/projectfees", json=body).json()
        assert api.delete(f"/v1/projectfees/{fee['guid']}").status_code == 204
        deleted.append(fee["guid"])
    assert [d["guid"] for d in api.get("/v1/deletedprojectfees").json()] == deleted
    assert [
        d["guid"] for d in api.get("/v1/deletedprojectfees", params={"userGuids": user}).json()
    ] == deleted[1:]


def test_grouped_projects_share_an_invoice_and_a_billing_customer_receives_it(api: httpx.Client) -> None:
    customer = api.get("/v1/customers", params={"numbers": "1016"}).json()[0]
    owner = _user(api)
    second = api.post(
        "/v1/projects",
        json={
            "name": "Hamnsystem etapp 2",
            "customer": {"guid": customer["guid"]},
            "projectOwner": {"guid": owner},
        },
    ).json()
    assert second["number"] == 10012 and second["currency"]["code"] == "NOK"  # the customer's currency
    _work_hour(api, second, "SUP", 4, "2026-11-25")
    first = _project(api, 10009)
    payer = api.get("/v1/customers", params={"numbers": "1002"}).json()[0]
    body = {
        "projects": [{"guid": first["guid"]}, {"guid": second["guid"]}],
        "groupProjects": True,
        "billingCustomerGuid": payer["guid"],
        "invoiceStatusGuid": _status(api, "Till eEkonomi")["guid"],
        "date": "2026-11-30",
    }
    created = api.post("/v1/invoices", json=body)
    assert created.status_code == 201
    [invoice] = created.json()
    assert {p["number"] for p in invoice["projects"]} == {10009, 10012}
    assert invoice["customer"]["number"] == 1016 and invoice["billingCustomer"]["number"] == 1002
    assert invoice["receiverCustomerName"] == "Kiruna Gruvteknik AB"
    assert invoice["receiverAddress"]["addressline"] == "Malmvägen 1"  # its first billing address
    assert invoice["date"] == "2026-11-30" and invoice["dueDate"] == "2026-12-30"  # the payer's 30 days
    assert invoice["status"]["name"] == "Till eEkonomi"
    other = _project(api, 10003)
    _work_hour(api, other, "UTV", 1, "2026-11-25")
    _work_hour(api, first, "UTV", 1, "2026-11-25")
    mixed = {"projects": [{"guid": first["guid"]}, {"guid": other["guid"]}], "groupProjects": True}
    refused = api.post("/v1/invoices", json=mixed)
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "InvalidOperation"
    apart = api.post("/v1/invoices", json={**mixed, "groupProjects": False})
    assert apart.status_code == 201 and len(apart.json()) == 2
