"""The console's error messages in the user's language (issue 18; Danish, Swedish and Norwegian): the
not-found and refused pages, and the error flashes of the connections, errors, tokens and reconcile pages.
A message from the service layer (the CLI's English, sometimes naming a CLI command) is reworded; no
backticked command reaches the page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web import i18n
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import CLIENT_ID, EWorld, eaccounting_world
from tests.web.conftest import PASSWORD, Web

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FLASH = re.compile(r'class="flash (?:error|success|info)"[^>]*>(.*?)<', re.S)


def _shown(page_text: str) -> list[str]:
    return [html.unescape(" ".join(m.split())) for m in FLASH.findall(page_text)]


def _in(language: str, web: Web) -> None:
    web.client.cookies.set(i18n.COOKIE, language)


@pytest.mark.parametrize(
    ("language", "no_page", "expired"),
    [
        ("da", "Siden findes ikke.", "Formularen er udløbet: genindlæs siden, og prøv igen."),
        ("sv", "Sidan finns inte.", "Formuläret har gått ut: ladda om sidan och försök igen."),
        ("nb", "Siden finnes ikke.", "Skjemaet er utløpt: last inn siden på nytt og prøv igjen."),
    ],
)
def test_not_found_and_refused_pages(web: Web, language: str, no_page: str, expired: str) -> None:
    web.login()
    _in(language, web)
    missing = web.client.get("/console/no-such-page")
    assert missing.status_code == 404
    assert no_page in _shown(missing.text)
    unknown = web.client.get("/console/integrations/nobody")
    assert unknown.status_code == 404
    no_integration = "no integration named %(name)r (see `ledgerbridge integrations list`)"
    assert i18n.translate(language, no_integration) % {"name": "nobody"} in _shown(unknown.text)
    stale = web.client.post("/console/tokens", data={"csrf_token": "stale"}, follow_redirects=False)
    assert stale.status_code == 403
    assert _shown(stale.text) == [expired]
    assert "CSRF" not in stale.text


@pytest.mark.parametrize(
    ("language", "keys", "no_error", "retry"),
    [
        (
            "da",
            "rackbeat forbindes med sine nøgler: indtast dem i formularen på denne side.",
            "Der er ingen åben fejl #999 for acme.",
            "Nyt forsøg med #999 mislykkedes: Der er ingen åben fejl #999 for acme.",
        ),
        (
            "sv",
            "Rackbeat ansluts med sina nycklar: ange dem i formuläret på den här sidan.",
            "Det finns inget öppet fel #999 för acme.",
            "Nytt försök med #999 misslyckades: Det finns inget öppet fel #999 för acme.",
        ),
        (
            "nb",
            "Rackbeat kobles til med sine nøkler: angi dem i skjemaet på denne siden.",
            "Det finnes ingen åpen feil #999 for acme.",
            "Nytt forsøk med #999 mislyktes: Det finnes ingen åpen feil #999 for acme.",
        ),
    ],
)
def test_connections_errors_and_tokens_flashes(
    web: Web, language: str, keys: str, no_error: str, retry: str
) -> None:
    web.login()
    _in(language, web)
    side = i18n.translate(language, "rackbeat")
    keys = keys.replace("rackbeat", side).replace("Rackbeat", side)
    # Connections: a side connected by its keys has no sign-in page to go to.
    web.client.get("/console/integrations/acme/connect/rackbeat", follow_redirects=False)
    assert keys in _shown(web.client.get("/console/integrations/acme/connections").text)
    # Errors: dismissing and retrying an entry that is not there.
    web.post("/console/integrations/acme/errors/999/dismiss", page="/console/errors")
    dismissed = _shown(web.client.get("/console/errors").text)
    web.post("/console/integrations/acme/errors/999/retry", page="/console/errors")
    retried = _shown(web.client.get("/console/errors").text)
    assert dismissed == [no_error] and retried == [retry]
    # Tokens: revoking one that does not exist.
    web.post("/console/tokens/999/revoke", page="/console/tokens")
    token = i18n.translate(language, "no active API token #%(id)s") % {"id": 999}
    assert token != "There is no active API token #999." and token in _shown(
        web.client.get("/console/tokens").text
    )


@pytest.mark.parametrize(
    ("language", "reversed_period"),
    [
        ("da", "Perioden slutter (2026-01-01), før den begynder (2026-02-01)."),
        ("sv", "Perioden slutar (2026-01-01) innan den börjar (2026-02-01)."),
        ("nb", "Perioden slutter (2026-01-01) før den begynner (2026-02-01)."),
    ],
)
def test_reconcile_problem(web: Web, language: str, reversed_period: str) -> None:
    web.login()
    _in(language, web)
    page = web.client.get("/console/integrations/acme/reconcile?run=1&from=2026-02-01&to=2026-01-01")
    assert reversed_period in html.unescape(page.text)


@pytest.fixture
def unconnected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EWorld, TestClient]]:
    """An eAccounting integration whose Visma Connect sign-in has not been made."""
    monkeypatch.setenv("LEDGERBRIDGE_PUBLIC_URL", "http://testserver")
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.identity.register_client(CLIENT_ID, "client-secret", [world.redirect_uri])
        world.add("se", connect=False)
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        with TestClient(create_app(hub, None), base_url="http://testserver") as client:
            token = CSRF.search(client.get("/console/login").text).group(1)  # type: ignore[union-attr]
            client.post("/console/login", data={"password": PASSWORD, "csrf_token": token})
            yield world, client
        hub.close()


@pytest.mark.parametrize(
    ("language", "not_connected", "was_not"),
    [
        (
            "da",
            "eAccounting er ikke forbundet: forbind eAccounting på siden Forbindelser",
            "eAccounting var ikke forbundet.",
        ),
        (
            "sv",
            "eEkonomi är inte anslutet: anslut eEkonomi på sidan Anslutningar",
            "eEkonomi var inte anslutet.",
        ),
        (
            "nb",
            "eAccounting er ikke tilkoblet: koble til eAccounting på siden Tilkoblinger",
            "eAccounting var ikke tilkoblet.",
        ),
    ],
)
def test_eaccounting_not_connected_says_what_to_do_in_the_console(
    unconnected: tuple[EWorld, TestClient], language: str, not_connected: str, was_not: str
) -> None:
    """The CLI's "run `ledgerbridge connect NAME eaccounting`" becomes the Connections page in the console."""
    _world, client = unconnected
    client.cookies.set(i18n.COOKIE, language)
    token = CSRF.search(client.get("/console/integrations/se/connections").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/console/integrations/se/disconnect/eaccounting", data={"csrf_token": token}, follow_redirects=False
    )
    assert was_not in _shown(client.get("/console/integrations/se/connections").text)

    # A manual transfer (the brief's case): the console says where to connect, not which command to run.
    token = CSRF.search(client.get("/console/integrations/se").text).group(1)  # type: ignore[union-attr]
    client.post(
        "/console/integrations/se/transfer",
        data={"csrf_token": token, "number": "1", "document_type": "invoice"},
        follow_redirects=False,
    )
    refused = _shown(client.get("/console/integrations/se").text)
    not_transferred = i18n.translate(language, "Not transferred: %(reason)s") % {"reason": not_connected}
    assert refused == [not_transferred]

    page = client.get("/console/integrations/se/reconcile?run=1")
    text = html.unescape(page.text)
    assert not_connected in text
    assert "ledgerbridge connect" not in text and "`" not in text


