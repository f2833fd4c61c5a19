"""Reconcile: do Rackbeat and the ledger agree for a period? (`ledgerbridge reconcile NAME`)

For every document Rackbeat booked in the period (customer invoices, and supplier invoices when they
are transferred) the transfer ledger says where it went; the ledger is asked for that document and its
net, VAT, gross and currency are compared with Rackbeat's to the cent. Documents present on one side
only are listed (booked in Rackbeat but never transferred; in the ledger with our reference but not
booked in Rackbeat for the period), and so is master data that drifted since its last sync (a bound
customer or product whose ledger copy no longer equals what Rackbeat says).

``repair`` fixes what is safe: documents never transferred are transferred (through the transfer
ledger, so never twice) and drifted master data is synced again from its master. What is not safe to
fix automatically — a booked document with other totals, one the ledger no longer has, one only the
ledger has — is left for a person, with the reason. Afterwards everything is checked again; the two
sides *agree* only when nothing is left.

A ledger plugs in with a :class:`LedgerView`: how to read one transferred document's amounts, and which
documents carrying our reference it holds for a period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlalchemy import select

from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.integrations.rackbeat_realtime import DOCUMENT_RESOURCES, RackbeatRealtime
from ledgerbridge.store import ErrorEntry
from ledgerbridge.systems.errors import ApiError, NotFoundError

CENT = Decimal("0.01")

FindingKind = Literal["differs", "not_transferred", "failed", "missing_in_ledger", "only_in_ledger", "drift"]


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str

    @staticmethod
    def of(net: Any, vat: Any, gross: Any, currency: Any) -> Amounts:
        def cents(value: Any) -> Decimal:
            return Decimal(str(value if value is not None else 0)).quantize(CENT)

        return Amounts(cents(net), cents(vat), cents(gross), str(currency or ""))

    def differences(self, ledger: Amounts, ledger_name: str) -> list[str]:
        out = [
            f"{what} {mine} in Rackbeat, {theirs} in {ledger_name}"
            for what, mine, theirs in (
                ("net", self.net, ledger.net),
                ("VAT", self.vat, ledger.vat),
                ("gross", self.gross, ledger.gross),
            )
            if mine != theirs
        ]
        if self.currency != ledger.currency:
            out.append(f"currency {self.currency} in Rackbeat, {ledger.currency} in {ledger_name}")
        return out


class LedgerView(Protocol):
    name: str  # "eAccounting", "e-conomic"

    def amounts(self, document_type: str, remote_key: str) -> Amounts | None:
        """The transferred document's amounts in the ledger; None when the ledger no longer has it;
        raise :class:`NotImplementedError` when this kind of document cannot be compared."""

    def documents(self, document_type: str, start: date, end: date) -> dict[str, Amounts]:
        """Documents in the ledger for the period that carry our reference: Rackbeat number → amounts."""


@dataclass
class Finding:
    kind: FindingKind
    entity: str
    key: str
    message: str
    repair: Literal["transfer", "resync"] | None = None  # None: a person decides
    repaired: str | None = None  # what the repair did

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "entity": self.entity,
            "key": self.key,
            "message": self.message,
            "repairable": self.repair is not None,
            "repaired": self.repaired,
        }


@dataclass
class Reconciliation:
    integration: str
    start: date
    end: date
    checked: int = 0  # documents compared
    findings: list[Finding] = field(default_factory=list)
    repaired: list[Finding] = field(default_factory=list)  # what --repair did (before the check again)
    notes: list[str] = field(default_factory=list)  # what could not be compared, and why

    @property
    def agree(self) -> bool:
        return not self.findings

    def needs_person(self) -> list[Finding]:
        return [f for f in self.findings if f.repair is None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "integration": self.integration,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "checked": self.checked,
            "agree": self.agree,
            "findings": [f.as_dict() for f in self.findings],
            "repaired": [f.as_dict() for f in self.repaired],
            "notes": self.notes,
        }


def source_amounts(document: dict[str, Any], base_currency: str) -> Amounts:
    return Amounts.of(
        document.get("total_subtotal"),
        document.get("total_vat"),
        document.get("total_total"),
        document.get("currency") or base_currency,
    )


def _in_period(document: dict[str, Any], start: date, end: date) -> bool:
    day = str(document.get("invoice_date") or "")[:10]
    return bool(day) and start.isoformat() <= day <= end.isoformat()


class Reconciler:
    """Compares one integration's Rackbeat side with its ledger through a :class:`LedgerView`."""

    def __init__(
        self,
        name: str,
        session: RackbeatRealtime,
        view: LedgerView,
        *,
        document_types: list[str],
        master_entities: list[str],
        base_currency: str,
    ) -> None:
        self.name = name
        self.session = session
        self.view = view
        self.document_types = document_types
        self.master_entities = master_entities
        self.base_currency = base_currency

    def run(self, start: date, end: date, *, repair: bool = False) -> Reconciliation:
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        result = self._check(start, end)
        if not repair:
            return result
        repaired: list[Finding] = []
        tried: set[tuple[str, str, str]] = set()
        # A repair can reveal more (a customer synced again brings its group's label, which its
        # group's other customers then lack): repair again, each record at most once.
        while todo := [f for f in result.findings if f.repair and (f.kind, f.entity, f.key) not in tried]:
            for finding in todo:
                tried.add((finding.kind, finding.entity, finding.key))
                finding.repaired = self._repair(finding)
                repaired.append(finding)
            result = self._check(start, end)
        result.repaired = repaired
        outcomes = {(f.kind, f.entity, f.key): f.repaired for f in repaired}
        for finding in result.findings:
            key = (finding.kind, finding.entity, finding.key)
            if key in outcomes:
                # Repaired and still there: a person must look (the outcome says why).
                finding.message += f" — repair tried: {outcomes[key]}"
                finding.repair = None
        return result

    def _repair(self, finding: Finding) -> str:
        try:
            if finding.repair == "transfer":
                return self.session.transfer(finding.entity, finding.key).message
            return self.session.master.resync(finding.entity, finding.key)
        except RunAborted as exc:  # a side did not answer: this one stays, the others are still tried
            return f"not repaired: {exc}"

    def _booked(self, document_type: str, start: date, end: date) -> Iterator[dict[str, Any]]:
        resource = DOCUMENT_RESOURCES[document_type]
        for document in self.session.rackbeat.iter_all(resource, params={"is_booked": "true"}):
            if document.get("is_booked") and _in_period(document, start, end):
                yield document

    def _open_error(self, document_type: str, number: str) -> str | None:
        """Why the last transfer of it was refused, if the error log has it open."""
        with self.session.store.session() as db:
            entry = db.scalars(
                select(ErrorEntry)
                .where(
                    ErrorEntry.integration_id == self.session.integration_id,
                    ErrorEntry.operation == "transfer",
                    ErrorEntry.entity == document_type,
                    ErrorEntry.record_key == number,
                    ErrorEntry.state == "open",
                )
                .order_by(ErrorEntry.id.desc())
            ).first()
            return entry.message if entry is not None else None

    def _booked_elsewhere(self, document_type: str, number: str) -> bool:
        """Is it a booked Rackbeat document after all (dated outside the period on one of the sides)?"""
        found = self.session.rackbeat.find(DOCUMENT_RESOURCES[document_type], number)
        return bool(found and found.get("is_booked"))

    def _check(self, start: date, end: date) -> Reconciliation:
        result = Reconciliation(self.name, start, end)
        for document_type in self.document_types:
            self._check_documents(document_type, start, end, result)
        uncompared: dict[tuple[str, str], list[str]] = {}
        for item in self.session.master.drift(self.master_entities):
            what = f"{item.entity.replace('_', ' ')} {item.source_key}"
            if item.error:
                # Not a difference: what it refers to was never synced, so it cannot be mapped today.
                uncompared.setdefault((item.entity, item.error), []).append(item.source_key)
                continue
            if item.action == "create":
                message = f"{what}: bound to {self.view.name} record {item.target_key}, which is gone"
            else:
                fields = ", ".join(
                    f"{c.field} {c.old!r} in {self.view.name}, {c.new!r} from Rackbeat" for c in item.changes
                )
                message = f"{what} differs since its last sync: {fields}"
            result.findings.append(Finding("drift", item.entity, item.source_key, message, repair="resync"))
        for (entity, error), keys in sorted(uncompared.items()):
            result.notes.append(
                f"{len(keys)} {entity.replace('_', ' ')}(s) not compared ({', '.join(keys[:5])}"
                f"{', …' if len(keys) > 5 else ''}): {error}"
            )
        return result

    def _check_documents(self, document_type: str, start: date, end: date, result: Reconciliation) -> None:
        label = document_type.replace("-", " ")
        numbers: set[str] = set()
        for document in self._booked(document_type, start, end):
            number = str(document["number"])
            numbers.add(number)
            row = self.session.ledger.get(document_type, number)
            if row is None or row.state in ("queued",):
                refused = self._open_error(document_type, number)
                why = f" ({refused})" if refused else ""
                result.findings.append(
                    Finding(
                        "not_transferred",
                        document_type,
                        number,
                        f"{label} {number}: booked in Rackbeat, never transferred to {self.view.name}{why}",
                        repair="transfer",
                    )
                )
                continue
            if row.state != "confirmed" or not row.remote_key:
                reason = row.last_error or row.state
                result.findings.append(
                    Finding(
                        "failed",
                        document_type,
                        number,
                        f"{label} {number}: not in {self.view.name} as booked ({row.state}): {reason}",
                        repair="transfer",  # the transfer ledger finds an earlier attempt first
                    )
                )
                continue
            try:
                theirs = self.view.amounts(document_type, row.remote_key)
            except NotImplementedError:
                continue
            except NotFoundError:
                theirs = None
            except ApiError as exc:
                result.findings.append(
                    Finding(
                        "missing_in_ledger", document_type, number, f"{label} {number}: {exc.remote_message}"
                    )
                )
                continue
            result.checked += 1
            if theirs is None:
                result.findings.append(
                    Finding(
                        "missing_in_ledger",
                        document_type,
                        number,
                        f"{label} {number}: transferred as {row.remote_key}, which {self.view.name} "
                        "no longer has — find out who deleted it before transferring it again",
                    )
                )
                continue
            problems = source_amounts(document, self.base_currency).differences(theirs, self.view.name)
            if problems:
                result.findings.append(
                    Finding(
                        "differs",
                        document_type,
                        number,
                        f"{label} {number} ({row.remote_key}): "
                        + "; ".join(problems)
                        + " — correct it in the ledger (credit it and book it again) or in Rackbeat",
                    )
                )
        for number, amounts in sorted(self.view.documents(document_type, start, end).items()):
            if number in numbers or self._booked_elsewhere(document_type, number):
                continue
            result.findings.append(
                Finding(
                    "only_in_ledger",
                    document_type,
                    number,
                    f"{label} {number}: in {self.view.name} ({amounts.gross} {amounts.currency}) with "
                    f"Rackbeat's reference, but Rackbeat has no booked {label} {number} ({start} to {end})",
                )
            )
