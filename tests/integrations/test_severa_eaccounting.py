"""severa-eaccounting end to end (seed 004), over HTTP against the Severa and eAccounting sandboxes.

Each test names the C-items of shared/research/severa-eaccounting-spec.md it proves. The exactly-once
paths (re-running every register; a crash or a lost answer between the eEkonomi draft and the Severa status
write-back) run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.service import UserError
from ledgerbridge.systems.eaccounting.adapters import (
    CostCenterItems,
    CustomerInvoices,
    SupplierInvoices,
    day_text,
)
from ledgerbridge.systems.eaccounting.sandbox.demo_data import demo_id
from ledgerbridge.systems.severa.adapters import Invoices
from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid
from tests.integrations.severa_support import NAME, STATUS, SWorld, severa_world

REGISTERS = ("customers", "products", "projects", "invoices", "supplier-invoices", "check-sent", "check-paid")


@pytest.fixture
def world(severa_sandbox: Any, tmp_path: Path) -> Iterator[SWorld]:
    with severa_world(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, severa_sandbox) as made:
        yield made


@pytest.fixture
def any_db_world(severa_sandbox: Any, database_url: str, tmp_path: Path) -> Iterator[SWorld]:
    with severa_world(database_url, tmp_path, severa_sandbox) as made:
        yield made


def fix_code_clash(world: SWorld) -> None:
    """The demo's product KONS shares its code with a work type (C8): the user renames the product."""
    with world.severa() as severa:
        severa.products.update(demo_guid("product", "KONS"), {"/code": "KONS-P"})


def master_data(world: SWorld) -> None:
    for register in ("customers", "products", "projects"):
        world.run(register)


def by_number(world: SWorld, resource: str, field: str, value: str) -> dict[str, Any]:
    return next(r for r in world.records(resource) if r.get(field) == value)


def project_items(world: SWorld) -> list[dict[str, Any]]:
    """The projects' cost center's items, as eEkonomi's API shows them (``GET /costcenters``)."""
    return CostCenterItems(world.api()).items(world.cost_center_id)


def drafts(world: SWorld) -> list[dict[str, Any]]:
    return world.records("customerinvoicedrafts")


def severa_invoice(world: SWorld, guid: str) -> dict[str, Any]:
    with world.severa() as severa:
        return severa.invoices.read(guid)


def to_transfer(world: SWorld) -> list[dict[str, Any]]:
    with world.severa() as severa:
        return list(severa.invoices.in_status(STATUS["to_transfer"]))


# -- C12, C14–C22: settings ------------------------------------------------------------------------------
def test_registers_are_refused_until_their_settings_are_chosen_with_the_reason(world: SWorld) -> None:
    world.add(settings={})
    for register in REGISTERS:
        with pytest.raises(UserError, match="cannot be transferred before these settings are set"):
            world.run(register)
    with pytest.raises(UserError, match=r"master system for customers \(masters.customers\)"):
        world.run("customers")
    assert world.records("customers") and not any(
        r.get("CustomerNumber") == "1001" for r in world.records("customers")
    )  # nothing was written
    # "transferred" must differ from "to transfer" (C20)
    same = world.settings(statuses={"transferred": STATUS["to_transfer"]})
    with pytest.raises(UserError, match="must differ"):
        world.service.update_settings(NAME, same)
    world.service.update_settings(NAME, world.settings())
    assert world.run("customers").created > 0


def test_settings_choices_are_read_live_from_both_systems(world: SWorld) -> None:
    """C13 ("Anslut"): cost centers and articles from eEkonomi, invoice statuses from Severa."""
    world.add()
    _, kind = world.service.integration(NAME)
    choices = kind.setting_choices()
    assert (world.cost_center_id, "1: Projekt") in choices["projects.cost_center_id"]
    assert ("ARB", "ARB Arbete enligt avtal") in choices["invoices.default_article_number"]
    assert (STATUS["to_transfer"], "Till eEkonomi") in choices["statuses.to_transfer"]
    assert [g for g, _ in choices["statuses.paid"]] == [g for g, _ in choices["statuses.sent"]]
    assert list(kind.Settings.model_fields)[:5] == [
        "masters", "projects", "invoices", "supplier_invoices", "statuses"
    ]  # fmt: skip


