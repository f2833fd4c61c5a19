"""The checks every console page gets in the browser tests, in each language and at both widths: the html
``lang``, no sideways scroll on a phone, no English text of ours left in a Danish/Swedish/Norwegian page, no
axe-core violation of WCAG 2.1 A/AA."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from ledgerbridge.web import i18n
from ledgerbridge.web.i18n_sources import po_path
from tests.web.conftest import PASSWORD

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text(encoding="utf-8")
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
PHONE, DESKTOP = 390, 1366
# Names the connected systems give their own records, read live (e-conomic's demo VAT zones are English).
SYSTEMS_OWN_WORDS = {"Domestic exempt"}


def english_leftovers(language: str) -> list[str]:
    """Our English texts (of two words or more) whose translation differs: none may appear on the page (none
    to look for on an English one)."""
    if language == i18n.DEFAULT:
        return []
    with po_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language)
    texts = []
    for message in catalogue:
        english = str(message.id or "")
        if message.string and message.string != english and len(english.split()) >= 2:
            texts.extend(p.strip() for p in re.split(r"%\(\w+\)s", english) if len(p.strip().split()) >= 2)
    return sorted(set(texts) - SYSTEMS_OWN_WORDS, key=len, reverse=True)


def set_width(page: Any, width: int) -> None:
    """A phone's (844 px high) or a desktop's (900 px high) window."""
    page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 900})


def language_page(browser: Any, url: str, language: str) -> Any:
    """A new phone-sized page in a browser context of its own, the console at ``url`` set to ``language`` by
    its cookie; close it with ``page.context.close()``."""
    context = browser.new_context(viewport={"width": PHONE, "height": 844}, locale=language)
    context.set_default_timeout(20_000)
    context.add_cookies([{"name": i18n.COOKIE, "value": language, "url": url}])
    return context.new_page()


def log_in(page: Any) -> None:
    """Sign in on the console's login page now on screen, with the tests' admin password."""
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/console/login'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/console$"))


def check_page(page: Any, language: str, width: int, leftovers: list[str]) -> list[str]:
    """What is wrong with the page now on screen, as readable lines (empty: nothing)."""
    where = f"{page.url} [{language}, {width} px]"
    problems = []
    if page.evaluate("document.documentElement.lang") != language:
        problems.append(f"{where}: html lang is not {language}")
    if width == PHONE:
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if sideways > 0:
            widest = page.evaluate(
                """() => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                    .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) {
                        const clip = getComputedStyle(a).overflowX;
                        if (['auto', 'scroll', 'hidden'].includes(clip)) return false; }
                        return true; })
                    .slice(-3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                      + (e.className && e.className.baseVal === undefined ? '.' + e.className : ''))"""
            )
            problems.append(f"{where}: scrolls sideways by {sideways} px ({widest})")
    if leftovers:
        text = " ".join(page.evaluate("document.body.innerText").split())
        problems += [f"{where}: untranslated {t!r}" for t in leftovers if has_phrase(text, t)]
    page.evaluate(AXE)
    problems += [
        f"{where}: axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in page.evaluate(AXE_RUN)
    ]
    return problems


def has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` as whole words ("Log in" is not in Danish "Log ind")."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None
