"""`ledgerbridge doctor` for rackbeat-eaccounting (issue 17) against the Rackbeat and eAccounting sandboxes:
healthy, a refused Rackbeat token, eAccounting not connected, a coding and an account the settings name that
the company lacks, and an eAccounting that does not answer. The other two kinds have theirs in
tests/integrations/test_cli_operations.py (rackbeat-economic) and test_severa_doctor.py
(severa-eaccounting)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.runtime.hub import RealtimeHub
from tests.integrations.eaccounting_support import EWorld, eaccounting_world

runner = CliRunner()


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EWorld]:
    with eaccounting_world(f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}", tmp_path) as made:
        monkeypatch.setenv("LEDGERBRIDGE_HOME", str(made.config.home))
        monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", made.config.database_url)
        monkeypatch.setenv("COLUMNS", "200")
        made.ops.set_base_currency("SEK")  # a Swedish Rackbeat company beside the Swedish eAccounting one
        yield made


def doctor(name: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["doctor", name, "--json"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def check(report: dict[str, Any], side: str, name: str) -> dict[str, Any]:
    found = [c for c in report["checks"] if c["side"] == side and c["check"] == name]
    assert found, [(c["side"], c["check"]) for c in report["checks"]]
    return found[0]


def subscribe(world: EWorld, name: str) -> None:
    hub = RealtimeHub(world.service)
    try:
        hub.register_webhooks(name, "http://127.0.0.1:9")
    finally:
        hub.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_doctor_on_a_healthy_integration_passes_every_check(world: EWorld) -> None:
    world.add("se")
    subscribe(world, "se")
    code, report = doctor("se")
    assert code == 0 and report["ok"], [c for c in report["checks"] if not c["ok"]]
    assert check(report, "rackbeat", "webhooks subscribed")["ok"]
    assert check(report, "eaccounting", "reach and sign in")["detail"] == "Norrlands Verktyg & Bygg AB"
    assert check(report, "eaccounting", "read articleaccountcodings")["detail"] == "one record read"
    assert check(report, "eaccounting", "base currency")["ok"]
    human = runner.invoke(app, ["doctor", "se"])
    assert human.exit_code == 0 and "✓ eaccounting: reach and sign in" in human.stdout
    assert "✗" not in human.stdout


def test_a_refused_rackbeat_token_is_named_and_eaccounting_is_still_checked(world: EWorld) -> None:
    connection = world.connection()
    connection["rackbeat"]["token"] = "not-the-token"
    world.service.add_integration("wrong", "rackbeat-eaccounting", connection)
    world.connect("wrong")
    code, report = doctor("wrong")
    reach = check(report, "rackbeat", "reach and sign in")
    assert code == 3 and not reach["ok"] and "sign-in refused" in reach["detail"] and reach["fix"]
    assert not [c for c in report["checks"] if c["side"] == "rackbeat" and c["check"].startswith("read ")]
    assert check(report, "eaccounting", "reach and sign in")["ok"]


def test_eaccounting_not_connected_says_how_to_sign_in(world: EWorld) -> None:
    world.add("later", connect=False)
    code, report = doctor("later")
    signed_in = check(report, "eaccounting", "signed in")
    assert code == 3 and not signed_in["ok"]
    assert "ledgerbridge connect later eaccounting" in signed_in["fix"]


def test_a_coding_and_an_account_the_company_lacks_are_named_with_the_fix(world: EWorld) -> None:
    world.add(
        "missing",
        products={"default_coding": "Ingen sådan kontering"},
        supplier_invoices={"enabled": True, "cost_account": 9998, "vat_account": 2641},
    )
    code, report = doctor("missing")
    coding = check(report, "eaccounting", "products.default_coding = Ingen sådan kontering")
    account = check(report, "eaccounting", "supplier_invoices.cost_account = 9998")
    assert code == 3 and not coding["ok"] and not account["ok"]
    assert "settings.products.default_coding" in coding["fix"]
    assert "9998" in account["detail"] and "settings.supplier_invoices.cost_account" in account["fix"]
    assert check(report, "eaccounting", "supplier_invoices.vat_account = 2641")["ok"]


def test_an_eaccounting_that_does_not_answer_is_said_at_once(world: EWorld) -> None:
    connection = world.connection()
    # Visma Connect signs in; the API itself does not answer.
    connection["eaccounting"]["base_url"] = f"http://127.0.0.1:{closed_port()}/v2"
    world.service.add_integration("down", "rackbeat-eaccounting", connection)
    world.connect("down")
    code, report = doctor("down")
    reach = check(report, "eaccounting", "reach and sign in")
    assert code == 3 and not reach["ok"] and "no answer" in reach["detail"] and "base_url" in reach["fix"]
    assert check(report, "rackbeat", "reach and sign in")["ok"]
    assert not [c for c in report["checks"] if c["side"] == "eaccounting" and c["check"].startswith("read ")]
