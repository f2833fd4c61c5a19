"""A register's preview in the console (issue 15, seed 004 C23): beside each register's button a "Preview"
that shows the dry run as a page — per record create / update / unchanged / refused with the reason, per
field old → new, for invoices first the customers, articles and projects the run would transfer, by
register — and writes nothing to either sandbox. Over HTTP against the Severa and eEkonomi sandboxes."""

from __future__ import annotations

import copy
import html
import re
from typing import Any

from fastapi.testclient import TestClient

from ledgerbridge.systems.severa.sandbox.demo_data import demo_guid
from tests.integrations.severa_support import NAME, SWorld
from tests.web.test_console_severa import console as console  # noqa: F401  (the fixture)

PREVIEW = f"/console/integrations/{NAME}/registers/{{}}/preview"


def both_sandboxes(world: SWorld) -> tuple[Any, Any]:
    """Every record either sandbox holds, to compare after the preview."""
    return copy.deepcopy(world.books.records), copy.deepcopy(world.ops.tables)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


def test_a_preview_button_beside_each_register(console: tuple[SWorld, TestClient]) -> None:
    world, client = console
    page = client.get(f"/console/integrations/{NAME}").text
    for register in ("customers", "products", "projects", "invoices", "supplier-invoices", "check-sent"):
        assert f'href="{PREVIEW.format(register)}"' in page


def test_customers_preview_lists_per_record_and_field_and_writes_nothing(
    console: tuple[SWorld, TestClient],
) -> None:
    world, client = console
    world.run("customers")  # the demo's customers are in eEkonomi; then one changes in Severa, the master
    with world.severa() as severa:
        severa.customers.update(demo_guid("customer", "1002"), {"/email": "ny@kirunagruvteknik.se"})
    before, errors = both_sandboxes(world), len(world.service.errors(NAME))
    answer = client.get(PREVIEW.format("customers"))
    assert answer.status_code == 200, answer.text
    plan = text_of(section(answer.text, "plan"))
    assert re.search(
        r"1002 Would update E-mail : faktura@kirunagruvteknik\.se → ny@kirunagruvteknik\.se", plan
    )
    assert "1004 Refused the customer has no billing or main address in Severa" in plan  # C63, the reason
    assert "1001 Unchanged" in plan
    summary = text_of(section(answer.text, "summary"))
    assert re.search(r"Customers 0 1 \d+ 2", summary)  # created, updated, unchanged, refused
    assert both_sandboxes(world) == before  # nothing written to either system
    assert len(world.service.errors(NAME)) == errors  # nor to the error log


def test_invoices_preview_lists_the_drafts_and_what_goes_first_in_swedish(
    console: tuple[SWorld, TestClient],
) -> None:
    world, client = console
    with world.severa() as severa:  # the demo's product KONS shares its code with a work type (C8)
        severa.products.update(demo_guid("product", "KONS"), {"/code": "KONS-P"})
    before = both_sandboxes(world)
    client.cookies.set("lb_lang", "sv")
    answer = client.get(PREVIEW.format("invoices"))
    assert answer.status_code == 200, answer.text
    page = answer.text
    assert "Förhandsgranskning: Fakturor" in page and "Ingenting skrivs" in text_of(page)
    first = text_of(section(page, "first"))
    # the customers, articles and projects the invoices need, by register, before the drafts
    assert first.index("Kunder") < first.index("Produkter") < first.index("Projekt")
    assert re.search(r"1001 Skapas .*Norrlands Trä AB", first)
    assert re.search(r"10001 Skapas .*Skogsdata 2\.0", first)
    drafts = text_of(section(page, "plan"))
    assert drafts.count("Skapas") == 3  # the three invoices in "Till eEkonomi" become drafts
    assert "Norrlands Trä AB" in drafts and "1001 (ny, överförs först)" in drafts  # the customer made first
    assert (
        "Kontering : Tjänster 25% moms" in first and "Enhet : Timme" in first
    )  # an article coding by its name, not its key
    guid = r"[0-9a-f]{8}-[0-9a-f]{4}-"
    assert not re.search(rf"(Betalningsvillkor|Enhet|Kontering) : {guid}", first)  # terms, units too
    assert "Fakturadatum" in drafts and "Text: Styrgruppsmöte, À-pris: 1350" in drafts  # Swedish field names
    assert "Nekad" in drafts  # the invoice whose project number is too long, with the reason
    assert "1234567890" in drafts
    assert both_sandboxes(world) == before  # no customer, article, project, draft or status written
    assert not world.records("customerinvoicedrafts")


def test_a_register_not_set_up_says_why_and_an_unknown_one_is_not_found(
    console: tuple[SWorld, TestClient],
) -> None:
    world, client = console
    world.service.update_settings(NAME, world.settings(statuses={"sent": None}))
    refused = client.get(PREVIEW.format("check-sent"))
    assert refused.status_code == 200
    refusal = text_of(section(refused.text, "preview-refusal")).lower()
    assert "status after the invoice has been sent" in refusal
    assert client.get(PREVIEW.format("orders")).status_code == 400
