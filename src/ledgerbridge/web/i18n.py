"""The console's languages: Danish, Swedish, Norwegian (bokmål) and English.

Catalogues are gettext ``.po`` files under ``web/locale/<lang>/LC_MESSAGES/console.po`` (the source, in the
wheel); they are compiled in memory when first used, so no ``.mo`` build step can be forgotten. The language
comes from the ``lb_lang`` cookie (the user's choice), else the browser's ``Accept-Language``, else English.
Dates, numbers and money are formatted with Babel in the same locale. The CLI stays English.
"""

from __future__ import annotations

import gettext
import io
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import pass_context

from ledgerbridge.integrations.common_settings import as_zone, zone_label, zone_named

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "console"
LANGUAGES = {"en": "English", "da": "Dansk", "sv": "Svenska", "nb": "Norsk"}
DEFAULT = "en"
COOKIE = "lb_lang"
# Browsers say "no" or "nn" for Norwegian more often than "nb"; bokmål is what we offer.
ALIASES = {"no": "nb", "nn": "nb"}
# Babel's locale for each language (currency and date conventions of the country).
BABEL_LOCALES = {"en": "en_GB", "da": "da_DK", "sv": "sv_SE", "nb": "nb_NO"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language. English is the source text itself; its catalogue only
    rewords the few texts of the kinds' models that are written for developers (CLI commands, field keys)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalogue = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _known(tag: str) -> str | None:
    base = tag.strip().lower().replace("_", "-").split("-")[0]
    base = ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The user's choice if it is one we have, else the browser's best match by q-value, else English."""
    if cookie and _known(cookie):
        return _known(cookie) or DEFAULT
    offers: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = _known(tag)
        if language and quality > 0:
            offers.append((-quality, position, language))
    return min(offers)[2] if offers else DEFAULT


def babel_locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(language, BABEL_LOCALES[DEFAULT]))


def _language_of(context: Any) -> str:
    return str(context.get("lang") or DEFAULT)


@pass_context
def gettext_in(context: Any, message: str) -> str:
    return translations(_language_of(context)).gettext(message)


@pass_context
def ngettext_in(context: Any, singular: str, plural: str, count: int) -> str:
    return translations(_language_of(context)).ngettext(singular, plural, count)


def translate(language: str, message: str) -> str:
    """For Python code (flashes, setting titles): the message in ``language``, or itself."""
    return translations(language).gettext(message) if message else message


@pass_context
def translate_filter(context: Any, message: Any) -> str:
    """``{{ field.title|t }}``: text that is not in a template (setting titles and descriptions from the
    kinds' models, statuses) looked up in the same catalogue at render time."""
    return translate(_language_of(context), str(message)) if message else ""


@pass_context
def format_when(context: Any, value: Any, form: str = "medium", zone: tzinfo | str | None = None) -> str:
    """A moment as the user's locale writes it, in ``zone`` with its abbreviation or offset:
    ``6. dec. 2026 13.00.00 +01:00 CET`` in Danish. The zone is the argument, else the page's ``zone``
    (an integration's pages set their integration's), else UTC. A bare date stays a date."""
    if value is None or value == "":
        return ""
    moment: datetime | date
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str):
        try:  # a bare day ("2026-11-01") is a day, not midnight UTC moved into another zone
            moment = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    locale = babel_locale(_language_of(context))
    if not isinstance(moment, datetime):
        return dates.format_date(moment, format=form, locale=locale)
    shown = as_zone(moment, _zone(zone if zone is not None else context.get("zone")))
    written = dates.format_datetime(shown, format=form, tzinfo=shown.tzinfo, locale=locale)
    return f"{written} {zone_label(shown)}"


def _zone(zone: tzinfo | str | None) -> tzinfo:
    if isinstance(zone, str):
        try:
            return zone_named(zone)
        except ValueError:
            return UTC
    return zone or UTC


@pass_context
def format_money(context: Any, amount: Any, currency: str | None = None) -> str:
    """``1.234,56 kr.`` (da), ``1 234,56 kr`` (sv): Decimal in, never float."""
    if amount is None or amount == "":
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    locale = babel_locale(_language_of(context))
    if currency:
        return numbers.format_currency(value, currency, locale=locale)
    return numbers.format_decimal(value, format="#,##0.00", locale=locale)


@pass_context
def format_number(context: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    return numbers.format_decimal(value, locale=babel_locale(_language_of(context)))


def install(env: Any) -> None:
    """Adds ``{% trans %}``, ``_()`` and the locale filters to a Jinja environment."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext_in, ngettext_in, newstyle=True)
    env.filters["t"] = translate_filter
    env.filters["when"] = format_when
    env.filters["money"] = format_money
    env.filters["number"] = format_number
    env.globals["languages"] = LANGUAGES
