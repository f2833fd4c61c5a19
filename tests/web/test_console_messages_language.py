"""The console's success messages, the register buttons' status lines and the field-by-field validation
messages of the connection and settings forms in the user's language (issue 18), in Danish, Swedish and
Norwegian: a transfer that went through, a register's counts (the seed's "överförda, uppdaterade …"), a
register refused for its missing settings (named by their titles), and pydantic's errors per type with the
field's translated title."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from ledgerbridge.integrations.base import kind_named
from ledgerbridge.services.common import Problem, validation_problems
from ledgerbridge.web import i18n
from ledgerbridge.web.console import messages
from ledgerbridge.web.forms import field_title
from tests.integrations.severa_support import NAME, SWorld
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web, book_invoice
from tests.web.test_console_severa import console, csrf

__all__ = ["console"]  # the Severa world's console fixture, used here too

LANGUAGES = ("da", "sv", "nb")
AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
FLASH = re.compile(r'class="flash (?:error|success|info)"[^>]*>(.*?)<', re.S)
FIELD_ERROR = re.compile(r'class="field-error" role="alert">(.*?)</p>', re.S)
# pydantic's English, as it reached the page before (and the CLI's words for a register's counts)
ENGLISH = ("Input should", "Field required", "URL scheme", "transferred,", "updated,", "unchanged)")
ZONE_TEMPLATE = (
    "%(zone)r is not a time zone: use an IANA name such as Europe/Copenhagen, Europe/Stockholm, Europe/Oslo "
    "or UTC"
)


def _texts(pattern: re.Pattern[str], page: str) -> list[str]:
    return [html.unescape(" ".join(m.split())) for m in pattern.findall(page)]


def _t(language: str, message: str) -> str:
    translated = i18n.translate(language, message)
    assert translated != message, f"{message!r} is not translated into {language}"
    return translated


def _as_pattern(text: str) -> str:
    """A translated message with its %(name)s placeholders as "any number"."""
    return re.sub(r"%\\\(\w+\\\)s", r"\\d+", re.escape(text))


def _status_pattern(language: str) -> str:
    """A register's status line (C25: counts, then what was unchanged) in ``language``, as a pattern."""
    counts = _t(language, "%(created)s transferred, %(updated)s updated, %(failed)s failed")
    status = _t(language, "%(counts)s (%(unchanged)s unchanged)")
    return _as_pattern(status % {"counts": counts, "unchanged": "%(unchanged)s"})


@pytest.mark.parametrize("language", LANGUAGES)
def test_manual_transfer_success_in_the_language(web: Web, language: str) -> None:
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).status_code
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    page = "/console/integrations/acme"
    web.post(f"{page}/transfer", {"number": str(number), "document_type": "invoice"}, page=page)
    booked = {
        "system": "e-conomic",
        "document": _t(language, "booked invoice %(number)s") % {"number": number},
    }
    done = _t(language, "Transferred to %(system)s as %(document)s.") % booked
    assert done in _texts(FLASH, web.client.get(page).text)
    web.post(f"{page}/transfer", {"number": str(number), "document_type": "invoice"}, page=page)
    again = _t(language, "Already transferred to %(system)s as %(document)s.") % booked
    shown = _texts(FLASH, web.client.get(page).text)
    assert again in shown and not any(e in s for s in shown for e in ENGLISH)


