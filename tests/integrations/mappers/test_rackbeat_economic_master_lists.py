"""Seed 001's other master data: groups, units, layouts, payment terms, employees (both directions) and
the start-up sync's company and bank information."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.rackbeat_economic.mappers.company import (
    BankAccountToRackbeat,
    CompanyToRackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.employee import (
    EmployeeToEconomic,
    EmployeeToRackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.groups import (
    CustomerGroupToEconomic,
    NumberedToRackbeat,
    ProductGroupToEconomic,
    ProductGroupToRackbeat,
    SupplierGroupToEconomic,
    UnitToEconomic,
)
from ledgerbridge.integrations.rackbeat_economic.mappers.payment_term import (
    PaymentTermToEconomic,
    PaymentTermToRackbeat,
)
from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from tests.integrations.mappers.support import FakeContext

CTX = FakeContext(RackbeatEconomicSettings())


def test_groups_and_units_keep_number_and_name() -> None:
    record = {"number": 3, "name": "Engros", "has_inventory": True}
    assert CustomerGroupToEconomic().map(record, CTX, for_create=False) == {
        "customerGroupNumber": 3,
        "name": "Engros",
    }
    assert UnitToEconomic().map(record, CTX) == {"unitNumber": 3, "name": "Engros"}
    assert ProductGroupToEconomic().map(record, CTX) == {
        "productGroupNumber": 3,
        "name": "Engros",
        "inventoryEnabled": True,
    }


def test_a_new_customer_group_takes_the_debtor_account_an_update_does_not() -> None:
    record = {"number": 3, "name": "Engros"}
    with pytest.raises(MappingError, match="debtor account for a new customer group"):
        CustomerGroupToEconomic().map(record, CTX, for_create=True)
    settings = RackbeatEconomicSettings.model_validate(
        {"customer_invoices": {"account_for_customer_groups": 5600}}
    )
    created = CustomerGroupToEconomic().map(record, FakeContext(settings), for_create=True)
    assert created["account"] == {"accountNumber": 5600}
    assert "account" not in CustomerGroupToEconomic().map(record, FakeContext(settings), for_create=False)


def test_a_supplier_group_carries_the_account_only_when_set() -> None:
    record = {"number": 2, "name": "Udland"}
    assert "accountNumber" not in SupplierGroupToEconomic().map(record, CTX)
    settings = RackbeatEconomicSettings.model_validate(
        {"supplier_invoices": {"account_for_supplier_groups": 6800}}
    )
    assert SupplierGroupToEconomic().map(record, FakeContext(settings))["accountNumber"] == 6800


def test_startup_groups_units_and_layouts_bring_number_and_name_not_the_design() -> None:
    layout = {"layoutNumber": 19, "name": "Standard", "layoutDesign": "<svg/>"}
    assert NumberedToRackbeat("layoutNumber").map(layout, CTX) == {"number": 19, "name": "Standard"}


def test_startup_product_groups_arrive_with_inventory_on() -> None:
    group = {"productGroupNumber": 1, "name": "Varer", "inventoryEnabled": False}
    assert ProductGroupToRackbeat().map(group, CTX) == {"number": 1, "name": "Varer", "has_inventory": True}


@pytest.mark.parametrize(
    ("rackbeat_type", "economic_type"),
    [
        ("net", "net"),
        ("current_month", "invoiceMonth"),
        ("invoice_month", "invoiceMonth"),
        ("prepaid", "prepaid"),
    ],
)
def test_payment_terms_types(rackbeat_type: str, economic_type: str) -> None:
    record = {
        "number": 1,
        "name": "Netto 8",
        "type": rackbeat_type,
        "maturity_days": 8,
        "description": "8 dage",
    }
    assert PaymentTermToEconomic().map(record, CTX) == {
        "paymentTermsNumber": 1,
        "name": "Netto 8",
        "paymentTermsType": economic_type,
        "daysOfCredit": 8,
        "description": "8 dage",
    }


def test_payment_terms_refuse_an_unknown_type_both_ways() -> None:
    with pytest.raises(MappingError, match="no counterpart in e-conomic"):
        PaymentTermToEconomic().map({"number": 1, "type": "weekly"}, CTX)
    with pytest.raises(MappingError, match="no counterpart in Rackbeat"):
        PaymentTermToRackbeat().map({"paymentTermsNumber": 1, "paymentTermsType": "weekly"}, CTX)


def test_startup_payment_terms() -> None:
    record = {
        "paymentTermsNumber": 2,
        "name": "Løbende måned",
        "paymentTermsType": "invoiceMonth",
        "daysOfCredit": 30,
    }
    assert PaymentTermToRackbeat().map(record, CTX) == {
        "number": 2,
        "name": "Løbende måned",
        "type": "invoice_month",
        "maturity_days": 30,
    }


def test_employees_both_ways() -> None:
    rackbeat: dict[str, Any] = {
        "number": 4,
        "name": "Ane",
        "contact_email": "ane@x.dk",
        "contact_phone": "70",
    }
    economic = {"employeeNumber": 4, "name": "Ane", "email": "ane@x.dk", "phone": "70"}
    assert EmployeeToEconomic().map(rackbeat, CTX) == economic
    assert EmployeeToRackbeat().map(economic, CTX) == rackbeat


def test_startup_company_information_from_virksomhed() -> None:
    agreement = {"company": {"name": "Firma ApS", "addressLine1": "Vej 1", "zip": "8000", "vatNumber": "DK1"}}
    assert CompanyToRackbeat().map(agreement, CTX) == {
        "name": "Firma ApS",
        "address_street": "Vej 1",
        "address_zipcode": "8000",
        "vat_number": "DK1",
    }


def test_startup_bank_information_is_the_one_account() -> None:
    agreement = {
        "bankInformation": {"bankName": "Danske Bank", "bankSortCode": "1234", "bankAccountNumber": "5678"}
    }
    assert BankAccountToRackbeat().map(agreement, CTX) == {
        "name": "Danske Bank",
        "bank_name": "Danske Bank",
        "reg_number": "1234",
        "account_number": "5678",
        "is_default": True,
    }
