"""The CLI as a user types it, against both sandboxes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from tests.integrations.conftest import RACKBEAT_TOKEN, World

runner = CliRunner()


@pytest.fixture
def cli_env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(world.config.home))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", world.config.database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return world


def write_config(tmp_path, world: World, extra: str = "") -> str:  # type: ignore[no-untyped-def]
    path = tmp_path / "shop.toml"
    path.write_text(f"""
[economic]
base_url = "{world.economic_url}"
app_secret_token = "very-secret-app-token"
agreement_grant_token = "very-secret-grant"

[rackbeat]
base_url = "{world.rackbeat_url}"
token = "{RACKBEAT_TOKEN}"
{extra}
""")
    return str(path)


def test_add_list_show_never_print_secrets(cli_env: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    added = runner.invoke(
        app,
        [
            "integrations",
            "add",
            "shop",
            "--kind",
            "rackbeat-economic",
            "--config",
            write_config(tmp_path, cli_env),
        ],
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["integrations", "list"])
    shown = runner.invoke(app, ["integrations", "show", "shop"])
    assert listed.exit_code == shown.exit_code == 0
    assert "shop" in listed.output and cli_env.economic_url in shown.output
    for output in (added.output, listed.output, shown.output):
        assert "very-secret" not in output and RACKBEAT_TOKEN not in output


def test_invalid_settings_are_explained(cli_env: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = write_config(tmp_path, cli_env, "[settings.customer_invoices]\nnever_post_ean_invoices = true\n")
    result = runner.invoke(
        app, ["integrations", "add", "bad", "--kind", "rackbeat-economic", "--config", config]
    )
    assert result.exit_code == 2
    assert "settings.customer_invoices" in result.output
    assert "only has a meaning together with 'post_invoices'" in result.output


def test_unknown_kind_and_missing_file(cli_env: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app, ["integrations", "add", "x", "--kind", "nope", "--config", write_config(tmp_path, cli_env)]
    )
    assert result.exit_code == 2 and "unknown integration kind 'nope'" in result.output
    result = runner.invoke(
        app, ["integrations", "add", "x", "--kind", "rackbeat-economic", "--config", "missing.toml"]
    )
    assert result.exit_code == 2 and "does not exist" in result.output


def test_sync_summary_second_run_refused_and_force(cli_env: World) -> None:
    first = runner.invoke(app, ["sync", "acme", "--startup"])
    assert first.exit_code == 0, first.output
    assert "products" in first.output and "total" in first.output

    second = runner.invoke(app, ["sync", "acme", "--startup"])
    assert second.exit_code != 0
    assert "already ran" in second.output and "--force" in second.output

    forced = runner.invoke(app, ["sync", "acme", "--startup", "--force"])
    assert forced.exit_code == 0, forced.output

    runs = runner.invoke(app, ["runs", "acme"])
    assert runs.exit_code == 0 and runs.output.count("succeeded") == 2


def test_dry_run_prints_the_plan(cli_env: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan_file = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["sync", "acme", "--startup", "--dry-run", "--limit", "2", "--json", str(plan_file)]
    )
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "create" in result.output and "more" in result.output
    assert plan_file.read_text().count('"action": "create"') > 100
    assert cli_env.rackbeat_writes() == []


def test_failures_exit_non_zero_and_show_in_errors(cli_env: World) -> None:
    customer = cli_env.books.records("customers")[0]
    cli_env.books.update("customers", customer["customerNumber"], {"name": "X" * 300})
    result = runner.invoke(app, ["sync", "acme", "--startup"])
    assert result.exit_code == 1
    assert "1 record(s) failed" in result.output
    errors = runner.invoke(app, ["errors", "acme"])
    assert errors.exit_code == 0
    assert f"customer {customer['customerNumber']}" in errors.output


def test_sync_without_mode_and_unknown_integration(cli_env: World) -> None:
    assert runner.invoke(app, ["sync", "acme"]).exit_code == 2
    result = runner.invoke(app, ["sync", "ghost", "--startup"])
    assert result.exit_code == 2 and "no integration named 'ghost'" in result.output
