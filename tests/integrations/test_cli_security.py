"""Issue 10 §3–4 through the CLI: names, config files, addresses, a lost or rotated key, file modes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.config import Config
from ledgerbridge.service import Ledgerbridge
from tests.integrations import test_cli
from tests.integrations.conftest import World
from tests.integrations.test_cli import write_config

cli_env = test_cli.cli_env  # the CLI's environment pointed at both sandboxes

runner = CliRunner()


def add(name: str, config: str) -> object:
    return runner.invoke(
        app, ["integrations", "add", name, "--kind", "rackbeat-economic", "--config", config]
    )


@pytest.mark.parametrize("name", ["", "../etc", "a b", "<script>", "x" * 101, "acme\n"])
def test_add_refuses_names_the_console_could_not_open(cli_env: World, tmp_path: Path, name: str) -> None:
    answer = add(name, write_config(tmp_path, cli_env))
    assert answer.exit_code == 2, answer.output  # type: ignore[attr-defined]
    assert "is not a valid integration name" in answer.output  # type: ignore[attr-defined]
    assert "Traceback" not in answer.output  # type: ignore[attr-defined]


def test_a_config_file_that_is_not_utf8_is_explained(cli_env: World, tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(
        '[rackbeat]\nbase_url = "https://app.rackbeat.com/api"\ntoken = "Kl\xf6ver"\n'.encode("latin-1")
    )
    answer = add("shop", str(path))
    assert answer.exit_code == 2  # type: ignore[attr-defined]
    assert "not UTF-8" in answer.output and "Traceback" not in answer.output  # type: ignore[attr-defined]
    update = runner.invoke(app, ["integrations", "update", "acme", "--config", str(path)])
    assert update.exit_code == 2 and "not UTF-8" in update.output


def test_a_config_file_pointing_at_cloud_metadata_is_refused(cli_env: World, tmp_path: Path) -> None:
    config = Path(write_config(tmp_path, cli_env))
    config.write_text(config.read_text().replace(cli_env.economic_url, "http://169.254.169.254"))
    answer = add("shop", str(config))
    assert answer.exit_code == 2  # type: ignore[attr-defined]
    assert "economic.base_url" in answer.output and "link-local" in answer.output  # type: ignore[attr-defined]


def test_loopback_in_a_config_file_needs_the_setting(
    cli_env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", raising=False)
    refused = add("shop", write_config(tmp_path, cli_env))
    assert refused.exit_code == 2 and "LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1" in refused.output  # type: ignore[attr-defined]
    monkeypatch.setenv("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")
    assert add("shop", write_config(tmp_path, cli_env)).exit_code == 0  # type: ignore[attr-defined]


def test_a_lost_key_is_reported_and_the_credentials_can_be_entered_again(
    cli_env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = cli_env.config.home / "secret.key"
    key_file.write_bytes(Fernet.generate_key())  # the key the credentials were sealed with is gone
    listed = runner.invoke(app, ["integrations", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Traceback" not in listed.output and "credentials unreadable" in listed.output
    shown = runner.invoke(app, ["integrations", "show", "acme"])
    assert shown.exit_code == 0 and "re-enter them" in shown.output
    synced = runner.invoke(app, ["sync", "acme", "--startup", "--dry-run"])
    assert synced.exit_code == 2 and "credentials unreadable" in synced.output

    updated = runner.invoke(
        app, ["integrations", "update", "acme", "--config", write_config(tmp_path, cli_env)]
    )
    assert updated.exit_code == 0, updated.output
    listed = runner.invoke(app, ["integrations", "list"])
    assert "credentials unreadable" not in listed.output and cli_env.rackbeat_url in listed.output


def test_serve_starts_without_the_key_its_session_secret_was_made_with(cli_env: World) -> None:
    from fastapi.testclient import TestClient

    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.web.app import create_app

    cli_env.service.session_secret()
    (cli_env.config.home / "secret.key").write_bytes(Fernet.generate_key())
    service = Ledgerbridge(Config.from_env())
    try:
        with TestClient(create_app(RealtimeHub(service))) as client:
            assert client.get("/healthz").status_code == 200
            assert client.get("/console/login").status_code in (200, 303)
    finally:
        service.close()


def test_rotate_key_reseals_every_secret_and_drops_the_old_key(cli_env: World) -> None:
    key_file = cli_env.config.home / "secret.key"
    old_key = key_file.read_bytes().strip()
    rotated = runner.invoke(app, ["admin", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    assert "sealed with the new key" in rotated.output
    new_key = key_file.read_bytes().strip()
    assert new_key != old_key and b"\n" not in new_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Everything opens with the new key alone.
    service = Ledgerbridge(Config.from_env())
    try:
        _, kind = service.integration("acme")
        assert str(kind.connections.rackbeat.base_url).rstrip("/") == cli_env.rackbeat_url  # type: ignore[attr-defined]
    finally:
        service.close()


def test_rotate_key_with_the_environment_variable(cli_env: World, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key = (cli_env.config.home / "secret.key").read_text().strip()
    monkeypatch.setenv("LEDGERBRIDGE_SECRET_KEY", old_key)
    one_key = runner.invoke(app, ["admin", "rotate-key"])
    assert one_key.exit_code == 2 and "new key first" in one_key.output
    new_key = runner.invoke(app, ["admin", "new-key"]).output.strip()
    monkeypatch.setenv("LEDGERBRIDGE_SECRET_KEY", f"{new_key},{old_key}")
    assert runner.invoke(app, ["admin", "rotate-key"]).exit_code == 0
    monkeypatch.setenv("LEDGERBRIDGE_SECRET_KEY", new_key)
    shown = runner.invoke(app, ["integrations", "show", "acme"])
    assert shown.exit_code == 0 and "credentials unreadable" not in shown.output


def test_the_data_directory_and_database_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "fresh" / "ledgerbridge"
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(home))
    monkeypatch.delenv("LEDGERBRIDGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LEDGERBRIDGE_SECRET_KEY", raising=False)
    old_umask = os.umask(0o022)
    try:
        assert runner.invoke(app, ["integrations", "list"]).exit_code == 0
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "ledgerbridge.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "secret.key").stat().st_mode) == 0o600


def test_api_tokens_with_scopes_from_the_cli(cli_env: World) -> None:
    made = runner.invoke(app, ["admin", "token", "create", "reader", "--read-only", "--integration", "acme"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(app, ["admin", "token", "list"])
    assert "read only, acme" in listed.output
    unknown = runner.invoke(app, ["admin", "token", "create", "x", "--integration", "nobody"])
    assert unknown.exit_code == 2 and "no integration named 'nobody'" in unknown.output


def test_prune_deletes_settled_inbox_rows_and_old_error_payloads_only(cli_env: World) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from ledgerbridge.engine.inbox import Inbox
    from ledgerbridge.store import ErrorEntry, InboxItem
    from ledgerbridge.store.models import utcnow

    service, store = cli_env.service, cli_env.service.store
    integration_id, _ = service.integration("acme")
    inbox = Inbox(store)
    old_done, _ = inbox.put(
        integration_id, source="rackbeat", event="customer.updated", record_key="1", payload={}
    )
    new_done, _ = inbox.put(
        integration_id, source="rackbeat", event="customer.updated", record_key="2", payload={}
    )
    pending, _ = inbox.put(
        integration_id, source="rackbeat", event="customer.updated", record_key="3", payload={}
    )
    inbox.finish(old_done)
    inbox.finish(new_done)
    long_ago = utcnow() - timedelta(days=40)
    with store.session() as db:
        db.get(InboxItem, old_done).processed_at = long_ago  # type: ignore[union-attr]
        for key, state in (("10", "resolved"), ("11", "open"), ("12", "dismissed")):
            db.add(
                ErrorEntry(
                    integration_id=integration_id,
                    operation="transfer",
                    entity="invoice",
                    record_key=key,
                    message="m",
                    payload={"secret-ish": "customer data"},
                    response={"body": 1},
                    state=state,
                    last_seen=long_ago,
                )
            )
    answer = runner.invoke(app, ["prune", "--days", "30"])
    assert answer.exit_code == 0, answer.output
    assert "Deleted 1 processed inbox row(s)" in answer.output and "of 2 settled error(s)" in answer.output
    with store.session() as db:
        left = {row.id for row in db.scalars(select(InboxItem)).all()}
        payloads = {e.record_key: e.payload for e in db.scalars(select(ErrorEntry)).all()}
    assert left == {new_done, pending}
    assert payloads == {"10": None, "11": {"secret-ish": "customer data"}, "12": None}
    assert runner.invoke(app, ["prune", "--days", "0"]).exit_code == 2
