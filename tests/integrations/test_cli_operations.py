"""Running it for real (issue 17): exit codes without tracebacks, `--json` listings, `status`, `doctor`
against healthy and broken sandboxes, `integrations remove`, `db current|upgrade`, and the log lines of a
transfer and a failure in JSON mode."""

from __future__ import annotations

import io
import json
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.logs import configure_logging
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.services.common import InvalidConfiguration
from ledgerbridge.store import SyncRun
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.test_realtime import LIVE_SETTINGS, open_live, wait_for

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these are CLI tests, the PostgreSQL variants of the engine are tested elsewhere."""
    return f"sqlite:///{tmp_path / 'ledgerbridge.sqlite3'}"


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return world


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    path: Path, world: World, *, economic_url: str | None = None, token: str = RACKBEAT_TOKEN, extra: str = ""
) -> str:
    path.write_text(f"""
[economic]
base_url = "{economic_url or world.economic_url}"
app_secret_token = "app-secret"
agreement_grant_token = "grant"

[rackbeat]
base_url = "{world.rackbeat_url}"
token = "{token}"
{extra}
""")
    return str(path)


def doctor(name: str) -> tuple[int, dict[str, Any]]:
    result = invoke("doctor", name, "--json")
    return result.exit_code, json.loads(result.stdout)


def check(report: dict[str, Any], side: str, name: str) -> dict[str, Any]:
    found = [c for c in report["checks"] if c["side"] == side and c["check"] == name]
    assert found, [(c["side"], c["check"]) for c in report["checks"]]
    return found[0]


# -- exit codes and one-line errors ---------------------------------------------------------------------
def test_version_and_exit_codes_in_help(cli: World) -> None:
    from ledgerbridge import __version__

    assert invoke("--version").stdout.strip() == f"ledgerbridge {__version__}"
    help_text = invoke("--help").stdout
    assert "Exit codes" in help_text and "3 cannot reach or sign in" in help_text


def test_user_errors_are_one_line_with_the_right_exit_code(cli: World, tmp_path: Path) -> None:
    unknown = invoke("errors", "nope")
    assert unknown.exit_code == 2 and "no integration named 'nope'" in unknown.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[economic\nbase_url = ")
    broken = invoke("integrations", "add", "x", "--kind", "rackbeat-economic", "--config", str(bad))
    assert broken.exit_code == 2 and len(broken.output.strip().splitlines()) <= 3, broken.output
    usage = invoke("sync")
    assert usage.exit_code == 2
    log_format = invoke("worker", "--log-format", "xml")
    assert log_format.exit_code == 2 and "unknown log format 'xml'" in log_format.output


def test_a_second_startup_sync_is_refused_with_exit_code_4(cli: World) -> None:
    assert cli.service.run_startup("acme").ok
    again = invoke("sync", "acme", "--startup")
    assert again.exit_code == 4 and "already ran" in again.output


def test_refused_credentials_are_exit_code_3_without_traceback(cli: World, tmp_path: Path) -> None:
    config = write_config(tmp_path / "wrong.toml", cli, token="not-the-token")
    assert (
        invoke(
            "integrations", "add", "wrong", "--kind", "rackbeat-economic", "--config", config, "--offline"
        ).exit_code
        == 0
    )
    result = invoke("sync", "wrong", "--startup")
    assert result.exit_code == 3, result.output
    assert "The run stopped: could not read existing customer groups: Unauthenticated" in result.output


# -- --json on every listing ----------------------------------------------------------------------------
def test_listings_print_json_for_scripts(cli: World) -> None:
    cli.service.run_startup("acme")
    listed = json.loads(invoke("integrations", "list", "--json").stdout)
    assert [(i["name"], i["kind"]) for i in listed] == [("acme", "rackbeat-economic")]
    assert listed[0]["startup_completed_at"]
    runs = json.loads(invoke("runs", "acme", "--json").stdout)
    assert runs[0]["kind"] == "startup" and runs[0]["status"] == "succeeded"
    assert sum(c.get("created", 0) for c in runs[0]["counts"].values()) > 0
    assert json.loads(invoke("errors", "acme", "--json").stdout) == []
    assert json.loads(invoke("conflicts", "acme", "--json").stdout) == []
    status = invoke("status", "acme", "--json")
    report = json.loads(status.stdout)
    assert status.exit_code == 0
    assert report["acme"]["queued"] == 0 and report["acme"]["open_errors"] == 0
    assert report["acme"]["connections"] == {"economic": "connected", "rackbeat": "connected"}
    assert report["acme"]["last_sync"]["status"] == "succeeded"


def test_status_table_shows_times_with_their_zone(cli: World) -> None:
    cli.service.run_startup("acme")
    shown = invoke("status")
    # An e-conomic kind's default zone is Copenhagen's: CET in winter, CEST in summer.
    assert shown.exit_code == 0 and "acme" in shown.stdout
    assert re.search(r"\d\d:\d\d:\d\d \+0[12]:00 CES?T", shown.stdout), shown.stdout


def run_at_noon_utc_in_stockholm(world: World) -> None:
    """acme shown in Stockholm, its start-up run started at 12:00Z on 6 December (CET, +01:00)."""
    view = world.service.describe("acme")
    world.service.update_settings("acme", {**view.settings, "general": {"timezone": "Europe/Stockholm"}})
    world.service.run_startup("acme")
    noon = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    with world.service.store.session() as session:
        session.execute(update(SyncRun).values(started_at=noon, finished_at=noon + timedelta(minutes=1)))


def test_listings_show_times_in_the_integrations_zone_with_the_offset(cli: World) -> None:
    run_at_noon_utc_in_stockholm(cli)
    table = invoke("runs", "acme")
    assert "2026-12-06 13:00:00 +01:00 CET" in table.stdout and "13:01:00 +01:00 CET" in table.stdout
    listed = json.loads(invoke("runs", "acme", "--json").stdout)
    assert listed[0]["started_at"] == "2026-12-06T13:00:00+01:00"
    assert datetime.fromisoformat(listed[0]["finished_at"]) == datetime(2026, 12, 6, 12, 1, tzinfo=UTC)
    status = json.loads(invoke("status", "acme", "--json").stdout)
    assert status["acme"]["last_sync"]["at"] == "2026-12-06T13:01:00+01:00"
    assert "+01:00 CET" in invoke("status", "acme").stdout


def test_an_unknown_time_zone_is_refused_with_the_reason(cli: World) -> None:
    view = cli.service.describe("acme")
    with pytest.raises(InvalidConfiguration) as refused:
        cli.service.update_settings("acme", {**view.settings, "general": {"timezone": "Europe/Atlantis"}})
    assert "'Europe/Atlantis' is not a time zone: use an IANA name such as Europe/Copenhagen" in str(
        refused.value
    )
    assert "settings.general.timezone" in dict(refused.value.problems)


# -- doctor -------------------------------------------------------------------------------------------
def test_doctor_on_a_healthy_integration_passes_every_check(cli: World) -> None:
    hub = RealtimeHub(cli.service)
    try:
        hub.register_webhooks("acme", "http://127.0.0.1:9")
    finally:
        hub.close()
    code, report = doctor("acme")
    assert code == 0 and report["ok"], [c for c in report["checks"] if not c["ok"]]
    assert check(report, "rackbeat", "reach and sign in")["ok"]
    assert check(report, "economic", "reach and sign in")["ok"]
    assert check(report, "economic", "read customers")["detail"] == "one record read"
    assert check(report, "rackbeat", "webhooks subscribed")["ok"]
    human = invoke("doctor", "acme")
    assert "✓ economic: reach and sign in" in human.stdout and "✗" not in human.stdout


def test_doctor_without_webhooks_says_how_to_subscribe(cli: World) -> None:
    code, report = doctor("acme")
    hooks = check(report, "rackbeat", "webhooks subscribed")
    assert code == 3 and not hooks["ok"] and "serve --public-url" in hooks["fix"]


def test_doctor_names_a_wrong_token_and_still_checks_the_other_side(cli: World, tmp_path: Path) -> None:
    config = write_config(tmp_path / "wrong.toml", cli, token="not-the-token")
    invoke("integrations", "add", "wrong", "--kind", "rackbeat-economic", "--config", config, "--offline")
    code, report = doctor("wrong")
    reach = check(report, "rackbeat", "reach and sign in")
    assert code == 3 and not reach["ok"] and "sign-in refused" in reach["detail"]
    assert "API token" in reach["fix"]
    assert not [c for c in report["checks"] if c["side"] == "rackbeat" and c["check"].startswith("read ")]
    assert check(report, "economic", "reach and sign in")["ok"]


def test_doctor_finds_a_missing_account_and_day_book(cli: World, tmp_path: Path) -> None:
    extra = """
