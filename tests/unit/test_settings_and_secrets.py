"""Typed settings refuse what the incumbent silently accepts; credentials are sealed at rest."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from ledgerbridge.crypto import SecretBox
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings


def test_never_post_ean_requires_posting() -> None:
    with pytest.raises(pydantic.ValidationError, match="only has a meaning together with 'post_invoices'"):
        RackbeatEconomicSettings.model_validate({"customer_invoices": {"never_post_ean_invoices": True}})
    ok = RackbeatEconomicSettings.model_validate(
        {"customer_invoices": {"never_post_ean_invoices": True, "post_invoices": True}}
    )
    assert ok.customer_invoices.never_post_ean_invoices


def test_inventory_value_needs_its_accounts() -> None:
    with pytest.raises(pydantic.ValidationError, match="inventory_account, offset_account"):
        RackbeatEconomicSettings.model_validate({"inventory_value": {"enabled": True, "day_book": 3}})


def test_unknown_settings_are_refused_not_ignored() -> None:
    with pytest.raises(pydantic.ValidationError, match="Extra inputs are not permitted"):
        RackbeatEconomicSettings.model_validate({"customer_invoice": {}})


def test_startup_entities_are_checked() -> None:
    with pytest.raises(pydantic.ValidationError):
        RackbeatEconomicSettings.model_validate({"startup": {"entities": ["customers"]}})


def test_secret_box_round_trips_and_creates_a_private_key(tmp_path: Path) -> None:
    box = SecretBox.for_home(tmp_path)
    sealed = box.seal({"token": "s3cret"})
    assert "s3cret" not in sealed
    assert SecretBox.for_home(tmp_path).open(sealed) == {"token": "s3cret"}
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_wrong_key_says_so(tmp_path: Path) -> None:
    sealed = SecretBox.for_home(tmp_path / "a").seal({"x": 1})
    with pytest.raises(ValueError, match="not the key they were saved with"):
        SecretBox.for_home(tmp_path / "b").open(sealed)


def test_one_stop_vat_needs_the_country_zones() -> None:
    with pytest.raises(pydantic.ValidationError, match="one_stop_vat_zones"):
        RackbeatEconomicSettings.model_validate({"customer_invoices": {"one_stop_vat": True}})
    ok = RackbeatEconomicSettings.model_validate(
        {"customer_invoices": {"one_stop_vat": True, "one_stop_vat_zones": {"Tyskland": 17}}}
    )
    assert ok.customer_invoices.one_stop_vat_zones == {"Tyskland": 17}
