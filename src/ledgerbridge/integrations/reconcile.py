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

Documents only the ledger has are of two sorts: those carrying our reference text whose Rackbeat
document is not booked in the period, and those nothing of ours accounts for — no Rackbeat document,
no transfer-ledger row (by remote key), no reference text of ours: entered by hand in the ledger or
transferred by another tool. Both are listed with the ledger's number, date, party and amounts; repair
never touches them.

A transfer whose document is not where the transfer ledger says (a draft booked under another number
after a crash between booking and commit, or booked by hand since) is looked for among the ledger's
documents of the period — by our reference text, else by party, date and amounts — and, when found, is
compared there and listed as *renumbered* with both numbers instead of as missing.

A ledger plugs in with a :class:`LedgerView`: how to read one transferred document's amounts, which
documents it holds for a period, and how a transfer-ledger remote key names one of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal, Protocol

from sqlalchemy import select, update

from ledgerbridge.engine.binder import Binder
from ledgerbridge.engine.runner import RunAborted
from ledgerbridge.integrations.base_currencies import rate_for_ledger
from ledgerbridge.integrations.rackbeat_realtime import DOCUMENT_RESOURCES, RACKBEAT, RackbeatRealtime
from ledgerbridge.store import ErrorEntry, Transfer
from ledgerbridge.systems.errors import ApiError, NotFoundError

CENT = Decimal("0.01")

FindingKind = Literal[
    "differs", "not_transferred", "failed", "missing_in_ledger", "only_in_ledger", "drift", "renumbered"
]


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal
    currency: str
    # The exchange rate the ledger booked it at (per 100, where the ledger shows one); not compared.
    rate: Decimal | None = field(default=None, compare=False)

    @staticmethod
    def of(net: Any, vat: Any, gross: Any, currency: Any, rate: Any = None) -> Amounts:
        def cents(value: Any) -> Decimal:
            return Decimal(str(value if value is not None else 0)).quantize(CENT)

        booked_at = Decimal(str(rate)) if rate not in (None, "") else None
        return Amounts(cents(net), cents(vat), cents(gross), str(currency or ""), booked_at)

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


@dataclass(frozen=True)
class LedgerDocument:
    """One document the ledger holds for the period, as reconcile needs to know it."""

    identity: str  # how a transfer-ledger remote key names it (LedgerView.identity)
    number: str  # the ledger's own number
    day: str
    party: str  # the customer or supplier as the ledger shows it
    party_key: str  # the ledger's key of that customer or supplier (bindings map Rackbeat's to it)
    amounts: Amounts
    ours: str | None = None  # the Rackbeat number in our reference text on it, if it has one
    booked: bool = True  # False: a draft (not in the books yet)
    aliases: frozenset[str] = frozenset()  # other identities it had (the draft it was made from)
    text: str = ""  # the ledger's text on it, where it has one (a voucher's entry text)
    words: str = ""  # what the ledger calls it, when not the document type ("supplier voucher")
    remote_key: str | None = None  # the transfer-ledger remote key that names it (None: none can)

    def details(self) -> dict[str, str]:
        out = {
            "number": self.number,
            "date": self.day,
            "party": self.party,
            "net": str(self.amounts.net),
            "vat": str(self.amounts.vat),
            "gross": str(self.amounts.gross),
            "currency": self.amounts.currency,
        }
        if self.text:
            out["text"] = self.text
        return out


class LedgerView(Protocol):
    name: str  # "eAccounting", "e-conomic"
    only_hint: str  # why a document may be in this ledger only, in the bookkeeper's words
    # Are the ledger's numbers Rackbeat's (e-conomic books with Rackbeat's number when it is free)? Then a
    # ledger document of ours-to-be's number that we did not make is named next to the one not transferred.
    numbers_follow_source: bool

    def amounts(self, document_type: str, remote_key: str, day: str) -> Amounts | None:
        """The transferred document's amounts in the ledger (``day``: the Rackbeat document's date); None
        when the ledger no longer has it; raise :class:`NotImplementedError` when this kind of document
        cannot be compared."""

    def documents(self, document_type: str, start: date, end: date) -> list[LedgerDocument]:
        """The ledger's booked documents of the period, and its drafts that carry our reference."""

    def identity(self, remote_key: str, day: str | None = None) -> str:
        """The :attr:`LedgerDocument.identity` of the document a transfer-ledger remote key names
        (``day``: the Rackbeat document's date, where known; a voucher number repeats across accounting
        years, so a key without its year needs it)."""


