"""Webhook intake in groups (issue 16): deliveries arriving together share one transaction, each answered
once that transaction committed; a transaction that fails answers 503 to exactly its deliveries and stores
none of them. Real PostgreSQL (this run's own database), real HTTP to the cluster receiver's web app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import text

from ledgerbridge.engine.inbox import GroupIntake
from ledgerbridge.engine.webhook_secrets import WebhookSecrets
from ledgerbridge.runtime.cluster import Cluster
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.web.app import create_app
from tests.integrations.eaccounting_support import EWorld
from tests.runtime.test_cluster import pg_world  # noqa: F401  (the fixture)

EVENT = "customer_invoice.booked"


@contextmanager
def receiver(world: EWorld, intake: GroupIntake) -> Iterator[tuple[Cluster, str, dict[str, str]]]:
    """The cluster receiver's web app for integration ``se``, its webhook URL and the sender's headers."""
    world.add("se")
    cluster = Cluster(world.service)
    cluster.ensure_schema()
    cluster.hub.intake = intake
    with cluster.open(), SandboxServer(create_app(cluster.hub, cluster)) as web:
        cluster.hub.register_webhooks("se", web.base_url)
        integration_id = cluster.hub.session("se")[0]
        with world.service.store.session() as db:
            tokens = cluster.hub._open_tokens(WebhookSecrets(db, integration_id).get("rackbeat"))
        headers = {"rackbeat-webhook-token": tokens[EVENT], "rackbeat-webhook-event": EVENT}
        try:
            yield cluster, f"{web.base_url}/webhooks/rackbeat/se", headers
        finally:
            cluster.hub.close()


def send_together(url: str, headers: dict[str, str], keys: list[int]) -> list[httpx.Response]:
    """POST one delivery per key, all at once (a thread each, released together)."""
    answers: list[Any] = [None] * len(keys)
    start = threading.Barrier(len(keys))

    def send(index: int) -> None:
        with httpx.Client(timeout=60) as client:
            start.wait()
            answers[index] = client.post(
                url, json={"key_name": "number", "key": keys[index]}, headers=headers
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def inbox_rows(world: EWorld) -> dict[str, tuple[int, int]]:
    """record key -> (item id, deliveries) of the pending items."""
    with world.service.store.session() as db:
        rows = db.execute(
            text("SELECT record_key, id, deliveries FROM webhook_inbox WHERE state = 'pending' ORDER BY id")
        ).all()
    keys = [row[0] for row in rows]
    assert len(keys) == len(set(keys)), "a record stored twice"
    return {key: (item_id, deliveries) for key, item_id, deliveries in rows}


def test_concurrent_deliveries_are_stored_once_each_in_shared_transactions(pg_world: EWorld) -> None:  # noqa: F811
    intake = GroupIntake(pg_world.service.store, window=0.05)
    with receiver(pg_world, intake) as (_, url, headers):
        keys = [5000 + n for n in range(60)]
        answers = send_together(url, headers, keys + keys)  # every record delivered twice, all at once
        assert [a.status_code for a in answers] == [200] * 120
        stored = inbox_rows(pg_world)
        assert set(stored) == {str(k) for k in keys}  # one item per record
        assert all(deliveries == 2 for _, deliveries in stored.values())  # both deliveries counted
        for key, first, second in zip(keys, answers[:60], answers[60:], strict=True):
            assert first.json()["queued"] == second.json()["queued"] == stored[str(key)][0]
        assert intake.batches < 120 / 2  # shared transactions, not one per delivery

        # A repeat later (another transaction) still collapses into the pending item.
        again = send_together(url, headers, keys[:5])
        assert [a.json()["queued"] for a in again] == [stored[str(k)][0] for k in keys[:5]]
        assert all(inbox_rows(pg_world)[str(k)][1] == 3 for k in keys[:5])


def test_a_failing_commit_answers_503_to_its_batch_and_stores_none_of_it(pg_world: EWorld) -> None:  # noqa: F811
    # One transaction for everything arriving within 3 s, so the first group is one batch for certain.
    intake = GroupIntake(pg_world.service.store, window=3.0, writers=1)
    engine = pg_world.service.store.engine
    with engine.begin() as db:  # refuses record 666 at COMMIT (deferred): the whole transaction fails
        db.execute(
            text(
                "CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.record_key = '666' THEN RAISE EXCEPTION 'refused at commit'; END IF;"
                " RETURN NULL; END $$"
            )
        )
        db.execute(
            text(
                "CREATE CONSTRAINT TRIGGER refuse_666 AFTER INSERT OR UPDATE ON webhook_inbox"
                " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_666()"
            )
        )
    try:
        with receiver(pg_world, intake) as (_, url, headers):
            first = send_together(url, headers, [1, 2])
            assert [a.status_code for a in first] == [200, 200]
            before = inbox_rows(pg_world)

            # 666 fails the commit of its batch: every delivery of that batch is refused, the repeat of
            # record 1 too, and none of it is stored (no new item, no delivery counted on record 1).
            failed = send_together(url, headers, [1, 10, 11, 12, 666])
            assert [a.status_code for a in failed] == [503] * 5
            assert all("send it again" in a.json()["detail"] for a in failed)
            assert inbox_rows(pg_world) == before

            # The next batch, without 666, is stored: what the senders send again is not lost.
            retried = send_together(url, headers, [1, 10, 11, 12])
            assert [a.status_code for a in retried] == [200] * 4
            after = inbox_rows(pg_world)
            assert set(after) == {"1", "2", "10", "11", "12"}
            assert after["1"] == (before["1"][0], 2)
    finally:
        with engine.begin() as db:
            db.execute(text("DROP TRIGGER IF EXISTS refuse_666 ON webhook_inbox"))
            db.execute(text("DROP FUNCTION IF EXISTS refuse_666()"))


def test_a_delivery_for_an_integration_removed_meanwhile_is_refused_and_its_batch_stored(
    pg_world: EWorld,  # noqa: F811
) -> None:
    # One transaction for everything arriving within 3 s: the three deliveries below share one.
    intake = GroupIntake(pg_world.service.store, window=3.0, writers=1)
    with receiver(pg_world, intake) as (cluster, url, headers):
        pg_world.add("gone")
        cluster.hub.register_webhooks("gone", url.split("/webhooks/")[0])
        with pg_world.service.store.session() as db:
            secret = WebhookSecrets(db, cluster.hub.session("gone")[0]).get("rackbeat")
        gone = {**headers, "rackbeat-webhook-token": cluster.hub._open_tokens(secret)[EVENT]}
        gone_url = url.replace("/se", "/gone")
        assert httpx.post(gone_url, json={"key": 1}, headers=gone, timeout=60).status_code == 200
        # Removed while its tokens are still remembered: its next delivery passes the token check and
        # reaches the batch, which must store the others and refuse it as an unknown integration.
        pg_world.service.delete_integration("gone")
        calls = [(url, headers, 10), (url, headers, 11), (gone_url, gone, 12)]
        answers: list[Any] = [None] * 3
        start = threading.Barrier(3)

        def send(index: int) -> None:
            target, given, key = calls[index]
            with httpx.Client(timeout=60) as client:
                start.wait()
                answers[index] = client.post(target, json={"key_name": "number", "key": key}, headers=given)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [200, 200, 401]
        assert answers[2].json() == {"detail": "unknown webhook token"}
        assert set(inbox_rows(pg_world)) == {"10", "11"}
