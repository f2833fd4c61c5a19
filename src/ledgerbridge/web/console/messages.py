"""The service layer's messages in the console's language (issue 18).

``UserError`` texts and the systems' refusals are written in English for the CLI, which stays English, and
some name a CLI command ("run `ledgerbridge connect NAME eaccounting`"). The console shows the common ones
through this table: a whole message it knows becomes the translated wording, a known fragment inside a
longer message (a system that is not connected) is reworded to what to do in the console, and any other
``(see `ledgerbridge …`)`` hint is dropped. A message the table does not know stays as it is.

The translated texts are string literals in ``_`` calls with ``request``, so ``i18n_sources`` collects
them for the catalogues.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel
from starlette.requests import Request

from ledgerbridge.web import i18n
from ledgerbridge.web.console.context import _, language_of
from ledgerbridge.web.console.templating import remote_words
from ledgerbridge.web.forms import field_title

Render = Callable[[Request, "re.Match[str]"], str]

NAME = r"'(?P<name>[^']+)'"
SEE_CLI = re.compile(r"\s*\(see `ledgerbridge [^`]*`\)")


def _no_integration(request: Request, m: re.Match[str]) -> str:
    return _(request, "There is no integration named %(name)s.") % {"name": m["name"]}


def _no_error(request: Request, m: re.Match[str]) -> str:
    return _(request, "There is no open error #%(id)s for %(name)s.") % {"id": m["id"], "name": m["name"]}


def _error_not_open(request: Request, m: re.Match[str]) -> str:
    state = _(request, m["state"])  # "dismissed", "resolved": words of the catalogue
    return _(request, "Error #%(id)s is %(state)s, not open.") % {"id": m["id"], "state": state}


def _no_token(request: Request, m: re.Match[str]) -> str:
    return _(request, "There is no active API token #%(id)s.") % {"id": m["id"]}


def _short_password(request: Request, m: re.Match[str]) -> str:
    return _(request, "The password must have at least %(count)s characters.") % {"count": m["count"]}


def _name_taken(request: Request, m: re.Match[str]) -> str:
    return _(request, "An integration named %(name)s already exists.") % {"name": m["name"]}


def _bad_name(request: Request, m: re.Match[str]) -> str:
    text = _(request, "%(name)s is not a valid integration name: use letters, digits, '.', '_' or '-'.")
    return text % {"name": m["name"]}


def _unreadable(request: Request, m: re.Match[str]) -> str:
    sides = ", ".join(_(request, side.strip()) for side in m["sides"].split(","))
    text = _(request, "The stored credentials cannot be read: enter the connection to %(sides)s again.")
    return text % {"sides": sides}


def _sealed(request: Request, m: re.Match[str]) -> str:
    text = _(request, "The connections of %(name)s cannot be read: enter them again on the Connections page.")
    return text % {"name": m["name"]}


def _no_oauth(request: Request, m: re.Match[str]) -> str:
    return _(request, "%(name)s does not sign in to %(side)s on the system's sign-in page.") % {
        "name": m["name"],
        "side": _(request, m["side"]),
    }


def _tokens_not_oauth(request: Request, m: re.Match[str]) -> str:
    return _(request, "%(side)s is connected with its keys: enter them in the form on this page.") % {
        "side": _(request, m["side"])
    }


def _no_register(request: Request, m: re.Match[str]) -> str:
    return _(request, "%(name)s has no transfer of %(register)s.") % {
        "name": m["name"],
        "register": _(request, m["register"].replace("-", " ").capitalize()),
    }


def _public_url(request: Request, m: re.Match[str]) -> str:
    return _(request, "Ask the administrator to set LEDGERBRIDGE_PUBLIC_URL to this console's address.")


def _was_not_connected(request: Request, m: re.Match[str]) -> str:
    return _(request, "%(side)s was not connected.") % {"side": _(request, m["system"].lower())}


def _disconnected(request: Request, m: re.Match[str]) -> str:
    side = _(request, m["system"].lower())
    if m["reason"] is None:
        return _(request, "%(side)s is disconnected here and the sign-in is revoked at Visma Connect.") % {
            "side": side
        }
    text = _(request, "%(side)s is disconnected here; Visma Connect could not be told (%(reason)s).")
    return text % {"side": side, "reason": m["reason"]} + " " + _(request, "Remove the app there by hand.")


def _reversed_period(request: Request, m: re.Match[str]) -> str:
    text = _(request, "The period ends (%(end)s) before it starts (%(start)s).")
    return text % {"end": m["end"], "start": m["start"]}


def _not_compared(request: Request, m: re.Match[str]) -> str:
    text = _(request, "%(name)s could not be compared: %(reason)s")
    return text % {"name": m["name"], "reason": service_message(request, m["reason"])}


COUNTS = re.compile(r"(?P<created>\d+) transferred, (?P<updated>\d+) updated, (?P<failed>\d+) failed")
UNCHANGED = re.compile(r" \((?P<count>\d+) unchanged\)")
FIRST = re.compile(r"; first (?P<register>[\w-]+): ")
STOPPED = re.compile(r"; stopped: (?P<reason>.*)$", re.S)


def _register_title(request: Request, register: str) -> str:
    return _(request, register.replace("-", " ").capitalize())  # "Customers", "Check sent" …


def status_line(request: Request, line: str) -> str:
    """A register's status line (the seed's counts: transferred, updated, failed; then what was already in
    step, the registers transferred first and why it stopped) in the user's language."""
    stopped = STOPPED.search(line)
    head = line[: stopped.start()] if stopped else line

    def counts(m: re.Match[str]) -> str:
        text = _(request, "%(created)s transferred, %(updated)s updated, %(failed)s failed")
        return text % m.groupdict()

    def unchanged(m: re.Match[str]) -> str:
        return " (" + _(request, "%(count)s unchanged") % {"count": m["count"]} + ")"

    def first(m: re.Match[str]) -> str:
        return (
            "; "
            + _(request, "first %(register)s") % {"register": _register_title(request, m["register"])}
            + ": "
        )

    text = FIRST.sub(first, UNCHANGED.sub(unchanged, COUNTS.sub(counts, head)))
    if stopped:
        reason = service_message(request, stopped["reason"])
        text += "; " + _(request, "stopped: %(reason)s") % {"reason": reason}
    return text


