"""Follow-up steps are part of the transfer (issue 10 §2), through the CLI: "mark invoices as sent" after
the booking in e-conomic is resumed after a kill, and `retry` resolves its error only once it went through."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.integrations.conftest import RACKBEAT_TOKEN, World
from tests.integrations.test_realtime import LIVE_SETTINGS, wait_for
from tests.support import book_one_line_invoice

MARK_SENT = "mark it as sent in Rackbeat"


class Cli:
    """`ledgerbridge` as a user runs it, on the test's data directory and database."""

    def __init__(self, world: World) -> None:
        self.env = {
            **os.environ,
            "LEDGERBRIDGE_HOME": str(world.config.home),
            "LEDGERBRIDGE_DATABASE_URL": world.config.database_url,
            "LEDGERBRIDGE_ALLOW_PRIVATE_URLS": "1",
            "COLUMNS": "500",  # no wrapped lines in what the CLI prints
        }

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ledgerbridge", *args]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args), env=self.env, capture_output=True, text=True, timeout=90)


@pytest.fixture
def booked(world: World) -> Iterator[tuple[Cli, dict[str, Any], RackbeatClient, EconomicClient]]:
    """The integration "cli" (invoices booked and marked as sent) and one booked Rackbeat invoice."""
    world.service.add_integration("cli", "rackbeat-economic", world.connection(**LIVE_SETTINGS))
    assert world.service.run_startup("cli").ok
    rackbeat = RackbeatClient(world.rackbeat_url, RACKBEAT_TOKEN)
    economic = EconomicClient(world.economic_url, "app-secret", "grant")
    invoice = book_one_line_invoice(rackbeat, world.ops)
    try:
        yield Cli(world), invoice, rackbeat, economic
    finally:
        world.rackbeat_app.kit.plan.timeout_rate = 0.0
        world.rackbeat_app.kit.plan.error_rate = 0.0
        rackbeat.close()
        economic.close()


def mark_sent_puts(world: World, number: int) -> list[Any]:
    """The mark-as-sent PUTs Rackbeat carried out (answered 200) for the invoice."""
    return [
        r
        for r in world.rackbeat_app.kit.requests
        if r.method == "PUT" and r.path.endswith(f"/customer-invoices/{number}") and r.status == 200
    ]


def booked_in_economic(economic: EconomicClient, number: int) -> list[dict[str, Any]]:
    return [b for b in economic.iter_collection("invoices/booked") if b["bookedInvoiceNumber"] == number]


def test_killed_between_booking_and_marking_as_sent_the_next_run_marks_it_once(
    world: World, booked: tuple[Cli, dict[str, Any], RackbeatClient, EconomicClient]
) -> None:
    cli, invoice, rackbeat, economic = booked
    number = invoice["number"]
    # Rackbeat holds every PUT to the invoice (and carries none out): the process is killed while it waits.
    plan = world.rackbeat_app.kit.plan
    plan.path_pattern, plan.methods = rf"/customer-invoices/{number}$", ["PUT"]
    plan.timeout_rate, plan.timeout_seconds = 1.0, 8.0
    process = subprocess.Popen(
        cli.command("transfer", "cli", "invoice", str(number)),
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: booked_in_economic(economic, number), timeout=30, what="the booking in e-conomic")
    time.sleep(0.5)
    assert process.poll() is None, "the transfer finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    plan.timeout_rate = 0.0
    assert rackbeat.get("customer-invoices", number)["is_sent"] is False
    assert mark_sent_puts(world, number) == []

    resumed = cli.run("transfer", "cli", "invoice", str(number))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"Transferred as e-conomic invoice {number} (resumed: {MARK_SENT})" in resumed.stdout
    assert rackbeat.get("customer-invoices", number)["is_sent"] is True
    assert len(mark_sent_puts(world, number)) == 1 and len(booked_in_economic(economic, number)) == 1

    again = cli.run("transfer", "cli", "invoice", str(number))
    assert f"Already transferred as e-conomic invoice {number}" in again.stdout
    assert len(mark_sent_puts(world, number)) == 1


def test_retry_resolves_a_failed_mark_as_sent_only_once_it_went_through(
    world: World, booked: tuple[Cli, dict[str, Any], RackbeatClient, EconomicClient]
) -> None:
    cli, invoice, rackbeat, economic = booked
    number = invoice["number"]
    plan = world.rackbeat_app.kit.plan  # Rackbeat refuses the PUT (422) until further notice
    plan.path_pattern, plan.methods = rf"/customer-invoices/{number}$", ["PUT"]
    plan.error_rate, plan.error_status = 1.0, 422

    first = cli.run("transfer", "cli", "invoice", str(number))
    assert first.returncode != 0
    assert f"e-conomic invoice {number} is there, but could not {MARK_SENT}" in first.stdout + first.stderr
    [entry] = world.service.errors("cli")
    assert (entry.operation, entry.entity, entry.record_key) == ("transfer", "invoice", str(number))

    still = cli.run("retry", "cli")
    assert still.returncode == 1
    failed = f"#{entry.id}: failed: e-conomic invoice {number} is there, but could not {MARK_SENT}"
    assert failed in still.stdout
    assert [e.id for e in world.service.errors("cli")] == [entry.id]  # not resolved: the cause is not fixed
    assert rackbeat.get("customer-invoices", number)["is_sent"] is False

    plan.error_rate = 0.0
    fixed = cli.run("retry", "cli")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"#{entry.id}: transferred as e-conomic invoice {number} (resumed: {MARK_SENT})" in fixed.stdout
    assert world.service.errors("cli") == []
    assert rackbeat.get("customer-invoices", number)["is_sent"] is True
    assert len(booked_in_economic(economic, number)) == 1  # the booking itself was never repeated


def test_the_safety_net_scan_resumes_a_step_left_behind(
    world: World, booked: tuple[Cli, dict[str, Any], RackbeatClient, EconomicClient]
) -> None:
    cli, invoice, rackbeat, economic = booked
    number = invoice["number"]
    plan = world.rackbeat_app.kit.plan
    plan.path_pattern, plan.methods = rf"/customer-invoices/{number}$", ["PUT"]
    plan.error_rate, plan.error_status = 1.0, 422
    assert cli.run("transfer", "cli", "invoice", str(number)).returncode != 0
    plan.error_rate = 0.0

    # `serve`'s scheduler runs the scan: the document's event is queued again and the step is done.
    hub = RealtimeHub(world.service)
    try:
        assert hub.scan("cli") >= 1
        assert hub.drain(timeout=30)
    finally:
        hub.close()
    assert rackbeat.get("customer-invoices", number)["is_sent"] is True
    assert world.service.errors("cli") == []
    assert len(booked_in_economic(economic, number)) == 1 and len(mark_sent_puts(world, number)) == 1