[settings.supplier_invoices]
enabled = true
day_book = 98
account_for_supplier_groups = 99999
"""
    config = write_config(tmp_path / "missing.toml", cli, extra=extra)
    invoke("integrations", "add", "missing", "--kind", "rackbeat-economic", "--config", config, "--offline")
    code, report = doctor("missing")
    day_book = check(report, "economic", "supplier_invoices.day_book = 98")
    account = check(report, "economic", "supplier_invoices.account_for_supplier_groups = 99999")
    assert code == 3 and not day_book["ok"] and not account["ok"]
    assert "no day book 98" in day_book["detail"] and "settings.supplier_invoices.day_book" in day_book["fix"]
    assert "no account 99999" in account["detail"]


def test_doctor_and_add_say_when_a_side_cannot_be_reached(cli: World, tmp_path: Path) -> None:
    config = write_config(tmp_path / "down.toml", cli, economic_url=f"http://127.0.0.1:{closed_port()}")
    added = invoke("integrations", "add", "down", "--kind", "rackbeat-economic", "--config", config)
    assert added.exit_code == 0  # added, with a warning: the system may be down for a moment
    assert "warning: economic: no answer" in added.output
    code, report = doctor("down")
    reach = check(report, "economic", "reach and sign in")
    assert code == 3 and not reach["ok"] and "no answer" in reach["detail"] and "base_url" in reach["fix"]
    assert check(report, "rackbeat", "reach and sign in")["ok"]


# -- remove, db ----------------------------------------------------------------------------------------
def test_integrations_remove(cli: World) -> None:
    assert invoke("integrations", "remove", "nope", "--yes").exit_code == 2
    assert invoke("integrations", "remove", "acme", "--yes").exit_code == 0
    assert json.loads(invoke("integrations", "list", "--json").stdout) == []


def test_db_current_and_upgrade(cli: World) -> None:
    current = invoke("db", "current", "--json")
    state = json.loads(current.stdout)
    assert current.exit_code == 0 and state["current"] == state["head"] and not state["upgrade_due"]
    upgraded = invoke("db", "upgrade")
    assert upgraded.exit_code == 0 and "up to date" in upgraded.stdout


def test_db_upgrade_of_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    due = invoke("db", "current", "--json")
    assert due.exit_code == 1 and json.loads(due.stdout)["current"] is None
    upgraded = invoke("db", "upgrade")
    assert upgraded.exit_code == 0 and "Upgraded the database from empty to" in upgraded.stdout
    assert invoke("db", "current").exit_code == 0


# -- logs ----------------------------------------------------------------------------------------------
def test_json_log_lines_of_a_transfer_and_a_failure_carry_the_delivery(world: World) -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream, force=True)
    try:
        with open_live(world, "live", LIVE_SETTINGS) as live:
            booked = live.book(live.new_invoice())
            wait_for(lambda: '"event": "transfer"' in stream.getvalue(), what="the transfer's line")
            group = world.ops.records("customer-groups")[0]["number"]
            live.rackbeat.create(
                "customers",
                {
                    "number": 90009,
                    "name": "Uden Betingelser ApS",
                    "customer_group_id": group,
                    "vat_zone": "domestic",
                    "currency": "DKK",
                },
            )
            refused = live.book(live.new_invoice(customer_id=90009))
            wait_for(
                lambda: (
                    f'"record_key": "{refused["number"]}"' in stream.getvalue()
                    and '"event": "failed"' in stream.getvalue()
                ),
                what="the failure's line",
            )
            # The customer's failure line can come first; wait for the invoice's own failure to be counted.
            wait_for(
                lambda: (
                    'ledgerbridge_failures_total{operation="transfer"}'
                    in httpx.get(f"{live.url}/metrics").text
                ),
                what="the invoice's failure counted",
            )
            exposed = httpx.get(f"{live.url}/metrics").text
    finally:
        configure_logging("console", "info", force=True)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    received = [line for line in lines if line["event"] == "webhook received"]
    assert received and all(line["request_id"] and line["delivery"] for line in received)
    transfer = next(
        line for line in lines if line["event"] == "transfer" and line["record_key"] == str(booked["number"])
    )
    assert transfer["outcome"] == "transferred" and transfer["level"] == "info"
    assert transfer["delivery"] in {line["delivery"] for line in received}  # carried through the path
    assert transfer["timestamp"].endswith("Z")
    failures = [
        line for line in lines if line["event"] == "failed" and line["record_key"] == str(refused["number"])
    ]
    assert failures and failures[0]["level"] == "warning" and failures[0]["delivery"]
    assert "could not be synced" in failures[0]["message"]
    runs = [line for line in lines if line["event"] == "run finished"]
    assert runs and runs[0]["created"] > 0 and runs[0]["status"] == "succeeded"
    # The same transfer and failure, counted for Prometheus.
    assert (
        'ledgerbridge_transfers_total{document_type="invoice",integration="live",outcome="transferred"}'
        in exposed
    )
    assert 'ledgerbridge_failures_total{operation="transfer"}' in exposed
    assert "# TYPE ledgerbridge_inbox_oldest_pending_seconds gauge" in exposed
    text = stream.getvalue()
    assert RACKBEAT_TOKEN not in text and "app-secret" not in text and '"payload"' not in text


@pytest.mark.slow  # the client's retries take about 7 s before it gives up
def test_an_unreachable_host_is_one_line_and_exit_code_3(cli: World, tmp_path: Path) -> None:
    config = write_config(tmp_path / "down.toml", cli, economic_url=f"http://127.0.0.1:{closed_port()}")
    invoke("integrations", "add", "down", "--kind", "rackbeat-economic", "--config", config, "--offline")
    result = invoke("sync", "down", "--startup")
    assert result.exit_code == 3, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "did not answer" in errors[0] and "Connection refused" in errors[0]
    assert "retrying" in result.output  # each retry is logged (warning), never silent
