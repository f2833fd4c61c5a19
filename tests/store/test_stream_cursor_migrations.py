"""Migrations 0009 and 0010 on SQLite and PostgreSQL: webhook secrets move out of the cursors table, and
poll bookmarks take their stream's name; rows stored before keep loading, and both go back down."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import select, text

from ledgerbridge.engine.checkpoints import Checkpoints
from ledgerbridge.engine.webhook_secrets import StoredSecret, WebhookSecrets
from ledgerbridge.store import Cursor, Integration, Store
from ledgerbridge.store.db import MIGRATIONS


def migrate(store: Store, revision: str, *, down: bool = False) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def cursor_names(store: Store) -> dict[str, Any]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT name, value FROM cursors ORDER BY name")).all()
    return {row.name: row.value for row in rows}


def test_webhook_secrets_and_poll_bookmarks_are_moved_and_moved_back(store: Store) -> None:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        integration_id = row.id
    migrate(store, "0008", down=True)
    with store.engine.begin() as connection:
        for name, value in [
            ("webhooks:rackbeat", '{"url": "https://x/webhooks/rackbeat/t", "sealed": "sealed-1"}'),
            ("webhooks:economic", '{"sealed": "sealed-2"}'),
            ("poll:economic-orders", '{"bookmark": "2026-01-01T00:00:00+00:00"}'),
            ("poll:eaccounting-articles", '{"bookmark": "2026-01-02T00:00:00+00:00"}'),
            ("startup:checkpoint", '{"run_id": 1, "done": ["unit"]}'),
        ]:
            connection.execute(
                text(
                    "INSERT INTO cursors (integration_id, name, value, updated_at) "
                    "VALUES (:i, :n, :v, CURRENT_TIMESTAMP)"
                ),
                {"i": integration_id, "n": name, "v": value},
            )

    migrate(store, "head")
    with store.session() as session:
        secrets = WebhookSecrets(session, integration_id)
        assert secrets.get("rackbeat") == StoredSecret("sealed-1", "https://x/webhooks/rackbeat/t")
        assert secrets.get("economic") == StoredSecret("sealed-2", None)
        checkpoints = Checkpoints(session, integration_id)
        assert checkpoints.get("poll:economic.order") == {"bookmark": "2026-01-01T00:00:00+00:00"}
        assert checkpoints.get("poll:eaccounting.product") == {"bookmark": "2026-01-02T00:00:00+00:00"}
        assert checkpoints.get("startup:checkpoint") == {"run_id": 1, "done": ["unit"]}
        assert not [n for n in session.scalars(select(Cursor.name)) if n.startswith("webhooks:")]

    migrate(store, "0008", down=True)
    names = cursor_names(store)
    assert set(names) == {
        "webhooks:rackbeat",
        "webhooks:economic",
        "poll:economic-orders",
        "poll:eaccounting-articles",
        "startup:checkpoint",
    }
    stored = names["webhooks:rackbeat"]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == {"sealed": "sealed-1", "url": "https://x/webhooks/rackbeat/t"}
    migrate(store, "head")


def test_a_secret_is_written_once_per_source_and_replaced(store: Store) -> None:
    with store.session() as session:
        row = Integration(name="t", kind="test", settings={}, credentials="-")
        session.add(row)
        session.flush()
        integration_id = row.id
    with store.session() as session:
        WebhookSecrets(session, integration_id).put("rackbeat", "one", url="https://a")
    with store.session() as session:
        WebhookSecrets(session, integration_id).put("rackbeat", "two", url="https://b")
    with store.session() as session:
        assert WebhookSecrets(session, integration_id).get("rackbeat") == StoredSecret("two", "https://b")
        assert WebhookSecrets(session, integration_id).get("economic") is None
        # The cursors table holds positions only.
        assert not list(session.scalars(select(Cursor)))
