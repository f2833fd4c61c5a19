"""How runs look in a terminal: Rich progress bars per entity, summary tables, dry-run plans (the command
line and the demo print them alike)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ledgerbridge.engine.runner import RunResult

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # one line per message, whatever the terminal width


# -- progress and summaries ----------------------------------------------------------------------------
class RichProgress:
    """One Rich progress bar per entity, advanced record by record."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, Any] = {}
        self._titles: dict[str, str] = {}

    def entity_started(self, entity: str, title: str, total: int) -> None:
        self._titles[entity] = title
        self._tasks[entity] = self._progress.add_task(title, total=max(total, 1) if total else 1)

    def advance(self, entity: str, outcome: str) -> None:
        self._progress.advance(self._tasks[entity])

    def entity_finished(self, entity: str, counts: dict[str, int]) -> None:
        task = self._tasks[entity]
        total = sum(counts.values())
        label = self._titles[entity] if total else f"{self._titles[entity]} (nothing to do)"
        if counts.get("failed"):
            label = f"{label} [red]{counts['failed']} failed[/]"
        self._progress.update(task, description=label, completed=self._progress.tasks[task].total)


def progress_bars() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def summary_table(result: RunResult, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("entity")
    for column in ("created", "updated", "unchanged", "failed"):
        table.add_column(column, justify="right")
    totals = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
    for entity, counts in result.counts.items():
        cells = []
        for column in totals:
            totals[column] += counts.get(column, 0)
            value = str(counts.get(column, 0))
            cells.append(f"[red]{value}[/]" if column == "failed" and counts.get(column) else value)
        table.add_row(entity.replace("_", " "), *cells)
    table.add_section()
    table.add_row("[bold]total", *(f"[bold]{v}" for v in totals.values()))
    return table


def print_result(result: RunResult, elapsed: float) -> None:
    verb = "would be" if result.dry_run else "were"
    title = "Start-up sync plan (dry run: nothing written)" if result.dry_run else "Start-up sync"
    console.print(summary_table(result, title))
    if result.resumed_from:
        console.print(f"Resumed the start-up sync that stopped in run #{result.resumed_from}.")
    if result.status == "crashed":
        err_console.print(
            f"[bold red]The run stopped:[/] {result.message}\nRun the same command again to resume."
        )
    elif result.failed:
        err_console.print(
            f"[bold red]{result.failed} record(s) failed[/] and {verb} not synced; "
            "see `ledgerbridge errors NAME`."
        )
    else:
        console.print(f"[green]Done[/] in {elapsed:.1f} s.")


def print_plan(result: RunResult, limit: int) -> None:
    by_entity: dict[str, list[Any]] = {}
    for item in result.plan:
        by_entity.setdefault(item.entity, []).append(item)
    for entity, items in by_entity.items():
        shown = [i for i in items if i.action != "unchanged"]
        if not shown:
            continue
        console.print(f"\n[bold]{entity.replace('_', ' ')}[/]")
        for item in shown[: limit or None]:
            if item.action == "fail":
                console.print(f"  [red]fail[/]   {item.source_key}: {item.error}", highlight=False)
                continue
            fields = ", ".join(
                f"{c.field}={c.new!s}" if c.old is None else f"{c.field}: {c.old!s} → {c.new!s}"
                for c in item.changes
            )
            console.print(f"  {item.action:<6} {item.target_key}: {fields}", highlight=False)
        if limit and len(shown) > limit:
            console.print(f"  … and {len(shown) - limit} more (--limit 0 shows all, --json FILE saves all)")
