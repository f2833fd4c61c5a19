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
from collections.abc import Callable

from starlette.requests import Request

from ledgerbridge.web.console.context import _

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
