"""`ledgerbridge sandbox severa`: the options reach the served app (served here on a free port)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app as cli
from ledgerbridge.sandbox import SandboxServer


def _serve_instead(captured: dict[str, Any]) -> Any:
    def serve(app: Any, *, host: str, port: int) -> None:
        captured.update(app=app, host=host, port=port)

    return serve


def test_options_reach_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    captured: dict[str, Any] = {}
    monkeypatch.setattr("ledgerbridge.sandbox.serve_forever", _serve_instead(captured))
    args = [
        "sandbox",
        "severa",
        "--port",
        "18999",
        "--seed",
        "demo",
        "--client-id",
        "id-1",
        "--client-secret",
        "s3",
    ]
    result = CliRunner().invoke(cli, [*args, "--rate-limit", "5", "--strict"])
    assert result.exit_code == 0, result.output
    assert "Severa sandbox on http://127.0.0.1:18999" in result.output
    assert captured["port"] == 18999
    captured["app"].gate.bucket_clock = lambda: 0.0  # time stands still: nothing refills during the test
    with SandboxServer(captured["app"]) as server:
        base = server.base_url
        assert (
            httpx.post(
                f"{base}/v1/token", json={"client_id": "sandbox", "client_secret": "sandbox"}
            ).status_code
            == 401
        )
        token = httpx.post(f"{base}/v1/token", json={"client_id": "id-1", "client_secret": "s3"}).json()[
            "access_token"
        ]
        bare = {"Authorization": f"Bearer {token}"}
        assert (
            httpx.get(f"{base}/v1/customers", headers=bare).status_code == 401
        )  # --strict: Client_Id required
        headers = {**bare, "Client_Id": "id-1"}
        assert len(httpx.get(f"{base}/v1/customers", headers=headers).json()) == 20  # --seed demo
        statuses = [httpx.get(f"{base}/heartbeat/authorized", headers=headers).status_code for _ in range(6)]
        assert statuses == [204, 204, 204, 429, 429, 429]  # --rate-limit 5: two calls of id-1 came before


def test_unknown_seed_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ledgerbridge.sandbox.serve_forever", _serve_instead({}))
    result = CliRunner().invoke(cli, ["sandbox", "severa", "--seed", "big"])
    assert result.exit_code != 0
