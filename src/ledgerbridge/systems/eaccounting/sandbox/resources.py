"""The emulated resources: their writable fields (from the 2026 OpenAPI component schemas), the
required ones, and how a stored record is shown (read-only fields the server fills in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class F:
    """One writable field: ``kind`` is str, uuid, datetime, bool, int, number or list (of strings)."""

    kind: str
    max_length: int | None = None
    nullable: bool = True

    def default(self) -> Any:
        """What a PUT that leaves the field out stores (eAccounting clears omitted fields)."""
        if self.nullable:
            return None
        return {"bool": False, "int": 0, "number": Decimal(0), "list": [], "str": ""}.get(self.kind)


@dataclass(frozen=True)
class Resource:
    name: str  # the path segment under /v2
    schema: str  # the OpenAPI component schema it follows
    fields: dict[str, F]
    required: tuple[str, ...] = ()
    deletable: bool = True
    has_changed_utc: bool = True
    references: dict[str, str] = field(default_factory=dict)  # field -> resource it must name


CUSTOMER_FIELDS: dict[str, F] = {
    "CustomerNumber": F("str", 16),
    "CorporateIdentityNumber": F("str", 20),
    "Name": F("str", 50, False),
    "IsPrivatePerson": F("bool", None, False),
    "IsActive": F("bool", None, False),
    "TermsOfPaymentId": F("uuid", None, False),
    "InvoiceAddress1": F("str", 50),
    "InvoiceAddress2": F("str", 50),
    "InvoicePostalCode": F("str", 10, False),
    "InvoiceCity": F("str", 50, False),
    "InvoiceCountryCode": F("str", 2),
    "DeliveryCustomerName": F("str", 100),
    "DeliveryAddress1": F("str", 50),
    "DeliveryAddress2": F("str", 50),
    "DeliveryPostalCode": F("str", 10),
    "DeliveryCity": F("str", 50),
    "DeliveryCountryCode": F("str", 2),
    "DeliveryMethodId": F("uuid"),
    "DeliveryTermId": F("uuid"),
    "EmailAddress": F("str", 255),
    "EmailAddresses": F("list"),
    "EmailAddressOrder": F("str", 255),
    "EmailAddressQuote": F("str", 255),
    "Telephone": F("str", 50),
    "MobilePhone": F("str", 50),
    "ContactPersonName": F("str", 100),
    "ContactPersonEmail": F("str", 255),
    "ContactPersonPhone": F("str", 50),
    "ContactPersonMobile": F("str", 50),
    "CurrencyCode": F("str", 3),
    "VatNumber": F("str", 20),
    "WwwAddress": F("str", 255),
    "Note": F("str", 4000),
    "DiscountPercentage": F("number", None, False),
    "ReverseChargeOnConstructionServices": F("bool", None, False),
    "ForceBookkeepVat": F("bool", None, False),
    "DeliveryBasedVat": F("bool", None, False),
    "IsNorthernIreland": F("bool"),
    "WebshopCustomerNumber": F("int"),
    "GLN": F("str", 255),
    "EdiGlnNumber": F("str", 255),
    "ElectronicAddress": F("str", 255),
    "ElectronicReference": F("str", 35),
    "EdiServiceDelivererId": F("str", 255),
    "SalesDocumentLanguage": F("str", 2),
    "SalesPriceListId": F("uuid"),
    "DiscountAgreementId": F("uuid"),
    "Iban": F("str", 35),
    "IsDirectDebitEnabled": F("bool"),
    "PropertyType": F("int"),
    "PropertyReference": F("str", 40),
    "TaxDeductionNumber": F("str"),
    "AutoInvoiceActivationEmailSentDate": F("datetime"),
    "AutoInvoiceRegistrationRequestSentDate": F("datetime"),
}

ARTICLE_FIELDS: dict[str, F] = {
    "Number": F("str", 40, False),
    "Name": F("str", 50, False),
    "NameEnglish": F("str", 50),
    "IsActive": F("bool", None, False),
    "CodingId": F("uuid", None, False),
    "UnitId": F("uuid", None, False),
    "NetPrice": F("number", None, False),
    "NetPriceWithDiscount": F("number", None, False),
    "GrossPrice": F("number", None, False),
    "PurchasePrice": F("number", None, False),
    "StockBalance": F("number", None, False),
    "HouseWorkType": F("int"),
    "SendToWebshop": F("bool", None, False),
    "UsesMoss": F("bool", None, False),
    "Note": F("str", 4000),
    "IsStock": F("bool", None, False),
    "StockLocationReference": F("str"),
    "FreightCosts": F("number", None, False),
    "UpdateStockPrices": F("bool", None, False),
    "GreenTechnologyType": F("int"),
    "DiscountPercentage": F("number", None, False),
    "CurrencyCode": F("str", 3),
    "PurchasePriceWithCurrency": F("number", None, False),
    "FreightCostWithCurrency": F("number", None, False),
    "OrderingPoint": F("number"),
    "SupplierId": F("uuid"),
    "SupplierArticleNumber": F("str", 16),
}

UNIT_FIELDS: dict[str, F] = {
    "Name": F("str"),
    "Code": F("str"),
    "Abbreviation": F("str"),
    "AbbreviationEnglish": F("str"),
}

TERMS_FIELDS: dict[str, F] = {
    "Name": F("str"),
    "NameEnglish": F("str"),
    "NumberOfDays": F("int", None, False),
    "TermsOfPaymentTypeId": F("int", None, False),
    "TermsOfPaymentTypeText": F("str"),
    "AvailableForSales": F("bool", None, False),
    "AvailableForPurchase": F("bool", None, False),
}

TERMS_TYPE_TEXT = {
    0: "Normal",
    1: "CurrentMonth",
    2: "Cash",
    3: "CardPayment",
    4: "DigitalWallet",
    5: "PaymentServiceProvider",
}


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            "customers",
            "CustomerApi",
            CUSTOMER_FIELDS,
            ("Name", "IsPrivatePerson", "IsActive", "TermsOfPaymentId", "InvoicePostalCode", "InvoiceCity"),
            references={"TermsOfPaymentId": "termsofpayment"},
        ),
        Resource(
            "articles",
            "ArticleApi",
            ARTICLE_FIELDS,
            ("Number", "Name", "CodingId", "UnitId", "IsActive"),
            deletable=False,
            references={"UnitId": "units"},
        ),
        Resource("units", "UnitApi", UNIT_FIELDS, ("Name",), has_changed_utc=False),
        Resource("termsofpayment", "TermsOfPaymentApi", TERMS_FIELDS, ("Name",), has_changed_utc=False),
    )
}
