"""The totals guard: equal totals pass, anything else is explained line by line; rounding only on request."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ledgerbridge.integrations.totals_guard import Line, Totals, check, money, rate

NAMES = {"source_name": "Rackbeat", "ledger_name": "e-conomic"}


def ledger_totals(currency: str, lines: list[Line]) -> Totals:
    """A ledger that rounds VAT per rate on the total (as e-conomic and eAccounting do)."""
    net = sum((line.net for line in lines), D("0.00"))
    by_rate: dict[D, D] = {}
    for line in lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, D(0)) + line.net
    vat = sum((money(amount * r / 100) for r, amount in by_rate.items()), D("0.00"))
    return Totals(currency, net, vat, net + vat, lines)


def test_equal_totals_pass() -> None:
    source = Totals.from_lines("DKK", [Line(1, D("100.00"), D(25)), Line(2, D("40.00"), D(0))])
    ledger = ledger_totals("DKK", [Line(1, D("100.00"), D(25)), Line(2, D("40.00"), D(0))])
    result = check(source, ledger, **NAMES)
    assert result.equal and result.ok and result.adjustment == 0 and not result.differences
    assert (source.net, source.vat, source.gross) == (D("140.00"), D("25.00"), D("165.00"))


def test_a_zero_rate_line_booked_at_25_percent_is_explained_with_the_ledgers_reason() -> None:
    source = Totals.from_lines(
        "DKK", [Line(1, D("100.00"), D(25)), Line(2, D("200.00"), D(0), "product 5020")]
    )
    ledger = ledger_totals(
        "DKK",
        [
            Line(1, D("100.00"), D(25)),
            Line(
                2,
                D("200.00"),
                D("25.00"),
                reason="because product group 1's sales account has VAT code U25",
                fix="move product 5020 to a VAT-free group or map it in settings",
            ),
        ],
    )
    result = check(source, ledger, **NAMES, allow_rounding=True)
    assert not result.ok and not result.rounding_only
    assert result.adjustment == D("-50.00")
    text = result.message("invoice 17")
    assert (
        "line 2 (product 5020): 0% VAT in Rackbeat, e-conomic books 25% because product group 1's sales "
        "account has VAT code U25 — move product 5020 to a VAT-free group or map it in settings"
    ) in text
    assert "VAT 25.00 in Rackbeat, e-conomic 75.00" in text
    assert text.startswith("invoice 17 stays a draft")


def test_currency_and_exchange_rate_differences_are_never_rounding() -> None:
    source = Totals.from_lines("usd", [Line(1, D("10.00"), D(0))], exchange_rate=D("690"))
    ledger = Totals("SEK", D("10.00"), D("0.00"), D("10.00"), [Line(1, D("10.00"), D(0))], D("100"))
    result = check(source, ledger, **NAMES, allow_rounding=True)
    assert not result.ok and not result.rounding_only
    assert [d.what for d in result.differences] == ["currency", "exchange rate"]
    assert "currency: USD in Rackbeat, e-conomic has SEK" in result.message("invoice 1")


def test_rounding_only_difference_is_refused_by_default_and_allowed_with_a_rounding_line() -> None:
    # Three lines of 0.10 at 25 %: per line 0.03 VAT each (0.09); per rate on the total 0.08.
    lines = [Line(n, D("0.10"), D(25)) for n in (1, 2, 3)]
    source = Totals.from_lines("DKK", lines)
    ledger = ledger_totals("DKK", lines)
    assert (source.vat, ledger.vat) == (D("0.09"), D("0.08"))
    refused = check(source, ledger, **NAMES)
    assert refused.rounding_only and not refused.ok and refused.adjustment == D("0.01")
    assert "Allow rounding differences" in refused.message("invoice 2")
    # Allowed, but the gross still differs: the caller must add the rounding line first.
    pending = check(source, ledger, **NAMES, allow_rounding=True)
    assert pending.rounding_only and not pending.ok
    with_line = ledger_totals(
        "DKK", [*lines, Line(4, pending.adjustment, D(0), "Afrunding", adjustment=True)]
    )
    booked = check(source, with_line, **NAMES, allow_rounding=True)
    assert booked.ok and booked.adjustment == 0 and with_line.gross == source.gross


def test_a_net_difference_is_not_rounding_even_when_small() -> None:
    source = Totals.from_lines("DKK", [Line(1, D("10.00"), D(25))])
    ledger = ledger_totals("DKK", [Line(1, D("10.01"), D(25))])
    result = check(source, ledger, **NAMES, allow_rounding=True)
    assert not result.rounding_only and not result.ok
    assert "line 1: net 10.00 in Rackbeat, e-conomic 10.01" in result.message("x")


def test_a_missing_line_is_reported() -> None:
    source = Totals.from_lines("DKK", [Line(1, D("5.00"), D(25)), Line(2, D("5.00"), D(25))])
    ledger = ledger_totals("DKK", [Line(1, D("10.00"), D(25))])
    result = check(source, ledger, **NAMES)
    assert "2 lines in Rackbeat, e-conomic has 1" in result.message("x")


def test_money_and_rates_are_never_floats() -> None:
    with pytest.raises(TypeError):
        money(0.1)
    with pytest.raises(TypeError):
        rate(25.0)
    assert str(rate("25.00")) == "25" and str(rate("12.50")) == "12.5"
