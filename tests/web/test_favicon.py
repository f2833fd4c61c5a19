"""The console has a favicon (issue 18): every page links it, and it is served as an SVG (from the wheel's
static files, no CDN)."""

from __future__ import annotations

from tests.web.conftest import Web

LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_every_page_links_the_favicon_and_it_is_served(web: Web) -> None:
    assert LINK in web.client.get("/console/login").text
    web.login()
    for path in ("/console", "/console/integrations/acme", "/console/integrations/nope"):
        assert LINK in web.client.get(path).text, path
    icon = web.client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")
