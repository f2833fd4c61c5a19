"""The service layer's messages in the console's language (issue 18).

A message the console can show is a :class:`~ledgerbridge.services.common.Message`: an English template
(a msgid of the catalogues, marked ``N_`` where it is raised) and its values. The console shows the
template from the user's catalogue with the same values: words (:class:`Word`) translated, a nested
message shown the same way, a system's own words as the system wrote them. English has a catalogue too:
it rewords the CLI's texts for the console (no ``ledgerbridge …`` command to run, a full stop).

A text that is no :class:`Message` (a remote system's refusal, an exception of a library) is shown as it
is. pydantic's validation errors are worded by their type and its values (``Problem``), never by their
English text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from ledgerbridge.services.common import Message, Problem, Setting, Title, Word
from ledgerbridge.web import i18n
from ledgerbridge.web.console.context import _, language_of
from ledgerbridge.web.console.templating import remote_words
from ledgerbridge.web.forms import field_title


def message_of(found: object) -> object:
    """The message an exception carries (its :class:`Message`), else the object itself."""
    if isinstance(found, BaseException):
        carried = getattr(found, "message", None)
        if isinstance(carried, Message):
            return carried
        if len(found.args) == 1 and isinstance(found.args[0], Message):
            return found.args[0]
        return str(found)
    return found


def service_message(request: Request, message: object) -> str:
    """A service-layer message (a ``UserError``, a system's refusal, a :class:`Message`) as the console
    shows it: its template in the user's language with its values; any other text as it is."""
    found = message_of(message)
    if isinstance(found, Message):
        text = _(request, found.template)
        if not found.values:
            return text
        return text % {key: _value(request, value) for key, value in found.values.items()}
    return str(found).strip()


def _value(request: Request, value: object) -> object:
    if isinstance(value, Title):  # a register: "check-sent" → its title "Check sent"
        return _(request, title_of(value))
    if isinstance(value, Setting):  # "cost center for projects (projects.cost_center_id)" → its title
        return _setting_title(request, value.path, str(value))
    if isinstance(value, Word):
        return _(request, value)
    if isinstance(value, Message):
        return service_message(request, value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_value(request, item)) for item in value)
    return value


def status_line(request: Request, run: Any) -> str:
    """A register run's status line (C25: the seed's counts, what was already in step, the registers
    transferred first, why it stopped) in the user's language: the run's ``status_line`` is a
    :class:`Message` (the CLI prints its English)."""
    return service_message(request, run.status_line)


def title_of(register: str) -> str:
    """A register's title, a msgid of the catalogues: "check-sent" → "Check sent"."""
    return register.replace("-", " ").capitalize()


def _setting_title(request: Request, path: str, fallback: str) -> str:
    """A setting named by its path, by the title its settings page shows (in the user's language)."""
    from ledgerbridge.integrations.base import all_kinds

    for _kind, kind in sorted(all_kinds().items()):
        parent = field_title(kind.Settings, path.rsplit(".", 1)[0]) if "." in path else "-"
        title = field_title(kind.Settings, path)
        if title and parent and title != parent:  # the whole path leads to a field of this kind
            return _(request, title)
    return fallback


def sentence(request: Request, message: object) -> str:
    """A message the service writes as a clause ("transferred as …") shown as a sentence of its own."""
    text = service_message(request, message).rstrip(".")
    return text[:1].upper() + text[1:] + "."


def transferred(request: Request, outcome: str, remote_key: str | None, message: str, system: str) -> str:
    """A manual transfer that went through, in words: what the document became in ``system`` (the side it
    went to), or (a register run by the transfer form) its status line, a :class:`Message` shown in the
    user's language. English keeps the service's own words (the CLI's and the admin API's: "Transferred as
    e-conomic invoice 1021.")."""
    language = language_of(request)
    if remote_key and language != i18n.DEFAULT:
        values = {"system": _(request, system), "document": remote_words(language, remote_key)}
        if outcome == "already":
            return _(request, "Already transferred to %(system)s as %(document)s.") % values
        return _(request, "Transferred to %(system)s as %(document)s.") % values
    return sentence(request, message)


def refusal_message(request: Request, status: int, detail: str) -> str:
    """The text of the console's "not found" / "refused" page: Starlette's own English words for a path
    no route answers (or a method none takes) in the user's language; the console's own texts are
    translated where they are raised."""
    if status == 404 and detail == "Not Found":
        return _(request, "There is no such page.")
    if detail in ("Forbidden", "Method Not Allowed"):
        return _(request, "This is not allowed here.")
    return service_message(request, detail)


# -- field-by-field validation messages --------------------------------------------------------------------
# pydantic's own errors come as a ``Problem``: its type and the values its template names (``ctx``).
FieldRender = Callable[[Request, str, Mapping[str, object]], str]


def _choices(text: object) -> str:
    """pydantic's "'a', 'b' or 'c'" as the console writes choices: the words, quotes dropped."""
    return str(text).replace("'", "")