def test_severa_connection_is_tested_with_its_client_credentials(world: SWorld) -> None:
    """C62: Severa's client credentials, checked with /heartbeat/authorized; a wrong secret says so."""
    world.add()
    _, kind = world.service.integration(NAME)
    assert kind.test_connection("severa").startswith("Severa answers: signed in")  # type: ignore[attr-defined]
    assert kind.test_connection("eaccounting").startswith("eEkonomi answers")  # type: ignore[attr-defined]
    wrong = world.connection()
    wrong["severa"]["client_secret"] = "wrong"
    world.service.add_integration("wrong", "severa-eaccounting", wrong)
    _, bad = world.service.integration("wrong")
    from ledgerbridge.systems.errors import ApiError

    with pytest.raises(ApiError):
        bad.test_connection("severa")  # type: ignore[attr-defined]


# -- C5, C6, C14, C31–C45: customers ---------------------------------------------------------------------
def test_customers_from_severa_follow_the_field_rules(world: SWorld) -> None:
    world.add()
    run = world.run("customers")
    assert run.status_line.startswith(
        f"{run.created} transferred, {run.updated} updated, {run.failed} failed"
    )
    trä = by_number(world, "customers", "CustomerNumber", "1001")
    assert trä["Name"] == "Norrlands Trä AB"
    assert trä["IsPrivatePerson"] is False  # C33
    assert trä["CorporateIdentityNumber"] == trä["VatNumber"] == "SE556101010101"  # C34
    assert (trä["InvoiceAddress1"], trä["InvoicePostalCode"], trä["InvoiceCity"]) == (
        "Box 812",
        "941 28",
        "Piteå",
    )
    assert trä["Telephone"] == "0911-100 10"  # C38: the billing address's phone, not the visiting address's
    assert trä["EmailAddress"] == "ekonomi@norrlandstra.se"  # C39
    assert trä["WwwAddress"] == "https://www.norrlandstra.se"  # C40
    assert trä["ContactPersonName"] == "Maria Berg"  # C41: the billing address's first contact
    assert trä["ContactPersonEmail"] == "maria.berg@norrlandstra.se"  # C42
    assert trä["ContactPersonPhone"] == "0911-100 11" and trä["ContactPersonMobile"] == "070-111 11 11"
    assert trä["TermsOfPaymentId"] == demo_id("terms", "30")  # C43
    numbers = {r.get("CustomerNumber") for r in world.records("customers")}
    with world.severa() as severa:
        inactive = [c for c in severa.customers.search() if not c.get("isActive")]
        internal = [c for c in severa.customers.search() if c.get("isInternal")]
    assert inactive and not {str(c["number"]) for c in inactive} & numbers  # C45
    assert internal and not {str(c["number"]) for c in internal} & numbers  # A6
    errors = {e.record_key: e.message for e in world.service.errors(NAME)}
    assert "postal code and city" in errors["1004"]  # C5: no address → refused with the reason
    assert "1004" not in numbers
    assert run.failed == len([k for k in errors if not k.startswith("K")]) + 1


def test_customer_without_terms_gets_the_company_default_and_lines_fold(world: SWorld) -> None:
    """C36: lines after the first on line 2; C43: no terms → the company's default terms."""
    world.add()
    with world.severa() as severa:
        customer = severa.customers.create({"name": "Tre Rader AB", "number": 3003, "isActive": True})
        sweden = next(c["guid"] for c in severa.countries.all() if c.get("code2") == "SE")
        severa.customers.add_address(
            customer["guid"],
            {"addressline": "c/o Ekonomi\nBox 12\nHamnen", "postalCode": "972 38", "city": "Luleå",
             "country": {"guid": sweden}, "isBillingAddress": True},
        )  # fmt: skip
    world.run("customers")
    made = by_number(world, "customers", "CustomerNumber", "3003")
    assert (made["InvoiceAddress1"], made["InvoiceAddress2"]) == ("c/o Ekonomi", "Box 12, Hamnen")
    assert made["TermsOfPaymentId"] == world.books.company["TermsOfPaymentId"]