def _register_line(request: Request, m: re.Match[str]) -> str:
    return f"{_register_title(request, m['register'])}: {status_line(request, m['line'])}"


def transferred(request: Request, outcome: str, remote_key: str | None, message: str, system: str) -> str:
    """A manual transfer that went through, in words: what the document became in ``system`` (the side it
    went to), or (a register run by the transfer form) its status line. English keeps the service's own
    words (the CLI's and the admin API's: "Transferred as e-conomic invoice 1021.")."""
    language = language_of(request)
    if remote_key and language != i18n.DEFAULT:
        values = {"system": _(request, system), "document": remote_words(language, remote_key)}
        if outcome == "already":
            return _(request, "Already transferred to %(system)s as %(document)s.") % values
        return _(request, "Transferred to %(system)s as %(document)s.") % values
    return service_message(request, message[:1].upper() + message[1:]) + "."


def _inventory_value(request: Request, m: re.Match[str]) -> str:
    return _(request, "Inventory value synchronisation is on: choose the day book and both accounts.")


def _setting_title(request: Request, path: str, fallback: str) -> str:
    """A setting named by its path, by the title its settings page shows (in the user's language)."""
    from ledgerbridge.integrations.base import all_kinds

    for _kind, kind in sorted(all_kinds().items()):
        parent = field_title(kind.Settings, path.rsplit(".", 1)[0]) if "." in path else "-"
        title = field_title(kind.Settings, path)
        if title and parent and title != parent:  # the whole path leads to a field of this kind
            return _(request, title)
    return fallback


MISSING_SETTING = re.compile(r"(?P<title>[^,(]+?) \((?P<path>[\w.]+)\)")


def _settings_missing(request: Request, m: re.Match[str]) -> str:
    missing = ", ".join(
        _setting_title(request, found["path"], found["title"])
        for found in MISSING_SETTING.finditer(m["missing"])
    )
    text = _(request, "%(register)s cannot be transferred before these settings are set: %(missing)s.")
    return text % {"register": _register_title(request, m["register"]), "missing": missing}


