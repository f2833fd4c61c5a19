"""Issue 16: the work of one invoice, of a master-data poll and of a safety-net scan does not grow with
the catalogue. Two Rackbeat ↔ e-conomic integrations, one over a small catalogue and one over a large one,
each brought over by a real start-up sync; what they ask of the sandboxes and of the store is counted (no
timing): an invoice makes the same calls and the same SQL statements whatever the catalogue's size, and a
poll or scan with no bookmark reads the bindings a chunk of records at a time, not one record at a time."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, update

from ledgerbridge.config import Config
from ledgerbridge.engine.binder import PREFETCH_CHUNK
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.store.models import Cursor, Integration
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.rackbeat import RackbeatClient
from tests.support import book_one_line_invoice

TOKEN = "scale-token"
SETTINGS: dict[str, Any] = {
    "customer_invoices": {"enabled": True, "post_invoices": True},
    "master_data": {"economic_changes": "poll"},
}
SMALL = {"customers": 10, "products": 20}
LARGE = {"customers": 400, "products": 1100}  # products: three chunks of bindings, customers: one


@dataclass
class Catalogue:
    economic_app: Any
    rackbeat_app: Any
    service: Ledgerbridge
    hub: RealtimeHub
    rackbeat: RackbeatClient
    statements: list[str]

    def clear(self) -> None:
        self.rackbeat_app.kit.clear_log()
        self.economic_app.kit.clear_log()
        self.statements.clear()

    def calls(self) -> Counter[tuple[str, str, str]]:
        """Each API call, its numbers masked (invoice, draft, record numbers differ between worlds)."""
        calls: Counter[tuple[str, str, str]] = Counter()
        for system, app in (("rackbeat", self.rackbeat_app), ("economic", self.economic_app)):
            for r in app.kit.requests:
                calls[(system, r.method, re.sub(r"\d+", "N", r.path))] += 1
        return calls

    def binding_reads(self) -> int:
        return sum(1 for s in self.statements if "FROM bindings" in s)


@contextmanager
def catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, customers: int, products: int
) -> Iterator[Catalogue]:
    # No rate limit in the sandbox, and the client's pace set above the calls the start-up makes: the
    # counts are the subject here, not the pace.
    monkeypatch.setenv("LEDGERBRIDGE_RACKBEAT_PER_MINUTE", "10000000")
    books = economic.EconomicState()
    economic.seed_demo(books, customers=customers, products=products, suppliers=2)
    economic_app = economic.create_app(books, rate_limit=None)
    rackbeat_app = rackbeat.create_app(token=TOKEN, rate_limit=None)
    home = tmp_path / f"home-{products}"
    config = Config(home=home, database_url=f"sqlite:///{tmp_path / f'{products}.sqlite3'}", secret_key=None)
    with SandboxServer(economic_app) as eco, SandboxServer(rackbeat_app) as rb:
        service = Ledgerbridge(config)
        service.add_integration(
            "scale",
            "rackbeat-economic",
            {
                "economic": {"base_url": eco.base_url, "app_secret_token": "a", "agreement_grant_token": "b"},
                "rackbeat": {"base_url": rb.base_url, "token": TOKEN},
                "settings": SETTINGS,
            },
        )
        assert service.run_startup("scale").ok
        # The master-data poll's worst case: no bookmark, so it reads every customer and product.
        with service.store.session() as db:
            db.execute(delete(Cursor).where(Cursor.name.like("poll:economic.%")))
            db.execute(update(Integration).values(startup_completed_at=None))
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            statements.append(statement)

        event.listen(service.store.engine, "before_cursor_execute", record)
        hub = RealtimeHub(service)
        client = RackbeatClient(rb.base_url, TOKEN)
        try:
            yield Catalogue(economic_app, rackbeat_app, service, hub, client, statements)
        finally:
            event.remove(service.store.engine, "before_cursor_execute", record)
            client.close()
            hub.close()
            service.close()


def one_invoice(world: Catalogue) -> tuple[Counter[tuple[str, str, str]], int]:
    """The calls and SQL statements of transferring one booked invoice (after a first one has warmed
    the per-integration caches, such as e-conomic's /self)."""
    for _attempt in range(2):
        invoice = book_one_line_invoice(world.rackbeat, world.rackbeat_app.rackbeat_state)
        world.clear()
        result = world.hub.transfer("scale", "invoice", str(invoice["number"]))
        assert result.outcome == "transferred", result.message
    return world.calls(), len(world.statements)


def full_poll_and_scan(world: Catalogue) -> tuple[int, int]:
    """Binding reads of the master-data poll with no bookmark, then of the first safety-net scan."""
    world.clear()
    assert any("products: " in line for line in world.hub.periodic_all())
    poll = world.binding_reads()
    world.clear()
    world.hub.scan("scale")
    return poll, world.binding_reads()


def test_an_invoice_and_a_full_poll_cost_the_same_over_a_small_and_a_large_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with catalogue(tmp_path, monkeypatch, **SMALL) as small:
        small_poll, small_scan = full_poll_and_scan(small)
        small_calls, small_sql = one_invoice(small)
    with catalogue(tmp_path, monkeypatch, **LARGE) as large:
        large_poll, large_scan = full_poll_and_scan(large)
        large_calls, large_sql = one_invoice(large)

    assert large_calls == small_calls
    assert large_sql == small_sql
    # A chunk of records costs one read of bindings: the large catalogue's extra chunks, not a read per
    # record (1,500 records would be 1,500 reads).
    extra_chunks = (LARGE["products"] - 1) // PREFETCH_CHUNK + (LARGE["customers"] - 1) // PREFETCH_CHUNK
    assert small_poll <= 4
    assert large_poll <= small_poll + extra_chunks
    assert large_scan <= small_scan + extra_chunks


def scan_with_booked_invoices(world: Catalogue, invoices: int) -> tuple[int, int, int]:
    """A scan with no bookmark over ``invoices`` booked invoices the ledger does not know yet: its reads of
    the transfer ledger, its writes to the inbox, and the items it queued."""
    for _ in range(invoices):
        book_one_line_invoice(world.rackbeat, world.rackbeat_app.rackbeat_state)
    with world.service.store.session() as db:
        db.execute(delete(Cursor).where(Cursor.name.like("scan:%")))
    world.clear()
    queued = world.hub.scan("scale")
    reads = sum(1 for s in world.statements if "FROM transfers" in s)
    writes = sum(1 for s in world.statements if "INSERT INTO webhook_inbox" in s)
    return reads, writes, queued


def test_a_scan_reads_the_ledger_and_writes_the_inbox_a_chunk_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every booked document a scan reads is looked up in the transfer ledger, and every one it finds
    unknown is queued: a chunk of them costs one query and one inbox transaction, not one each."""
    with catalogue(tmp_path, monkeypatch, **SMALL) as world:
        few = scan_with_booked_invoices(world, 3)
        many = scan_with_booked_invoices(world, PREFETCH_CHUNK + 20)  # 3 + 520: two chunks
    assert few[2] == 3 and many[2] == PREFETCH_CHUNK + 20  # the earlier 3 are pending already: not new
    assert many[0] <= few[0] + 1  # one more chunk of invoices: one more read (was one a document)
    assert many[1] <= few[1] + 1  # and one more inbox transaction (was one an item)