def test_customers_from_eaccounting_numeric_unique_and_split_names(world: SWorld) -> None:
    """C31 (numeric, leading zeros dropped), C32 (unique name), C41 (name split at the first space)."""
    world.add()
    api = world.api()
    api.create(
        "customers",
        {"CustomerNumber": "2002", "Name": "Norrlands Trä AB", "IsPrivatePerson": False, "IsActive": True,
         "TermsOfPaymentId": demo_id("terms", "30"), "InvoicePostalCode": "971 00", "InvoiceCity": "Luleå"},
    )  # fmt: skip
    with world.severa() as severa:
        before_1234 = severa.customers.by_number(1234)
    run = world.run("customers")
    errors = {e.record_key: e.message for e in world.service.errors(NAME)}
    assert "not numeric" in errors["K-17"]  # C31
    assert "customer names must be unique" in errors["2002"]  # C32
    with world.severa() as severa:
        energi = severa.customers.by_number(2001)
        assert energi is not None and energi["name"] == "Luleå Energi AB"
        address = severa.customers.addresses(energi["guid"])[0]
        assert (address["addressline"], address["postalCode"], address["isBillingAddress"]) == (
            "Box 5", "971 77", True
        )  # fmt: skip
        contact = severa.customers.contact_persons(energi["guid"])[0]
        assert (contact["firstName"], contact["lastName"]) == ("Karin", "Ek")
        assert energi["paymentTerm"] == 30
        # "01234" is Severa's 1234: bound, not made a second time (C31, C66)
        assert len([c for c in severa.customers.search() if c.get("number") == 1234]) == 1
        after_1234 = severa.customers.by_number(1234)
        # A4: eEkonomi is not master here, so its "01234" is bound to Severa's 1234, never written over it
        assert after_1234 is not None and before_1234 is not None
        assert (after_1234["name"], after_1234["email"]) == (before_1234["name"], before_1234["email"])
        assert severa.customers.by_number(2002) is None
    assert run.failed == len(errors)


def test_only_the_master_updates_and_the_other_sides_change_is_a_conflict(world: SWorld) -> None:
    """C14, A4: after the first transfer only the master's changes are written."""
    world.add()
    world.run("customers")
    with world.severa() as severa:
        guid = severa.customers.by_number(1001)["guid"]  # type: ignore[index]
        severa.customers.update(guid, {"/email": "faktura@norrlandstra.se"})
    api = world.api()
    current = by_number(world, "customers", "CustomerNumber", "1001")
    api.replace(f"customers/{current['Id']}", {**current, "WwwAddress": "https://changed.example"})
    run = world.run("customers")
    assert run.updated == 1
    after = by_number(world, "customers", "CustomerNumber", "1001")
    assert after["EmailAddress"] == "faktura@norrlandstra.se"
    conflicts = world.service.conflicts(NAME)
    assert any(c.field == "WwwAddress" and c.losing_value == "https://changed.example" for c in conflicts)
    # eEkonomi's changes to a bound customer never reach Severa (Severa is master)
    with world.severa() as severa:
        assert severa.customers.by_number(1001)["website"] == "https://www.norrlandstra.se"  # type: ignore[index]


# -- C7, C8, C15, C46–C53: articles ------------------------------------------------------------------------
def test_products_work_types_and_travel_types_become_articles(world: SWorld) -> None:
    world.add(settings=world.settings(masters={"products": "severa"}))
    run = world.run("products")
    article = {a["Number"]: a for a in world.records("articles")}
    unit = {u["Id"]: u["Code"] for u in world.records("units")}
    coding = {c["Id"]: c["Name"] for c in world.records("articleaccountcodings")}
    # C47/C48/C51/C52: number = code, name, price excl. VAT, incl. VAT from Severa's rate
    assert (article["LIC-01"]["Name"], article["LIC-01"]["NetPrice"], article["LIC-01"]["GrossPrice"]) == (
        "Licens projektverktyg", Decimal("1200"), Decimal("1500.00")
    )  # fmt: skip
    # A16: a work type's price from the default price list in force today (2026: PL 1350)
    assert article["UTV"]["NetPrice"] == Decimal("1100") and article["UTV"]["GrossPrice"] == Decimal(
        "1375.00"
    )
    assert article["MIL"]["NetPrice"] == Decimal("3.5") and article["MIL"]["GrossPrice"] == Decimal("3.50")
    # C50: units per register; a product keeps its own unit when eEkonomi has it
    assert unit[article["UTV"]["UnitId"]] == "tim"
    assert unit[article["MIL"]["UnitId"]] == "km"
    assert unit[article["TRAKT"]["UnitId"]] == "st" and unit[article["HOT"]["UnitId"]] == "st"
    assert unit[article["UK-SAK"]["UnitId"]] == "tim" and unit[article["LIC-01"]["UnitId"]] == "st"
    # C49: "Tjänster 25% moms" preselected (a product at another rate gets a coding of its rate)
    assert coding[article["UTV"]["CodingId"]] == "Tjänster 25% moms"
    assert article["BOK"]["VatRate"] if "VatRate" in article["BOK"] else True
    # C8: no code, or a code two registers use, is refused with the reason
    messages = " ".join(e.message for e in world.service.errors(NAME))
    assert "has no code" in messages and "used by more than one Severa register" in messages
    assert "KONS" not in article
    assert run.failed == 3
    # C53: eEkonomi's articles go to Severa's product register
    with world.severa() as severa:
        restid = severa.products.by_code("RESA-TIM")
        assert restid and restid[0]["type"] == "Materials" and restid[0]["measurementUnit"] == "tim"
        assert not severa.products.by_code("PL")  # a work type has that code: bound, not made


