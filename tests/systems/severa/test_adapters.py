"""The Severa adapters over HTTP against the sandbox's demo organisation: what the integration will do
with each register, through the adapters' public methods only.

TODO(sandbox, engineer E): these adapter routes are in the official OpenAPI (test_adapters_spec.py checks
them and their query parameters) but the sandbox does not serve them yet, so they have no HTTP test here:
GET /v1/customers/{guid}/projects, GET /v1/contactpersons/{guid}/addresses,
GET /v1/projects/{guid}/workhours and /projecttravelexpenses, GET /v1/invoices/{guid}/workhours,
/projectfees and /projecttravelexpenses, PATCH and DELETE /v1/invoicerows/{guid},
PATCH /v1/organizationdetails, GET /v1/pricelistversions/{guid}.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.systems.errors import NotFoundError, ValidationError
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.client import SeveraClient, sortings
from ledgerbridge.systems.severa.connection import DEFAULT_SCOPES, SeveraConnection
from tests.support import FakeClock


@pytest.fixture
def severa(severa_sandbox: Any) -> Iterator[Severa]:
    connection = SeveraConnection(
        base_url=severa_sandbox.base_url,
        client_id=severa_sandbox.client_id,
        client_secret=severa_sandbox.client_secret,
        scopes=(
            *DEFAULT_SCOPES,
            "customers:delete",
            "fees:delete",
            "hours:read",
            "hours:write",
            "travels:read",
            "travels:write",
        ),
    )
    with SeveraClient.open(connection, pacer=None) as client:
        yield Severa(client)


def new_customer(severa: Severa, name: str, number: int, **fields: Any) -> dict[str, Any]:
    return severa.customers.create({"name": name, "number": number, **fields})


# -- customers and what hangs on them -------------------------------------------------------------
def test_customer_found_by_number_and_by_exact_name(severa: Severa) -> None:
    made = new_customer(severa, "Fjällräven Konsult AB", 77001, vatNumber="SE556677889901")
    assert severa.customers.by_number(77001) == made
    assert severa.customers.by_number(77002) is None
    assert [c["guid"] for c in severa.customers.by_name("Fjällräven Konsult AB")] == [made["guid"]]
    assert severa.customers.by_name("Fjällräven") == []  # exact names only


def test_customer_addresses_billing_first_and_three_lines(severa: Severa) -> None:
    customer = new_customer(severa, "Adressbolaget AB", 77010)
    sweden = severa.countries.by_code2("se")
    assert sweden is not None
    visit = severa.customers.add_address(
        customer["guid"], {"addressline": "Besöksgatan 1", "city": "Umeå", "isVisitAddress": True}
    )
    billing = severa.addresses.create(
        {
            "customer": {"guid": customer["guid"]},  # the parent comes from the body
            "addressline": "Box 12\nFakturaavdelningen\nPlan 3",
            "postalCode": "901 10",
            "city": "Umeå",
            "country": {"guid": sweden["guid"]},
            "isBillingAddress": True,
        }
    )
    listed = severa.customers.addresses(customer["guid"])
    assert [a["guid"] for a in listed] == [visit["guid"], billing["guid"]]
    assert billing["addressline"].split("\n") == ["Box 12", "Fakturaavdelningen", "Plan 3"]
    assert billing["country"]["guid"] == sweden["guid"]
    moved = severa.addresses.update(billing["guid"], {"/postalCode": "901 11"})
    assert moved["postalCode"] == "901 11"
    assert severa.addresses.read(billing["guid"])["postalCode"] == "901 11"


def test_contact_with_communications_of_each_kind(severa: Severa) -> None:
    customer = new_customer(severa, "Kontaktbolaget AB", 77020)
    address = severa.customers.add_address(
        customer["guid"], {"addressline": "Gatan 2", "isBillingAddress": True}
    )
    contact = severa.contact_persons.create(
        {
            "firstName": "Anna",
            "lastName": "Lind",
            "customer": {"guid": customer["guid"]},
            "addressGuid": address["guid"],
        }
    )
    assert [c["guid"] for c in severa.customers.contact_persons(customer["guid"])] == [contact["guid"]]
    made = {}
    for kind, value in (
        ("EmailAddress", "anna@kontakt.se"),
        ("Phone", "090-12 34 56"),
        ("MobilePhone", "070-123 45 67"),
    ):
        kind_guid = severa.communication_types.of_kind(kind)[0]["guid"]
        made[kind] = severa.contact_communications.create(
            {"value": value, "contact": {"guid": contact["guid"]}, "communicationType": {"guid": kind_guid}}
        )
    found = severa.contact_communications.for_contact(contact["guid"])
    assert sorted(c["value"] for c in found) == sorted(c["value"] for c in made.values())
    renamed = severa.contact_persons.update(contact["guid"], {"lastName": "Lind-Berg"})
    assert (renamed["firstName"], renamed["lastName"]) == ("Anna", "Lind-Berg")


def test_a_contact_needs_a_customer(severa: Severa) -> None:
    with pytest.raises(ValidationError):
        severa.contact_persons.create({"firstName": "Ingen", "lastName": "Kund"})


def test_incremental_reads_of_customers_addresses_and_contacts(severa: Severa, severa_sandbox: Any) -> None:
    clock = FakeClock(datetime.now(UTC) + timedelta(days=1))  # after the demo organisation was seeded
    severa_sandbox.state.clock = clock
    since = clock.now
    customer = new_customer(severa, "Nyss Ändrad AB", 77030)
    address = severa.customers.add_address(customer["guid"], {"addressline": "Ny väg 1"})
    contact = severa.contact_persons.create(
        {"firstName": "Per", "lastName": "Ny", "customer": {"guid": customer["guid"]}}
    )
    assert [c["guid"] for c in severa.customers.search(changed_since=since)] == [customer["guid"]]
    assert [a["guid"] for a in severa.addresses.search(changed_since=since)] == [address["guid"]]
    assert [c["guid"] for c in severa.contact_persons.search(changed_since=since)] == [contact["guid"]]


def test_deleted_customer_is_gone(severa: Severa) -> None:
    customer = new_customer(severa, "Kortlivad AB", 77040)
    severa.customers.delete(customer["guid"])
    with pytest.raises(NotFoundError):
        severa.customers.read(customer["guid"])


# -- lookups ---------------------------------------------------------------------------------------
def test_lookups_vat_currency_country(severa: Severa) -> None:
    default = severa.vat_rates.default()
    assert default is not None and default["isDefault"]
    sek = severa.currencies.organisation_currency()
    assert sek is not None and sek["code"] == "SEK"
    assert severa.currencies.by_code("sek") == sek
    sweden = severa.countries.by_code2("SE")
    assert sweden is not None and sweden["code2"] == "SE"
    assert severa.countries.read(sweden["guid"])["code2"] == "SE"
    assert severa.countries.by_code2("XX") is None or severa.countries.by_code2("XX") == {}


# -- products, work types, travel expense types, prices -------------------------------------------
def test_products_created_found_by_code_and_repriced(severa: Severa) -> None:
    product = severa.products.create(
        {
            "name": "Licens Pro",
            "code": "LIC-PRO",
            "unitPrice": {"amount": Decimal("1250.50"), "currencyCode": "SEK"},
            "vatRate": 25,
            "measurementUnit": "st",
            "type": "Materials",
        }
    )
    assert product["unitPrice"]["amount"] == Decimal("1250.50")  # decoded as Decimal, never a float
    assert [p["guid"] for p in severa.products.by_code("LIC-PRO")] == [product["guid"]]
    repriced = severa.products.update(product["guid"], {"/unitPrice/amount": Decimal("1300.25")})
    assert repriced["unitPrice"]["amount"] == Decimal("1300.25")
    everything = severa.products.all(row_count=2)  # cursor paging through the catalogue
    assert product["guid"] in [p["guid"] for p in everything]
    assert len({p["guid"] for p in everything}) == len(everything)


def test_work_types_and_travel_types_by_code(severa: Severa) -> None:
    work_types = severa.work_types.all(row_count=2)  # offset paging
    coded = [w for w in work_types if w.get("code")]
    assert coded, "the demo has work types with codes"
    assert [w["guid"] for w in severa.work_types.by_code(coded[0]["code"])] == [coded[0]["guid"]]
    made = severa.work_types.create({"name": "Granskning", "code": "GRANSK"})
    assert severa.work_types.update(made["guid"], {"isActive": False})["isActive"] is False

    travel = severa.travel_expense_types.all()
    assert {t["expenseClass"] for t in travel} >= {"Mileage", "DailyAllowance", "OtherTravelExpense"}
    mileage = next(t for t in travel if t["expenseClass"] == "Mileage")
    assert severa.travel_expense_types.by_code(mileage["code"])[0]["guid"] == mileage["guid"]
    with pytest.raises(ValueError, match="no changedSince"):
        severa.travel_expense_types.all(changed_since=datetime.now(UTC))


def test_offset_lists_sorted_as_asked(severa: Severa) -> None:
    down = [w["name"] for w in severa.work_types.search(row_count=2, **sortings(("name", "Desc")))]
    up = [w["name"] for w in severa.work_types.search(row_count=2, **sortings(("name", "Asc")))]
    assert len(down) > 2 and down == sorted(down, reverse=True) and up == down[::-1]
    with pytest.raises(ValueError, match="sort direction"):
        sortings(("name", "Descending"))


def test_work_hour_and_travel_prices_of_the_current_price_list_version(severa: Severa) -> None:
    default = next(p for p in severa.price_lists.all() if p.get("isDefault"))
    versions = severa.price_lists.versions(default["guid"])
    assert len(versions) >= 2
    current = severa.price_lists.current_version(default["guid"], date(2026, 12, 1))
    assert current is not None and str(current["startDate"]).startswith("2026")
    earlier = severa.price_lists.current_version(default["guid"], date(2025, 6, 1))
    assert earlier is not None and str(earlier["startDate"]).startswith("2025")
    assert severa.price_lists.current_version(default["guid"], date(2000, 1, 1)) is None
    prices = severa.price_lists.work_hour_prices(current["guid"])
    # Amounts are exact: a Decimal, or an int where the JSON number has no fraction; never a float.
    assert prices and not any(isinstance(p["unitPrice"]["amount"], float) for p in prices)
    assert {p["workType"]["guid"] for p in prices} >= {
        w["guid"] for w in severa.work_types.all() if w.get("code")
    }
    assert severa.price_lists.travel_prices(current["guid"])


# -- projects and fees ---------------------------------------------------------------------------------
def test_projects_by_number_open_and_closed(severa: Severa) -> None:
    projects = severa.projects.all(row_count=3)
    long_number = next(p for p in projects if p["number"] > 999_999_999)
    found = severa.projects.by_number(long_number["number"])
    assert found is not None and found["guid"] == long_number["guid"]
    open_ = {p["guid"] for p in severa.projects.search(isClosed=False)}
    closed = {p["guid"] for p in severa.projects.search(isClosed=True)}
    assert closed and open_ and not open_ & closed
    assert open_ | closed == {p["guid"] for p in projects}


def test_a_project_fee_is_created_found_and_its_deletion_listed(severa: Severa) -> None:
    project = severa.projects.by_number(10004)
    assert project is not None
    text = "2026-11-28 V123 Leverantören AB"
    fee = severa.project_fees.create(  # Severa answers an array; the adapter gives the record
        {
            "project": {"guid": project["guid"]},
            "name": text,
            "description": text,
            "eventDate": "2026-11-28",
            "quantity": 1,
            "unitCost": {"amount": Decimal("1999.90"), "currencyCode": "SEK"},
            "unitPrice": {"amount": Decimal("1999.90"), "currencyCode": "SEK"},
            "isBillable": True,
            "vatRate": 25,
        }
    )
    assert fee["name"] == text and fee["unitCost"]["amount"] == Decimal("1999.90")
    assert fee["guid"] in [f["guid"] for f in severa.projects.fees(project["guid"])]
    before = datetime.now(UTC) - timedelta(minutes=1)
    severa.project_fees.delete(fee["guid"])
    assert fee["guid"] in [d["guid"] for d in severa.project_fees.deleted_since(before)]


# -- invoices --------------------------------------------------------------------------------------
def test_invoices_waiting_with_their_rows_entries_and_settings(severa: Severa) -> None:
    waiting_status = severa.invoice_statuses.by_name("Till eEkonomi")
    assert waiting_status is not None
    waiting = list(severa.invoices.in_status(waiting_status["guid"]))
    assert waiting and all(i["status"]["guid"] == waiting_status["guid"] for i in waiting)
    rows_seen = 0
    for invoice in waiting:
        rows = severa.invoices.rows(invoice["guid"])
        assert rows and all(r["invoiceGuid"] == invoice["guid"] for r in rows)
        for row in rows:
            entries = severa.invoice_rows.entries(row["guid"])
            assert entries, f"row {row['description']!r} has nothing behind it"
            codes = {
                (e.get("workType") or e.get("product") or e.get("travelExpense") or {}).get("code")
                for e in entries
            }
            assert set(row.get("code") or []) == codes - {None, ""}
            rows_seen += 1
        settings = severa.invoices.settings(invoice["guid"])
        assert settings["workHourGrouping"] in ("OneByOne", "Group", "Group+Attachment")
    assert rows_seen > len(waiting)


def test_invoice_made_from_a_project_then_moved_on_by_status(severa: Severa) -> None:
    project = severa.projects.by_number(10009)
    draft = severa.invoice_statuses.by_name("Till eEkonomi")
    sent = severa.invoice_statuses.by_name("Skickad")
    assert project and draft and sent
    made = severa.invoices.create_from_projects(
        [project["guid"]], status_guid=draft["guid"], invoice_date=date(2026, 12, 1)
    )
    assert len(made) == 1
    invoice = made[0]
    assert invoice["status"]["guid"] == draft["guid"] and invoice["projects"][0]["guid"] == project["guid"]
    assert severa.invoices.rows(invoice["guid"])
    moved = severa.invoices.set_status(
        invoice["guid"], sent["guid"], number=880042, referenceNumber="8800425"
    )
    assert (moved["status"]["guid"], moved["number"], moved["referenceNumber"]) == (
        sent["guid"],
        880042,
        "8800425",
    )
    assert moved["status"]["isSent"] is True
    again = severa.invoices.read(invoice["guid"])
    assert again["number"] == 880042


def test_invoice_settings_grouping_and_payment_date(severa: Severa) -> None:
    invoice = next(severa.invoices.search())
    settings = severa.invoices.settings(invoice["guid"])
    changed = severa.invoice_settings.update(settings["guid"], {"paymentDate": date(2026, 12, 24)})
    assert str(changed["paymentDate"]).startswith("2026-12-24")
    assert str(severa.invoices.settings(invoice["guid"])["paymentDate"]).startswith("2026-12-24")


# -- organisation ------------------------------------------------------------------------------------
def test_organisation_details_and_settings(severa: Severa) -> None:
    details = severa.organisation.details()
    assert details["currency"]["code"] == "SEK"
    settings = severa.organisation.settings()
    assert "uniqueIdentifierForProductsAndWorktypes" in settings


def test_new_work_hours_and_travel_become_the_rows_of_the_next_invoice(severa: Severa) -> None:
    project = severa.projects.by_number(10003)
    to_eekonomi = severa.invoice_statuses.by_name("Till eEkonomi")
    assert project and to_eekonomi
    user = severa.work_hours.all()[0]["user"]
    work_type = severa.work_types.by_code("UTV")[0]
    mileage = next(t for t in severa.travel_expense_types.all() if t["expenseClass"] == "Mileage")
    since = datetime.now(UTC) - timedelta(seconds=1)
    hour = severa.work_hours.create(
        {
            "eventDate": "2026-12-02",
            "phase": {"guid": project["rootPhase"]["guid"]},
            "user": {"guid": user["guid"]},
            "workType": {"guid": work_type["guid"]},
            "quantity": 3.5,
            "description": "Efterarbete",
            "isBillable": True,
        }
    )
    trip = severa.project_travel_expenses.create(
        {
            "project": {"guid": project["guid"]},
            "phase": {"guid": project["rootPhase"]["guid"]},
            "user": {"guid": user["guid"]},
            "travelExpense": {"guid": mileage["guid"]},
            "eventDate": "2026-12-02",
            "quantity": 42,
            "isBillable": True,
        }
    )
    assert hour["guid"] in [h["guid"] for h in severa.work_hours.search(changed_since=since)]
    assert trip["guid"] in [t["guid"] for t in severa.project_travel_expenses.search(changed_since=since)]

    invoice = severa.invoices.create_from_projects([project["guid"]], status_guid=to_eekonomi["guid"])[0]
    behind = {
        e["guid"]
        for row in severa.invoices.rows(invoice["guid"])
        for e in severa.invoice_rows.entries(row["guid"])
    }
    assert behind == {hour["guid"], trip["guid"]}  # only what was not invoiced before
