"""What every service shares: the errors a user is shown, the integration-name rule, reading a config
file, and pydantic's validation errors turned into ``(field path, message)`` problems.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pydantic

# One rule for integration names everywhere (CLI, API, console): they appear in URLs and file names.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
NAME_RULE = "1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit"


class UserError(Exception):
    """Something the user asked for cannot be done as asked; the message says why and what to do."""


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
        raise UserError(f"{name!r} is not a valid integration name: use {NAME_RULE}")
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


def validation_problems(prefix: str, error: pydantic.ValidationError) -> list[tuple[str, str]]:
    """Each error of ``error`` as ``(dotted path, message)``; a model-level error is put on the field its
    message names (our validators name the field they want set), else on the model itself."""
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"] if part != ""]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "value_error":
            named = _field_named_in(message)
            if named:
                loc = [*loc, named]
        problems.append((".".join(p for p in (prefix, *loc) if p), message))
    return problems


def _field_named_in(message: str) -> str | None:
    """The first field name (snake case, or a quoted word, as our validators write them) in ``message``."""
    match = re.search(r"'([a-z][a-z0-9_]*)'|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b", message)
    return (match.group(1) or match.group(2)) if match else None