def test_article_coding_is_kept_on_update(world: SWorld) -> None:
    """A17: an update from the master never takes away the coding the bookkeeper chose."""
    world.add(settings=world.settings(masters={"products": "severa"}))
    world.run("products")
    goods = next(c["Id"] for c in world.records("articleaccountcodings") if c["Name"] == "Varor 25% moms")
    api = world.api()
    licence = by_number(world, "articles", "Number", "LIC-01")
    api.replace(f"articles/{licence['Id']}", {**licence, "CodingId": goods})
    with world.severa() as severa:
        severa.products.update(demo_guid("product", "LIC-01"), {"/name": "Licens projektverktyg Pro"})
    assert world.run("products").updated == 1
    after = by_number(world, "articles", "Number", "LIC-01")
    assert (after["Name"], after["CodingId"]) == ("Licens projektverktyg Pro", goods)


# -- C16, C54–C56: projects --------------------------------------------------------------------------------
def test_projects_become_cost_center_items(world: SWorld) -> None:
    world.add()
    run = world.run("projects")
    items = {i["ShortName"]: i for i in project_items(world)}
    assert items["10001"]["Name"] == "Skogsdata 2.0" and items["10001"]["IsActive"] is True  # C55, C56
    assert "10006" not in items  # closed and never sent (A19)
    assert "10010" not in items  # internal (A19)
    assert "1234567890" not in items  # C55: more than 9 characters, refused with the reason
    assert any("allows 9" in e.message for e in world.service.errors(NAME)) and run.failed == 1
    with world.severa() as severa:
        severa.projects.update(demo_guid("project", 10001), {"/isClosed": True})
    assert world.run("projects").updated == 1
    items_now = project_items(world)
    assert {i["ShortName"]: i for i in items_now}["10001"]["IsActive"] is False  # C54
    assert len([i for i in items_now if i["ShortName"] == "10001"]) == 1


# -- C9, C17, C19, C20, C29, C57–C60: invoices -------------------------------------------------------------
def test_invoices_become_drafts_with_a_project_on_every_row(world: SWorld) -> None:
    world.add()
    fix_code_clash(world)
    master_data(world)
    waiting = to_transfer(world)
    run = world.run("invoices")
    made = drafts(world)
    assert run.created == len(made) == 3 and run.failed == 2
    item_of = {i["Id"]: i["ShortName"] for i in project_items(world)}
    for draft in made:
        guid = draft["ContractNumber"].removeprefix("Severa ")
        invoice = severa_invoice(world, guid)
        assert invoice["status"]["guid"] == STATUS["transferred"]  # C20
        assert draft["CustomerNumber"] == str(invoice["billingCustomer"]["number"])  # C57, A22
        dates = (day_text(draft["InvoiceDate"]), day_text(draft["DueDate"]))  # eAccounting: date-times
        assert dates == (invoice["date"], invoice["dueDate"])
        assert draft["OurReference"] == invoice["ourReference"]
        assert draft["TotalAmount"] == Decimal(str(invoice["totalIncludingTax"]["amount"]))
        project = str(invoice["projects"][0]["number"])
        assert all(
            item_of[r["CostCenterItemId1"]] == project for r in draft["Rows"] if not r["IsTextRow"]
        )  # C60
    first = next(d for d in made if d["CustomerNumber"] == "1001")
    numbers = [r["ArticleNumber"] for r in first["Rows"]]
    assert numbers[:4] == ["PL", "UTV", "UTV", "KONS"]  # C58: the row's code
    kablage = next(r for r in first["Rows"] if r["Text"] == "Kablage utan kod")
    assert kablage["ArticleNumber"] == "ARB"  # C17: no code → the default article number
    errors = " ".join(e.message for e in world.service.errors(NAME) if e.entity == "severa-invoice")
    assert "transfer projects first" in errors and "transfer customers first" in errors  # refused alone
    assert len(to_transfer(world)) == len(waiting) - 3


