"""The ``ledgerbridge`` command line (Typer + Rich)."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ledgerbridge.cli.admin import admin_app
from ledgerbridge.cli.connect import connect as connect_command
from ledgerbridge.cli.connect import disconnect as disconnect_command
from ledgerbridge.cli.errors import EXIT_CODES_HELP, UNREACHABLE, USAGE, ExplainingGroup, exit_code_for
from ledgerbridge.cli.operate import db_app, doctor, integrations_remove, iso, print_json, status, when
from ledgerbridge.cli.reconcile import reconcile as reconcile_command
from ledgerbridge.logs import FORMATS, LEVELS, configure_logging
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.terminal import (
    RichProgress,
    console,
    err_console,
    print_plan,
    print_result,
    progress_bars,
)

app = typer.Typer(
    name="ledgerbridge",
    cls=ExplainingGroup,  # what a command raises becomes one line and an exit code, never a traceback
    help="Keeps operations systems (Rackbeat, Visma Severa) and accounting systems (Visma e-conomic, "
    "Visma eAccounting / eEkonomi) in sync: exactly once, in seconds.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
integrations_app = typer.Typer(help="Add, list and inspect integrations.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Serve a local emulator of an external API.", no_args_is_help=True)
app.add_typer(integrations_app, name="integrations")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(admin_app, name="admin")
app.command("connect")(connect_command)
app.command("disconnect")(disconnect_command)
app.command("reconcile")(reconcile_command)
app.command("status")(status)
app.command("doctor")(doctor)
integrations_app.command("remove")(integrations_remove)
app.add_typer(db_app, name="db")

LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help=f"Log lines as {' or '.join(FORMATS)} (default: LEDGERBRIDGE_LOG_FORMAT, else console).",
        show_default=False,
    ),
]
LogLevel = Annotated[
    str | None,
    typer.Option(
        "--log-level",
        help=f"One of {', '.join(LEVELS)} (default: LEDGERBRIDGE_LOG_LEVEL, else info); debug adds payloads.",
        show_default=False,
    ),
]


def _show_version(value: bool) -> None:
    if value:
        from ledgerbridge import __version__

        print(f"ledgerbridge {__version__}")
        raise typer.Exit()


@app.callback(epilog=EXIT_CODES_HELP)
def _setup(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    # Before any command logs: tracebacks without locals. One-shot commands print their own outcome, so
    # only warnings and errors are logged unless asked (`serve`, `worker`, `demo` log at info).
    configure_logging(default_level="warning", force=True)


def _service() -> Ledgerbridge:
    return Ledgerbridge()


def _fail(message: str, code: int | None = None) -> typer.Exit:
    """Say what failed; the exit code follows the exception being handled (see cli/errors.py) unless given."""
    from rich.markup import escape

    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if code is None:
        handled = sys.exc_info()[1]
        code = exit_code_for(handled) if handled is not None else USAGE
    return typer.Exit(code)


# -- integrations --------------------------------------------------------------------------------------
@integrations_app.command("add")
def integrations_add(
    name: Annotated[str, typer.Argument(help="A name of your choice, e.g. 'acme'.")],
    config: Annotated[
        Path, typer.Option("--config", help="TOML file with each side's connection and settings.")
    ],
    kind: Annotated[
        str | None, typer.Option("--kind", help="Integration kind, e.g. rackbeat-economic.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Skip the connection check (`ledgerbridge doctor` does it).")
    ] = False,
) -> None:
    """Add an integration from a TOML config file (credentials are stored encrypted), then check that each
    side answers and lets us in (a warning, not a refusal: the systems may be down for a moment)."""
    service = _service()
    try:
        view = service.add_integration_from_file(name, kind, config)
    except UserError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Added integration [bold]{view.name}[/] ({view.kind}).")
    if not offline:
        _warn_unreachable(service, view.name)


def _warn_unreachable(service: Ledgerbridge, name: str) -> None:
    """The connection part of `doctor`: sides that cannot be reached or refuse us, as warnings."""
    from ledgerbridge.integrations.doctor import examine

    _, kind = service.integration(name)
    down = [c for c in examine(kind, name) if not c.ok and c.name in ("reach and sign in", "signed in")]
    for check in down:
        line = f"warning: {check.side}: {check.detail}; {check.fix}"
        err_console.print(line, highlight=False, markup=False)
    if not down:
        console.print("Both sides answer and let us in; `ledgerbridge doctor NAME` checks the settings too.")


@integrations_app.command("update")
def integrations_update(
    name: str,
    config: Annotated[
        Path, typer.Option("--config", help="TOML file with each side's connection and settings.")
    ],
) -> None:
    """Replace an integration's connections and settings; bindings and history stay. Restart `serve` after."""
    try:
        view = _service().update_integration_from_file(name, config)
    except UserError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Updated integration [bold]{view.name}[/].")


