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
    again = world.run("invoices")  # 1004 is tried again, nothing else
    assert [(b.register, b.created, b.failed) for b in again.first] == [("customers", 0, 1)]
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