@pytest.mark.parametrize(
    ("language", "sealed"),
    [
        ("da", "Forbindelserne til acme kan ikke læses: indtast dem igen på siden Forbindelser."),
        ("sv", "Anslutningarna för acme kan inte läsas: ange dem igen på sidan Anslutningar."),
        ("nb", "Tilkoblingene til acme kan ikke leses: angi dem på nytt på siden Tilkoblinger."),
    ],
)
def test_lost_key_on_the_integrations_list(web: Web, language: str, sealed: str) -> None:
    """The CLI's "re-enter them: `ledgerbridge integrations update acme --config FILE`" is not shown."""
    from cryptography.fernet import Fernet

    from ledgerbridge.crypto import SecretBox

    web.login()
    _in(language, web)
    web.service.box = SecretBox(Fernet.generate_key())  # the key the credentials were sealed with is gone
    listing = html.unescape(web.client.get("/console").text)
    assert sealed in listing
    assert "ledgerbridge integrations update" not in listing and "`" not in listing


def test_the_admin_apis_reconcile_of_an_unconnected_ledger_is_a_4xx_not_a_500(
    unconnected: tuple[EWorld, TestClient],
) -> None:
    # Opening the integration's session signs in to eAccounting: not connected was an AuthError that
    # escaped the reconcile call (500); it is the same "cannot compare" answer as an unreachable side.
    _, client = unconnected
    answer = client.get("/api/integrations/se/reconcile")
    assert 400 <= answer.status_code < 500, answer.text
    assert "not connected" in answer.json()["detail"]