@integrations_app.command("list")
def integrations_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """List integrations."""
    service = _service()
    views = service.list_integrations()
    zones = {v.name: service.timezone_of(v.name) for v in views}
    if json_output:
        print_json(
            [
                {
                    "name": v.name,
                    "kind": v.kind,
                    "startup_completed_at": iso(v.startup_completed_at, zones[v.name]),
                    "endpoints": v.endpoints,
                    "problem": v.problem,
                }
                for v in views
            ]
        )
        return
    if not views:
        console.print(
            "No integrations yet. Add one with `ledgerbridge integrations add NAME --kind ... --config FILE`."
        )
        return
    table = Table("name", "kind", "start-up sync", "endpoints")
    for view in views:
        table.add_row(
            view.name,
            view.kind,
            when(view.startup_completed_at, zones[view.name]) or "not run",
            "\n".join(f"{k}: {v}" for k, v in view.endpoints.items()) or "credentials unreadable",
        )
    console.print(table)
    for view in views:
        if view.problem:
            err_console.print(f"[bold yellow]{view.name}:[/] {view.problem}", highlight=False)


@integrations_app.command("show")
def integrations_show(name: str) -> None:
    """Show one integration: endpoints and settings (never its secrets)."""
    try:
        service = _service()
        view, zone = service.describe(name), service.timezone_of(name)
    except UserError as exc:
        raise _fail(str(exc)) from None
    console.print(f"[bold]{view.name}[/] ({view.kind}), created {when(view.created_at, zone)}")
    console.print(f"start-up sync: {when(view.startup_completed_at, zone) or 'not run yet'}")
    for side, url in view.endpoints.items():
        console.print(f"{side}: {url}  (credentials stored encrypted)")
    if view.problem:
        err_console.print(f"[bold yellow]{view.problem}[/]", highlight=False)
    console.print_json(json.dumps(view.settings))


@integrations_app.command("economic-webhooks")
def integrations_economic_webhooks(
    name: str,
    public_url: Annotated[str, typer.Option(help="The URL e-conomic reaches `ledgerbridge serve` at.")],
) -> None:
    """The web hook URLs to enter in e-conomic (Settings → Extensions → Web hooks), with their token."""
    from ledgerbridge.runtime.hub import RealtimeHub

    hub = RealtimeHub(_service())
    try:
        urls = hub.webhook_urls(name, "economic", public_url)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        hub.close()
    console.print("Enter these in e-conomic as web hooks (method GET or POST); keep them secret:")
    for hook, url in urls.items():
        console.print(f"  {hook:<16} {url}", highlight=False, markup=False, soft_wrap=True)


