"""The engine's encrypted token store as the token vault a system side asks for.

Systems import nothing of the engine: a side that keeps OAuth2 tokens (``systems/tokens.py``'s
``TokenVault``: Severa's client credentials, eAccounting's Visma Connect grant) asks for ``load`` / ``save`` /
``refreshing`` / ``mark_failed`` (and, to connect and disconnect, ``state`` / ``failure_reason`` / ``clear``)
and is handed this adapter over :class:`~ledgerbridge.engine.tokens.TokenStore` for one (integration, side):

* tokens are Fernet-encrypted rows of ``oauth_connections`` (no new table);
* ``refreshing()`` is the store's single flight: this process's lock for the connection, then the row
  lease against other processes (``SELECT … FOR UPDATE`` / ``BEGIN IMMEDIATE``); ``load()`` inside it
  reads the row as seen under the lease and ``save()`` writes under it (the first token of a connection,
  when there is no row to lease yet, is written right after the lease ends);
* ``mark_failed`` is the console's "reconnect required" with the system's reason. A connection marked so
  loads as empty, so a side that can sign in again by itself (client credentials) tries once more,
  and clears the mark when it succeeds; a refresh-token side raises ``ReconnectRequired`` with the reason;
* failed renewals are counted in ``ledgerbridge_token_refresh_failures_total`` (refused / transient).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ledgerbridge.engine.tokens import RECONNECT_REQUIRED, StoredToken, TokenLease, TokenStore
from ledgerbridge.runtime import metrics
from ledgerbridge.systems.errors import TransientError
from ledgerbridge.systems.tokens import VaultState


class StoredTokenVault:
    """One connection's tokens in the store, shaped as a system's ``TokenVault``."""

    def __init__(self, tokens: TokenStore, integration_id: int, side: str) -> None:
        self.tokens = tokens
        self.integration_id = integration_id
        self.side = side
        self._local = threading.local()  # the lease this thread holds, and what it will save

    def load(self) -> Mapping[str, Any] | None:
        lease: TokenLease | None = getattr(self._local, "lease", None)
        stored = lease.current if lease is not None else self.tokens.load(self.integration_id, self.side)
        return _usable(stored)

    def save(self, token: Mapping[str, Any]) -> None:
        if getattr(self._local, "lease", None) is not None:
            self._local.pending = dict(token)  # written when the refresh ends, under the lease
            return
        self.tokens.save(self.integration_id, self.side, token, expected_version=None)

    def mark_failed(self, reason: str) -> None:
        metrics.TOKEN_REFRESH_FAILURES.labels(self.side, "refused").inc()
        lease: TokenLease | None = getattr(self._local, "lease", None)
        if lease is not None and lease.current is not None:
            lease.mark_reconnect_required(reason)
        elif lease is not None:
            # No row to mark yet (the first sign-in was refused); writing beside the held lease would
            # wait on it (SQLite: "database is locked"). The refusal reaches the caller as it is.
            return
        else:
            self.tokens.mark_reconnect_required(self.integration_id, self.side, reason)

    def failure_reason(self) -> str | None:
        lease: TokenLease | None = getattr(self._local, "lease", None)
        stored = lease.current if lease is not None else self.tokens.load(self.integration_id, self.side)
        if stored is None or stored.state != RECONNECT_REQUIRED:
            return None
        return stored.reason or "the authorisation was refused"

    def state(self) -> VaultState:
        return self.tokens.state(self.integration_id, self.side)

    def clear(self) -> Mapping[str, Any] | None:
        stored = self.tokens.load(self.integration_id, self.side)
        self.tokens.clear(self.integration_id, self.side)
        return stored.token if stored is not None else None

    @contextmanager
    def refreshing(self) -> Iterator[None]:
        key = (self.integration_id, self.side)
        with self.tokens.lock(*key):
            with self.tokens.lease(*key) as lease:
                self._local.lease, self._local.pending = lease, None
                try:
                    yield
                except TransientError:
                    metrics.TOKEN_REFRESH_FAILURES.labels(self.side, "transient").inc()
                    raise
                finally:
                    self._local.lease = None
                pending = self._local.pending
                if pending is not None and lease.current is not None:
                    lease.save(pending)
                    pending = None
            if pending is not None:  # no row to lease yet: the connection's first token
                self.tokens.save(*key, pending, expected_version=None)


def _usable(stored: StoredToken | None) -> Mapping[str, Any] | None:
    if stored is None or stored.state == RECONNECT_REQUIRED:
        return None
    return stored.token