@pytest.mark.parametrize("language", LANGUAGES)
def test_register_status_line_and_refusal_in_the_language(
    console: tuple[SWorld, TestClient], language: str
) -> None:
    world, client = console
    client.cookies.set(i18n.COOKIE, language)
    overview = f"/console/integrations/{NAME}"
    answer = client.post(f"{overview}/registers/customers", data={"csrf_token": csrf(client, overview)})
    title = _t(language, "Customers")
    [line] = [s for s in _texts(FLASH, answer.text) if s.startswith(title + ":")]
    assert re.fullmatch(rf"{re.escape(title)}: {_status_pattern(language)}\.", line), line

    # A register whose settings are missing: refused, the settings named by their titles, no paths.
    world.service.update_settings(NAME, world.settings(statuses={"sent": None}))
    answer = client.post(f"{overview}/registers/check-sent", data={"csrf_token": csrf(client, overview)})
    shown = _texts(FLASH, answer.text)
    missing = _t(language, field_title(kind_named("severa-eaccounting").Settings, "statuses.sent"))
    refused = _t(language, "%(register)s cannot be transferred before these settings are set: %(missing)s")
    expected = refused % {"register": _t(language, "Check sent"), "missing": missing}
    assert any(s.endswith(expected) for s in shown), shown
    assert not any("statuses.sent" in s or "cannot be transferred" in s for s in shown), shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_register_run_by_the_transfer_form_says_its_status_line_in_the_language(
    console: tuple[SWorld, TestClient], language: str
) -> None:
    """The manual-transfer form (``POST …/transfer``) runs a register given as the document type; its
    flash is the register's status line in the user's language, as the register's button shows it."""
    _world, client = console
    client.cookies.set(i18n.COOKIE, language)
    overview = f"/console/integrations/{NAME}"
    answer = client.post(
        f"{overview}/transfer",
        data={"csrf_token": csrf(client, overview), "number": "-", "document_type": "customers"},
    )
    shown = _texts(FLASH, answer.text)
    line = rf"{re.escape(_t(language, 'Customers'))}: {_status_pattern(language)}\."
    not_transferred = re.escape(_t(language, "Not transferred: %(reason)s")).replace(r"%\(reason\)s", line)
    assert any(re.fullmatch(not_transferred, s) for s in shown), shown  # two customers are refused (C63)
    assert not any(e in s for s in shown for e in ENGLISH), shown


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_retried_entry_that_fails_again_says_why_in_the_language(
    console: tuple[SWorld, TestClient], language: str
) -> None:
    """A retry that fails again (here: the register the entry belongs to lost a setting it needs) shows
    the failure's reason in the user's language, without the exception's class name; the admin API still
    answers the CLI's English, word for word."""
    world, client = console
    world.run("customers")  # two customers refused (C63): open entries of the error log
    entry = world.service.errors(NAME)[0]
    world.service.update_settings(NAME, world.settings(masters={"customers": None}))
    client.cookies.set(i18n.COOKIE, language)
    answer = client.post(
        f"/console/integrations/{NAME}/errors/{entry.id}/retry",
        data={"csrf_token": csrf(client, "/console/errors")},
    )
    shown = _texts(FLASH, answer.text)
    missing = _t(language, field_title(kind_named("severa-eaccounting").Settings, "masters.customers"))
    refused = _t(language, "%(register)s cannot be transferred before these settings are set: %(missing)s")
    reason = refused % {"register": _t(language, "Customers"), "missing": missing}
    failed = _t(language, "#%(id)s failed: %(reason)s") % {"id": entry.id, "reason": reason}
    assert shown == [f"{failed} {_t(language, '(still open)')}"], shown

    answer = client.post(f"/api/integrations/{NAME}/errors/{entry.id}/retry", headers=AUTH)
    assert answer.json() == [
        {
            "error_id": entry.id,
            "outcome": "failed: RegisterRefused: customers cannot be transferred before these settings are "
            "set: master system for customers (masters.customers)",
        }
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_settings_form_validation_per_error_type(web: Web, language: str) -> None:
    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    page = "/console/integrations/acme/settings"
    form = {
        "customer_invoices.account_for_customer_groups": "not a number",
        "general.timezone": "Mars/Olympus",
    }
    answer = web.post(page, form, page=page)
    assert answer.status_code == 422
    errors = _texts(FIELD_ERROR, answer.text)
    number = _t(language, "%(field)s must be a whole number.")
    assert any(re.fullmatch(number.replace("%(field)s", ".+"), e) for e in errors), errors
    zone = _t(language, ZONE_TEMPLATE)
    assert any(e.endswith(zone % {"zone": "Mars/Olympus"}) for e in errors), errors
    assert not any(e in s for s in errors for e in ENGLISH)


@pytest.mark.parametrize("language", LANGUAGES)
def test_connection_form_validation_names_the_field_by_its_translated_title(web: Web, language: str) -> None:
    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    page = "/console/integrations/acme/connections"
    answer = web.post(
        page, {"side": "rackbeat", "connections.rackbeat.base_url": "ftp://rackbeat"}, page=page
    )
    assert answer.status_code == 422
    errors = _texts(FIELD_ERROR, answer.text)
    expected = _t(language, "%(field)s must start with http:// or https://.") % {
        "field": _t(language, "API address")
    }
    assert expected in errors, errors


def test_every_form_error_reaches_the_console_with_its_type() -> None:
    """pydantic's errors reach the console as their type and values (``Problem``), not as English to
    recognise: each one here is worded by the table of types, naming its values."""
    from pydantic import BaseModel, Field, HttpUrl, ValidationError
    from starlette.requests import Request

    class Form(BaseModel):
        count: int = Field(ge=1, le=9, title="Count")
        name: str = Field(max_length=3, title="Name")
        address: HttpUrl = Field(title="Address")

    good: dict[str, object] = {"count": 3, "name": "abc", "address": "https://example.com"}
    bad = [
        ("count", "x"),
        ("count", 0),
        ("count", 10),
        ("name", "long"),
        ("address", "ftp://x"),
        ("address", "x"),
    ]
    request = Request({"type": "http", "headers": [(b"cookie", f"{i18n.COOKIE}=da".encode())]})
    shown = []
    for field, value in bad:
        with pytest.raises(ValidationError) as raised:
            Form.model_validate({**good, field: value})
        [(path, problem)] = validation_problems("", raised.value)
        assert isinstance(problem, Problem) and problem.kind == raised.value.errors()[0]["type"], problem
        assert problem.kind in messages.BY_TYPE, problem.kind
        shown.append(messages.field_message(request, Form.model_fields[path].title or "", problem))
    count, name = i18n.translate("da", "Count"), i18n.translate("da", "Name")  # the fields' titles
    assert shown[1] == _t("da", "%(field)s must be at least %(limit)s.") % {"field": count, "limit": 1}
    at_most = _t("da", "%(field)s may have at most %(count)s characters.")
    assert shown[3] == at_most % {"field": name, "count": 3}
    assert not any(e in s for s in shown for e in ENGLISH)


def test_a_problem_of_the_whole_form_has_no_empty_title() -> None:
    from pydantic import ValidationError
    from starlette.requests import Request

    from ledgerbridge.systems.severa.connection import SeveraConnection

    request = Request({"type": "http", "headers": [(b"cookie", f"{i18n.COOKIE}=da".encode())]})
    with pytest.raises(ValidationError) as raised:
        SeveraConnection.model_validate({"client_id": " ", "client_secret": "s"})
    [(_path, empty)] = validation_problems("", raised.value)
    assert str(empty) == "the client id is empty"  # the CLI's words, as before
    assert messages.field_message(request, "", empty) == "Klient-id'et er tomt."
    with pytest.raises(ValidationError) as raised:
        SeveraConnection.model_validate({"client_secret": "s"})
    [(_path, required)] = validation_problems("", raised.value)
    client_id = _t("da", "Client id")
    assert messages.field_message(request, "Client id", required) == f"{client_id} skal udfyldes."