# Whole messages (the service's text, its final full stop ignored).
WHOLE: tuple[tuple[re.Pattern[str], Render], ...] = (
    (re.compile(rf"no integration named {NAME}"), _no_integration),
    (re.compile(rf"no (?:open )?error #(?P<id>\d+) for {NAME}"), _no_error),
    (re.compile(r"error #(?P<id>\d+) is (?P<state>\w+), not open"), _error_not_open),
    (re.compile(r"no active API token #(?P<id>\d+)"), _no_token),
    (re.compile(r"the password must have at least (?P<count>\d+) characters"), _short_password),
    (re.compile(rf"an integration named {NAME} already exists"), _name_taken),
    (re.compile(rf"{NAME} is not a valid integration name: use .*"), _bad_name),
    (
        re.compile(rf"credentials unreadable: the stored connections of {NAME} cannot be decrypted .*", re.S),
        _sealed,
    ),
    (
        re.compile(rf"credentials unreadable: enter the connection to (?P<sides>.+?)(?: of {NAME})? again"),
        _unreadable,
    ),
    (
        re.compile(r"(?P<name>\S+) \([\w-]+\) does not sign in to '(?P<side>[\w-]+)' with OAuth2"),
        _no_oauth,
    ),
    (re.compile(r"[\w-]+ connects (?P<side>[\w-]+) with tokens, not by OAuth2"), _tokens_not_oauth),
    (re.compile(rf"{NAME} has no register '(?P<register>[\w-]+)'.*"), _no_register),
    (re.compile(r"(?P<system>\S+) was not connected"), _was_not_connected),
    (
        re.compile(
            r"(?P<system>\S+) is disconnected: the tokens are forgotten and (?:the grant is revoked at Visma "
            r"Connect|Visma Connect could not be told \((?P<reason>.*)\); remove the app there by hand)"
        ),
        _disconnected,
    ),
    (
        re.compile(r"the period ends \((?P<end>[\d-]+)\) before it starts \((?P<start>[\d-]+)\)"),
        _reversed_period,
    ),
    (re.compile(rf"could not compare {NAME}: (?P<reason>.*)", re.S), _not_compared),
    (
        re.compile(r"(?P<register>[\w-]+): (?P<line>\d+ transferred, \d+ updated, \d+ failed.*)", re.S),
        _register_line,
    ),
    (
        re.compile(
            r"(?P<register>[\w-]+) cannot be transferred before these settings are set: (?P<missing>.*)"
        ),
        _settings_missing,
    ),
    (re.compile(r"inventory value synchronisation is enabled: set .*"), _inventory_value),
    (
        re.compile(r"supplier invoices are enabled: choose the day book they are posted to \(day_book\)"),
        lambda request, m: _(request, "Supplier invoices are on: choose the day book they are posted to."),
    ),
    (
        re.compile(r"'(?P<zone>[^']*)' is not a time zone: use an IANA name such as .*"),
        lambda request, m: (
            _(request, "%(zone)s is not a time zone: use a name such as Europe/Copenhagen.")
            % {"zone": m["zone"]}
        ),
    ),
    (
        re.compile(
            r"the status for transferred invoices must differ from the status for invoices to be .*", re.S
        ),
        lambda request, m: _(
            request,
            "The status for transferred invoices must differ from the status for invoices to be transferred.",
        ),
    ),
    # the web address of a document (systems/web_address.py)
    (
        re.compile(r"the address must be an https:// address"),
        lambda request, m: _(request, "The address must start with https://."),
    ),
    (
        re.compile(r"the address needs \{number\} or \{id\} where the document's goes"),
        lambda request, m: _(request, "Put {number} or {id} where the document's number or id goes."),
    ),
    (
        re.compile(r"the address names (?P<unknown>.+): only \{number\} and \{id\} are filled in"),
        lambda request, m: (
            _(request, "Only {number} and {id} are filled in, not %(unknown)s.") % {"unknown": m["unknown"]}
        ),
    ),
    (
        re.compile(r"the address has a '\{' or '\}' that is not part of \{number\} or \{id\}"),
        lambda request, m: _(request, "The address has a brace that is not part of {number} or {id}."),
    ),
    (
        re.compile(r"the address is longer than (?P<limit>\d+) characters"),
        lambda request, m: (
            _(request, "The address may have at most %(limit)s characters.") % {"limit": m["limit"]}
        ),
    ),
    (re.compile(r"the client id is empty"), lambda request, m: _(request, "The client id is empty.")),
    (re.compile(r"the client secret is empty"), lambda request, m: _(request, "The client secret is empty.")),
    (
        re.compile(r"the address changed: enter this secret again .*", re.S),
        lambda request, m: _(
            request, "The address changed: enter this secret again (it is never sent to a new address)."
        ),
    ),
    (
        re.compile(r"'(?P<url>[^']*)'.* is a loopback or private address: .*", re.S),
        lambda request, m: (
            _(request, "%(url)s is an address inside your network: it is refused.") % {"url": m["url"]}
        ),
    ),
    (
        re.compile(r"'(?P<url>[^']*)'.* is a link-local address .*", re.S),
        lambda request, m: (
            _(request, "%(url)s is a link-local address: it is never accepted.") % {"url": m["url"]}
        ),
    ),
    (
        re.compile(r"set LEDGERBRIDGE_PUBLIC_URL to the address this server is reached at.*", re.S),
        _public_url,
    ),
)