# One wording per error type a form can produce; ``field`` is the field's translated title.
BY_TYPE: dict[str, FieldRender] = {
    "missing": lambda request, f, c: _(request, "%(field)s must be filled in.") % {"field": f},
    "extra_forbidden": lambda request, f, c: (
        _(request, "%(field)s is not a field of this form.") % {"field": f}
    ),
    "greater_than": lambda request, f, c: (
        _(request, "%(field)s must be greater than %(limit)s.") % {"field": f, "limit": c["gt"]}
    ),
    "greater_than_equal": lambda request, f, c: (
        _(request, "%(field)s must be at least %(limit)s.") % {"field": f, "limit": c["ge"]}
    ),
    "less_than": lambda request, f, c: (
        _(request, "%(field)s must be less than %(limit)s.") % {"field": f, "limit": c["lt"]}
    ),
    "less_than_equal": lambda request, f, c: (
        _(request, "%(field)s must be at most %(limit)s.") % {"field": f, "limit": c["le"]}
    ),
    "string_too_short": lambda request, f, c: (
        _(request, "%(field)s must have at least %(count)s characters.")
        % {"field": f, "count": c["min_length"]}
    ),
    "string_too_long": lambda request, f, c: (
        _(request, "%(field)s may have at most %(count)s characters.")
        % {"field": f, "count": c["max_length"]}
    ),
    "string_pattern_mismatch": lambda request, f, c: (
        _(request, "%(field)s is not written the way it must be.") % {"field": f}
    ),
    "int_parsing": lambda request, f, c: _(request, "%(field)s must be a whole number.") % {"field": f},
    "int_type": lambda request, f, c: _(request, "%(field)s must be a whole number.") % {"field": f},
    "int_from_float": lambda request, f, c: _(request, "%(field)s must be a whole number.") % {"field": f},
    "float_parsing": lambda request, f, c: _(request, "%(field)s must be a number.") % {"field": f},
    "float_type": lambda request, f, c: _(request, "%(field)s must be a number.") % {"field": f},
    "decimal_parsing": lambda request, f, c: _(request, "%(field)s must be a number.") % {"field": f},
    "decimal_max_places": lambda request, f, c: (
        _(request, "%(field)s may have at most %(count)s decimals.")
        % {"field": f, "count": c["decimal_places"]}
    ),
    "finite_number": lambda request, f, c: _(request, "%(field)s must be a number.") % {"field": f},
    "bool_parsing": lambda request, f, c: _(request, "%(field)s must be yes or no.") % {"field": f},
    "literal_error": lambda request, f, c: (
        _(request, "%(field)s must be one of: %(choices)s.")
        % {"field": f, "choices": _choices(c["expected"])}
    ),
    "enum": lambda request, f, c: (
        _(request, "%(field)s must be one of: %(choices)s.")
        % {"field": f, "choices": _choices(c["expected"])}
    ),
    "url_parsing": lambda request, f, c: (
        _(request, "%(field)s must be a web address (https://…).") % {"field": f}
    ),
    "url_type": lambda request, f, c: (
        _(request, "%(field)s must be a web address (https://…).") % {"field": f}
    ),
    "url_scheme": lambda request, f, c: (
        _(request, "%(field)s must start with http:// or https://.") % {"field": f}
    ),
    "date_parsing": lambda request, f, c: _(request, "%(field)s must be a date (YYYY-MM-DD).") % {"field": f},
    "date_type": lambda request, f, c: _(request, "%(field)s must be a date (YYYY-MM-DD).") % {"field": f},
    "dict_type": lambda request, f, c: (
        _(request, "%(field)s must be a table of names and values.") % {"field": f}
    ),
    "list_type": lambda request, f, c: _(request, "%(field)s must be a list.") % {"field": f},
    "too_short": lambda request, f, c: (
        _(request, "%(field)s must have at least %(count)s entries.") % {"field": f, "count": c["min_length"]}
    ),
    "too_long": lambda request, f, c: (
        _(request, "%(field)s may have at most %(count)s entries.") % {"field": f, "count": c["max_length"]}
    ),
    "string_type": lambda request, f, c: _(request, "%(field)s must be text.") % {"field": f},
}

# Our own error types (``PydanticCustomError``): the web address of a document (systems/web_address.py).
# Their wording follows the field's title ("Web address of a document: …").
OWN_TYPES: dict[str, Callable[[Request, Mapping[str, object]], str]] = {
    "address_https": lambda request, c: _(request, "The address must start with https://."),
    "address_no_placeholder": lambda request, c: _(
        request, "Put {number} or {id} where the document's number or id goes."
    ),
    "address_placeholder": lambda request, c: (
        _(request, "Only {number} and {id} are filled in, not %(unknown)s.") % {"unknown": c["unknown"]}
    ),
    "address_braces": lambda request, c: _(
        request, "The address has a brace that is not part of {number} or {id}."
    ),
    "address_long": lambda request, c: (
        _(request, "The address may have at most %(limit)s characters.") % {"limit": c["limit"]}
    ),
}


def field_message(request: Request, title: str, message: str) -> str:
    """One field's validation message in the user's language, naming the field by its translated
    ``title``: pydantic's own errors by their type, our validators' messages by their template (a text
    that is neither stays as it is, after the field's title)."""
    if isinstance(message, Problem) and message.kind in OWN_TYPES:
        text = OWN_TYPES[message.kind](request, message.ctx)
        return f"{_(request, title)}: {text}" if title else text
    if not title:  # a problem of the whole form (a model's own check): its words alone
        return service_message(request, message)
    field = _(request, title)
    if isinstance(message, Problem) and message.kind in BY_TYPE:
        return BY_TYPE[message.kind](request, field, message.ctx)
    return f"{field}: {service_message(request, message)}"


def field_problems(
    request: Request, model: type[BaseModel], problems: Sequence[tuple[str, str]], prefix: str = ""
) -> list[tuple[str, str]]:
    """``problems`` (``(path, message)``, paths under ``prefix``) with each message in the user's language,
    naming the field the path leads to in ``model`` by its title; the paths stay as they are."""
    out = []
    for path, message in problems:
        inner = path.removeprefix(prefix + ".") if prefix else path
        out.append((path, field_message(request, field_title(model, inner), message)))
    return out
