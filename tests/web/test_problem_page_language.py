"""The console's "not found" and "refused" page (issue 18) speaks the user's language like every other page:
``<html lang>`` set (axe's html-has-lang), heading, link and navigation translated, and no CLI command
in it."""

from __future__ import annotations

from ledgerbridge.web import i18n
from tests.web.conftest import Web


def test_the_not_found_page_is_in_the_chosen_language(web: Web) -> None:
    web.login()
    for language in ("da", "sv", "nb"):
        web.client.cookies.set(i18n.COOKIE, language)
        page = web.client.get("/console/integrations/no-such-integration")
        assert page.status_code == 404
        assert f'<html lang="{language}">' in page.text
        for text in ("Not found", "Back to the integrations", "Log out"):
            translated = i18n.translate(language, text)
            assert translated != text and translated in page.text, (language, text)
        assert "no-such-integration" in page.text and "`" not in page.text
        assert "ledgerbridge integrations list" not in page.text
    web.client.cookies.delete(i18n.COOKIE)
    browser_says = web.client.get(
        "/console/integrations/no-such-integration", headers={"Accept-Language": "sv-SE,sv;q=0.9"}
    )
    assert '<html lang="sv">' in browser_says.text
