"""The console's languages (da, sv, nb, en), its locale formats and its pictures, without a browser.

A template text not marked for translation, or a marked text missing from a catalogue, fails here.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

from ledgerbridge.web import charts, i18n
from ledgerbridge.web.i18n_sources import all_messages, message_templates, po_path, template_messages
from tests.web.conftest import INVOICE_SETTINGS, Web, book_invoice

TEMPLATES = Path(i18n.__file__).with_name("templates")
TRANSLATED = ("da", "sv", "nb")
WORD = re.compile(r"[^\W\d_]{2,}")
SHOWN_ATTRIBUTE = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"')
NOT_LANGUAGE = {"ledgerbridge", "HTTP"}  # the product's name; a protocol
PLACEHOLDER = re.compile(
    r"%\((\w+)\)[sr]"
)  # a template's %(name)r is the CLI's quoting; %(name)s shows it bare


def _literal_text(source: str) -> list[str]:
    """Text a template shows as written (outside ``{{ }}``/``{% %}``): element text and the attributes a
    person reads or hears; commands in ``<pre>``/``<code>`` are not language."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    flat = "".join(value if kind == "data" else "\x00" for _, kind, value in env.lex(source))
    shown = SHOWN_ATTRIBUTE.findall(flat)
    text = re.sub(r"<(pre|code|script|style)\b.*?</\1>", " ", flat, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"&[a-z#0-9]+;", " ", text)
    chunks = [*text.split("\x00"), *shown]
    return [" ".join(c.split()) for c in chunks if any(w not in NOT_LANGUAGE for w in WORD.findall(c))]


def test_the_checker_sees_unmarked_text() -> None:
    assert _literal_text('<p class="help">Save it</p>') == ["Save it"]
    assert _literal_text('<input placeholder="e.g. backup">{{ _("Save") }}') == ["e.g. backup"]
    assert _literal_text('<p>{{ _("Save it") }}</p><pre>ledgerbridge admin set-password</pre>') == []


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_every_template_text_is_marked_for_translation(template: str) -> None:
    assert _literal_text((TEMPLATES / template).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_console_text_is_translated(language: str) -> None:
    """Templates, the console's own messages, the services' and systems' message templates (``N_``), every
    kind's setting titles, descriptions and choices."""
    with po_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language)
    missing = [m for m in all_messages() if not (catalogue.get(m) and catalogue.get(m).string)]
    assert missing == []
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []
    for message in catalogue:
        if message.id and message.string:
            _check_values(message.id, message.string)


def _check_values(msgid: object, msgstr: object) -> None:
    """A translation names only values its template has (it may leave out one the CLI needs, such as an
    environment variable to set) and formats with them."""
    values = set(PLACEHOLDER.findall(str(msgid)))
    assert set(PLACEHOLDER.findall(str(msgstr))) <= values, msgid
    if values:
        str(msgstr) % dict.fromkeys(values, "x")


def test_english_words_the_clis_messages_for_the_console() -> None:
    """A service message that names a command to run is reworded in English for the console (where the
    command cannot be run), with the same values."""
    with po_path("en").open("rb") as source:
        catalogue = read_po(source, locale="en")
    templates = list(message_templates())
    assert "no active API token #%(id)s" in templates  # services/security.py's N_(…)
    naming_a_command = [t for t in templates if "`" in t]
    assert naming_a_command
    for template in naming_a_command:
        found = catalogue.get(template)
        assert found and found.string and "`" not in found.string, template
        _check_values(template, found.string)


def _first_argument_is_text(call: ast.Call) -> bool:
    argument = call.args[0] if call.args else None
    return isinstance(argument, ast.JoinedStr) or (
        isinstance(argument, ast.Constant) and isinstance(argument.value, str)
    )


# Raised with English text on purpose: only the CLI and the API show these (a config file, an
# environment variable).
TEXT_ONLY = {
    ("services/common.py", "read_toml"),
    ("services/integrations.py", "add_integration_from_file"),
    ("services/maintenance.py", "retention"),
    ("services/maintenance.py", "rotate_key"),
}


def test_the_messages_the_console_can_show_carry_their_template() -> None:
    """A ``UserError``/``Message`` raised in the services or the console with a bare English text (not
    ``N_("…")`` and its values) would reach the console in English: each one is a template."""
    package = Path(i18n.__file__).parent.parent
    bare = []
    for folder in ("services", "web"):
        for module in sorted((package / folder).rglob("*.py")):
            tree = ast.parse(module.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                where = (str(module.relative_to(package)), function.name)
                for node in ast.walk(function):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Name)
                        and node.func.id in ("UserError", "Message")
                        and _first_argument_is_text(node)
                        and where not in TEXT_ONLY
                    ):
                        bare.append(f"{where[0]}:{node.lineno} ({where[1]})")
    assert bare == []


def test_template_texts_are_found_by_the_extractor() -> None:
    found = set(template_messages())
    assert {"Save settings", "Last sync", "%(count)s difference(s)"} <= found


def test_settings_use_the_seeds_own_words() -> None:
    assert (
        i18n.translate("da", "Post invoices in e-conomic when posted in Rackbeat")
        == "Bogfør fakturaer i e-conomic når de bogføres i Rackbeat"
    )
    assert (
        i18n.translate("sv", "Status for invoices to be transferred")
        == "Status för fakturor som ska överföras"
    )