def test_grouped_rows_keep_their_code_and_texts_become_text_rows(world: SWorld) -> None:
    """C29 (a grouped row keeps its single code), A21 (several codes → default), A20 (text rows)."""
    world.add()
    fix_code_clash(world)
    master_data(world)
    with world.severa() as severa:
        made = severa.invoices.create_from_projects(
            [demo_guid("project", 10002)], status_guid=STATUS["to_transfer"]
        )
        guid = made[0]["guid"] if made else None
    world.run("invoices")
    grouped = [d for d in drafts(world) if d["ContractNumber"] == f"Severa {guid}"]
    if guid is None or not grouped:
        grouped = [d for d in drafts(world) if d["CustomerNumber"] == "1002"]
    rows = grouped[0]["Rows"]
    with world.severa() as severa:
        source = severa.invoices.rows(grouped[0]["ContractNumber"].removeprefix("Severa "))
    for row, mine in zip([r for r in rows if not r["IsTextRow"]], source, strict=True):
        codes = set(mine.get("code") or [])
        expected = codes.pop() if len(codes) == 1 else "ARB"
        assert row["ArticleNumber"] == expected


def test_an_invoice_refused_by_eaccounting_fails_alone(world: SWorld) -> None:
    """C63, C64: eEkonomi's own message in the error log; the other invoices go on."""
    world.add()
    fix_code_clash(world)
    master_data(world)
    world.books_app.kit.set_faults(
        FaultPlan(fail_next=[400], path_pattern="customerinvoicedrafts", methods=["POST"])
    )
    run = world.run("invoices")
    assert run.failed == 3 and run.created == 2
    assert len(drafts(world)) == 2


# -- exactly once (SQLite and PostgreSQL) -------------------------------------------------------------
def test_rerunning_every_register_changes_nothing(any_db_world: SWorld) -> None:
    world = any_db_world
    world.add()
    fix_code_clash(world)
    for register in REGISTERS:
        world.run(register)
    before = (len(drafts(world)), len(world.records("customers")), len(world.records("articles")))
    for register in REGISTERS:
        again = world.run(register)
        assert (again.created, again.updated) == (0, 0), (register, again.status_line)
    assert (len(drafts(world)), len(world.records("customers")), len(world.records("articles"))) == before


def test_a_crash_between_the_draft_and_the_status_leaves_one_draft(
    any_db_world: SWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = any_db_world
    world.add()
    fix_code_clash(world)
    master_data(world)
    real = Invoices.set_status

    def crash(self: Invoices, guid: str, status: str, **also: Any) -> Any:
        raise SystemExit("killed between the draft and the status write-back")

    monkeypatch.setattr(Invoices, "set_status", crash)
    with pytest.raises(SystemExit):
        world.run("invoices")
    assert len(drafts(world)) == 1
    monkeypatch.setattr(Invoices, "set_status", real)
    run = world.run("invoices")
    assert len(drafts(world)) == 3  # the first one resumed at its status, not drafted again
    assert run.failed == 2
    marked = [d["ContractNumber"] for d in drafts(world)]
    assert len(set(marked)) == 3
    for marker in marked:
        assert (
            severa_invoice(world, marker.removeprefix("Severa "))["status"]["guid"] == STATUS["transferred"]
        )


def test_a_lost_answer_for_the_draft_never_makes_a_second_one(any_db_world: SWorld) -> None:
    world = any_db_world
    world.add()
    fix_code_clash(world)
    master_data(world)
    world.books_app.kit.set_faults(
        FaultPlan(lose_answers=1, path_pattern="customerinvoicedrafts$", methods=["POST"])
    )
    first = world.run("invoices")
    assert first.aborted  # the run stops: no answer, so it cannot know
    world.books_app.kit.set_faults(FaultPlan())
    world.run("invoices")
    markers = [d["ContractNumber"] for d in drafts(world)]
    assert len(markers) == len(set(markers)) == 3


# -- C21, C22, C26–C28, C30: check sent / check paid --------------------------------------------------------
def test_check_sent_and_paid_bring_number_ocr_and_statuses_back(world: SWorld) -> None:
    world.add()
    fix_code_clash(world)
    master_data(world)
    world.run("invoices")
    api = world.api()
    first, second, third = drafts(world)
    booked = api.action(f"customerinvoicedrafts/{first['Id']}/convert")
    api.action(f"customerinvoicedrafts/{second['Id']}/convert")
    undelivered = api.action(f"customerinvoicedrafts/{third['Id']}/convert")
    world.books.records["customerinvoices"][undelivered["Id"].lower()]["IsNotDelivered"] = True
    sent = world.run("check-sent")
    assert (sent.updated, sent.failed) == (2, 1)
    guid = first["ContractNumber"].removeprefix("Severa ")
    invoice = severa_invoice(world, guid)
    assert invoice["status"]["guid"] == STATUS["sent"]
    assert invoice["number"] == booked["InvoiceNumber"]  # C27
    assert str(invoice["referenceNumber"]) == str(booked["PaymentReferenceNumber"])
    stuck = severa_invoice(world, third["ContractNumber"].removeprefix("Severa "))
    assert stuck["status"]["guid"] == STATUS["transferred"]  # not marked sent (A32)
    assert any("IsNotDelivered" in e.message for e in world.service.errors(NAME))
    # paid (C28): a payment in eEkonomi → "paid" with its date
    CustomerInvoices(api).pay(
        booked["Id"], bank_account_id=demo_id("bankaccount", "1930"),
        amount=Decimal(str(booked["TotalAmount"])), currency="SEK", day=date.today(),
    )  # fmt: skip
    paid = world.run("check-paid")
    assert paid.updated == 1
    invoice = severa_invoice(world, guid)
    assert invoice["status"]["guid"] == STATUS["paid"] and invoice["paymentDate"] == date.today().isoformat()
    assert world.run("check-paid").updated == 0 and world.run("check-sent").updated == 0


def test_check_sent_needs_its_status(world: SWorld) -> None:
    """C30: empty "sent"/"paid" statuses mean those checks are not done (refused with the reason)."""
    world.add(settings=world.settings(statuses={"sent": None, "paid": None}))
    with pytest.raises(UserError, match="status after the invoice has been sent"):
        world.run("check-sent")
    with pytest.raises(UserError, match="status after the invoice has been paid"):
        world.run("check-paid")


# -- C18, C61: supplier-invoice rows → project fees ------------------------------------------------
def book_supplier_invoice(world: SWorld, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """A booked supplier invoice whose rows (project number, amount) sit on the projects' items."""
    item = {i["ShortName"]: i["Id"] for i in project_items(world)}
    net = sum(Decimal(a) for _, a in rows)
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))
    body = {
        "SupplierId": next(iter(world.books.records["suppliers"])),
        "InvoiceNumber": "F-4711",
        "InvoiceDate": "2026-11-25",
        "DueDate": "2026-12-25",
        "TotalAmount": net + vat,
        "Rows": [
            {"AccountNumber": 4010, "DebetAmount": Decimal(amount), "CostCenterItemId1": item.get(project)}
            for project, amount in rows
        ] + [{"AccountNumber": 2641, "DebetAmount": vat}],
    }  # fmt: skip
    return SupplierInvoices(world.api()).create(body)


