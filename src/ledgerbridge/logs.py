"""Logging, configured once per process for structlog and the standard library alike.

- One renderer for everything: ledgerbridge's own structlog loggers and stdlib loggers (uvicorn,
  SQLAlchemy, Procrastinate, httpx) go through the same processors, so a line looks the same whoever wrote
  it. ``console`` (coloured key=value) for people, ``json`` (one object per line) for log shippers.
- Chosen by ``--log-format`` / ``--log-level`` on ``serve``, ``worker`` and ``demo``, else by
  ``LEDGERBRIDGE_LOG_FORMAT`` / ``LEDGERBRIDGE_LOG_LEVEL``, else console at info.
- Tracebacks are rendered without local variables: structlog's default console renderer prints every
  frame's locals (payloads, tokens, decrypted connections).
- Context that belongs to a whole path (a webhook's ``delivery`` id, the ``integration``) is bound with
  :func:`structlog.contextvars.bound_contextvars` and merged into every line logged inside it.
- Keys that name secrets are masked whoever logs them; payload bodies are logged only at debug.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, TextIO

import structlog

FORMAT_ENV = "LEDGERBRIDGE_LOG_FORMAT"
LEVEL_ENV = "LEDGERBRIDGE_LOG_LEVEL"
FORMATS = ("console", "json")
LEVELS = ("debug", "info", "warning", "error")
# Keys whose values are never written, whatever a caller passes (substring match, lower case).
SECRET_WORDS = ("token", "secret", "password", "authorization", "cookie", "api_key", "credentials")
# Libraries that are chatty at info: their lines show from warning unless the level is debug.
QUIET_LIBRARIES = ("httpx", "httpcore", "sqlalchemy.engine", "procrastinate", "uvicorn.access", "alembic")

_configured: tuple[str, str] | None = None
_handler: logging.Handler | None = None


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written (test runners swap it per command)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


class LogSetupError(ValueError):
    """An unknown log format or level (a usage error)."""


def _mask_secrets(_: Any, __: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in list(event_dict):
        if key != "event" and any(word in key.lower() for word in SECRET_WORDS):
            event_dict[key] = "***"
    return event_dict


def _choose(value: str | None, env: str, allowed: tuple[str, ...], default: str, what: str) -> str:
    chosen = (value or os.environ.get(env) or default).strip().lower()
    if chosen not in allowed:
        source = "" if value else f" (from {env})"
        raise LogSetupError(f"unknown log {what} {chosen!r}{source}: use one of {', '.join(allowed)}")
    return chosen


def configure_logging(
    fmt: str | None = None,
    level: str | None = None,
    *,
    stream: TextIO | None = None,
    force: bool = False,
    default_level: str = "info",
) -> tuple[str, str]:
    """Set up structlog and stdlib logging; returns the ``(format, level)`` in force.

    Without arguments and once configured, nothing changes (every entry point may call it). An explicit
    format or level, or ``force``, configures again (``serve --log-format json`` after the CLI's default).
    ``default_level`` applies when neither ``level`` nor the environment names one: the CLI's one-shot
    commands use warning (their own output says what happened), ``serve``, ``worker`` and ``demo`` info.
    """
    global _configured
    if _configured is not None and fmt is None and level is None and not force:
        return _configured
    chosen_format = _choose(fmt, FORMAT_ENV, FORMATS, "console", "format")
    chosen_level = _choose(level, LEVEL_ENV, LEVELS, default_level, "level")
    numeric = getattr(logging, chosen_level.upper())
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),  # ISO 8601 with its zone: ...Z
        _mask_secrets,
    ]
    if chosen_format == "json":
        renderer: Any = structlog.processors.JSONRenderer()
        final: list[Any] = [  # frames as data, without their locals
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            )
        ]
    else:
        renderer = structlog.dev.ConsoleRenderer(
            exception_formatter=structlog.dev.plain_traceback,
            colors=(stream or sys.stderr).isatty(),
        )
        final = [structlog.dev.set_exc_info]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *final,
            renderer,
        ],
    )
    global _handler
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _CurrentStderr()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if _handler is not None:  # configured again: ours is replaced, handlers others added stay
        root.removeHandler(_handler)
    _handler = handler
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(
            numeric if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
        )
    # uvicorn installs handlers of its own unless told not to (see web.app.server_config): its lines
    # propagate to the root handler above.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    _configured = (chosen_format, chosen_level)
    return _configured


def payload_for_log(payload: Any) -> dict[str, Any]:
    """``{"payload": payload}`` at debug, else nothing: bodies carry customers' data."""
    if logging.getLogger("ledgerbridge").isEnabledFor(logging.DEBUG):
        return {"payload": payload}
    return {}