def test_english_rewords_developer_texts() -> None:
    assert "seed" not in i18n.translate(
        "en", "Send suppliers from Rackbeat to eAccounting when created or changed (seed 000)."
    )
    assert "base_url" not in i18n.translate("en", "OpenAPI services host; default: base_url")
    assert i18n.translate("en", "customer_group") == "customer group"


@pytest.mark.parametrize(
    ("cookie", "accept", "chosen"),
    [
        (None, "da-DK,da;q=0.9,en;q=0.8", "da"),
        (None, "en-US;q=0.5,sv;q=0.9", "sv"),
        (None, "en-US,sv;q=0.9", "en"),
        (None, "no,en;q=0.5", "nb"),
        (None, "nn-NO", "nb"),
        (None, "fr-FR,de;q=0.8", "en"),
        (None, None, "en"),
        ("sv", "da", "sv"),
        ("xx", "da", "da"),
    ],
)
def test_language_from_the_choice_else_the_browser(
    cookie: str | None, accept: str | None, chosen: str
) -> None:
    assert i18n.negotiate(cookie, accept) == chosen


def test_money_dates_and_numbers_in_the_locale() -> None:
    amount = Decimal("1234.56")
    assert i18n.format_money({"lang": "da"}, amount, "DKK") == "1.234,56\xa0kr."
    assert i18n.format_money({"lang": "sv"}, amount, "SEK") == "1\xa0234,56\xa0kr"
    assert i18n.format_money({"lang": "nb"}, amount, "NOK") == "1\xa0234,56\xa0kr"
    assert i18n.format_money({"lang": "en"}, amount, "GBP") == "£1,234.56"
    moment = datetime(2026, 12, 6, 9, 5, tzinfo=UTC)
    assert i18n.format_when({"lang": "da"}, moment, "short").startswith("06.12.2026")
    assert i18n.format_when({"lang": "sv"}, moment, "short").startswith("2026-12-06")
    assert i18n.format_number({"lang": "da"}, 12345) == "12.345"


def _day(offset: int, transfers: int, failures: int) -> charts.Bucket:
    return charts.Bucket(datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=offset), transfers, failures)


def test_sparkline_draws_both_series_with_a_text_equivalent() -> None:
    svg = str(charts.sparkline([_day(0, 2, 0), _day(1, 5, 1), _day(2, 0, 3)], "3 days: 7 transferred"))
    assert (
        svg.count("<polyline") == 2 and 'role="img"' in svg and "<title>3 days: 7 transferred</title>" in svg
    )
    assert 'stroke-dasharray="3 2"' in svg  # failures told apart without colour
    assert "style=" not in svg  # the console's CSP refuses inline styles


def test_bar_chart_scales_to_the_highest_value() -> None:
    svg = str(
        charts.bar_chart(
            [_day(0, 4, 0), _day(1, 8, 2)],
            "per day",
            tick=lambda m: m.strftime("%d"),
            legend=("ok", "failed"),
        )
    )
    assert svg.count("<rect") == 4 + 2  # two bars per day and two legend keys
    assert ">8</text>" in svg and "01: ok 4, failed 0" in svg


def test_pages_follow_the_language_and_remember_a_choice(web: Web) -> None:
    web.login()
    danish = web.client.get("/console", headers={"Accept-Language": "da-DK,da;q=0.9"})
    assert '<html lang="da">' in danish.text and "Integrationer" in danish.text
    chosen = web.client.get("/console/language/sv?next=/console/integrations/acme", follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/integrations/acme"
    assert "lb_lang=sv" in chosen.headers["set-cookie"]
    swedish = web.client.get("/console/integrations/acme", headers={"Accept-Language": "da"})
    assert '<html lang="sv">' in swedish.text and "Senaste synkronisering" in swedish.text
    refused = web.client.get("/console/language/xx?next=https://example.com/", follow_redirects=False)
    assert refused.headers["location"] == "/console" and "set-cookie" not in refused.headers


def test_settings_titles_are_translated_at_render_time(web: Web) -> None:
    web.login()
    web.client.cookies.set("lb_lang", "da")
    page = web.client.get("/console/integrations/acme/settings")
    assert "Bogfør fakturaer i e-conomic når de bogføres i Rackbeat" in page.text
    assert "Aktivér kreditorintegration" in page.text and "Gem indstillinger" in page.text


def test_overview_and_list_show_charts_with_the_transfer(web: Web) -> None:
    web.service.update_settings("acme", INVOICE_SETTINGS)
    web.service.run_startup("acme")
    web.hub.reload("acme")
    number = book_invoice(web.world)
    web.login()
    assert (
        "Transferred"
        not in web.post(
            "/console/integrations/acme/transfer", {"number": str(number)}, page="/console/integrations/acme"
        ).text
    )
    overview = web.client.get("/console/integrations/acme").text
    assert overview.count('<svg class="chart"') == 2  # per day, per hour
    assert 'id="startup-chart"' in overview and "svg" in overview.split('id="startup-chart"')[1][:400]
    assert ": transferred 1, failed 0</title>" in overview  # today's bar pair
    listing = web.client.get("/console").text
    assert '<svg class="sparkline"' in listing and "Last 30 days: 1 transferred, 0 failed" in listing
