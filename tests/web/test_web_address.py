"""The optional "web address of a document" of a connection (issue 18): none of the four systems documents
an address of a document in its web app, so the operator may enter one per connection as a template with
{number}/{id}; the console links each document to it once set. Set through the console's connection form
and through the admin API; https only, validated, its errors in the user's language."""

from __future__ import annotations

import html
import re

import pytest

from ledgerbridge.systems.web_address import key_parts, template_address
from ledgerbridge.web import i18n
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice

AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
FIELD_ERROR = re.compile(r'class="field-error" role="alert">(.*?)</p>', re.S)
CONNECTIONS = "/console/integrations/acme/connections"


def transferred_invoice(web: Web) -> int:
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).status_code
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    sent = web.client.post(f"/api/integrations/acme/transfers/invoice/{number}", headers=AUTH).json()
    assert sent["outcome"] == "transferred", sent
    return number


def test_a_template_set_in_the_console_links_each_document(web: Web) -> None:
    number = transferred_invoice(web)
    web.login()
    document = f"/console/integrations/acme/documents/invoice/{number}"
    assert "web-link" not in web.client.get(document).text  # nothing set: no link, and the page says how
    assert "Enter the web address of a document on the Connections page" in web.client.get(document).text

    form = {
        "side": "rackbeat",
        "connections.rackbeat.document_address": "https://rackbeat.example/inv/{number}",
    }
    assert web.post(CONNECTIONS, form, page=CONNECTIONS).status_code == 303
    link = f'<a class="web-link" href="https://rackbeat.example/inv/{number}"'
    assert link in web.client.get(document).text
    assert link in web.client.get("/console/integrations/acme/activity").text
    assert link in web.client.get("/console/integrations/acme").text  # the overview's recent transfers
    # The form shows the stored template, and the other side still has none.
    assert "https://rackbeat.example/inv/{number}" in html.unescape(web.client.get(CONNECTIONS).text)
    assert "economic.example" not in web.client.get(document).text


def test_a_template_set_through_the_admin_api(web: Web) -> None:
    number = transferred_invoice(web)
    answer = web.client.put(
        "/api/integrations/acme/connections",
        json={"economic": {"document_address": "https://economic.example/booked/{number}?id={id}"}},
        headers=AUTH,
    )
    assert answer.status_code == 200, answer.text
    web.login()
    page = web.client.get(f"/console/integrations/acme/documents/invoice/{number}").text
    # e-conomic's key is "booked:<number>": both placeholders are the booked invoice's number.
    assert f'href="https://economic.example/booked/{number}?id={number}"' in html.unescape(page)

    refused = web.client.put(
        "/api/integrations/acme/connections",
        json={"economic": {"document_address": "http://economic.example/booked/{number}"}},
        headers=AUTH,
    )
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["field"] == "economic.document_address" and "https://" in problem["msg"]
    for wrong in ("https://economic.example/booked", "https://economic.example/{name}", "https://x/{"):
        assert (
            web.client.put(
                "/api/integrations/acme/connections",
                json={"economic": {"document_address": wrong}},
                headers=AUTH,
            ).status_code
            == 422
        ), wrong


@pytest.mark.parametrize("language", ["da", "sv", "nb"])
def test_the_forms_refusal_in_the_language(web: Web, language: str) -> None:
    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    form = {"side": "rackbeat", "connections.rackbeat.document_address": "http://rackbeat.example/{number}"}
    answer = web.post(CONNECTIONS, form, page=CONNECTIONS)
    assert answer.status_code == 422
    errors = [html.unescape(" ".join(e.split())) for e in FIELD_ERROR.findall(answer.text)]
    title = i18n.translate(language, "Web address of a document")
    reason = i18n.translate(language, "The address must start with https://.")
    assert title != "Web address of a document" and reason != "The address must start with https://."
    assert f"{title}: {reason}" in errors, errors
    assert title in answer.text  # the field's label on the form, translated


def test_placeholders_are_filled_from_the_documents_key() -> None:
    assert key_parts("1021") == {"number": "1021", "id": "1021"}
    assert key_parts("booked:1021") == {"number": "1021", "id": "1021"}
    assert key_parts("invoice:4f0c-9a:1021") == {"number": "1021", "id": "4f0c-9a"}

    class Connection:
        document_address = "https://eaccounting.example/#/sales/customerinvoice/{id}"

    assert template_address(Connection(), "invoice", "invoice:a b/c:7") == (
        "https://eaccounting.example/#/sales/customerinvoice/a%20b%2Fc"
    )
    assert template_address(object(), "invoice", "7") is None
