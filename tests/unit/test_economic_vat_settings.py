"""The e-conomic VAT mapping settings explain invalid combinations (issue 11)."""

from __future__ import annotations

import pydantic
import pytest

from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings


def test_vat_mapping_is_by_rate_and_rounding_needs_a_vat_free_product() -> None:
    ok = RackbeatEconomicSettings.model_validate(
        {
            "customer_invoices": {
                "vat_products": {"0": "MOMSFRI", "12.5": "N"},
                "allow_rounding_differences": True,
            }
        }
    )
    assert ok.customer_invoices.vat_products == {"0": "MOMSFRI", "12.5": "N"}
    assert RackbeatEconomicSettings().customer_invoices.allow_rounding_differences is False  # default off
    with pytest.raises(pydantic.ValidationError, match="'fri' is not a rate"):
        RackbeatEconomicSettings.model_validate({"customer_invoices": {"vat_products": {"fri": "MOMSFRI"}}})
    with pytest.raises(pydantic.ValidationError, match="choose the e-conomic product for 0 %"):
        RackbeatEconomicSettings.model_validate({"customer_invoices": {"allow_rounding_differences": True}})
