"""The totals guard: nothing is booked with amounts, VAT or currency the source document doesn't have.

A ledger computes a document's VAT itself (from the product's group, the article's coding, the VAT
zone) and rounds VAT its own way (per rate on the total, where the source rounds per line). So before
anything is booked the integration reads back what the ledger computed and hands both sides to
:func:`check`:

- ``source``: the document as the operations system has it (currency, net, VAT, gross, each line's
  net and VAT rate);
- ``ledger``: what the ledger made of it, each line with the ledger's own *reason* for its rate in
  the bookkeeper's words ("because product group 1's sales account has VAT code U25") and a *fix*
  ("move product 5020 to a VAT-free group or map it in settings").

The answer says whether the totals are equal to the cent, and if not, which lines differ and why, as
one message for the error log. A difference that is only the ledger's VAT rounding (every line's net
and rate agree, VAT differs by at most half a cent per source line) is *rounding only*: it passes
only when the caller allows it (a setting, default off), and then only once the ledger's gross equals
the source's — :attr:`TotalsCheck.adjustment` is the amount a rounding line (or a documented
adjustment) must add to the gross to get there.

Names no system: the caller passes the two systems' names for the messages. Both ledgers use it: the
e-conomic and eAccounting pairs each have an ``invoice_guard`` that reads their ledger's draft into
:class:`Totals` and acts on the answer (a rounding line, a mapping, or :class:`TotalsMismatch`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.converters import cents as money

HALF_CENT = Decimal("0.005")
ZERO = Decimal("0.00")


class TotalsMismatch(MappingError):
    """The ledger would book other totals than the source document's: the document stays a draft."""


def rate(value: object) -> Decimal:
    """A VAT rate in percent, normalised so 25, 25.0 and "25.00" compare (and print) alike."""
    if isinstance(value, float):
        raise TypeError("rates are Decimal, never float")
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


@dataclass(frozen=True)
class Line:
    """One line of a document: its position (1-based, as the bookkeeper counts), net and VAT rate.

    ``label`` names the line for people ("product 5020", "Afrunding"); ``reason`` and ``fix`` are the
    ledger side's explanation of its rate and what to change (empty on the source side).
    ``adjustment`` marks a line the integration added only to carry a rounding difference: it counts
    in the totals but is not compared line by line.
    """

    position: int
    net: Decimal
    vat_rate: Decimal
    label: str = ""
    reason: str = ""
    fix: str = ""
    adjustment: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "net", money(self.net))
        object.__setattr__(self, "vat_rate", rate(self.vat_rate))


@dataclass(frozen=True)
class Totals:
    """A document's totals as one system has them (``exchange_rate``: base-currency units per 100)."""

    currency: str
    net: Decimal
    vat: Decimal
    gross: Decimal
    lines: Sequence[Line] = ()
    exchange_rate: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", (self.currency or "").upper())
        for name in ("net", "vat", "gross"):
            object.__setattr__(self, name, money(getattr(self, name)))
        object.__setattr__(self, "lines", tuple(self.lines))

    @classmethod
    def from_lines(
        cls, currency: str, lines: Iterable[Line], *, exchange_rate: Decimal | None = None
    ) -> Totals:
        """Totals the way a source that rounds VAT per line computes them (net + Σ round(line VAT))."""
        lines = tuple(lines)
        net = sum((line.net for line in lines), ZERO)
        vat = sum((money(line.net * line.vat_rate / 100) for line in lines), ZERO)
        return cls(currency, net, vat, net + vat, lines, exchange_rate)


@dataclass(frozen=True)
class Difference:
    """One thing that differs, in the bookkeeper's words."""

    what: str  # "currency", "exchange rate", "line 3", "net", "VAT", "gross", "lines"
    message: str


