"""Token persistence and single-flight refresh on a real database (SQLite and PostgreSQL).

The token endpoint here is a fake in Python (the eAccounting tests drive the same code over HTTP
against the Visma Connect emulator): it counts refreshes and refuses a rotated refresh token that
is presented twice, as a rotating authorisation server does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from ledgerbridge.crypto import SecretBox
from ledgerbridge.engine.tokens import ReconnectRequired, TokenStore
from ledgerbridge.integrations.token_vaults import StoredTokenVault
from ledgerbridge.store import Integration, Store
from ledgerbridge.store.models import OAuthConnection
from ledgerbridge.systems.errors import AuthError, TransientError
from ledgerbridge.systems.tokens import RefreshingTokens
from tests.support import FakeClock, add_integration

SIDE = "accounting"
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def integration_id(store: Store) -> int:
    return add_integration(store)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def tokens(store: Store, box: SecretBox) -> TokenStore:
    return TokenStore(store, box)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


class FakeTokenEndpoint:
    """Answers refreshes like an OAuth2 server; ``delay`` widens the window for races."""

    def __init__(self, clock: FakeClock, *, rotate: bool = True, delay: float = 0.0) -> None:
        self.clock = clock
        self.rotate = rotate
        self.delay = delay
        self.live_refresh = "R0"
        self.refreshes = 0
        self.burned: list[str] = []  # refresh tokens presented after they were rotated away
        self.fail_next: list[Exception] = []
        self._lock = threading.Lock()

    def first_token(self) -> dict[str, Any]:
        return {
            "access_token": "A0",
            "refresh_token": "R0",
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": int(self.clock().timestamp()) + 3600,
        }

    def refresh(self, refresh_token: str) -> Mapping[str, Any]:
        time.sleep(self.delay)
        with self._lock:
            self.refreshes += 1
            if self.fail_next:
                raise self.fail_next.pop(0)
            if refresh_token != self.live_refresh:
                self.burned.append(refresh_token)
                raise AuthError("invalid_grant", remote_message="invalid_grant: refresh token revoked")
            answer: dict[str, Any] = {
                "access_token": f"A{self.refreshes}",
                "token_type": "bearer",
                "expires_in": 3600,
            }
            if self.rotate:
                self.live_refresh = answer["refresh_token"] = f"R{self.refreshes}"
            return answer


# -- TokenStore ----------------------------------------------------------------------------------
def test_tokens_are_stored_encrypted_and_read_back(
    store: Store, tokens: TokenStore, integration_id: int
) -> None:
    token = {
        "access_token": "secret-access-abc",
        "refresh_token": "secret-refresh-xyz",
        "expires_at": 1740822000,
    }
    assert tokens.state(integration_id, SIDE) == "not_connected"
    assert tokens.load(integration_id, SIDE) is None

    assert tokens.save(integration_id, SIDE, token, expected_version=None)

    loaded = tokens.load(integration_id, SIDE)
    assert loaded is not None
    assert loaded.token == token and loaded.version == 1 and loaded.state == "connected"
    assert loaded.expires_at == datetime(2025, 3, 1, 9, 40, tzinfo=UTC)
    assert tokens.state(integration_id, SIDE) == "connected"
    with store.session() as session:
        raw = session.scalars(select(OAuthConnection.token)).one()
    assert "secret-access-abc" not in raw and "secret-refresh-xyz" not in raw and "access_token" not in raw


def test_save_with_a_version_is_a_compare_and_swap(tokens: TokenStore, integration_id: int) -> None:
    assert not tokens.save(integration_id, SIDE, {"access_token": "x"}, expected_version=1)  # no row yet
    tokens.save(integration_id, SIDE, {"access_token": "a"}, expected_version=None)

    assert tokens.save(integration_id, SIDE, {"access_token": "b"}, expected_version=1)
    assert not tokens.save(
        integration_id, SIDE, {"access_token": "c"}, expected_version=1
    )  # someone was first

    loaded = tokens.load(integration_id, SIDE)
    assert loaded is not None and loaded.token == {"access_token": "b"} and loaded.version == 2


def test_reconnect_required_until_connected_again_and_clear(tokens: TokenStore, integration_id: int) -> None:
    assert not tokens.mark_reconnect_required(integration_id, SIDE, "nothing to mark")
    tokens.save(integration_id, SIDE, {"access_token": "a"}, expected_version=None)

    assert tokens.mark_reconnect_required(integration_id, SIDE, "invalid_grant: password changed")
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    loaded = tokens.load(integration_id, SIDE)
    assert loaded is not None and loaded.reason == "invalid_grant: password changed"

    tokens.save(integration_id, SIDE, {"access_token": "new"}, expected_version=None)  # `connect` again
    assert tokens.state(integration_id, SIDE) == "connected"
    loaded = tokens.load(integration_id, SIDE)
    assert loaded is not None and loaded.reason is None

    assert tokens.clear(integration_id, SIDE)
    assert tokens.state(integration_id, SIDE) == "not_connected"
    assert not tokens.clear(integration_id, SIDE)


def test_tokens_go_with_their_integration(store: Store, tokens: TokenStore, integration_id: int) -> None:
    tokens.save(integration_id, SIDE, {"access_token": "a"}, expected_version=None)
    with store.session() as session:
        session.delete(session.get(Integration, integration_id))
    assert tokens.load(integration_id, SIDE) is None


# -- RefreshingTokens over the store's vault ----------------------------------------------------------
def coordinator(
    tokens: TokenStore, integration_id: int, server: FakeTokenEndpoint, clock: FakeClock
) -> RefreshingTokens:
    return RefreshingTokens(StoredTokenVault(tokens, integration_id, SIDE), server.refresh, clock=clock)


def test_a_valid_token_is_used_without_refreshing(
    tokens: TokenStore, integration_id: int, clock: FakeClock
) -> None:
    server = FakeTokenEndpoint(clock)
    tokens.save(integration_id, SIDE, server.first_token(), expected_version=None)
    flight = coordinator(tokens, integration_id, server, clock)

    clock.advance(3600 - 61)
    assert flight.access_token() == "A0"
    clock.advance(2)  # now inside the 60 s margin
    assert flight.access_token() == "A1"
    assert server.refreshes == 1


@pytest.mark.parametrize("rotate", [True, False], ids=["rotating", "reusable"])
def test_eight_threads_share_one_refresh(
    tokens: TokenStore, integration_id: int, clock: FakeClock, rotate: bool
) -> None:
    server = FakeTokenEndpoint(clock, rotate=rotate, delay=0.05)
    tokens.save(integration_id, SIDE, server.first_token(), expected_version=None)
    flight = coordinator(tokens, integration_id, server, clock)
    clock.advance(3600)

    results = run_together(8, flight.access_token)

    assert results == ["A1"] * 8
    assert server.refreshes == 1 and server.burned == []
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None
    # Rotating: the new refresh token is kept; reusable: the answer had none, so the old one stays.
    assert stored.refresh_token == ("R1" if rotate else "R0")
    assert stored.expires_at is not None and stored.expires_at.timestamp() == clock().timestamp() + 3600


def test_two_processes_refresh_a_rotating_token_once(
    store: Store, box: SecretBox, integration_id: int, clock: FakeClock
) -> None:
    """Two TokenStores on two engines (two processes): the row lease keeps the rotated token unburnt."""
    server = FakeTokenEndpoint(clock, rotate=True, delay=0.2)
    other_store = Store(store.url)
    try:
        first, second = TokenStore(store, box), TokenStore(other_store, box)
        first.save(integration_id, SIDE, server.first_token(), expected_version=None)
        flights = [
            coordinator(first, integration_id, server, clock),
            coordinator(second, integration_id, server, clock),
        ]
        clock.advance(3600)

        results = run_together(8, lambda i: flights[i % 2].access_token(), pass_index=True)

        assert server.refreshes == 1 and server.burned == []
        assert results == ["A1"] * 8
        assert sum(f.refreshes for f in flights) == 1
    finally:
        other_store.dispose()


def test_a_refused_refresh_requires_a_reconnect(
    tokens: TokenStore, integration_id: int, clock: FakeClock
) -> None:
    server = FakeTokenEndpoint(clock)
    tokens.save(integration_id, SIDE, server.first_token(), expected_version=None)
    flight = coordinator(tokens, integration_id, server, clock)
    server.live_refresh = "changed password"
    clock.advance(3600)

    errors = run_together(4, flight.access_token, catch=ReconnectRequired)

    assert all(isinstance(e, ReconnectRequired) for e in errors)
    assert isinstance(errors[0], AuthError)
    assert server.refreshes == 1  # the others read the mark instead of asking again
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and stored.reason == "invalid_grant: refresh token revoked"
    with pytest.raises(ReconnectRequired, match="refresh token revoked"):
        flight.access_token()
    assert server.refreshes == 1


def test_a_transient_failure_changes_nothing(
    tokens: TokenStore, integration_id: int, clock: FakeClock
) -> None:
    server = FakeTokenEndpoint(clock)
    tokens.save(integration_id, SIDE, server.first_token(), expected_version=None)
    flight = coordinator(tokens, integration_id, server, clock)
    server.fail_next.append(TransientError("503", status_code=503))
    clock.advance(3600)

    with pytest.raises(TransientError):
        flight.access_token()
    assert tokens.state(integration_id, SIDE) == "connected"
    stored = tokens.load(integration_id, SIDE)
    assert stored is not None and stored.version == 1 and stored.refresh_token == "R0"

    assert flight.access_token() == "A2"


def test_a_rejected_token_is_replaced_once(tokens: TokenStore, integration_id: int, clock: FakeClock) -> None:
    server = FakeTokenEndpoint(clock)
    tokens.save(integration_id, SIDE, server.first_token(), expected_version=None)
    flight = coordinator(tokens, integration_id, server, clock)

    results = run_together(6, lambda: flight.force_refresh(rejected="A0"))

    assert results == ["A1"] * 6 and server.refreshes == 1
    assert flight.access_token() == "A1"


def test_not_connected_and_no_refresh_token(
    tokens: TokenStore, integration_id: int, clock: FakeClock
) -> None:
    server = FakeTokenEndpoint(clock)
    flight = coordinator(tokens, integration_id, server, clock)
    with pytest.raises(ReconnectRequired, match="not connected"):
        flight.access_token()

    tokens.save(
        integration_id, SIDE, {"access_token": "A", "expires_in": 60, "expires_at": 0}, expected_version=None
    )
    with pytest.raises(ReconnectRequired, match="no refresh token"):
        flight.access_token()
    assert tokens.state(integration_id, SIDE) == "reconnect_required"
    assert server.refreshes == 0


# -- helpers -------------------------------------------------------------------------------------
def run_together(
    n: int, call: Any, *, pass_index: bool = False, catch: type[BaseException] | None = None
) -> list[Any]:
    """Start ``n`` threads at one barrier and collect what each answered (or raised, if ``catch``)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    failures: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call(i) if pass_index else call()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            if catch is not None and isinstance(exc, catch):
                results[i] = exc
            else:
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
    return results