def test_supplier_invoice_rows_become_project_fees_once(world: SWorld) -> None:
    world.add()
    master_data(world)
    booked = book_supplier_invoice(world, [("10001", "1000.00"), ("10002", "250.50"), ("99999", "10")])
    run = world.run("supplier-invoices")
    assert run.created == 2
    text = f"2026-11-25 {booked['VoucherNumber']} {booked['SupplierName']}"
    with world.severa() as severa:
        fees = [f for f in severa.project_fees.search() if f.get("name") == text]
    assert len(fees) == 2
    fee = next(f for f in fees if f["project"]["guid"] == demo_guid("project", 10001))
    assert (fee["description"], fee["eventDate"], Decimal(str(fee["quantity"]))) == (text, "2026-11-25", 1)
    assert Decimal(str(fee["unitCost"]["amount"])) == Decimal("1000.00")  # C61: cost = the debit amount
    assert Decimal(str(fee["unitPrice"]["amount"])) == Decimal("1000.00")  # C18: billable → price = cost
    assert Decimal(str(fee["vatRate"])) == 25  # the organisation's default VAT
    assert world.run("supplier-invoices").created == 0  # each row once


def test_not_billable_supplier_costs_have_price_zero(world: SWorld) -> None:
    world.add(settings=world.settings(supplier_invoices={"transfer_as": "not_billable"}))
    master_data(world)
    booked = book_supplier_invoice(world, [("10003", "400.00")])
    world.run("supplier-invoices")
    with world.severa() as severa:
        fee = next(
            f for f in severa.project_fees.search() if str(booked["VoucherNumber"]) in str(f.get("name"))
        )
    assert Decimal(str(fee["unitPrice"]["amount"])) == 0 and fee["isBillable"] is False


# -- C23, C25: dry run, one register at a time ----------------------------------------------------
def test_a_dry_run_shows_per_record_and_field_what_would_change_and_writes_nothing(world: SWorld) -> None:
    world.add()
    plan = world.run("customers", dry_run=True)
    assert plan.created > 0 and not world.service.runs(NAME)
    item = next(i for i in plan.plan if i.source_key == "1001")
    assert ("Name", None, "Norrlands Trä AB") in [(c.field, c.old, c.new) for c in item.changes]
    assert not any(r.get("CustomerNumber") == "1001" for r in world.records("customers"))
    fix_code_clash(world)
    master_data(world)
    invoices = world.run("invoices", dry_run=True)
    assert invoices.created == 3 and not drafts(world)