@dataclass(frozen=True)
class TotalsCheck:
    equal: bool  # net, VAT, gross and currency equal to the cent, every line alike
    rounding_only: bool  # the only difference is the ledger's VAT rounding
    allowed: bool  # may be booked: equal, or rounding only, allowed, and gross equal to the source
    adjustment: Decimal  # source gross − ledger gross: what a rounding line must add (0 when equal)
    differences: tuple[Difference, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.allowed

    def message(self, document: str) -> str:
        """One paragraph for the error log: why ``document`` stays a draft."""
        if self.allowed:
            return f"{document}: totals equal"
        details = "; ".join(d.message for d in self.differences)
        if self.rounding_only:
            return (
                f"{document} stays a draft: the totals differ only by the ledger's VAT rounding "
                f"({self.adjustment:+} on the gross). {details}. Allow rounding differences in the settings "
                "to book it with a rounding line"
            )
        return f"{document} stays a draft, its totals differ from the source: {details}"


def check(
    source: Totals,
    ledger: Totals,
    *,
    source_name: str,
    ledger_name: str,
    allow_rounding: bool = False,
    vat_allowance: Decimal | None = None,
) -> TotalsCheck:
    """Compare what the ledger computed with the source document; see the module docstring.

    ``vat_allowance`` is the largest VAT difference that counts as rounding (default: half a cent per
    source line; a ledger that rounds per rate on the total may drift half a cent more per rate).
    """
    differences: list[Difference] = []
    structural = False  # a difference no rounding rule explains
    if source.currency != ledger.currency:
        structural = True
        differences.append(
            Difference(
                "currency",
                f"currency: {source.currency} in {source_name}, {ledger_name} has {ledger.currency}",
            )
        )
    if (
        source.exchange_rate is not None
        and ledger.exchange_rate is not None
        and Decimal(source.exchange_rate) != Decimal(ledger.exchange_rate)
    ):
        structural = True
        differences.append(
            Difference(
                "exchange rate",
                f"exchange rate: {rate(source.exchange_rate)} in {source_name}, "
                f"{ledger_name} uses {rate(ledger.exchange_rate)}",
            )
        )
    # A ledger that cannot tell its lines' rates passes no lines: then only the totals are compared.
    compared = [line for line in ledger.lines if not line.adjustment]
    if source.lines and compared and len(compared) != len(source.lines):
        structural = True
        differences.append(
            Difference(
                "lines",
                f"{len(source.lines)} lines in {source_name}, {ledger_name} has {len(compared)}",
            )
        )
    for ours, theirs in zip(source.lines, compared, strict=False):
        differences.extend(_line_differences(ours, theirs, source_name, ledger_name))
    structural = structural or any(d.what.startswith("line ") for d in differences)
    adjusted_net = ledger.net - sum((line.net for line in ledger.lines if line.adjustment), ZERO)
    if adjusted_net != source.net:
        structural = True
        differences.append(
            Difference("net", f"net {source.net} in {source_name}, {ledger_name} {adjusted_net}")
        )
    vat_difference = ledger.vat - source.vat
    if vat_difference:
        differences.append(
            Difference("VAT", f"VAT {source.vat} in {source_name}, {ledger_name} {ledger.vat}")
        )
    if ledger.gross != source.gross:
        differences.append(
            Difference("gross", f"gross {source.gross} in {source_name}, {ledger_name} {ledger.gross}")
        )
    adjustment = source.gross - ledger.gross
    if not differences:
        return TotalsCheck(True, False, True, ZERO)
    allowance = HALF_CENT * max(len(source.lines), 1) if vat_allowance is None else vat_allowance
    within = abs(vat_difference) <= allowance
    rounding_only = not structural and within
    allowed = rounding_only and allow_rounding and adjustment == 0
    return TotalsCheck(False, rounding_only, allowed, adjustment, tuple(differences))


def _line_differences(source: Line, ledger: Line, source_name: str, ledger_name: str) -> list[Difference]:
    where = f"line {source.position}"
    label = f" ({source.label})" if source.label else ""
    out = []
    if source.vat_rate != ledger.vat_rate:
        words = (
            f"{where}{label}: {source.vat_rate}% VAT in {source_name}, {ledger_name} books {ledger.vat_rate}%"
        )
        if ledger.reason:
            words += f" {ledger.reason}"
        if ledger.fix:
            words += f" — {ledger.fix}"
        out.append(Difference(where, words))
    if source.net != ledger.net:
        out.append(
            Difference(
                where, f"{where}{label}: net {source.net} in {source_name}, {ledger_name} {ledger.net}"
            )
        )
    return out
