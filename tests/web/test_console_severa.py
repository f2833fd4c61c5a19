"""severa-eaccounting in the console, the admin API and the CLI (seed 004 C1, C13, C23, C25, C63): the
settings page in the seed's order with live choices, the connect page, a button per register with the
status line, the admin API's register route and `ledgerbridge transfer NAME REGISTER [--dry-run]`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ledgerbridge.cli.main import app as cli
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.web.app import create_app
from tests.integrations.severa_support import NAME, SWorld, severa_world
from tests.web.conftest import LEGACY_TOKEN, PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BEARER = {"Authorization": f"Bearer {LEGACY_TOKEN}"}


@pytest.fixture
def console(
    severa_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SWorld, TestClient]]:
    monkeypatch.setenv("LEDGERBRIDGE_PUBLIC_URL", "http://testserver")
    with severa_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path, severa_sandbox) as world:
        world.add()
        world.service.set_admin_password(PASSWORD)
        hub = RealtimeHub(world.service)
        with TestClient(
            create_app(hub, None, admin_token=LEGACY_TOKEN), base_url="http://testserver"
        ) as client:
            token = CSRF.search(client.get("/console/login").text).group(1)  # type: ignore[union-attr]
            login = client.post(
                "/console/login", data={"password": PASSWORD, "csrf_token": token}, follow_redirects=False
            )
            assert login.status_code == 303
            yield world, client
        hub.close()


def csrf(client: TestClient, path: str) -> str:
    return CSRF.search(client.get(path).text).group(1)  # type: ignore[union-attr]


def test_settings_page_follows_the_seed_with_live_choices(console: tuple[SWorld, TestClient]) -> None:
    world, client = console
    page = client.get(f"/console/integrations/{NAME}/settings")
    assert page.status_code == 200
    text = page.text
    headings = [
        "Master system for customers", "Master system for products", "Cost center for projects",
        "Default article number", "Transfer supplier invoices as", "Status for invoices to be transferred",
        "Status for transferred invoices", "Status after the invoice has been sent",
        "Status after the invoice has been paid", "Article coding for articles from Severa",
    ]  # fmt: skip
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)  # C14–C22 in the seed's order
    assert "Till eEkonomi" in text and "Arbete enligt avtal" in text and "1: Projekt" in text  # C13
    connections = client.get(f"/console/integrations/{NAME}/connections")
    assert connections.status_code == 200 and "Client id" in connections.text


def test_a_button_per_register_and_the_status_line(console: tuple[SWorld, TestClient]) -> None:
    world, client = console
    page = client.get(f"/console/integrations/{NAME}")
    for register in ("customers", "products", "projects", "invoices", "supplier-invoices", "check-sent"):
        assert f"/registers/{register}" in page.text
    answer = client.post(
        f"/console/integrations/{NAME}/registers/customers",
        data={"csrf_token": csrf(client, f"/console/integrations/{NAME}")},
    )
    assert answer.status_code == 200
    assert re.search(r"Customers: \d+ transferred, \d+ updated, 2 failed", answer.text)  # C25
    errors = client.get(f"/console/errors?integration={NAME}")
    assert "postal code and city" in errors.text  # C63: the reason, in the error log


def test_admin_api_runs_a_register_and_refuses_one_not_set_up(console: tuple[SWorld, TestClient]) -> None:
    world, client = console
    plan = client.post(f"/api/integrations/{NAME}/registers/projects?dry_run=true", headers=BEARER)
    assert plan.status_code == 200, plan.text
    assert plan.json()["transferred"] == 8 and plan.json()["dry_run"] is True
    assert any(item["action"] == "create" for item in plan.json()["plan"])
    done = client.post(f"/api/integrations/{NAME}/registers/projects", headers=BEARER).json()
    assert done["status_line"].startswith("8 transferred, 0 updated, 1 failed")
    world.service.update_settings(NAME, world.settings(statuses={"sent": None}))
    refused = client.post(f"/api/integrations/{NAME}/registers/check-sent", headers=BEARER)
    assert refused.status_code == 409 and "status after the invoice has been sent" in refused.json()["detail"]
    unknown = client.post(f"/api/integrations/{NAME}/registers/orders", headers=BEARER)
    assert unknown.status_code == 409 and "has no register" in unknown.json()["detail"]


def test_cli_transfers_a_register_with_a_dry_run(
    severa_sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with severa_world(f"sqlite:///{tmp_path / 'lb.sqlite3'}", tmp_path, severa_sandbox) as world:
        world.add()
        monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
        monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
        runner = CliRunner()
        dry = runner.invoke(cli, ["transfer", NAME, "customers", "--dry-run", "--limit", "0"])
        assert dry.exit_code == 1, dry.output  # two customers would fail
        shown = " ".join(dry.output.split())
        assert "create 1001: CustomerNumber=1001, Name=Norrlands Trä AB" in shown
        assert "(dry run: nothing written)" in shown
        assert not any(r.get("CustomerNumber") == "1001" for r in world.records("customers"))
        done = runner.invoke(cli, ["transfer", NAME, "projects"])
        assert "projects: 8 transferred, 0 updated, 1 failed" in " ".join(done.output.split())
        again = runner.invoke(cli, ["transfer", NAME, "projects"])
        assert "projects: 0 transferred, 0 updated, 1 failed (8 unchanged)" in " ".join(again.output.split())
