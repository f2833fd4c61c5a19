"""What a settings page can offer from eAccounting, read live (:data:`EACCOUNTING_CHOICES`), in the order
the API lists them; and :func:`check`, "test the connection" (the company signed in to)."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge.systems.eaccounting.adapters import CostCenterItems
from ledgerbridge.systems.eaccounting.client import EAccountingClient
from ledgerbridge.systems.side import ChoiceList


def article_codings(client: EAccountingClient) -> ChoiceList:
    """Article account codings, labelled with their VAT rate (``"Varor 25 % (25 % VAT)"``)."""
    return [
        (str(c["Id"]), f"{c.get('Name')} ({c.get('VatRatePercent')} % VAT)")
        for c in client.iter_collection("articleaccountcodings")
    ]


def article_coding_names(client: EAccountingClient) -> ChoiceList:
    """Article account codings by name only."""
    return [(str(c["Id"]), str(c.get("Name"))) for c in client.iter_collection("articleaccountcodings")]


def units(client: EAccountingClient) -> ChoiceList:
    return [(str(u["Id"]), str(u.get("Name"))) for u in client.iter_collection("units")]


def terms_of_payment(client: EAccountingClient) -> ChoiceList:
    return [(str(t["Id"]), str(t.get("Name"))) for t in client.iter_collection("termsofpayments")]


def cost_centers(client: EAccountingClient) -> ChoiceList:
    return [
        (str(c["Id"]), f"{c.get('Number')}: {c.get('Name')}") for c in CostCenterItems(client).cost_centers()
    ]


def articles(client: EAccountingClient) -> ChoiceList:
    """Active articles by number."""
    return [
        (str(a["Number"]), f"{a['Number']} {a.get('Name')}")
        for a in client.iter_collection("articles")
        if a.get("IsActive", True)
    ]


EACCOUNTING_CHOICES: dict[str, Callable[[EAccountingClient], ChoiceList]] = {
    "article_codings": article_codings,
    "article_coding_names": article_coding_names,
    "units": units,
    "terms_of_payment": terms_of_payment,
    "cost_centers": cost_centers,
    "articles": articles,
}


def check(client: EAccountingClient) -> str:
    """Signed in: the company's name, from its settings."""
    company = client.get("companysettings")
    return f"signed in to {company.get('Name') or 'the company'}"
