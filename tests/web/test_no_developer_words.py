"""No developer words in the console (issue 18), in any language: every text the console shows — template
texts, our own messages, every kind's setting titles, descriptions and choice labels, connection fields — as
the catalogue renders it has no ``--force``, no backticked command, no "(seed 000)", no ``base_url`` or other
raw key such as ``customer_group``, and no ``booked:1``-style value. ``test_every_console_text_is_translated``
keeps every shown text in the catalogue, so this covers the pages."""

from __future__ import annotations

import re

import pytest

from ledgerbridge.web import i18n
from ledgerbridge.web.i18n_sources import all_messages

DEVELOPER_WORDS = {
    "a command-line flag": re.compile(r"(?<!\w)--[a-z]"),
    "a backtick": re.compile(r"`"),
    "a seed's number": re.compile(r"\bseeds? \d{3}\b|\(seed", re.IGNORECASE),
    "a raw key": re.compile(r"\b[a-z]+_[a-z0-9_]+\b"),
    "a raw value": re.compile(r"\b[a-z_]+:\d+\b"),
}


def developer_words(text: str) -> list[str]:
    return [what for what, pattern in DEVELOPER_WORDS.items() if pattern.search(text)]


def test_the_check_sees_developer_words() -> None:
    assert developer_words("use --force to run it again") == ["a command-line flag"]
    assert developer_words("run `ledgerbridge connect NAME`") == ["a backtick"]
    assert developer_words("Suppliers too (seed 000).") == ["a seed's number"]
    assert developer_words("OpenAPI services host; default: base_url") == ["a raw key"]
    assert developer_words("only invoices with booked:1") == ["a raw value"]
    assert developer_words("Status för fakturor som ska överföras") == []


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_no_console_text_shows_developer_words(language: str) -> None:
    found = {
        shown: developer_words(shown)
        for shown in (i18n.translate(language, message) for message in all_messages())
        if developer_words(shown)
    }
    assert found == {}, found
