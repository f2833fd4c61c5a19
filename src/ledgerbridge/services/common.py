"""What every service shares: the messages and errors a user is shown, the integration-name rule, reading a
config file, and pydantic's validation errors turned into ``(field path, message)`` problems.

A message people may see in the console is a :class:`Message`: an English template marked with ``N_`` (a
msgid of the console's catalogues, collected by ``web/i18n_sources``) and its values. Its text is
``template % values``, so the CLI, the API and the logs read it word for word as before; the console
shows the template from the user's catalogue with the same values (``web/console/messages.py``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pydantic

# One rule for integration names everywhere (CLI, API, console): they appear in URLs and file names.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
NAME_RULE = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"


def N_(template: str) -> str:
    """Marks ``template`` as a message of the console's catalogues; a no-op at run time."""
    return template


class Word(str):
    """A value that is itself a word of the catalogues (a state such as "dismissed", a side, a record
    kind): the console translates it; its English is itself."""


class Title(Word):
    """A register ("check-sent"): the console shows its title ("Check sent") translated."""


class Setting(str):
    """A setting a value names: its English is "<what it is> (<dotted path>)" as the CLI writes it; the
    console shows the title the settings page gives the field at ``path``."""

    path: str

    def __new__(cls, what: str, path: str) -> Setting:
        setting = super().__new__(cls, f"{what} ({path})")
        setting.path = path
        return setting

    def __reduce__(self) -> tuple[Any, ...]:
        return (Setting, (str(self).removesuffix(f" ({self.path})"), self.path))


def english(value: object) -> object:
    """A message's value as the CLI writes it: a list as its items joined by commas."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(english(item)) for item in value)
    return value


class Message(str):
    """A message people read: the English ``template % values`` (a ``str``, so every caller that printed,
    compared or stored the old text keeps doing so) that still knows its ``template`` and ``values``.

    Values are shown as they are, except a :class:`Word` (translated), a nested :class:`Message` (shown
    in the user's language too) and a list or tuple of those (joined by commas). A system's own words are
    a plain ``str`` value: shown as the system wrote them, after the translated lead-in."""

    template: str
    values: Mapping[str, object]

    def __new__(cls, template: str, /, **values: object) -> Message:
        text = template % {key: english(value) for key, value in values.items()} if values else template
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message

    def __reduce__(self) -> tuple[Any, ...]:  # pickled (a job's answer between processes) with its template
        return (_message, (self.template, dict(self.values)))


def _message(template: str, values: dict[str, object]) -> Message:
    return Message(template, **values)


class UserError(Exception):
    """Something the user asked for cannot be done as asked; the message says why and what to do.

    ``UserError(N_("no error #%(id)s for %(name)r"), id=7, name="acme")``: ``str(exc)`` is the English
    text, ``exc.message`` the :class:`Message` the console translates."""

    def __init__(self, message: str, /, **values: object) -> None:
        self.message = message if isinstance(message, Message) and not values else Message(message, **values)
        super().__init__(self.message)


# Messages the runtime raises (runtime/hub.py, runtime/reconcile.py), here so that the catalogues have them.
NO_REALTIME = N_("integration %(name)r (%(kind)s) has no real-time sync")
NO_OPEN_ERROR = N_("no open error #%(id)s for %(name)r (see `ledgerbridge errors %(name)s`)")
PERIOD_REVERSED = N_("the period ends (%(end)s) before it starts (%(start)s)")
NOT_COMPARED = N_("could not compare %(name)r: %(reason)s")  # our words or the system's own
# A retried error-log entry that failed again (``RealtimeHub.retry``): why, in our words or the system's
# own; an exception's class name before it, as the CLI and the API have always shown it.
RETRY_FAILED = N_("failed: %(reason)s")
RETRY_RAISED = N_("failed: %(error)s: %(reason)s")


def said_by(exc: BaseException) -> str:
    """What ``exc`` says: the :class:`Message` it carries (a ``UserError``'s, or one raised as its only
    argument) when that is its text, else its text."""
    carried = getattr(exc, "message", None)
    if not isinstance(carried, Message) and len(exc.args) == 1:
        carried = exc.args[0]
    text = str(exc)
    return carried if isinstance(carried, Message) and carried == text else text


def retry_failed(reason: str) -> Message:
    """A retry's outcome when it failed: ``failed: <reason>``, the reason's own template kept."""
    return Message(RETRY_FAILED, reason=reason)


def retry_raised(exc: BaseException) -> Message:
    """A retry's outcome when it raised ``exc``: ``failed: <Class>: <what it says>``."""
    return Message(RETRY_RAISED, error=type(exc).__name__, reason=said_by(exc))


class StartupAlreadyDone(UserError):
    pass


class InvalidConfiguration(UserError):
    """Connections or settings do not validate; ``problems`` holds ``(dotted field path, message)``."""

    def __init__(self, message: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.problems = problems


def check_name(name: str) -> str:
    """``name`` if it is a valid integration name, else :class:`UserError` saying the rule."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(
            N_(
                "%(name)r is not a valid integration name: use 1 to 100 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            ),
            name=name,
        )
    return name


def read_toml(path: Path) -> dict[str, Any]:
    """A config file's TOML document; every way it can be unreadable is a :class:`UserError`."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise UserError(f"config file {path} is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            f"config file {path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at position "
            f"{exc.start}): TOML files must be saved as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"config file {path} is not valid TOML: {exc}") from None


def format_validation_error(prefix: str, error: pydantic.ValidationError) -> str:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in (prefix, *item["loc"]) if part != "")
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"  {location}: {message}")
    return "\n".join(lines)


class Problem(str):
    """pydantic's English message for one field, with the error's ``kind`` (its type: "missing",
    "greater_than" …) and ``ctx`` (the values its template names), so the console words it by its type."""

    kind: str
    ctx: Mapping[str, object]

    def __new__(cls, text: str, kind: str, ctx: Mapping[str, object]) -> Problem:
        problem = super().__new__(cls, text)
        problem.kind, problem.ctx = kind, ctx
        return problem

    def __reduce__(self) -> tuple[Any, ...]:
        return (Problem, (str(self), self.kind, {k: str(v) for k, v in self.ctx.items()}))


def validation_problems(prefix: str, error: pydantic.ValidationError) -> list[tuple[str, str]]:
    """Each error of ``error`` as ``(dotted path, message)``; a model-level error is put on the field its
    message names (our validators name the field they want set), else on the model itself. The message is
    our validator's :class:`Message`, else a :class:`Problem` with pydantic's type and values."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"] if part != ""]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "value_error":
            named = _field_named_in(message)
            if named:
                loc = [*loc, named]
        problems.append((".".join(p for p in (prefix, *loc) if p), _problem(item, message)))
    return problems


def _problem(item: Any, text: str) -> str:
    ctx = item.get("ctx") or {}
    raised = ctx.get("error")  # a validator's exception: its Message when it raised one
    if isinstance(raised, Exception) and raised.args and isinstance(raised.args[0], Message):
        return raised.args[0]
    return Problem(text, str(item["type"]), {k: v for k, v in ctx.items() if k != "error"})


def _field_named_in(message: str) -> str | None:
    """The first field name (snake case, or a quoted word, as our validators write them) in ``message``."""
    match = re.search(r"'([a-z][a-z0-9_]*)'|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b", message)
    return (match.group(1) or match.group(2)) if match else None
