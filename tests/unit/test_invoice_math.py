"""Line amounts that e-conomic accepts (two decimals) and that add up to Rackbeat's, and period arithmetic."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from ledgerbridge.integrations.invoice_math import line_amount, round2
from ledgerbridge.integrations.rackbeat_economic.inventory import closed_periods, period_end, period_id
from ledgerbridge.integrations.rackbeat_economic.mappers.invoice import invoice_lines
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings

SETTINGS = {
    actual: RackbeatEconomicSettings.model_validate({"customer_invoices": {"use_actual_quantity": actual}})
    for actual in (True, False)
}


def economic_lines(line: dict[str, str], *, actual_quantity: bool) -> list[dict]:  # type: ignore[type-arg]
    """The e-conomic lines of one Rackbeat line (through the invoice mapper's line mapper)."""
    return [payload for _, payload in invoice_lines({"lines": [line]}, SETTINGS[actual_quantity])]


def rackbeat_line(quantity: str, price: str, discount: str = "0") -> dict[str, str]:
    q, p, d = Decimal(quantity), Decimal(price), Decimal(discount)
    return {
        "name": "x",
        "quantity": quantity,
        "line_price": price,
        "discount_percentage": discount,
        "line_total": str(round2(q * p * (100 - d) / 100)),
    }


def total_of(lines: list[dict]) -> Decimal:  # type: ignore[type-arg]
    return sum(
        (
            line_amount(Decimal(x["quantity"]), Decimal(x["unitNetPrice"]), Decimal(x["discountPercentage"]))
            for x in lines
        ),
        Decimal(0),
    )


def test_simple_lines_pass_through_unchanged() -> None:
    [line] = economic_lines(rackbeat_line("3", "125.50", "10"), actual_quantity=True)
    assert (line["quantity"], line["unitNetPrice"], line["discountPercentage"]) == (3, Decimal("125.50"), 10)


def test_three_decimal_quantity_keeps_the_line_amount() -> None:
    lines = economic_lines(rackbeat_line("1.333", "10.125"), actual_quantity=True)
    assert total_of(lines) == Decimal("13.50")
    assert all(Decimal(x["quantity"]) == round2(Decimal(x["quantity"])) for x in lines)


@pytest.mark.parametrize("actual", [True, False])
def test_any_line_adds_up_to_the_ore(actual: bool) -> None:
    rng = random.Random(2026)
    for _ in range(2000):
        quantity = f"{rng.randint(1, 500000) / 1000:.3f}"
        price = f"{rng.randint(1, 10_000_000) / 10_000:.4f}"
        discount = rng.choice(["0", "5", "12.5", "33.333"])
        line = rackbeat_line(quantity, price, discount)
        lines = economic_lines(line, actual_quantity=actual)
        assert total_of(lines) == Decimal(line["line_total"]), (quantity, price, discount, lines)
        for x in lines:  # e-conomic takes two decimals on quantity, price and discount
            for key in ("quantity", "unitNetPrice", "discountPercentage"):
                assert Decimal(x[key]) == round2(Decimal(x[key]))
        assert len(lines) <= 2


def test_without_actual_quantity_one_line_carries_the_amount() -> None:
    [line] = economic_lines(rackbeat_line("7", "0.99"), actual_quantity=False)
    assert (line["quantity"], line["unitNetPrice"]) == (1, Decimal("6.93"))


def test_periods() -> None:
    assert period_end(date(2026, 11, 18), "weekly") == date(2026, 11, 22)  # a Wednesday → Sunday
    assert period_end(date(2026, 2, 3), "monthly") == date(2026, 2, 28)
    assert period_end(date(2028, 2, 3), "monthly") == date(2028, 2, 29)
    assert period_id(date(2026, 11, 22), "weekly") == "2026-W47"
    assert period_id(date(2026, 12, 31), "monthly") == "2026-12"
    assert closed_periods(date(2026, 11, 15), date(2026, 11, 18), "daily") == [
        date(2026, 11, 16),
        date(2026, 11, 17),
    ]
    assert closed_periods(date(2026, 10, 31), date(2026, 12, 1), "monthly") == [date(2026, 11, 30)]
    assert closed_periods(date(2026, 11, 30), date(2026, 12, 31), "monthly") == []  # December is still open
