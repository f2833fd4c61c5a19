"""A register's preview (kinds with a data-transfer panel, severa-eaccounting): the dry run the CLI's
``transfer NAME REGISTER --dry-run`` and the admin API's ``?dry_run=true`` answer, as a page. Per record
what the run would do (create, update, unchanged, refused with the reason) and per field old → new; for
invoices first the customers, articles and projects the run would transfer before them, by register.
Nothing is written to either system."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ledgerbridge.service import UserError
from ledgerbridge.web.console.context import Console, _, integration_url

RECORDS_SHOWN = 200  # per register on the page
#: Refused first (what needs the user), then what would change, then what is already in step.
ACTION_ORDER = {"fail": 0, "create": 1, "update": 2, "unchanged": 3}
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")


@dataclass
class Change:
    label: str
    old: str | list[str] | None
    new: str | list[str] | None


@dataclass
class Row:
    record: str
    action: str
    target: str
    error: str | None
    changes: list[Change] = field(default_factory=list)


@dataclass
class Group:
    """One register's plan: its counts and its records, refused first."""

    register: str
    title: str
    created: int
    updated: int
    unchanged: int
    failed: int
    rows: list[Row]
    aborted: str | None = None


def field_label(name: str) -> str:
    """A system's field name as words: ``InvoicePostalCode`` → "Invoice postal code", ``unitPrice`` →
    "Unit price", ``status`` → "Status"."""
    words = _WORD_START.sub(" ", name.replace("_", " ")).split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def shown(value: Any, words: tuple[str, str]) -> str | list[str] | None:
    """A planned value as the page shows it: text, or one line per element of a list (an invoice's rows)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return words[0] if value else words[1]  # "Yes", "No" in the user's language
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        parts = [f"{field_label(str(k))}: {_flat(v, words)}" for k, v in value.items() if _flat(v, words)]
        return ", ".join(parts)
    if isinstance(value, list | tuple):
        return [_flat(v, words) for v in value]
    return str(value)


def _flat(value: Any, words: tuple[str, str]) -> str:
    out = shown(value, words)
    if out is None:
        return ""
    return "; ".join(out) if isinstance(out, list) else out


def record_label(item: Any) -> str:
    """The record as a person knows it: an invoice draft by its customer and date (its Severa key is a
    GUID), anything else by its number or code."""
    fields = {c.field: c.new for c in item.changes}
    if "InvoiceCustomerName" in fields:
        return ", ".join(str(fields[k]) for k in ("InvoiceCustomerName", "InvoiceDate") if fields.get(k))
    return str(item.source_key)


def group_of(run: Any, title: str, words: tuple[str, str]) -> Group:
    items = sorted(run.plan, key=lambda item: ACTION_ORDER.get(item.action, 9))
    rows = [
        Row(
            record=record_label(item),
            action=item.action,
            target=str(item.target_key or ""),
            error=item.error,
            changes=[
                Change(field_label(c.field), shown(c.old, words), shown(c.new, words))
                for c in item.changes
                if item.action != "update" or shown(c.old, words) != shown(c.new, words)
            ],
        )
        for item in items
    ]
    return Group(run.register, title, run.created, run.updated, run.unchanged, run.failed, rows, run.aborted)


def build(console: Console) -> APIRouter:
    service = console.service
    router = console.router()
    page = console.page

    def register_title(request: Request, register: str) -> str:
        return _(request, register.replace("-", " ").capitalize())  # "Customers", "Check sent" …

    @router.get("/integrations/{name}/registers/{register}/preview")
    def register_preview(request: Request, name: str, register: str) -> Response:
        """Read both systems, write nothing: what a run of ``register`` would do now."""
        view = service.describe(name)
        if register not in service.registers(name):
            raise UserError(f"{name!r} has no register {register!r}")
        words = (_(request, "Yes"), _(request, "No"))
        title = register_title(request, register)
        context: dict[str, Any] = {"view": view, "register": register, "title": title, "shown": RECORDS_SHOWN}
        try:
            run = service.run_register(name, register, dry_run=True)
        except UserError as exc:  # settings missing (C12), a system refusing the sign-in
            return page(request, "register_preview.html", refusal=str(exc), **context)
        except Exception as exc:  # a system down: say so on the page, as the start-up preview does
            reason = _(request, "The preview failed: %(reason)s") % {"reason": exc}
            return page(request, "register_preview.html", refusal=reason, **context)
        first = [group_of(before, register_title(request, before.register), words) for before in run.first]
        return page(
            request,
            "register_preview.html",
            preview=group_of(run, title, words),
            first=first,
            notes=list(run.notes),
            transfer_url=integration_url(name, f"/registers/{register}"),
            **context,
        )

    return router
