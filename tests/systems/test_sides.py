"""Sides: each system declares its connection, client, webhooks and sign-in once; kinds derive theirs.

The token keeper and the vault here run in memory; tests/engine/test_tokens.py and
tests/systems/eaccounting/test_oauth.py run them on the store's vault and against the identity emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from ledgerbridge.engine import tokens as engine_tokens
from ledgerbridge.integrations.base import all_kinds
from ledgerbridge.integrations.sides import PairOfSides
from ledgerbridge.systems import errors
from ledgerbridge.systems.eaccounting import EACCOUNTING_SIDE, EAccountingClient
from ledgerbridge.systems.eaccounting.connection import EAccountingConnection
from ledgerbridge.systems.economic import ECONOMIC_SIDE
from ledgerbridge.systems.economic.webhooks import URL_WEBHOOKS
from ledgerbridge.systems.rackbeat import RACKBEAT_SIDE
from ledgerbridge.systems.rackbeat.webhooks import RACKBEAT_WEBHOOKS
from ledgerbridge.systems.severa import SEVERA_SIDE
from ledgerbridge.systems.severa import auth as severa_auth
from ledgerbridge.systems.tokens import MemoryVault, RefreshingTokens, TokenVault
from tests.support import FakeClock

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_every_kind_derives_its_runtime_names_from_its_two_sides() -> None:
    kinds = all_kinds()
    expected = {
        "rackbeat-economic": (RACKBEAT_SIDE, ECONOMIC_SIDE),
        "rackbeat-eaccounting": (RACKBEAT_SIDE, EACCOUNTING_SIDE),
        "severa-eaccounting": (SEVERA_SIDE, EACCOUNTING_SIDE),
    }
    for name, sides in expected.items():
        kind = kinds[name]
        assert issubclass(kind, PairOfSides) and kind.side_specs == sides
        assert kind.sides == tuple(side.name for side in sides)
        assert set(kind.Connections.model_fields) == set(kind.sides)  # stored connections load as before
    assert kinds["rackbeat-economic"].pushed_webhooks == {"rackbeat": RACKBEAT_WEBHOOKS}
    assert kinds["rackbeat-economic"].url_webhooks == {"economic": URL_WEBHOOKS}
    assert kinds["rackbeat-economic"].oauth_sides == ()
    assert kinds["rackbeat-eaccounting"].oauth_sides == ("eaccounting",)
    assert kinds["rackbeat-eaccounting"].url_webhooks == {}
    assert kinds["severa-eaccounting"].oauth_sides == ("eaccounting",)
    assert kinds["severa-eaccounting"].pushed_webhooks == {}


def test_reconnect_required_is_one_class_wherever_it_is_caught() -> None:
    assert engine_tokens.ReconnectRequired is errors.ReconnectRequired
    assert issubclass(errors.ReconnectRequired, errors.AuthError)
    assert severa_auth.MemoryVault is MemoryVault and severa_auth.TokenVault is TokenVault


def test_memory_vault_keeps_marks_and_forgets() -> None:
    vault = MemoryVault()
    assert isinstance(vault, TokenVault) and vault.state() == "not_connected" and vault.load() is None
    vault.save({"access_token": "A"})
    assert vault.state() == "connected" and vault.load() == {"access_token": "A"}
    vault.mark_failed("invalid_grant")
    assert vault.state() == "reconnect_required" and vault.load() is None
    assert vault.failure_reason() == "invalid_grant"
    assert vault.clear() == {"access_token": "A"}
    assert vault.state() == "not_connected" and vault.failure_reason() is None


class Endpoint:
    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.calls: list[str] = []

    def refresh(self, refresh_token: str) -> Mapping[str, Any]:
        self.calls.append(refresh_token)
        if self.refuse:
            raise errors.AuthError("invalid_grant", remote_message="invalid_grant: revoked")
        return {"access_token": f"A{len(self.calls)}", "expires_in": 3600}


def first_token(clock: FakeClock) -> dict[str, Any]:
    return {"access_token": "A0", "refresh_token": "R0", "expires_at": int(clock().timestamp()) + 3600}


def test_refreshing_tokens_renew_inside_the_margin_and_keep_a_reusable_refresh_token() -> None:
    clock, endpoint = FakeClock(START), Endpoint()
    vault = MemoryVault(first_token(clock))
    tokens = RefreshingTokens(vault, endpoint.refresh, clock=clock)
    assert tokens.access_token() == "A0" and endpoint.calls == []
    clock.advance(3600 - 30)
    assert tokens.access_token() == "A1" and endpoint.calls == ["R0"]
    kept = vault.load()
    assert kept is not None and kept["refresh_token"] == "R0"
    assert kept["expires_at"] == int(clock().timestamp()) + 3600
    assert tokens.force_refresh(rejected="A0") == "A1"  # already replaced: no second refresh
    assert tokens.refreshes == 1


def test_a_refused_refresh_marks_the_vault_and_asks_for_a_reconnect() -> None:
    clock, endpoint = FakeClock(START), Endpoint(refuse=True)
    vault = MemoryVault(first_token(clock))
    tokens = RefreshingTokens(vault, endpoint.refresh, name="eAccounting", clock=clock)
    clock.advance(3600)
    with pytest.raises(errors.ReconnectRequired, match="eAccounting must be connected again") as caught:
        tokens.access_token()
    assert caught.value.reason == "invalid_grant: revoked" and vault.state() == "reconnect_required"
    with pytest.raises(errors.ReconnectRequired, match="revoked"):
        tokens.access_token()
    assert endpoint.calls == ["R0"]


def test_the_eaccounting_side_opens_a_client_only_with_a_grant_or_a_fixed_token() -> None:
    connection = EAccountingConnection(client_id="c", client_secret="s")  # type: ignore[arg-type]
    with pytest.raises(errors.AuthError, match="not connected"):
        EACCOUNTING_SIDE.open_client(connection, None)
    with pytest.raises(errors.AuthError, match="ledgerbridge connect NAME eaccounting"):
        EACCOUNTING_SIDE.open_client(connection, MemoryVault())
    assert EACCOUNTING_SIDE.connection_state(connection, MemoryVault()) == "not_connected"
    assert EACCOUNTING_SIDE.connection_state(connection, None) is None

    fixed = EAccountingConnection(client_id="c", client_secret="s", access_token="dev")  # type: ignore[arg-type]
    with EACCOUNTING_SIDE.open_client(fixed, None) as client:
        assert isinstance(client, EAccountingClient)
    assert EACCOUNTING_SIDE.connection_state(fixed, None) == "connected"

    failed = MemoryVault({"access_token": "A"})
    failed.mark_failed("invalid_grant")
    with EACCOUNTING_SIDE.open_client(connection, failed):  # opens; the first request says why
        pass
    assert EACCOUNTING_SIDE.connection_state(connection, failed) == "reconnect_required"


def test_a_client_credentials_side_shows_only_a_refusal() -> None:
    vault = MemoryVault()
    assert SEVERA_SIDE.oauth is None and SEVERA_SIDE.keeps_tokens
    assert SEVERA_SIDE.connection_state(None, vault) is None  # type: ignore[arg-type]
    vault.mark_failed("invalid client credentials")
    assert SEVERA_SIDE.connection_state(None, vault) == "reconnect_required"  # type: ignore[arg-type]
    assert RACKBEAT_SIDE.connection_state(None, vault) is None  # type: ignore[arg-type]