# -- C68: the optional schedule; the demo -----------------------------------------------------------------
def test_the_schedule_is_off_by_default_at_most_hourly_and_runs_registers_in_order(world: SWorld) -> None:
    from datetime import UTC, datetime, timedelta

    from ledgerbridge.runtime.hub import RealtimeHub

    world.add()
    fix_code_clash(world)
    hub = RealtimeHub(world.service)
    try:
        now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
        assert hub.periodic_all(now) == []  # off by default
        with pytest.raises(UserError, match="greater than or equal to 60"):
            world.service.update_settings(NAME, world.settings(schedule={"interval_minutes": 30}))
        world.service.update_settings(NAME, world.settings(schedule={"interval_minutes": 60}))
        hub.reload(NAME)
        lines = hub.periodic_all(now)
        assert [line.split(":")[1].strip() for line in lines] == list(REGISTERS)
        assert "invoices: 3 transferred" in " ".join(lines)
        assert hub.periodic_all(now + timedelta(minutes=59)) == []
        again = hub.periodic_all(now + timedelta(minutes=60))
        assert len(again) == len(REGISTERS) and all(" 0 transferred, 0 updated" in line for line in again)
    finally:
        hub.close()


def test_the_demo_sets_up_demo_severa_and_runs_every_register(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from ledgerbridge.config import Config
    from ledgerbridge.demo_severa import DEMO_SEVERA_NAME, severa_demo
    from ledgerbridge.service import Ledgerbridge

    out = io.StringIO()
    config = Config(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}", secret_key=None)
    service = Ledgerbridge(config)
    try:
        with severa_demo(Console(file=out, width=200), service, enabled=True) as ok:
            assert ok
            runs = {r.kind: r for r in service.runs(DEMO_SEVERA_NAME, limit=20)}
        text = out.getvalue()
        assert "invoices           3 transferred" in text and "supplier-invoices  2 transferred" in text
        assert "register:check-paid" in runs and "ledgerbridge transfer demo-severa check-sent" in text
    finally:
        service.close()


def test_check_sent_reports_a_draft_deleted_in_eaccounting(world: SWorld) -> None:
    """A32: a draft deleted in eEkonomi without being booked is reported; the Severa status stays."""
    world.add()
    fix_code_clash(world)
    master_data(world)
    world.run("invoices")
    gone = drafts(world)[0]
    world.api().delete(f"customerinvoicedrafts/{gone['Id']}")
    run = world.run("check-sent")
    assert (run.failed, run.unchanged) == (1, 2)
    guid = gone["ContractNumber"].removeprefix("Severa ")
    assert any("was deleted without being booked" in e.message for e in world.service.errors(NAME))
    assert severa_invoice(world, guid)["status"]["guid"] == STATUS["transferred"]


def test_currency_is_sent_only_with_currency_handling(world: SWorld) -> None:
    """C44/A13: the customer's currency travels only when `customers.transfer_currency` is on."""
    world.add()
    world.run("customers")
    assert by_number(world, "customers", "CustomerNumber", "1016").get("CurrencyCode") in (None, "SEK")
    world.service.add_integration(
        "with-currency",
        "severa-eaccounting",
        world.connection(world.settings(customers={"transfer_currency": True})),
    )
    world.connect("with-currency")
    world.books.records["customers"].clear()
    world.run("customers", name="with-currency")
    assert by_number(world, "customers", "CustomerNumber", "1016")["CurrencyCode"] == "NOK"
    assert by_number(world, "customers", "CustomerNumber", "1001")["CurrencyCode"] == "SEK"


def test_eaccounting_as_customer_master_updates_address_and_contact(world: SWorld) -> None:
    """C14 with eEkonomi as master, A15: the bound Severa customer's fields, billing address and first
    contact follow eEkonomi; a second run changes nothing."""
    world.add(settings=world.settings(masters={"customers": "eaccounting"}))
    world.run("customers")
    # Customers that came from Severa are taken as they are on the master's first sight (a three-line
    # address folded onto two lines is not written back): a second run changes nothing.
    second = world.run("customers")
    assert (second.created, second.updated) == (0, 0), second.status_line
    api = world.api()
    energi = by_number(world, "customers", "CustomerNumber", "2001")
    api.replace(
        f"customers/{energi['Id']}",
        {**energi, "InvoiceAddress1": "Box 77", "InvoicePostalCode": "971 88",
         "ContactPersonName": "Karin Ek Berg", "ContactPersonEmail": "karin@luleaenergi.se",
         "EmailAddress": "info@luleaenergi.se"},
    )  # fmt: skip
    run = world.run("customers")
    assert run.updated == 1, run.status_line
    with world.severa() as severa:
        customer = severa.customers.by_number(2001)
        assert customer is not None and customer["email"] == "info@luleaenergi.se"
        address = severa.customers.addresses(customer["guid"])[0]
        assert (address["addressline"], address["postalCode"]) == ("Box 77", "971 88")
        contact = severa.customers.contact_persons(customer["guid"])[0]
        assert (contact["firstName"], contact["lastName"]) == ("Karin", "Ek Berg")
        assert "karin@luleaenergi.se" in contact["emails"]
    again = world.run("customers")
    assert (again.created, again.updated) == (0, 0), again.status_line


def test_a_crash_after_the_fee_is_made_never_makes_a_second_one(
    any_db_world: SWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C61, each row once: the process dies after Severa made the fee and before the ledger noted it; the next
    run finds the fee among the project's fees instead of making another."""
    from ledgerbridge.systems.severa.adapters import ProjectFees

    world = any_db_world
    world.add()
    master_data(world)
    booked = book_supplier_invoice(world, [("10001", "1000.00"), ("10002", "250.50")])
    real = ProjectFees.create

    def create_then_die(self: ProjectFees, body: Any, **kwargs: Any) -> Any:
        real(self, body, **kwargs)
        raise SystemExit("killed after the fee was made")

    monkeypatch.setattr(ProjectFees, "create", create_then_die)
    with pytest.raises(SystemExit):
        world.run("supplier-invoices")
    monkeypatch.setattr(ProjectFees, "create", real)
    run = world.run("supplier-invoices")
    assert (run.created + run.unchanged, run.failed) == (2, 0)
    text = f"2026-11-25 {booked['VoucherNumber']} {booked['SupplierName']}"
    with world.severa() as severa:
        fees = [f for f in severa.project_fees.search() if f.get("name") == text]
    assert sorted(Decimal(str(f["unitCost"]["amount"])) for f in fees) == [
        Decimal("250.50"),
        Decimal("1000.00"),
    ]
    assert world.run("supplier-invoices").created == 0


def test_retry_transfers_a_refused_invoice_once_its_cause_is_fixed(world: SWorld) -> None:
    """C63/C64: the error log names the cause; after the fix `retry` transfers the invoice and closes it."""
    from ledgerbridge.runtime.hub import RealtimeHub

    world.add()
    fix_code_clash(world)
    master_data(world)
    world.run("invoices")
    refused = [
        e for e in world.service.errors(NAME) if e.entity == "severa-invoice" and "customer 1004" in e.message
    ]
    assert len(refused) == 1
    with world.severa() as severa:  # the user gives customer 1004 an address, and transfers customers again
        sweden = next(c["guid"] for c in severa.countries.all() if c.get("code2") == "SE")
        severa.customers.add_address(
            demo_guid("customer", 1004),
            {"addressline": "Havsbadsvägen 1", "postalCode": "941 99", "city": "Piteå",
             "country": {"guid": sweden}, "isBillingAddress": True},
        )  # fmt: skip
    world.run("customers")
    hub = RealtimeHub(world.service)
    try:
        outcomes = dict(hub.retry(NAME, refused[0].id))
    finally:
        hub.close()
    assert "draft" in outcomes[refused[0].id], outcomes
    assert not [e for e in world.service.errors(NAME) if e.id == refused[0].id]
    assert len(drafts(world)) == 4


@pytest.mark.parametrize("master", ["severa", "eaccounting"])
def test_master_data_registers_settle_after_one_run_whichever_side_is_master(
    world: SWorld, master: str
) -> None:
    """A4 with either master: the second run of customers and products writes nothing on either side."""
    world.add(settings=world.settings(masters={"customers": master, "products": master}))
    for register in ("customers", "products", "projects"):
        world.run(register)
    for register in ("customers", "products", "projects"):
        again = world.run(register)
        assert (again.created, again.updated) == (0, 0), (register, again.status_line)


def test_the_startup_sync_runs_the_master_data_registers(world: SWorld) -> None:
    """`ledgerbridge sync NAME --startup` for this kind: customers, products and projects in order."""
    world.add()
    result = world.service.run_startup(NAME)
    assert result.counts["customer"]["created"] > 0 and result.counts["project"]["created"] == 8
    assert world.run("projects").created == 0  # the same bindings as the registers'
