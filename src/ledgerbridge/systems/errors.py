"""The exception tree every system client raises, so callers catch by meaning, not by string.

``TransientError`` and its children are worth retrying; everything else under ``ApiError`` needs a
person (a fix in the data, a new token) before the same call can succeed.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A call to an external system failed.

    ``remote_message`` is the system's own words (shown to users in the error log); ``body`` is the
    decoded error body, kept for the log's payload column.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        remote_message: str | None = None,
        body: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.remote_message = remote_message or message
        self.body = body
        self.method = method
        self.url = url


class TransientError(ApiError):
    """5xx, timeouts, dropped connections: the same call may succeed later.

    ``wait_seconds`` is set when the client handed its wait before the next try to the caller
    (``systems.http.deferring``) instead of sleeping it: come back after that many seconds.
    """

    wait_seconds: float | None = None


class RateLimitedError(TransientError):
    """429: wait ``retry_after`` seconds (or back off) and try again."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class AuthError(ApiError):
    """401/403: the credentials are wrong, revoked, or lack the rights; a person must reconnect."""


class NotFoundError(ApiError):
    """404: the record does not exist (any more)."""


class ValidationError(ApiError):
    """400/422: the system refused the data; ``errors`` maps field paths to its messages."""

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors = errors or {}


class ConflictError(ApiError):
    """409: the record changed since it was read (optimistic concurrency) or already exists."""


class ReconnectRequired(AuthError):
    """The stored grant is gone (revoked, refused, never made): a person must connect again.

    ``reason`` is the authorisation server's words (or ours), shown on the console as why.
    """

    def __init__(self, message: str, *, reason: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason or message
