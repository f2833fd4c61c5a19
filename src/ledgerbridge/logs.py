"""Logging setup: tracebacks are logged without local variables.

structlog's default console renderer prints rich tracebacks *with* every frame's locals: payloads, tokens,
decrypted connections. Every entry point (the CLI, ``create_app``) calls :func:`configure_logging` first.
"""

from __future__ import annotations

import structlog

_configured = False


def configure_logging() -> None:
    """structlog as by default, with tracebacks rendered without locals (idempotent)."""
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.StackInfoRenderer(),
            structlog.dev.set_exc_info,
            structlog.processors.TimeStamper(fmt="%Y-%m-%d %H:%M:%S", utc=True),
            structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback),
        ]
    )
    _configured = True
