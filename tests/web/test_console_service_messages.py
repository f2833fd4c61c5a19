"""Service-layer messages in the console's language by their templates (issue 18), in Danish, Swedish and
Norwegian over HTTP: the console shows a ``UserError``'s template from the catalogue with its values (a
state or a side translated as a word, a register by its title), while the CLI's English stays word for
word (``str(exc)``)."""

from __future__ import annotations

import html
import re

import pytest

from ledgerbridge.service import UserError
from ledgerbridge.web import i18n
from tests.web.conftest import INVOICE_SETTINGS, LEGACY_TOKEN, Web

LANGUAGES = ("da", "sv", "nb")
AUTH = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
FLASH = re.compile(r'class="flash (?:error|success|info)"[^>]*>(.*?)<', re.S)


def _shown(page: str) -> list[str]:
    return [html.unescape(" ".join(m.split())) for m in FLASH.findall(page)]


def _t(language: str, message: str) -> str:
    translated = i18n.translate(language, message)
    assert translated != message, f"{message!r} is not translated into {language}"
    return translated


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_error_that_is_not_open_names_its_state_in_the_language(web: Web, language: str) -> None:
    assert web.client.put("/api/integrations/acme/settings", json=INVOICE_SETTINGS, headers=AUTH).status_code
    assert web.service.run_startup("acme").ok
    web.client.post("/api/integrations/acme/transfers/invoice/999999", headers=AUTH)  # Rackbeat lacks it
    [entry] = web.client.get("/api/integrations/acme/errors", headers=AUTH).json()
    web.service.dismiss_error("acme", entry["id"])
    with pytest.raises(UserError) as refused:
        web.service.dismiss_error("acme", entry["id"])
    assert str(refused.value) == f"error #{entry['id']} is dismissed, not open"  # the CLI's words

    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    web.post(f"/console/integrations/acme/errors/{entry['id']}/dismiss", page="/console/errors")
    state = _t(language, "dismissed")
    expected = _t(language, "error #%(id)s is %(state)s, not open") % {"id": entry["id"], "state": state}
    assert _shown(web.client.get("/console/errors").text) == [expected]
    assert "dismissed" not in expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_register_the_kind_does_not_have_is_named_by_its_title(web: Web, language: str) -> None:
    with pytest.raises(UserError) as refused:
        web.service.run_register("acme", "check-sent")
    assert str(refused.value) == (
        "'acme' has no register 'check-sent' (registers: none: it transfers documents by number)"
    )

    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    page = "/console/integrations/acme"
    web.post(f"{page}/registers/check-sent", page=page)
    reason = _t(language, "%(name)r has no register %(register)r (registers: %(listed)s)") % {
        "name": "acme",
        "register": _t(language, "Check sent"),
        "listed": "",
    }
    assert _shown(web.client.get(page).text) == [
        _t(language, "Not transferred: %(reason)s") % {"reason": reason}
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_side_without_a_sign_in_page_is_named_in_the_language(web: Web, language: str) -> None:
    with pytest.raises(UserError) as refused:
        web.service.disconnect("acme", "rackbeat")
    assert str(refused.value) == "acme (rackbeat-economic) does not sign in to 'rackbeat' with OAuth2"

    web.login()
    web.client.cookies.set(i18n.COOKIE, language)
    page = "/console/integrations/acme/connections"
    web.post("/console/integrations/acme/disconnect/rackbeat", page=page)
    template = _t(language, "%(name)s (%(kind)s) does not sign in to %(side)r with OAuth2")
    expected = template % {"name": "acme", "kind": "rackbeat-economic", "side": _t(language, "rackbeat")}
    assert _shown(web.client.get(page).text) == [expected]
    assert "OAuth2" not in expected and "'" not in expected


def test_english_in_the_console_is_the_catalogues_not_the_clis(web: Web) -> None:
    """The English catalogue words a CLI message for the console: no command to run, a sentence."""
    web.login()
    missing = web.client.get("/console/integrations/nobody")
    assert missing.status_code == 404
    assert "There is no integration named nobody." in _shown(missing.text)
    assert "`" not in missing.text
