"""The transfer ledger as a bookkeeper reads it: customer or supplier, gross amount and currency, over HTTP
(the admin API and the console's Activity and document pages), after a real transfer to the sandboxes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ledgerbridge.engine.ledger import TransferLedger
from ledgerbridge.store import Integration
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN
from tests.support import book_one_line_invoice
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web

AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


def booked_invoice(web: Web) -> dict[str, Any]:
    """A Rackbeat invoice of 2 × 125.50 at 25 % VAT, booked (313.75 with VAT)."""
    with RackbeatClient(web.world.rackbeat_url, RACKBEAT_TOKEN) as rackbeat:
        return book_one_line_invoice(rackbeat, web.world.ops, quantity=2, price="125.50")


def transfer_without_summary(web: Web) -> None:
    """A ledger row as every row from before the summary columns: nothing to show for who or how much."""
    with web.service.store.session() as session:
        integration_id = session.scalars(select(Integration.id).where(Integration.name == "acme")).one()
    TransferLedger(web.service.store, integration_id).transfer(
        "inventory-value", "2026-11", find=lambda: "2:77", send=lambda key: "2:77"
    )


def test_transfers_show_who_how_much_and_link_to_the_document(web: Web) -> None:
    web.service.update_settings("acme", INVOICE_SETTINGS)
    assert web.service.run_startup("acme").ok
    invoice = booked_invoice(web)
    number, customer = invoice["number"], invoice["customer"]["name"]
    assert Decimal(str(invoice["total_total"])) == Decimal("313.75")
    answer = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert answer["outcome"] == "transferred", answer
    transfer_without_summary(web)

    listed = web.client.get("/api/integrations/acme/transfers", headers=AUTH).json()
    [row] = [t for t in listed if t["key"] == str(number)]
    assert (row["counterparty"], row["amount"], row["currency"]) == (customer, "313.75", "DKK")
    [old] = [t for t in listed if t["document_type"] == "inventory-value"]
    assert (old["counterparty"], old["amount"], old["currency"]) == (None, None, None)
    history = web.client.get(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert history["transfer"]["amount"] == "313.75" and history["transfer"]["counterparty"] == customer

    web.login()
    danish = {"Accept-Language": "da-DK,da;q=0.9"}
    activity = web.client.get("/console/integrations/acme/activity", headers=danish).text
    assert "Kunde eller leverandør" in activity and "Beløb inkl. moms" in activity
    assert f'href="/console/integrations/acme/documents/invoice/{number}"' in activity
    assert customer in activity and "313,75\xa0kr." in activity
    assert f"bogført faktura {number}" in activity  # the remote document, in words
    assert '<td class="counterparty">—</td>' in activity  # the row from before: a dash, not blank
    english = web.client.get("/console/integrations/acme/activity", headers={"Accept-Language": "en"}).text
    assert "DKK313.75" in english.replace("\xa0", "")
    page = web.client.get(f"/console/integrations/acme/documents/invoice/{number}", headers=danish).text
    assert customer in page and "313,75\xa0kr." in page