# -- sync ----------------------------------------------------------------------------------------------
@app.command("sync")
def sync(
    name: str,
    startup: Annotated[bool, typer.Option("--startup", help="Run the one-time start-up sync.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Run the start-up sync again although it ran.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Records shown per entity in a dry run (0: all).")] = 20,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the dry-run plan to this file.")
    ] = None,
) -> None:
    """Synchronise an integration."""
    if not startup:
        raise _fail(
            "say what to sync: --startup (the one-time start-up sync); continuous sync comes with `serve`"
        )
    service = _service()
    started = time.monotonic()
    try:
        with progress_bars() as bars:
            result = service.run_startup(name, dry_run=dry_run, force=force, progress=RichProgress(bars))
    except UserError as exc:
        raise _fail(str(exc)) from None
    if dry_run:
        print_plan(result, limit)
        if json_out:
            json_out.write_text(json.dumps([i.as_dict() for i in result.plan], default=str, indent=2))
            console.print(f"Plan written to {json_out}.")
    print_result(result, time.monotonic() - started)
    if result.status == "crashed":  # a side stopped answering or let us in no more: resumable
        raise typer.Exit(UNREACHABLE)
    if not result.ok:
        raise typer.Exit(1)


@app.command("errors")
def errors(
    name: str,
    all_states: Annotated[
        bool, typer.Option("--all", help="Include resolved and dismissed entries.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Show the error log of an integration."""
    try:
        service = _service()
        entries, zone = service.errors(name, state=None if all_states else "open"), service.timezone_of(name)
    except UserError as exc:
        raise _fail(str(exc)) from None
    if json_output:
        print_json(
            [
                {
                    "id": e.id,
                    "first_seen": iso(e.first_seen, zone),
                    "last_seen": iso(e.last_seen, zone),
                    "operation": e.operation,
                    "entity": e.entity,
                    "record_key": e.record_key,
                    "message": e.message,
                    "remote_message": e.remote_message,
                    "attempts": e.attempts,
                    "state": e.state,
                }
                for e in entries
            ]
        )
        return
    if not entries:
        console.print("No errors." if all_states else "No open errors.")
        return
    table = Table("id", "when", "operation", "record", "message", "their message", "tries", "state")
    for entry in entries:
        table.add_row(
            str(entry.id),
            when(entry.last_seen, zone),
            entry.operation,
            f"{entry.entity.replace('_', ' ')} {entry.record_key}",
            entry.message,
            entry.remote_message or "",
            str(entry.attempts),
            entry.state,
        )
    console.print(table)


@app.command("conflicts")
def conflicts(
    name: str,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Fields both sides had changed: which side won, and the value the other side lost."""
    try:
        service = _service()
        rows, zone = service.conflicts(name), service.timezone_of(name)
    except UserError as exc:
        raise _fail(str(exc)) from None
    if json_output:
        print_json(
            [
                {
                    "detected_at": iso(r.detected_at, zone),
                    "entity": r.entity,
                    "record_key": r.record_key,
                    "field": r.field,
                    "winner": r.winner,
                    "winning_value": r.winning_value,
                    "loser": r.loser,
                    "losing_value": r.losing_value,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        console.print("No conflicts.")
        return
    table = Table("when", "record", "field", "kept (master)", "lost", "sides")
    for row in rows:
        table.add_row(
            when(row.detected_at, zone),
            f"{row.entity.replace('_', ' ')} {row.record_key}",
            row.field,
            str(row.winning_value),
            str(row.losing_value),
            f"{row.winner} over {row.loser}",
        )
    console.print(table)


@app.command("runs")
def runs(
    name: str,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """Recent sync runs of an integration with their counts."""
    try:
        service = _service()
        rows, zone = service.runs(name), service.timezone_of(name)
    except UserError as exc:
        raise _fail(str(exc)) from None
    if json_output:
        print_json(
            [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "status": r.status,
                    "dry_run": r.dry_run,
                    "started_at": iso(r.started_at, zone),
                    "finished_at": iso(r.finished_at, zone),
                    "counts": r.counts,
                    "message": r.message,
                }
                for r in rows
            ]
        )
        return
    table = Table("run", "kind", "status", "started", "finished", "created", "updated", "unchanged", "failed")
    for run in rows:
        totals = {
            k: sum(c.get(k, 0) for c in run.counts.values())
            for k in ("created", "updated", "unchanged", "failed")
        }
        table.add_row(
            str(run.id),
            run.kind,
            run.status,
            when(run.started_at, zone),
            when(run.finished_at, zone),
            *map(str, totals.values()),
        )
    console.print(table)


# -- continuous sync ------------------------------------------------------------------------------------
def _one_of(*choices: str) -> Any:
    def check(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8700,
    public_url: Annotated[
        str | None,
        typer.Option(help="URL the external systems reach this server at (default: http://HOST:PORT)."),
    ] = None,
    scan_seconds: Annotated[float, typer.Option(help="Safety-net scan interval.")] = 60.0,
    register: Annotated[
        bool, typer.Option(help="Subscribe to every integration's webhooks at start.")
    ] = True,
    cluster: Annotated[
        bool,
        typer.Option(
            "--cluster",
            help="Cluster mode (PostgreSQL): receive and queue; `ledgerbridge worker` processes do the work.",
        ),
    ] = False,
    http: Annotated[
        str,
        typer.Option(
            help="HTTP parser: auto (httptools when installed, else h11), httptools or h11.",
            callback=_one_of("auto", "httptools", "h11"),
        ),
    ] = "auto",
    loop: Annotated[
        str,
        typer.Option(
            help="Event loop: auto (uvloop when installed, else asyncio), uvloop or asyncio.",
            callback=_one_of("auto", "uvloop", "asyncio"),
        ),
    ] = "auto",
    intake_processes: Annotated[
        int,
        typer.Option(
            help="Cluster mode: processes that only take webhooks, side by side on --intake-port (webhooks "
            "are then subscribed there); 0: this process takes them on --port.",
            min=0,
        ),
    ] = 0,
    intake_port: Annotated[
        int | None, typer.Option(help="Port of the intake processes (default: --port + 1).")
    ] = None,
    intake_url: Annotated[
        str | None,
        typer.Option(
            help="URL the external systems reach the intake processes at (default: http://HOST:INTAKE_PORT)."
        ),
    ] = None,
    log_format: LogFormat = None,
    log_level: LogLevel = None,
) -> None:
    """Run the continuous sync: webhook receivers, the inbox worker, the safety-net scan, the admin API."""
    import os

    configure_logging(log_format, log_level, force=True)
    import uvicorn

    from ledgerbridge.runtime.embedded import ClusterReceiver, EmbeddedRuntime, ServingRuntime
    from ledgerbridge.runtime.intake_processes import IntakeProcesses
    from ledgerbridge.web.app import create_app, server_config

    service = _service()
    url = public_url or f"http://{host}:{port}"
    runtime: ServingRuntime
    if intake_processes and not cluster:
        raise _fail("--intake-processes needs --cluster (the processes share the work through PostgreSQL)")
    try:
        runtime = ClusterReceiver(service) if cluster else EmbeddedRuntime(service, scan_seconds=scan_seconds)
        intake = (
            IntakeProcesses(
                host, port + 1 if intake_port is None else intake_port, intake_processes, http=http, loop=loop
            )
            if intake_processes
            else None
        )
    except UserError as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:  # the intake's port is taken
        raise _fail(f"cannot listen for the intake processes: {exc}") from None
    hooks_url = (intake_url or f"http://{host}:{intake.port}") if intake else url

    def start_background() -> None:
        runtime.start()
        if register:
            runtime.subscribe(hooks_url, lambda line: console.print(f"{line} at {hooks_url}"))

    web = create_app(
        runtime.hub,
        runtime.notifier,
        admin_token=os.environ.get("LEDGERBRIDGE_ADMIN_TOKEN"),
        on_start=start_background,
        on_stop=runtime.stop,
    )
    server = uvicorn.Server(server_config(web, host, port, http=http, loop=loop))

    console.print(
        f"ledgerbridge serving on http://{host}:{port}: the console at http://{host}:{port}/console, "
        "the admin API's docs at /docs"
    )
    if not service.has_admin_password():
        console.print(
            "No admin password yet: open the console from this machine to choose one, "
            "or run `ledgerbridge admin set-password`."
        )
    if intake:
        console.print(f"webhook intake: {intake_processes} processes on http://{host}:{intake.port}")
    with runtime, intake or contextlib.nullcontext():
        server.run()


@app.command("serve-intake", hidden=True)
def serve_intake(
    fd: Annotated[int, typer.Option(help="The listening socket, inherited.")],
    parent: Annotated[int, typer.Option(help="The serving process: stop when it is gone.")],
    http: Annotated[str, typer.Option()] = "auto",
    loop: Annotated[str, typer.Option()] = "auto",
    log_format: LogFormat = None,
    log_level: LogLevel = None,
) -> None:
    """One intake process of `serve --cluster --intake-processes` (started by serve, not by hand)."""
    from ledgerbridge.runtime.intake_processes import run_intake_process

    configure_logging(log_format, log_level, force=True)
    try:
        run_intake_process(_service(), fd, parent, http=http, loop=loop)
    except UserError as exc:
        raise _fail(str(exc)) from None


@app.command("prune")
def prune(
    days: Annotated[
        float | None,
        typer.Option(help="Keep this many days (default: LEDGERBRIDGE_RETENTION_DAYS, else 30)."),
    ] = None,
) -> None:
    """Delete processed webhook inbox rows and the payloads of settled errors older than the retention
    period (`serve` does this every hour by itself)."""
    from datetime import timedelta

    service = _service()
    try:
        if days is not None and days <= 0:
            raise UserError("--days must be more than 0")
        counts = service.prune(timedelta(days=days) if days is not None else None)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        service.close()
    console.print(
        f"Deleted {counts['inbox_rows']} processed inbox row(s); dropped the payloads of "
        f"{counts['error_payloads']} settled error(s)."
    )


@app.command("worker")
def worker_command(
    concurrency: Annotated[
        int | None,
        typer.Option(
            help="Jobs worked at the same time in this process (default: as many documents as embedded mode "
            "would work: one lane per integration, at most 8, × LEDGERBRIDGE_DOCUMENT_CONCURRENCY).",
            min=1,
        ),
    ] = None,
    log_format: LogFormat = None,
    log_level: LogLevel = None,
) -> None:
    """Cluster mode: work the queue (webhooks, scans, polls, periodic jobs); run as many as you need.

    Needs LEDGERBRIDGE_DATABASE_URL=postgresql+psycopg://…; `ledgerbridge serve --cluster` receives.
    """
    from ledgerbridge.runtime.cluster import Cluster

    configure_logging(log_format, log_level, force=True)
    service = _service()
    try:
        queue = Cluster(service)
        if queue.ensure_schema():
            console.print("Procrastinate's tables are created in this database.")
    except UserError as exc:
        raise _fail(str(exc)) from None
    at_once = concurrency or queue.default_concurrency()
    console.print(f"ledgerbridge worker: working the queue ({at_once} at a time); Ctrl+C stops it.")
    try:
        queue.run_worker(concurrency=concurrency)
    finally:
        queue.hub.close()


@app.command("transfer")
def transfer(
    name: str,
    document_type: Annotated[
        str,
        typer.Argument(
            help="invoice | supplier-invoice; or a register of a kind that has them (severa-eaccounting: "
            "customers | products | projects | invoices | supplier-invoices | check-sent | check-paid)"
        ),
    ],
    number: Annotated[
        str | None, typer.Argument(help="The document's number in the operations system (not a register's).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="A register: show per record and field what would change.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Records shown in a register's dry run (0: all).")] = 20,
) -> None:
    """Transfer one document by number now, or one register. Safe to repeat: nothing is made twice."""
    from ledgerbridge.runtime.hub import RealtimeHub

    if number is None:
        _transfer_register(name, document_type, dry_run=dry_run, limit=limit)
        return
    hub = RealtimeHub(_service())
    try:
        result = hub.transfer(name, document_type, number)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        hub.close()
    if result.ok:
        console.print(result.message[0].upper() + result.message[1:] + ".", highlight=False)
        return
    err_console.print(f"[bold red]Not transferred:[/] {result.message}", highlight=False)
    raise typer.Exit(1)


def _transfer_register(name: str, register: str, *, dry_run: bool, limit: int) -> None:
    """One register of a kind with a data-transfer page; the seed's status line at the end."""
    try:
        run = _service().run_register(name, register, dry_run=dry_run)
    except UserError as exc:
        raise _fail(str(exc)) from None
    if dry_run:
        for before in getattr(run, "first", []):  # what the register would transfer first (A2)
            print_plan(before, limit)
        print_plan(run, limit)  # a RegisterRun has the plan a RunResult has
    for note in run.notes:
        console.print(note, highlight=False, markup=False)
    line = f"{register}: {run.status_line}" + (" (dry run: nothing written)" if dry_run else "")
    if run.ok:
        console.print(line, highlight=False, markup=False)
        return
    err_console.print(line + f"; see `ledgerbridge errors {name}`", highlight=False, markup=False)
    raise typer.Exit(1)


@app.command("retry")
def retry(
    name: str,
    error_id: Annotated[
        int | None, typer.Argument(help="One error-log entry; all open ones if left out.")
    ] = None,
) -> None:
    """Run failed records again (after fixing the cause); see `ledgerbridge errors NAME`."""
    from ledgerbridge.runtime.hub import RealtimeHub

    hub = RealtimeHub(_service())
    try:
        results = hub.retry(name, error_id)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        hub.close()
    if not results:
        console.print("No open errors to retry.")
        return
    for entry_id, outcome in results:
        console.print(f"#{entry_id}: {outcome}", highlight=False)
    still_open = _service().errors(name)
    if still_open:
        err_console.print(f"{len(still_open)} error(s) still open.")
        raise typer.Exit(1)


# -- sandboxes -----------------------------------------------------------------------------------------
@sandbox_app.command("economic")
def sandbox_economic(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8701,
    seed: Annotated[str | None, typer.Option(help="'demo' seeds a realistic Danish company.")] = None,
    host: str = "127.0.0.1",
) -> None:
    """Serve the Visma e-conomic sandbox (tokens demo/demo are read-only; any other pair read-write)."""
    from ledgerbridge.sandbox import serve_forever
    from ledgerbridge.systems.economic import create_app

    if seed not in (None, "demo", "none"):
        raise _fail("--seed takes 'demo' (or leave it out for an empty company)")
    console.print(f"e-conomic sandbox on http://{host}:{port} (seed: {seed or 'none'})")
    serve_forever(create_app(seed=None if seed == "none" else seed), host=host, port=port)


@sandbox_app.command("rackbeat")
def sandbox_rackbeat(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8702,
    token: Annotated[str, typer.Option(help="The API token the sandbox accepts.")] = "sandbox",
    host: str = "127.0.0.1",
) -> None:
    """Serve the Rackbeat sandbox (Bearer token given by --token)."""
    from ledgerbridge.sandbox import serve_forever
    from ledgerbridge.systems.rackbeat import create_app

    console.print(f"Rackbeat sandbox on http://{host}:{port} (token: {token})")
    serve_forever(create_app(token=token), host=host, port=port)


@sandbox_app.command("eaccounting")
def sandbox_eaccounting(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8703,
    host: str = "127.0.0.1",
    client_id: Annotated[str, typer.Option(help="The Visma Connect client to register.")] = "ledgerbridge",
    client_secret: Annotated[str, typer.Option(help="Its client secret.")] = "sandbox-secret",
    redirect_uri: Annotated[
        str, typer.Option(help="Its redirect URI (where `ledgerbridge connect` listens).")
    ] = "http://127.0.0.1:8765/callback",
    empty: Annotated[bool, typer.Option("--empty", help="Start without the demo company's data.")] = False,
) -> None:
    """Serve the Visma eAccounting sandbox: API v2 under /v2 and Visma Connect (OAuth2) under /connect."""
    from ledgerbridge.sandbox import serve_forever
    from ledgerbridge.systems.eaccounting import EAccountingState, create_app
    from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
    from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer

    state = EAccountingState()
    if not empty:
        seed_demo_company(state)
    identity = IdentityServer()
    identity.register_client(client_id, client_secret, [redirect_uri], name="ledgerbridge")
    console.print(
        f"eAccounting sandbox on http://{host}:{port}/v2 (Visma Connect: http://{host}:{port}/connect; "
        f"client {client_id!r}, secret {client_secret!r}, redirect URI {redirect_uri})",
        highlight=False,
    )
    serve_forever(create_app(state, identity=identity), host=host, port=port)


@sandbox_app.command("severa")
def sandbox_severa(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8704,
    seed: Annotated[str | None, typer.Option(help="'demo' seeds a Swedish consultancy.")] = None,
    host: str = "127.0.0.1",
    client_id: Annotated[str, typer.Option(help="The API client id the sandbox accepts.")] = "sandbox",
    client_secret: Annotated[str, typer.Option(help="Its client secret.")] = "sandbox",
    rate_limit: Annotated[int, typer.Option(help="Requests per second and client (0: no limit).")] = 10,
    strict: Annotated[
        bool, typer.Option("--strict", help="Require the Client_Id header on every call.")
    ] = False,
) -> None:
    """Serve the Visma Severa REST API v1 sandbox (credentials given by --client-id/--client-secret)."""
    from ledgerbridge.sandbox import serve_forever
    from ledgerbridge.systems.severa.sandbox import create_app

    if seed not in (None, "demo", "none"):
        raise _fail("--seed takes 'demo' (or leave it out for an empty organisation)")
    console.print(
        f"Severa sandbox on http://{host}:{port} (seed: {seed or 'none'}; client {client_id!r}, "
        f"secret {client_secret!r}; {rate_limit or 'no'} requests/s)",
        highlight=False,
    )
    app = create_app(
        seed=None if seed == "none" else seed,
        client_id=client_id,
        client_secret=client_secret,
        strict=strict,
        rate_limit=rate_limit or None,
    )
    serve_forever(app, host=host, port=port)


# -- demo ----------------------------------------------------------------------------------------------
@app.command("demo")
def demo(
    exit_after_sync: Annotated[
        bool, typer.Option("--exit-after-sync", help="Stop after the summary.")
    ] = False,
    customers: Annotated[int, typer.Option(help="Customers in the demo company.")] = 300,
    products: Annotated[int, typer.Option(help="Products in the demo company.")] = 600,
    economic_port: Annotated[int, typer.Option(help="Port of the e-conomic sandbox (0: any free).")] = 0,
    rackbeat_port: Annotated[int, typer.Option(help="Port of the Rackbeat sandbox (0: any free).")] = 0,
    rackbeat_rate_limit: Annotated[
        int, typer.Option(help="Calls per minute the Rackbeat sandbox allows (0: no limit).")
    ] = 480,
    eaccounting: Annotated[
        bool,
        typer.Option("--eaccounting/--no-eaccounting", help="Also the Swedish eAccounting demo integration."),
    ] = True,
    severa: Annotated[
        bool, typer.Option("--severa/--no-severa", help="Also demo-severa: Visma Severa ↔ eEkonomi.")
    ] = True,
    log_format: LogFormat = None,
    log_level: LogLevel = None,
) -> None:
    """Start the sandboxes with a Danish (e-conomic) and a Swedish (eAccounting) demo company, run the
    start-up syncs into Rackbeat, then keep them in sync with the web console open."""
    from ledgerbridge.demo import run_demo

    configure_logging(log_format, log_level, force=True)
    code = run_demo(
        console,
        exit_after_sync=exit_after_sync,
        customers=customers,
        products=products,
        economic_port=economic_port,
        rackbeat_port=rackbeat_port,
        rackbeat_rate_limit=rackbeat_rate_limit,
        eaccounting=eaccounting,
        severa=severa,
    )
    raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()
