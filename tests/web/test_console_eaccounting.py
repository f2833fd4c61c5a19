"""The console with an eAccounting integration: connect through Visma Connect's real redirect, the settings
page of seed 002 with live choices, and "reconnect required" shown when the grant is gone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import CLIENT_ID, EWorld, eaccounting_world
from tests.web.conftest import PASSWORD

CALLBACK = "http://testserver/console/integrations/se/connect/eaccounting/callback"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EWorld, TestClient]]:
    # The sign-in's return address comes from the configured public URL, never the Host header.
    monkeypatch.setenv("LEDGERBRIDGE_PUBLIC_URL", "http://testserver")
    with eaccounting_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path) as world:
        world.identity.register_client(CLIENT_ID, "client-secret", [world.redirect_uri, CALLBACK])
        world.add("se", connect=False)
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        with TestClient(create_app(hub, None), base_url="http://testserver") as client:
            page = client.get("/console/login")
            token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            assert (
                client.post(
                    "/console/login", data={"password": PASSWORD, "csrf_token": token}, follow_redirects=False
                ).status_code
                == 303
            )
            yield world, client
        hub.close()


def test_connect_eaccounting_from_the_console_by_the_oauth2_redirect(
    console: tuple[EWorld, TestClient],
) -> None:
    world, client = console
    before = client.get("/console/integrations/se/connections")
    assert "not connected" in before.text.lower().replace("_", " ")

    start = client.get("/console/integrations/se/connect/eaccounting", follow_redirects=False)
    assert start.status_code == 303
    authorize = start.headers["location"]
    assert authorize.startswith(f"{world.books_url}/connect/authorize?")
    assert parse_qs(urlsplit(authorize).query)["redirect_uri"] == [CALLBACK]

    # The user grants access on Visma Connect's page, which sends the browser back to the console.
    with httpx.Client(timeout=10) as browser:
        page = browser.get(authorize)
        request_id = re.search(r'name=.?request_id.? value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        granted = browser.post(
            f"{world.books_url}/connect/authorize", data={"request_id": request_id, "decision": "grant"}
        )
    assert granted.status_code == 302
    back = urlsplit(granted.headers["location"])
    finished = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert finished.status_code == 303
    connections = client.get("/console/integrations/se/connections")
    assert "eaccounting is connected" in connections.text.lower()
    assert world.service.connection_states("se").get("eaccounting") == "connected"

    # With the grant the settings page offers eAccounting's own codings and terms.
    assert world.service.run_startup("se").ok
    settings = client.get("/console/integrations/se/settings")
    assert settings.status_code == 200
    for coding in world.books.all("articleaccountcodings"):
        assert coding["Name"] in settings.text
    assert "Status of new eAccounting invoices" in settings.text

    # A replayed answer (state already used) is refused.
    replay = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert replay.status_code == 403

    # The user changes their Visma password: the next refresh fails and the console says so.
    world.identity.kill_refresh_tokens()
    later = datetime.now(UTC) + timedelta(hours=2)
    world.identity.clock = lambda: later
    with pytest.raises(Exception, match="connected again"):
        world.service.run_startup("se", force=True)
    assert world.service.connection_states("se").get("eaccounting") == "reconnect_required"
    overview = client.get("/console")
    assert "reconnect" in overview.text.lower()


def test_disconnect_revokes_the_grant_at_visma_connect_and_forgets_the_tokens(
    console: tuple[EWorld, TestClient],
) -> None:
    world, client = console
    world.connect("se")
    integration_id, _ = world.service.integration("se")
    from ledgerbridge.engine.tokens import TokenStore

    token = TokenStore(world.service.store, world.service.box).load(integration_id, "eaccounting")
    assert token is not None and world.identity.accepts(str(token.access_token))

    page = client.get("/console/integrations/se/connections")
    assert "Disconnect" in page.text
    assert (
        client.post("/console/integrations/se/disconnect/eaccounting", follow_redirects=False).status_code
        == 403
    )
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/console/integrations/se/disconnect/eaccounting", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "revoked at Visma Connect" in client.get("/console/integrations/se/connections").text
    assert world.identity.revocation_requests == 1
    assert not world.identity.accepts(str(token.access_token))  # the whole grant is gone
    assert world.service.connection_states("se")["eaccounting"] == "not_connected"
    with pytest.raises(Exception, match="ledgerbridge connect"):
        world.service.run_startup("se")