def _not_connected(request: Request, m: re.Match[str]) -> str:
    side = _(request, m["side"])
    return _(request, "%(side)s is not connected: connect %(side)s on the Connections page") % {"side": side}


def _no_token_stored(request: Request, m: re.Match[str]) -> str:
    return _(request, "not connected: connect it on the Connections page")


# Fragments inside a longer message (a transfer's or a retry's reason).
FRAGMENTS: tuple[tuple[re.Pattern[str], Render], ...] = (
    (
        re.compile(r"[\w-]+ is not connected: run `ledgerbridge connect \S+ (?P<side>[\w-]+)` to sign in"),
        _not_connected,
    ),
    (re.compile(r"not connected: no token is stored for this connection"), _no_token_stored),
)


def service_message(request: Request, message: object) -> str:
    """A service-layer message (a ``UserError``, a system's refusal) as the console shows it: in the
    user's language where the table knows it, and never with a CLI command to run."""
    text = str(message).strip()
    bare = SEE_CLI.sub("", text).rstrip(".")
    for pattern, render in WHOLE:
        found = pattern.fullmatch(bare)
        if found:
            return render(request, found)
    for pattern, render in FRAGMENTS:
        text = pattern.sub(_reworded(request, render), text)
    return SEE_CLI.sub("", text)


def _reworded(request: Request, render: Render) -> Callable[[re.Match[str]], str]:
    return lambda found: render(request, found)


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
# The service passes pydantic's English messages on (``(path, message)``, the error's type is not kept);
# pydantic writes each error type from one template, so the message tells its type and values back.
def _templates() -> list[tuple[str, re.Pattern[str]]]:
    from pydantic_core._pydantic_core import list_all_errors

    out = []
    for error in list_all_errors():
        template = str(error["message_template_python"])
        pattern = re.escape(template)
        for name in re.findall(r"\\\{(\w+)\\\}", pattern):
            pattern = pattern.replace(rf"\{{{name}\}}", rf"(?P<{name}>.*?)", 1)
        out.append((str(error["type"]), re.compile(pattern, re.S)))
    # The most specific first: "Input should be a valid integer, …" before "Input should be {expected}".
    return sorted(out, key=lambda found: -len(re.sub(r"\(\?P<\w+>\.\*\?\)", "", found[1].pattern)))


TEMPLATES = _templates()
FieldRender = Callable[[Request, str, dict[str, str]], str]


def _choices(text: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as the console writes choices: the words, quotes dropped."""
    return text.replace("'", "")


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


def field_message(request: Request, title: str, message: str) -> str:
    """One field's validation message in the user's language, naming the field by its translated
    ``title``: pydantic's own messages by their error type, our validators' messages through the table of
    service messages (a message neither knows stays as it is, after the field's title)."""
    if not title:  # a problem of the whole form (a model's own check): its words alone
        return service_message(request, message)
    field = _(request, title)
    for kind, pattern in TEMPLATES:
        found = pattern.fullmatch(message)
        if found and kind in BY_TYPE:
            return BY_TYPE[kind](request, field, {k: v or "" for k, v in found.groupdict().items()})
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