@dataclass
class Finding:
    kind: FindingKind
    entity: str
    key: str
    message: str
    repair: Literal["transfer", "resync", "record"] | None = None  # None: a person decides
    repaired: str | None = None  # what the repair did
    ledger: dict[str, str] | None = None  # only_in_ledger: the ledger's number, date, party, amounts

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "entity": self.entity,
            "key": self.key,
            "message": self.message,
            "repairable": self.repair is not None,
            "repaired": self.repaired,
        }
        if self.ledger is not None:
            out["ledger"] = self.ledger
        return out


@dataclass(frozen=True)
class Renumbered:
    """A transferred document found in the ledger elsewhere than the transfer ledger says."""

    entity: str
    key: str  # Rackbeat's number
    expected: str  # the transfer ledger's remote key (or its state when it has none)
    found: str  # the ledger's number it was found under
    matched_by: str = "reference"  # "reference" (our text on it) or "party, date and amounts"
    found_key: str | None = None  # the remote key naming what was found (what --repair records)

    def as_dict(self) -> dict[str, str]:
        return {
            "entity": self.entity,
            "key": self.key,
            "expected": self.expected,
            "found": self.found,
            "matched_by": self.matched_by,
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
    renumbered: list[Renumbered] = field(default_factory=list)  # matched, under another number
    compared: dict[str, set[str]] = field(default_factory=dict)  # per document type, the numbers compared

    @property
    def agree(self) -> bool:
        return not self.findings

    def count_compared(self, document_type: str, number: str) -> None:
        self.checked += 1
        self.compared.setdefault(document_type, set()).add(number)

    def agreeing(self) -> dict[str, int]:
        """Per document type, the documents compared that have no finding (the agreement chart's bars)."""
        differing = {(f.entity, f.key) for f in self.findings}
        return {
            document_type: sum(1 for number in numbers if (document_type, number) not in differing)
            for document_type, numbers in self.compared.items()
        }

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
            "renumbered": [r.as_dict() for r in self.renumbered],
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
        ledger_base_currency: str | None = None,
    ) -> None:
        self.name = name
        self.session = session
        self.view = view
        self.document_types = document_types
        self.master_entities = master_entities
        self.base_currency = base_currency  # Rackbeat's (a document without a currency is in it)
        self.ledger_base_currency = ledger_base_currency or base_currency

    def run(self, start: date, end: date, *, repair: bool = False) -> Reconciliation:
        if end < start:
            raise ValueError(f"the period ends ({end}) before it starts ({start})")
        result = self._check(start, end)
        if not repair:
            return result
        repaired = [self._record(found) for found in result.renumbered if found.found_key]
        if repaired:
            result = self._check(start, end)
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

    def _record(self, found: Renumbered) -> Finding:
        """Record where a transferred document really is (the transfer ledger's remote key), so later runs
        find it by its key; a transfer whose follow-up steps were not done (booking, marking it sent in
        Rackbeat) resumes them there. Never while a transfer of it is in progress."""
        label = found.entity.replace("-", " ")
        finding = Finding(
            "renumbered",
            found.entity,
            found.key,
            f"{label} {found.key}: in {self.view.name} as {found.found} (matched by {found.matched_by}), "
            f"the transfer ledger said {found.expected}",
            repair="record",
        )
        with self.session.store.session() as db:
            row = db.scalars(
                select(Transfer).where(
                    Transfer.integration_id == self.session.integration_id,
                    Transfer.document_type == found.entity,
                    Transfer.source_key == found.key,
                )
            ).first()
            if row is None or row.state == "sending":
                finding.repaired = "not recorded: a transfer of it is in progress"
                return finding
            confirmed = row.state == "confirmed"
            db.execute(
                update(Transfer)
                .where(Transfer.id == row.id, Transfer.state == row.state)
                .values(
                    remote_key=found.found_key,
                    state="confirmed" if confirmed else "sent",
                    last_error=None if confirmed else row.last_error,
                )
            )
        finding.repaired = f"recorded {found.found_key} in the transfer ledger"
        if not confirmed:
            finding.repaired += f"; {self._repair(replace(finding, repair='transfer'))}"
        return finding

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
        held = self.view.documents(document_type, start, end)
        booked = list(self._booked(document_type, start, end))
        days = {str(d["number"]): str(d.get("invoice_date") or "")[:10] for d in booked}
        accounted = self._transferred_identities(document_type, days)
        numbers: set[str] = set()
        for document in booked:
            number = str(document["number"])
            numbers.add(number)
            row = self.session.ledger.get(document_type, number)
            if row is None or row.state in ("queued",):
                refused = self._open_error(document_type, number)
                why = f" ({refused})" if refused else ""
                namesake = self._namesake(document, held, accounted)
                if namesake is not None:
                    accounted.add(namesake.identity)  # one row for both, not also "only in the ledger"
                    result.findings.append(self._same_number(document_type, document, namesake, why))
                    continue
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
            source = source_amounts(document, self.base_currency)
            theirs: Amounts | None = None
            if row.state == "confirmed" and row.remote_key:
                try:
                    theirs = self.view.amounts(document_type, row.remote_key, str(document["invoice_date"]))
                except NotImplementedError:
                    continue
                except NotFoundError:
                    theirs = None
                except ApiError as exc:
                    result.findings.append(
                        Finding(
                            "missing_in_ledger",
                            document_type,
                            number,
                            f"{label} {number}: {exc.remote_message}",
                        )
                    )
                    continue
            if theirs is not None:
                result.count_compared(document_type, number)
                self._compare(document_type, number, row.remote_key or "", source, theirs, result)
                self._check_rate(document_type, document, row.remote_key or "", theirs, result)
                continue
            moved = self._moved(document, source, held, accounted)
            if moved is not None:
                accounted.add(moved.identity)
                result.count_compared(document_type, number)
                self._report_moved(document_type, number, row.remote_key, row.state, moved, result)
                self._compare(document_type, number, moved.number, source, moved.amounts, result)
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
            result.count_compared(document_type, number)
            result.findings.append(
                Finding(
                    "missing_in_ledger",
                    document_type,
                    number,
                    f"{label} {number}: transferred as {row.remote_key}, which {self.view.name} "
                    "no longer has — find out who deleted it before transferring it again",
                )
            )
        for held_document in held:
            if held_document.ours is not None:
                self._check_ours(document_type, held_document, numbers, start, end, result)
            elif held_document.booked and not self._accounted_for(held_document, accounted):
                result.findings.append(self._only_in_ledger(document_type, held_document))

    def _namesake(
        self, document: dict[str, Any], held: list[LedgerDocument], accounted: set[str]
    ) -> LedgerDocument | None:
        """A booked ledger document under the never-transferred document's number that nothing of ours
        accounts for (booked by hand, or by another tool) — in a ledger whose numbers are Rackbeat's."""
        if not getattr(self.view, "numbers_follow_source", False):
            return None
        number = str(document["number"])
        same = [
            d
            for d in held
            if d.booked and d.ours is None and d.number == number and not self._accounted_for(d, accounted)
        ]
        return same[0] if same else None

    def _same_number(
        self, document_type: str, document: dict[str, Any], namesake: LedgerDocument, why: str
    ) -> Finding:
        """One row for a document never transferred whose number the ledger already holds, not ours."""
        label = document_type.replace("-", " ")
        number = str(document["number"])
        where = self.view.name
        source = source_amounts(document, self.base_currency)
        theirs = namesake.amounts
        head = (
            f"{label} {number}: booked in Rackbeat, never transferred to {where}{why}; {where} {label} "
            f"{namesake.number} has the same number but was not made by ledgerbridge ({namesake.party}, "
            f"{namesake.day}, gross {theirs.gross} {theirs.currency}; Rackbeat's: gross {source.gross} "
            f"{source.currency})"
        )
        same_party = namesake.party_key == self._ledger_party(document)
        same_day = namesake.day == str(document.get("invoice_date") or "")[:10]
        if same_party and same_day and theirs == source:
            return Finding(
                "not_transferred",
                document_type,
                number,
                f"{head} — same customer, date and amounts: most likely this very invoice, entered in "
                f"{where} by hand or by another tool. Repair records it as transferred (the transfer finds "
                "it by number, customer and date) and books nothing; should it be another invoice after "
                "all, book Rackbeat's by hand instead",
                repair="transfer",
                ledger=namesake.details(),
            )
        if same_party and same_day:
            return Finding(
                "not_transferred",
                document_type,
                number,
                f"{head} — same customer and date but other amounts: a transfer would take it for this "
                "invoice (it looks for the number, customer and date) and book nothing, so repair leaves "
                f"it for a person: if it is this invoice entered with other amounts, correct it in {where} "
                "(a credit note and the right invoice); if it is another invoice, ledgerbridge cannot "
                f"tell the two apart (a transfer would take {where}'s for it): book Rackbeat's by hand",
                ledger=namesake.details(),
            )
        return Finding(
            "not_transferred",
            document_type,
            number,
            f"{head} — another customer or date, so another invoice: repair transfers Rackbeat's, which "
            f"{where} books under its next free number; {where}'s {namesake.number} stays as it is and is "
            "then listed as only in the ledger",
            repair="transfer",
            ledger=namesake.details(),
        )

    def _compare(
        self,
        document_type: str,
        number: str,
        where: str,
        source: Amounts,
        theirs: Amounts,
        result: Reconciliation,
    ) -> None:
        problems = source.differences(theirs, self.view.name)
        if problems:
            result.findings.append(
                Finding(
                    "differs",
                    document_type,
                    number,
                    f"{document_type.replace('-', ' ')} {number} ({where}): "
                    + "; ".join(problems)
                    + " — correct it in the ledger (credit it and book it again) or in Rackbeat",
                )
            )

    def _check_rate(
        self,
        document_type: str,
        document: dict[str, Any],
        where: str,
        theirs: Amounts,
        result: Reconciliation,
    ) -> None:
        """The rate a document was booked at, against Rackbeat's (base_currencies): booked at Rackbeat's
        rate where that rate is per 100 of another base currency than the ledger's (its base amounts are
        wrong), or — both companies in one base currency — at another rate than Rackbeat's (eAccounting
        takes no rate on a draft or its conversion: it books at its own)."""
        rate = document.get("currency_rate")
        if theirs.rate is None or rate in (None, ""):
            return
        number = str(document["number"])
        label = document_type.replace("-", " ")
        use = rate_for_ledger(
            theirs.currency,
            rate,
            ledger_base=self.ledger_base_currency,
            source_base=self.base_currency,
            gross=theirs.gross,
            ledger_name=self.view.name,
            document=f"{label} {number}",
        )
        ledger, base, currency = self.view.name, self.ledger_base_currency, theirs.currency
        booked_at = f"{theirs.rate.normalize():f}"
        source_rate = Decimal(str(rate))
        # Rates are compared by what they make of the gross in base currency; a cent is conversion rounding
        # (a booked voucher's rate is read back from its entries in base currency).
        booked = (theirs.gross * theirs.rate / 100).quantize(CENT)
        wanted = (theirs.gross * (use.rate if use.rate is not None else source_rate) / 100).quantize(CENT)
        if use.refusal is not None and abs(booked - wanted) <= CENT:
            message = (
                f"{label} {number} ({where}): booked in {ledger} at exchange rate {booked_at}, Rackbeat's "
                f"rate per 100 {currency} in {self.base_currency} (Rackbeat's base currency) read as {base} "
                f"per 100 {currency}: its {base} amounts in the books are wrong — credit it in {ledger} and "
                f"book it again at {ledger}'s rate"
            )
        elif use.rate is not None and abs(booked - wanted) > CENT:
            why = (
                " — eAccounting took no rate with the document (it cannot be given one on a draft or its "
                "conversion)"
                if ledger == "eAccounting"
                else ""
            )
            message = (
                f"{label} {number} ({where}): booked in {ledger} at rate {booked_at} {base} per 100 "
                f"{currency}, Rackbeat's is {source_rate.normalize():f}: {theirs.gross} {currency} is "
                f"{booked} {base} in the books, {wanted} {base} at Rackbeat's rate{why}; if Rackbeat's rate "
                f"must hold, credit it in {ledger} and enter it again with that rate"
            )
        else:
            return
        result.findings.append(Finding("differs", document_type, number, message))

    def _transferred_identities(self, document_type: str, days: dict[str, str]) -> set[str]:
        """Every ledger document a transfer of ours made or found, whatever became of the transfer
        (``days``: the dates of the period's Rackbeat documents, by number, for keys without a year)."""
        with self.session.store.session() as db:
            rows = db.execute(
                select(Transfer.source_key, Transfer.remote_key).where(
                    Transfer.integration_id == self.session.integration_id,
                    Transfer.document_type == document_type,
                    Transfer.remote_key.is_not(None),
                )
            ).all()
        return {self.view.identity(key, days.get(source)) for source, key in rows if key}

    @staticmethod
    def _accounted_for(document: LedgerDocument, accounted: set[str]) -> bool:
        return document.identity in accounted or bool(document.aliases & accounted)

    def _moved(
        self, document: dict[str, Any], source: Amounts, held: list[LedgerDocument], accounted: set[str]
    ) -> LedgerDocument | None:
        """The booked ledger document a transfer made, found where the transfer ledger does not say: by
        our reference text on it, else by the same party, date and amounts (e-conomic documents carry
        no reference of ours). Documents another transfer accounts for are never taken."""
        free = [d for d in held if d.booked and not self._accounted_for(d, accounted)]
        number = str(document["number"])
        by_reference = [d for d in free if d.ours == number]
        if by_reference:
            return by_reference[0]
        party = self._ledger_party(document)
        day = str(document.get("invoice_date") or "")[:10]
        alike = [
            d
            for d in free
            if d.ours is None and d.day == day and d.party_key == party and d.amounts == source
        ]
        return alike[0] if len(alike) == 1 else None  # two alike: not ours to choose

    def _ledger_party(self, document: dict[str, Any]) -> str:
        """The ledger's key of the document's customer or supplier (through its binding)."""
        entity = "supplier" if document.get("supplier_id") or document.get("supplier") else "customer"
        number = document.get(f"{entity}_id") or (document.get(entity) or {}).get("number")
        with self.session.store.session() as db:
            bound = Binder(db, self.session.integration_id, self.session.sides).other_key(
                entity, RACKBEAT, str(number)
            )
        return bound or str(number)

    def _report_moved(
        self,
        document_type: str,
        number: str,
        remote_key: str | None,
        state: str,
        moved: LedgerDocument,
        result: Reconciliation,
    ) -> None:
        expected = remote_key or f"no remote key ({state})"
        party = "supplier" if document_type == "supplier-invoice" else "customer"
        if moved.ours == number:
            matched_by, how = "reference", "by our reference on it"
        else:
            matched_by = f"{party}, date and amounts"
            how = (
                f"by its {party}, date and amounts (it carries no reference of ours: transferred before "
                "ledgerbridge wrote one, or entered by hand)"
            )
        result.renumbered.append(
            Renumbered(document_type, number, expected, moved.number, matched_by, moved.remote_key)
        )
        record = (
            "; --repair records it in the transfer ledger, so later runs find it by its key"
            if moved.remote_key
            else ""
        )
        result.notes.append(
            f"{document_type.replace('-', ' ')} {number}: found in {self.view.name} as {moved.number} {how} "
            f"(the transfer ledger says {expected}, {state}) — booked under another number, e.g. after an "
            f"interrupted transfer or by hand; compared there{record}"
        )

    def _check_ours(
        self,
        document_type: str,
        document: LedgerDocument,
        numbers: set[str],
        start: date,
        end: date,
        result: Reconciliation,
    ) -> None:
        """A ledger document with our reference: fine when Rackbeat booked that document."""
        number = str(document.ours)
        if number in numbers or self._booked_elsewhere(document_type, number):
            return
        label = document_type.replace("-", " ")
        amounts = document.amounts
        result.findings.append(
            Finding(
                "only_in_ledger",
                document_type,
                number,
                f"{label} {number}: in {self.view.name} ({amounts.gross} {amounts.currency}) with "
                f"Rackbeat's reference, but Rackbeat has no booked {label} {number} ({start} to {end})",
                ledger=document.details(),
            )
        )

    def _only_in_ledger(self, document_type: str, document: LedgerDocument) -> Finding:
        """A booked ledger document nothing of ours accounts for: a person looks (repair leaves it)."""
        amounts = document.amounts
        where = self.view.name
        text = f', "{document.text}"' if document.text else ""
        return Finding(
            "only_in_ledger",
            document_type,
            document.number,
            f"only in {where}: {document.words or document_type.replace('-', ' ')} {document.number} of "
            f"{document.day}, {document.party}{text}, net {amounts.net}, VAT {amounts.vat}, "
            f"gross {amounts.gross} {amounts.currency} "
            f"— no Rackbeat document and no transfer of ours accounts for it ({self.view.only_hint}); "
            "repair leaves it alone",
            ledger=document.details(),
        )
