"""severa-eaccounting invoices beyond the plain case, over HTTP against both sandboxes: a Severa credit note
becomes a credit draft exactly once (A27), an invoice syncs its untransferred customer and articles first
(A2, A22), and every transfer is one JSON log line (issue 17)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.logs import configure_logging
from ledgerbridge.systems.severa.sandbox.entries import Entries
from ledgerbridge.systems.severa.sandbox.invoices import Invoices as SandboxInvoices
from tests.integrations.severa_support import NAME, STATUS, SWorld, severa_world
from tests.integrations.test_severa_eaccounting import (
    drafts,
    fix_code_clash,
    master_data,
    project_items,
    severa_invoice,
    to_transfer,
)


@pytest.fixture
def world(severa_sandbox: Any, tmp_path: Path) -> Iterator[SWorld]:
    with severa_world(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, severa_sandbox) as made:
        yield made


@pytest.fixture
def any_db_world(severa_sandbox: Any, database_url: str, tmp_path: Path) -> Iterator[SWorld]:
    """The same on SQLite and on PostgreSQL."""
    with severa_world(database_url, tmp_path, severa_sandbox) as made:
        yield made


def credit_in_severa(world: SWorld, invoice_guid: str) -> str:
    """The user credits an invoice in Severa (the UI's action; the API has none) and marks the credit note
    for transfer."""
    note = SandboxInvoices(world.ops, Entries(world.ops)).credit(invoice_guid, STATUS["to_transfer"])
    return str(note["guid"])


# -- A27: credit notes ---------------------------------------------------------------------------------
def test_a_credit_note_becomes_a_credit_draft_with_negative_amounts_exactly_once(world: SWorld) -> None:
    world.add()
    fix_code_clash(world)
    master_data(world)
    world.run("invoices")
    first = next(d for d in drafts(world) if d["CustomerNumber"] == "1001")
    credited = first["ContractNumber"].removeprefix("Severa ")
    note_guid = credit_in_severa(world, credited)
    note = severa_invoice(world, note_guid)
    assert note["isCreditNote"] and note["reimburseInvoice"]["guid"] == credited
    assert severa_invoice(world, credited)["creditNoteInvoice"]["guid"] == note_guid

    run = world.run("invoices")
    assert run.created == 1, run.status_line
    credit = next(d for d in drafts(world) if d["ContractNumber"] == f"Severa {note_guid}")
    assert credit["IsCreditInvoice"] is True
    assert credit["CustomerNumber"] == first["CustomerNumber"]
    assert credit["TotalAmount"] == -first["TotalAmount"] == Decimal(str(note["totalIncludingTax"]["amount"]))
    pairs = zip(
        [r for r in credit["Rows"] if not r["IsTextRow"]],
        [r for r in first["Rows"] if not r["IsTextRow"]],
        strict=True,
    )
    item_of = {i["Id"]: i["ShortName"] for i in project_items(world)}
    for mine, original in pairs:
        assert (mine["ArticleNumber"], mine["Quantity"]) == (original["ArticleNumber"], -original["Quantity"])
        assert item_of[mine["CostCenterItemId1"]] == item_of[original["CostCenterItemId1"]]
    assert severa_invoice(world, note_guid)["status"]["guid"] == STATUS["transferred"]

    again = world.run("invoices")
    assert (again.created, again.updated) == (0, 0)
    assert len([d for d in drafts(world) if d["ContractNumber"] == f"Severa {note_guid}"]) == 1


# -- A2, A22: an invoice's customer and articles first -----------------------------------------------------
def test_invoices_sync_their_untransferred_customers_and_articles_first(world: SWorld) -> None:
    world.add()
    fix_code_clash(world)
    world.run("projects")  # customers and products never transferred
    customers_before = {c["CustomerNumber"] for c in world.records("customers")}
    articles_before = {a["Number"] for a in world.records("articles")}
    named = {str((i.get("billingCustomer") or i["customer"])["number"]) for i in to_transfer(world)}
    with world.severa() as severa:
        codes = {c for i in to_transfer(world) for r in severa.invoices.rows(i["guid"]) for c in r["code"]}

    run = world.run("invoices")

    assert run.created == 3 and run.failed == 2, run.status_line  # as after transferring customers first
    first = {before.register: before for before in run.first}
    new_customers = {c["CustomerNumber"] for c in world.records("customers")} - customers_before
    assert new_customers == named - {"1004"}  # only those the invoices name; 1004 lacks an address
    assert (first["customers"].created, first["customers"].failed) == (len(new_customers), 1)
    new_articles = {a["Number"] for a in world.records("articles")} - articles_before
    assert new_articles and new_articles <= codes  # only codes the rows carry
    assert first["products"].created == len(new_articles)
    assert f"first customers: {len(new_customers)} transferred, 0 updated, 1 failed" in run.status_line
    assert "first products:" in run.status_line
    kinds = [r.kind for r in world.service.runs(NAME)]
    assert "register:customers" in kinds and "register:products" in kinds  # their own registers' runs
    errors = " ".join(e.message for e in world.service.errors(NAME) if e.entity == "severa-invoice")
    assert "customer 1004" in errors and "transfer projects first" in errors
    assert "the customers register refused it" in errors and "postal code and city" in errors  # and why
    again = world.run("invoices")  # 1004 is tried again, nothing else
    assert [(b.register, b.created, b.failed) for b in again.first] == [
        ("customers", 0, 1),
        ("projects", 0, 1),
    ]
    assert len(drafts(world)) == 3


# -- issue 17: one log line per transfer ---------------------------------------------------------------
def test_json_log_lines_of_a_transferred_and_a_refused_invoice(world: SWorld) -> None:
    world.add()
    fix_code_clash(world)
    master_data(world)
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream, force=True)
    try:
        run = world.run("invoices")
    finally:
        configure_logging("console", "info", force=True)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    transfers = [line for line in lines if line["event"] == "transfer"]
    assert len(transfers) == run.created == 3
    made = {d["ContractNumber"].removeprefix("Severa "): d["Id"] for d in drafts(world)}
    for line in transfers:
        assert line["document_type"] == "severa-invoice" and line["outcome"] == "transferred"
        assert line["level"] == "info" and line["integration_id"]
        assert line["remote_key"] == f"draft:{made[line['record_key']]}"
        assert line["message"] and line["timestamp"].endswith("Z")
    failures = [line for line in lines if line["event"] == "failed" and line["entity"] == "severa-invoice"]
    assert len(failures) == run.failed == 2
    assert all(line["level"] == "warning" and "Severa invoice" in line["message"] for line in failures)
    assert '"payload"' not in stream.getvalue()  # payload bodies only at debug


# -- A2 for projects: an invoice's projects become cost center items first ---------------------------------
def named_projects(world: SWorld) -> set[str]:
    """The project numbers the waiting invoices carry (their rows' projects are among them)."""
    return {str(p["number"]) for invoice in to_transfer(world) for p in invoice.get("projects") or []}


def test_invoices_sync_the_projects_their_rows_name_first(any_db_world: SWorld) -> None:
    world = any_db_world
    world.add()
    fix_code_clash(world)
    world.run("customers")
    world.run("products")  # projects never transferred
    items_before = {i["ShortName"] for i in project_items(world)}  # the company's own items
    named = named_projects(world)
    long_number = {n for n in named if len(n) > 9}
    assert named and long_number  # the demo's 10-digit project is on a waiting invoice

    run = world.run("invoices")

    first = {before.register: before for before in run.first}
    assert "products" not in first, run.status_line  # the articles are there already
    assert first["customers"].created == 0  # only 1004 (no address) is tried again
    made = {i["ShortName"] for i in project_items(world)} - items_before
    assert made and made == named - long_number - items_before  # only the projects the invoices name
    assert (first["projects"].created, first["projects"].failed) == (len(made), 1)
    assert f"first projects: {len(made)} transferred, 0 updated, 1 failed" in run.status_line
    assert "register:projects" in [r.kind for r in world.service.runs(NAME)]  # its own register's run
    assert run.created == 3 and run.failed == 2, run.status_line  # as after transferring projects first
    item_of = {i["Id"]: i["ShortName"] for i in project_items(world)}
    for draft in drafts(world):
        assert all(item_of[r["CostCenterItemId1"]] in named for r in draft["Rows"] if not r["IsTextRow"])
    errors = " ".join(e.message for e in world.service.errors(NAME) if e.entity == "project")
    assert "10 digits" in errors  # the project's own reason, in the error log under the projects register
    refused = next(e.message for e in world.service.errors(NAME) if "project 1234567890" in e.message
                   and e.entity == "severa-invoice")  # fmt: skip
    assert "the projects register refused it" in refused and "10 digits" in refused  # the invoice says why
    again = world.run("invoices")  # only the refused project (and customer 1004) are tried again
    assert [(b.register, b.created, b.failed) for b in again.first] == [
        ("customers", 0, 1),
        ("projects", 0, 1),
    ]
    assert len(project_items(world)) == len(made | items_before) and len(drafts(world)) == 3


# -- A2 in a dry run: what the invoices would transfer first, per record and field -------------------------
def test_a_dry_run_of_invoices_shows_what_they_would_transfer_first(
    world: SWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from ledgerbridge.cli.main import app as cli
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.web.app import create_app

    world.add()
    fix_code_clash(world)  # nothing transferred yet: customers, articles and projects all come first
    books_before = {r: len(world.records(r)) for r in ("customers", "articles", "customerinvoicedrafts")}
    items_before = len(project_items(world))
    hub = RealtimeHub(world.service)
    token = "dry-run-admin-token"
    with TestClient(create_app(hub, None, admin_token=token), base_url="http://testserver") as client:
        answer = client.post(
            f"/api/integrations/{NAME}/registers/invoices?dry_run=true",
            headers={"Authorization": f"Bearer {token}"},
        )
    hub.close()
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    first = {before["register"]: before for before in plan["first"]}
    assert set(first) == {"customers", "products", "projects"} and all(b["dry_run"] for b in first.values())
    customer = next(i for i in first["customers"]["plan"] if i["source_key"] == "1001")
    assert customer["action"] == "create"
    assert {"field": "Name", "old": None, "new": "Norrlands Trä AB"} in customer["changes"]
    assert any(i["action"] == "fail" and "postal code" in i["error"] for i in first["customers"]["plan"])
    articles = {i["target_key"] for i in first["products"]["plan"] if i["action"] == "create"}
    assert {"UTV", "KONS"} <= articles
    projects = {i["target_key"]: i for i in first["projects"]["plan"]}
    assert projects and all(len(key or "") <= 9 for key, i in projects.items() if i["action"] == "create")
    assert "first customers: " in plan["status_line"] and "first projects: " in plan["status_line"]
    # the invoices' own plans: the drafts they would make, naming what would be created first
    assert plan["transferred"] == 3, plan["status_line"]
    draft = next(i for i in plan["plan"] if any(c["new"] == "(new: customers 1001)" for c in i["changes"]))
    rows = next(c["new"] for c in draft["changes"] if c["field"] == "Rows")
    assert any(str(r.get("CostCenterItemId1", "")).startswith("(new: projects ") for r in rows)
    assert any(r.get("ArticleId") == "(new: products UTV)" for r in rows)
    # and nothing was written anywhere
    assert {r: len(world.records(r)) for r in books_before} == books_before
    assert len(project_items(world)) == items_before and len(to_transfer(world)) == 5
    assert not world.service.runs(NAME)

    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
    monkeypatch.setenv("COLUMNS", "250")
    shown = CliRunner().invoke(cli, ["transfer", NAME, "invoices", "--dry-run", "--limit", "0"])
    assert "Traceback" not in shown.output, shown.output
    out = shown.stdout
    assert "\ncustomer\n" in out and "create 1001: " in out and "Name=Norrlands Trä AB" in out
    assert "\narticle\n" in out and "\nproject\n" in out and "\nsevera-invoice\n" in out
    assert out.index("\ncustomer\n") < out.index("\nsevera-invoice\n")
    assert "(dry run: nothing written)" in shown.output
    assert {r: len(world.records(r)) for r in books_before} == books_before


# -- C21, C22, C27, C28 for a credit note: number, OCR and "sent" back to it; "paid" when settled ----------
def test_check_sent_and_paid_for_a_credit_note(any_db_world: SWorld) -> None:
    world = any_db_world
    from datetime import date

    from ledgerbridge.systems.eaccounting.adapters import CustomerInvoices
    from ledgerbridge.systems.eaccounting.sandbox.demo_data import demo_id

    world.add()
    fix_code_clash(world)
    master_data(world)
    world.run("invoices")
    original = next(d for d in drafts(world) if d["CustomerNumber"] == "1001")
    credited = original["ContractNumber"].removeprefix("Severa ")
    note_guid = credit_in_severa(world, credited)
    assert world.run("invoices").created == 1
    credit_draft = next(d for d in drafts(world) if d["ContractNumber"] == f"Severa {note_guid}")
    api = world.api()
    booked = api.action(f"customerinvoicedrafts/{original['Id']}/convert")
    credit = api.action(f"customerinvoicedrafts/{credit_draft['Id']}/convert")
    assert credit["IsCreditInvoice"] is True and Decimal(str(credit["TotalAmount"])) < 0

    sent = world.run("check-sent")

    assert sent.failed == 0 and sent.updated == 2, sent.status_line  # the invoice and its credit note
    note = severa_invoice(world, note_guid)
    assert note["status"]["guid"] == STATUS["sent"]
    assert note["number"] == credit["InvoiceNumber"] != booked["InvoiceNumber"]  # C27: its own number
    ocr = credit.get("PaymentReferenceNumber")
    assert note.get("referenceNumber") == (str(ocr) if ocr else None)  # its own OCR, when it has one
    assert severa_invoice(world, credited)["number"] == booked["InvoiceNumber"]
    assert note["isCreditNote"] and note["reimburseInvoice"]["guid"] == credited  # still linked

    # settled (C28): the customer is refunded the credit, the original is paid
    invoices = CustomerInvoices(api)
    bank = demo_id("bankaccount", "1930")
    today = date.today()
    invoices.pay(credit["Id"], bank_account_id=bank, amount=Decimal(str(credit["TotalAmount"])),
                 currency="SEK", day=today)  # fmt: skip
    paid = world.run("check-paid")
    assert (paid.updated, paid.failed) == (1, 0), paid.status_line
    note = severa_invoice(world, note_guid)
    assert note["status"]["guid"] == STATUS["paid"] and note["paymentDate"] == today.isoformat()
    assert severa_invoice(world, credited)["status"]["guid"] == STATUS["sent"]  # not paid yet
    invoices.pay(booked["Id"], bank_account_id=bank, amount=Decimal(str(booked["TotalAmount"])),
                 currency="SEK", day=today)  # fmt: skip
    assert world.run("check-paid").updated == 1
    assert severa_invoice(world, credited)["status"]["guid"] == STATUS["paid"]
    assert world.run("check-paid").updated == 0 and world.run("check-sent").updated == 0
