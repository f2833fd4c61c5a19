"""Exit codes and one-line error messages for everything a user can cause.

A command raises; :class:`ExplainingGroup` (the CLI's root group) turns what escapes into one line on
stderr saying what failed and what to do, and an exit code a script can branch on. A traceback is shown
only for a bug, and only with ``LEDGERBRIDGE_LOG_LEVEL=debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import httpx
import typer
from typer.core import TyperGroup

OK = 0
RECORDS_FAILED = 1
USAGE = 2
UNREACHABLE = 3  # cannot reach or sign in to a system (or the database)
REFUSED = 4  # refused by a rule, e.g. the start-up sync already ran

EXIT_CODES_HELP = (
    "Exit codes: 0 ok · 1 records failed (see `ledgerbridge errors NAME`) · 2 usage or configuration "
    "error · 3 cannot reach or sign in to a system · 4 refused by a rule (e.g. the start-up sync "
    "already ran)."
)


def exit_code_for(exc: BaseException | None) -> int:
    """The exit code that says what kind of failure ``exc`` is."""
    from sqlalchemy.exc import OperationalError

    from ledgerbridge.engine.runner import RunAborted
    from ledgerbridge.logs import LogSetupError
    from ledgerbridge.service import StartupAlreadyDone, UserError
    from ledgerbridge.systems.errors import AuthError, TransientError

    if exc is None:
        return USAGE
    if isinstance(exc, StartupAlreadyDone):
        return REFUSED
    cause = exc.__cause__ or exc.__context__
    unreachable = (AuthError, TransientError, RunAborted, httpx.TransportError, OperationalError)
    if isinstance(exc, unreachable) or (isinstance(exc, UserError) and isinstance(cause, unreachable)):
        return UNREACHABLE
    if isinstance(exc, UserError | LogSetupError) or _bad_database_url(exc) or _bad_secret_key(exc):
        return USAGE
    return RECORDS_FAILED


def _bad_database_url(exc: BaseException) -> bool:
    """SQLAlchemy cannot make sense of LEDGERBRIDGE_DATABASE_URL (an unknown scheme, a malformed URL, a
    port that is not a number)."""
    from sqlalchemy.exc import ArgumentError

    if isinstance(exc, ArgumentError):
        return True
    frames = traceback.extract_tb(exc.__traceback__) if isinstance(exc, ValueError) else []
    return any(f.filename.replace("\\", "/").endswith("sqlalchemy/engine/url.py") for f in frames)


def _bad_secret_key(exc: BaseException) -> bool:
    """LEDGERBRIDGE_SECRET_KEY (or secret.key) holds something that is not a Fernet key: the plain
    ValueError ``cryptography`` raises (from Rust, so no frame of its own) while ``crypto`` reads the keys."""
    if type(exc) is not ValueError:
        return False
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.replace("\\", "/").endswith("ledgerbridge/crypto.py")


def explain(exc: BaseException) -> str:
    """One line: what failed and what to do."""
    from sqlalchemy.exc import OperationalError

    from ledgerbridge.engine.runner import RunAborted
    from ledgerbridge.logs import LogSetupError
    from ledgerbridge.service import UserError
    from ledgerbridge.systems.errors import ApiError, AuthError, TransientError

    if isinstance(exc, UserError | LogSetupError):
        return str(exc)
    if isinstance(exc, AuthError):
        where = f" at {exc.url}" if exc.url else ""
        return (
            f"signing in was refused{where}: {exc.remote_message}. Check the tokens in the integration's "
            "connection (`ledgerbridge integrations update NAME --config FILE`) or run "
            "`ledgerbridge connect`."
        )
    if isinstance(exc, TransientError | RunAborted):
        return (
            f"a system did not answer: {getattr(exc, 'remote_message', None) or exc}. Check the base_url "
            "and the network, then run the same command again (`ledgerbridge doctor NAME` checks each side)."
        )
    if isinstance(exc, httpx.TransportError):
        return (
            f"cannot reach {_url_of(exc)}: {exc or type(exc).__name__}. Check the base_url and the network."
        )
    if isinstance(exc, OperationalError):
        return (
            f"the database cannot be opened: {str(exc.orig).strip().splitlines()[0]}. Check "
            "LEDGERBRIDGE_DATABASE_URL (or LEDGERBRIDGE_HOME) and that the server is running."
        )
    if isinstance(exc, ApiError):
        return f"{exc.remote_message} (the system refused the request)"
    if _bad_database_url(exc):
        return (
            # Without SQLAlchemy's "from string '…'": the URL may hold a password.
            f"LEDGERBRIDGE_DATABASE_URL is not a database URL ledgerbridge can open "
            f"({str(exc).split(' from string', 1)[0]}): use "
            "sqlite:////PATH/ledgerbridge.sqlite3 or postgresql+psycopg://USER@HOST/DATABASE."
        )
    if _bad_secret_key(exc):
        return (
            "LEDGERBRIDGE_SECRET_KEY (or secret.key in LEDGERBRIDGE_HOME) is not an encryption key: a key is "
            "44 characters of url-safe base64, several separated by commas or one a line; "
            "`ledgerbridge admin new-key` prints a new one."
        )
    return (
        f"unexpected {type(exc).__name__}: {exc}. This is a bug: please report it with the output of the "
        "same command run with LEDGERBRIDGE_LOG_LEVEL=debug."
    )


def _url_of(exc: httpx.TransportError) -> str:
    try:
        return str(exc.request.url)
    except RuntimeError:  # no request attached
        return "the system"


def print_error(message: str) -> None:
    from rich.markup import escape

    from ledgerbridge.terminal import err_console

    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


class ExplainingGroup(TyperGroup):
    """The root command group: anything a command raises becomes one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - the point: no tracebacks for what a user can cause
            if _is_cli_signal(exc):
                raise  # exits, usage errors, aborts: the command line's own (usage errors exit 2)
            code = exit_code_for(exc)
            print_error(explain(exc))
            if os.environ.get("LEDGERBRIDGE_LOG_LEVEL", "").lower() == "debug":
                traceback.print_exception(exc, file=sys.stderr)
            raise typer.Exit(code) from None


def _is_cli_signal(exc: BaseException) -> bool:
    """Typer's and Click's own exceptions (Typer vendors its Click, so match by module)."""
    module = type(exc).__module__
    return module.startswith(("typer", "click"))
