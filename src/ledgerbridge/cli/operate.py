"""Operating commands: ``status``, ``doctor``, ``integrations remove``, ``db upgrade|current``."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ledgerbridge.cli.errors import RECORDS_FAILED, UNREACHABLE, USAGE, print_error
from ledgerbridge.integrations.common_settings import in_zone, zone_label
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.terminal import console, err_console

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table.")]
db_app = typer.Typer(help="The database schema: see and apply migrations.", no_args_is_help=True)


def when(value: datetime | str | None, zone: tzinfo | None = None) -> str:
    """A stored time (UTC) for people, in ``zone`` (an integration's, default UTC) with its offset:
    ``2026-12-06 13:00:00 +01:00 CET``."""
    moment = in_zone(value, zone)
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone_label(moment)}" if moment else ""


def iso(value: datetime | str | None, zone: tzinfo | None = None) -> str | None:
    """A stored time for scripts: ISO 8601 with the offset of ``zone`` (default UTC)."""
    moment = in_zone(value, zone)
    return moment.isoformat() if moment else None


def print_json(data: Any) -> None:
    """JSON on stdout, untouched by Rich (no wrapping, no markup)."""
    print(json.dumps(data, default=str, indent=2, ensure_ascii=False))


def _health_in_zone(health: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """``status --json``'s report of one integration with its times in its zone (same keys)."""
    shown = dict(health)
    if shown.get("last_sync"):
        shown["last_sync"] = {**shown["last_sync"], "at": iso(shown["last_sync"].get("at"), zone)}
    if "last_transfer_at" in shown:
        shown["last_transfer_at"] = iso(shown["last_transfer_at"], zone)
    return shown


# -- status -----------------------------------------------------------------------------------------------
def status(
    name: Annotated[str | None, typer.Argument(help="One integration (default: all).")] = None,
    json_output: JsonOption = False,
) -> None:
    """Health at a glance: last activity, queued webhooks, open errors, each side's connection.

    Exits 1 when an integration has open errors, 3 when a connection needs a person."""
    service = Ledgerbridge()
    try:
        names = [name] if name else [view.name for view in service.list_integrations()]
        report = {each: service.health(each) for each in names}
        zones = {each: service.timezone_of(each) for each in names}
    finally:
        service.close()
    if json_output:
        print_json({each: _health_in_zone(health, zones[each]) for each, health in report.items()})
    elif not report:
        console.print("No integrations yet.")
    else:
        table = Table("integration", "last sync", "last transfer", "queued", "open errors", "connections")
        for each, health in report.items():
            last = health["last_sync"]
            table.add_row(
                each,
                f"{last['kind']} #{last['run_id']} {last['status']}, {when(last['at'], zones[each])}"
                if last
                else "never",
                when(health["last_transfer_at"], zones[each]) or "none",
                str(health["queued"]),
                f"[red]{health['open_errors']}[/]" if health["open_errors"] else "0",
                "\n".join(
                    f"{side}: {state}" if state == "connected" else f"[red]{side}: {escape(state)}[/]"
                    for side, state in health["connections"].items()
                ),
            )
        console.print(table)
    if any(state != "connected" for h in report.values() for state in h["connections"].values()):
        raise typer.Exit(UNREACHABLE)
    if any(h["open_errors"] for h in report.values()):
        raise typer.Exit(RECORDS_FAILED)


# -- doctor -----------------------------------------------------------------------------------------------
def doctor(
    name: Annotated[str, typer.Argument(help="The integration to examine.")],
    json_output: JsonOption = False,
) -> None:
    """Check an integration end to end: reach and sign in to each side, read one record of every entity
    it needs, find every account, day book, VAT zone, layout and coding its settings name, see that its
    webhooks are subscribed. One line per check with ✓ or ✗ and the fix; exits 3 if any check fails."""
    from ledgerbridge.integrations.doctor import examine

    service = Ledgerbridge()
    try:
        _, kind = service.integration(name)
        checks = examine(kind, name)
    finally:
        service.close()
    failed = [check for check in checks if not check.ok]
    if json_output:
        print_json({"integration": name, "ok": not failed, "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
            detail = f" — {escape(check.detail)}" if check.detail else ""
            console.print(
                f"{mark} {check.side}: {escape(check.name)}{detail}", highlight=False, soft_wrap=True
            )
            if check.fix:
                console.print(f"    fix: {escape(check.fix)}", highlight=False, soft_wrap=True)
        summary = f"{len(checks) - len(failed)} of {len(checks)} checks passed"
        (err_console if failed else console).print(summary)
    if failed:
        raise typer.Exit(UNREACHABLE)


# -- remove -----------------------------------------------------------------------------------------------
def integrations_remove(
    name: Annotated[str, typer.Argument(help="The integration to remove.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove an integration with its stored credentials, bindings, transfer ledger, error log and history.
    Records in the connected systems stay as they are. Restart `serve` after."""
    service = Ledgerbridge()
    try:
        service.describe(name)  # an unknown name is said before asking
        if not yes and not typer.confirm(
            f"Remove {name!r} with its credentials, bindings, ledger and history? This cannot be undone"
        ):
            raise typer.Exit(USAGE)
        service.delete_integration(name)
    finally:
        service.close()
    console.print(f"Removed integration [bold]{escape(name)}[/]. Its records in the connected systems stay.")


# -- db ---------------------------------------------------------------------------------------------------
def _revisions() -> tuple[str | None, str]:
    """(the database's revision or None, the newest revision this version of ledgerbridge has)."""
    from alembic.config import Config as AlembicConfig
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from ledgerbridge.config import Config
    from ledgerbridge.store.db import MIGRATIONS, Store

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head() or ""
    store = Store(Config.from_env().database_url, migrate=False)
    try:
        with store.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        store.dispose()
    return current, head


@db_app.command("current")
def db_current(json_output: JsonOption = False) -> None:
    """The database's schema revision and the newest this version knows; exits 1 if an upgrade is due."""
    current, head = _revisions()
    due = current != head
    if json_output:
        print_json({"current": current, "head": head, "upgrade_due": due})
    else:
        console.print(f"database: {current or 'empty'}; this version: {head}", highlight=False)
        if due:
            err_console.print(
                "An upgrade is due: back up the database and the key, then `ledgerbridge db upgrade`."
            )
    if due:
        raise typer.Exit(RECORDS_FAILED)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations this version brings (every command applies them too; this makes it a visible
    step). Back up the database and the secret key first."""
    from ledgerbridge.config import Config
    from ledgerbridge.store.db import Store

    before, head = _revisions()
    if before == head:
        console.print(f"The database is up to date ({head}).", highlight=False)
        return
    try:
        store = Store(Config.from_env().database_url, migrate=True)
    except Exception as exc:  # the migration's own error, in one line
        print_error(f"the upgrade from {before or 'empty'} failed: {exc}")
        raise typer.Exit(RECORDS_FAILED) from None
    store.dispose()
    console.print(f"Upgraded the database from {before or 'empty'} to {head}.", highlight=False)
