"""Severa invoices in the transfer ledger's lists (issue 18): who is billed, the total including tax and
its currency, as the admin API and the console show them, over HTTP against the Severa and eEkonomi
sandboxes; the expected values are read from Severa's own API before the transfer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from fastapi.testclient import TestClient

from tests.integrations.severa_support import NAME, SWorld
from tests.integrations.test_severa_eaccounting import drafts, fix_code_clash, to_transfer
from tests.web.test_console_severa import BEARER, console  # noqa: F401  (the fixture)


def expected(invoice: dict[str, Any]) -> tuple[str, Decimal, str]:
    """What a bookkeeper knows an invoice by: the billing customer (else the customer), the total including
    tax and its currency, from Severa's own answer."""
    customer = invoice.get("billingCustomer") or invoice["customer"]
    return customer["name"], Decimal(str(invoice["totalIncludingTax"]["amount"])), invoice["currency"]["code"]


def test_severa_invoice_transfers_show_customer_amount_and_currency(
    console: tuple[SWorld, TestClient],  # noqa: F811
) -> None:
    world, client = console
    fix_code_clash(world)
    for register in ("customers", "products", "projects"):
        assert (
            client.post(f"/api/integrations/{NAME}/registers/{register}", headers=BEARER).status_code == 200
        )
    waiting = {str(i["guid"]): i for i in to_transfer(world)}
    assert waiting, "the demo has invoices waiting for transfer"

    run = client.post(f"/api/integrations/{NAME}/registers/invoices", headers=BEARER).json()
    assert run["transferred"] >= 1, run["status_line"]
    transfers = client.get(f"/api/integrations/{NAME}/transfers?limit=200", headers=BEARER).json()
    invoices = [t for t in transfers if t["key"] in waiting]
    assert len(invoices) == len(waiting)
    confirmed = [t for t in invoices if t["state"] == "confirmed"]
    assert len(confirmed) == run["transferred"] == len(drafts(world))
    for transfer in invoices:
        name, amount, currency = expected(waiting[transfer["key"]])
        assert transfer["counterparty"] == name, transfer
        assert Decimal(transfer["amount"]) == amount and transfer["amount"] == str(transfer["amount"])
        assert transfer["currency"] == currency

    # The console's Activity, in Swedish: the same three facts, the amount written the Swedish way.
    page = client.get(
        f"/console/integrations/{NAME}/activity", headers={"Accept-Language": "sv-SE,sv;q=0.9"}
    ).text
    for transfer in confirmed:
        name, amount, currency = expected(waiting[transfer["key"]])
        link = f"/documents/{transfer['document_type']}/{transfer['key']}"
        row = page[page.index(link) :].split("</tr>", 1)[0]
        assert f'<td class="counterparty">{name}</td>' in row.replace("&amp;", "&")
        assert format_currency(amount, currency, locale="sv_SE") in row
