"""The e-conomic demo company at any size: more products than a group's thousand numbers still get
one number each."""

from __future__ import annotations

from ledgerbridge.systems.economic import EconomicState, seed_demo


def test_twelve_thousand_products_have_twelve_thousand_numbers() -> None:
    state = EconomicState()
    seed_demo(state, customers=5, products=12_000, suppliers=1)
    numbers = [p["productNumber"] for p in state.records("products")]
    assert len(numbers) == 12_000
    assert len(set(numbers)) == 12_000
    assert state.count("products") == 12_000
    assert "1001" in numbers  # the first thousand of a group keep their familiar numbers
