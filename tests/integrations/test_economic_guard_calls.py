"""Issue 11, Rackbeat → e-conomic: what the totals guard costs per invoice (e-conomic's request log).

The guard reads a line's VAT from e-conomic (product → group → sales account per VAT zone → VAT code):
once per session, not once per invoice; the draft e-conomic answered on creation is checked as it is
(no second PUT of the same document), and the draft is looked up once before sending, not twice.
"""

from __future__ import annotations

from collections import Counter

from tests.integrations.conftest import World
from tests.integrations.test_economic_books import books, line


def test_a_second_invoice_of_the_same_products_reads_no_vat_setup_again(world: World) -> None:
    with books(world) as b:
        product = b.world.ops.records("products")[0]["number"]
        first = b.invoice([line(product, "100.00", 25, 2)])
        assert b.transfer("invoice", first["number"]).ok, b.errors()

        world.economic_app.kit.clear_log()
        second = b.invoice([line(product, "40.00", 25, 3)])
        assert b.transfer("invoice", second["number"]).ok, b.errors()

        calls = Counter(f"{r.method} {r.path.split('/')[1]}" for r in world.economic_app.kit.requests)
        paths = [r.path for r in world.economic_app.kit.requests]
        vat_setup = ("/product-groups", "/vat-zones", "/vat-accounts")
        assert not [p for p in paths if p.startswith(vat_setup)], paths
        assert f"/products/{product}" not in paths
        assert calls["GET invoices"] == 4, paths  # booked by number and by reference, 2 draft look-ups
        assert calls["PUT invoices"] == 0 and calls["POST invoices"] == 2, paths  # the draft, its booking
