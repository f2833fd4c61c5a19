"""`ledgerbridge doctor` for severa-eaccounting (issues 15, 17): healthy, a wrong secret, a scope the API
client lacks, a status the settings name that Severa does not have, a Severa that cannot be reached."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.integrations.doctor import Check, examine
from tests.integrations.severa_support import NAME, SWorld, severa_world


@pytest.fixture
def world(severa_sandbox: Any, tmp_path: Path) -> Iterator[SWorld]:
    with severa_world(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, severa_sandbox) as made:
        yield made


def report(world: SWorld, name: str = NAME) -> list[Check]:
    _, kind = world.service.integration(name)
    return examine(kind, name)


def check(checks: list[Check], side: str, name: str) -> Check:
    found = [c for c in checks if c.side == side and c.name == name]
    assert found, [(c.side, c.name) for c in checks]
    return found[0]


def add_with(world: SWorld, name: str, **severa: Any) -> None:
    connection = world.connection()
    connection["severa"].update(severa)
    world.service.add_integration(name, "severa-eaccounting", connection)
    world.connect(name)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_doctor_on_a_healthy_integration_passes_every_check(world: SWorld) -> None:
    world.add()
    checks = report(world)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert check(checks, "severa", "reach and sign in").ok
    assert check(checks, "severa", "scopes granted").ok
    assert check(checks, "severa", "read invoices").detail == "one record read"
    assert check(checks, "severa", "read work types").ok
    assert (
        "Till eEkonomi"
        in check(
            checks, "severa", f"statuses.to_transfer = {world.settings()['statuses']['to_transfer']}"
        ).detail
    )
    assert check(checks, "eaccounting", "connected (OAuth2)").ok
    assert check(checks, "eaccounting", "read customerinvoicedrafts").ok
    assert check(checks, "eaccounting", f"projects.cost_center_id = {world.cost_center_id}").ok
    assert check(checks, "eaccounting", "invoices.default_article_number = ARB").ok
    assert check(checks, "eaccounting", "products.units.work_type = tim").ok
    assert check(checks, "eaccounting", 'coding "Tjänster 25% moms"').ok


def test_a_wrong_secret_is_a_cross_with_the_fix_and_eaccounting_is_still_checked(world: SWorld) -> None:
    add_with(world, "wrong", client_secret="not-the-secret")
    checks = report(world, "wrong")
    reach = check(checks, "severa", "reach and sign in")
    assert not reach.ok and "sign-in refused" in reach.detail and "client_secret" in reach.fix
    assert not [c for c in checks if c.side == "severa" and c.name.startswith(("read ", "statuses."))]
    assert check(checks, "eaccounting", "reach and sign in").ok


def test_a_scope_the_api_client_lacks_is_named(world: SWorld) -> None:
    world.ops.register_client("narrow", "narrow-secret", ("customers:read", "settings:read"))
    add_with(world, "narrow", client_id="narrow", client_secret="narrow-secret")
    checks = report(world, "narrow")
    scopes = check(checks, "severa", "scopes granted")
    assert check(checks, "severa", "reach and sign in").ok
    assert not scopes.ok and "invoices:write" in scopes.detail and "Settings → API" in scopes.fix


def test_a_status_severa_does_not_have_and_a_missing_article_are_named(world: SWorld) -> None:
    gone = "00000000-0000-0000-0000-00000000dead"
    world.add(settings=world.settings(statuses={"paid": gone}, invoices={"default_article_number": "NOPE"}))
    checks = report(world)
    paid = check(checks, "severa", f"statuses.paid = {gone}")
    assert not paid.ok and "no invoice status" in paid.detail and "settings.statuses.paid" in paid.fix
    assert check(checks, "severa", f"statuses.sent = {world.settings()['statuses']['sent']}").ok
    article = check(checks, "eaccounting", "invoices.default_article_number = NOPE")
    assert not article.ok and "no article NOPE" in article.detail


def test_an_unreachable_severa_says_so_and_where_to_look(world: SWorld) -> None:
    add_with(world, "down", base_url=f"http://127.0.0.1:{closed_port()}")
    checks = report(world, "down")
    reach = check(checks, "severa", "reach and sign in")
    assert not reach.ok and "no answer" in reach.detail and "base_url" in reach.fix
    assert check(checks, "eaccounting", "reach and sign in").ok


def test_eaccounting_not_yet_connected_says_how_to_connect(world: SWorld) -> None:
    world.add(connect=False)
    checks = report(world)
    connected = check(checks, "eaccounting", "connected (OAuth2)")
    assert not connected.ok and f"ledgerbridge connect {NAME} eaccounting" in connected.fix
    assert not [c for c in checks if c.side == "eaccounting" and c.name.startswith("read ")]
    assert check(checks, "severa", "reach and sign in").ok


def test_the_cli_prints_a_line_per_check_and_exits_3_on_a_cross(
    world: SWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.add()
    add_with(world, "wrong", client_secret="not-the-secret")
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    healthy = CliRunner().invoke(app, ["doctor", NAME, "--json"])
    assert healthy.exit_code == 0 and json.loads(healthy.stdout)["ok"], healthy.output
    wrong = CliRunner().invoke(app, ["doctor", "wrong"])
    assert wrong.exit_code == 3 and "Traceback" not in wrong.output
    assert "✗ severa: reach and sign in" in wrong.stdout and "fix: check client_id" in wrong.stdout
    assert "✓ eaccounting: reach and sign in" in wrong.stdout
