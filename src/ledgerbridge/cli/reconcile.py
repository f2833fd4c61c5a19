"""``ledgerbridge reconcile NAME``: do both systems agree for a period? Exit code 0 only when they do."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from ledgerbridge.integrations.reconcile import Reconciliation
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.terminal import console, err_console

AGREE, DIFFER, ERROR = 0, 1, 2


def reconcile(
    name: Annotated[str, typer.Argument(help="The integration's name.")],
    start: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default: the 1st of this month.")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD); default: today.")] = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Fix what is safe (transfer what is missing, sync drifted master data again), then check "
            "again; what needs a person is listed.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Compare every document transferred in the period on both sides (net, VAT, gross, currency),
    documents on one side only, and master data that drifted since its last sync.

    Exit code 0: the two sides agree; 1: differences (listed); 2: the comparison could not be made.
    """
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.runtime.reconcile import reconcile as run

    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else None
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] {exc} (dates are YYYY-MM-DD)", highlight=False)
        raise typer.Exit(ERROR) from None
    hub = RealtimeHub(Ledgerbridge())
    try:
        result = run(hub, name, first, last, repair=repair)
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(ERROR) from None
    finally:
        hub.close()
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
    else:
        show(result)
    raise typer.Exit(AGREE if result.agree else DIFFER)


def show(result: Reconciliation) -> None:
    period = f"{result.start} to {result.end}"
    for note in result.notes:
        console.print(f"Note: {note}", highlight=False)
    for done in result.repaired:
        console.print(f"Repaired: {done.message} → {done.repaired}", highlight=False)
    if result.agree:
        console.print(
            f"{result.integration}: both sides agree for {period} ({result.checked} documents compared).",
            highlight=False,
        )
        return
    table = Table(title=f"{result.integration}: differences for {period}")
    table.add_column("what")
    table.add_column("record")
    table.add_column("difference")
    table.add_column("--repair")
    for finding in result.findings:
        table.add_row(
            finding.kind.replace("_", " "),
            f"{finding.entity} {finding.key}",
            finding.message,
            "fixes it" if finding.repair else "needs a person",
        )
    console.print(table)
    people = len(result.needs_person())
    console.print(
        f"{len(result.findings)} difference(s), {people} for a person; {result.checked} documents compared.",
        highlight=False,
    )
