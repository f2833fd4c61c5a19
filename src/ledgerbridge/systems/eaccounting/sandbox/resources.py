"""The emulated resources: their writable fields (from the 2026 OpenAPI component schemas), the
required ones, and how a stored record is shown (read-only fields the server fills in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class F:
    """One writable field: ``kind`` is str, uuid, datetime, date (stored ``YYYY-MM-DD``), bool, int,
    number, list (of strings), uuids (list of GUIDs), labels (``[{Id}]``), object or rows."""

    kind: str
    max_length: int | None = None
    nullable: bool = True
    fallback: Any = None  # what an omitted non-nullable field becomes instead of the kind's zero
    # an object's own fields: others are dropped (as ASP.NET ignores unknown members), these are checked
    shape: dict[str, F] | None = field(default=None, hash=False, compare=False)

    def default(self) -> Any:
        """What a PUT that leaves the field out stores (eAccounting clears omitted fields)."""
        if self.fallback is not None:
            return self.fallback
        if self.nullable:
            return None
        zero = {"bool": False, "int": 0, "number": Decimal(0), "str": ""}
        return [] if self.kind in ("list", "uuids", "labels", "rows") else zero.get(self.kind)


@dataclass(frozen=True)
class Resource:
    name: str  # the path segment under /v2
    schema: str  # the OpenAPI component schema it follows
    fields: dict[str, F]
    required: tuple[str, ...] = ()
    deletable: bool = True
    stamp: str | None = "ChangedUtc"  # the timestamp every write sets (ModifiedUtc on some resources)
    show_created: bool = False  # whether GET shows CreatedUtc
    writable: bool = True  # False: GET only (POST/PUT/DELETE answer 405)
    custom: bool = False  # served by documents.py, not by the generic handlers
    references: dict[str, str] = field(default_factory=dict)  # field -> resource it must name
    operations: str | None = None  # the generic handlers' letters (crud.register_crud) when not the usual
    created_status: int = 201  # what a POST answers (the spec has 200 on some collections)


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
    "CustomerLabels": F("labels"),
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
    "ArticleLabels": F("labels"),
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


LABEL_FIELDS: dict[str, F] = {"Name": F("str", 50, False), "Description": F("str", 400)}

DELIVERY_METHOD_FIELDS: dict[str, F] = {
    "Name": F("str", 100, False),
    "NameEnglish": F("str", 200),
    "Code": F("str", 20),
}
DELIVERY_TERM_FIELDS: dict[str, F] = {
    **DELIVERY_METHOD_FIELDS,
    "Editable": F("bool", None, False, fallback=True),
}

CODING_FIELDS: dict[str, F] = {
    "Name": F("str"),
    "NameEnglish": F("str"),
    "Type": F("str"),
    "VatRate": F("str"),
    "IsActive": F("bool", None, False),
    "VatRatePercent": F("number", None, False),
    "DomesticSalesSubjectToReversedConstructionVatAccountNumber": F("int"),
    "DomesticSalesSubjectToVatAccountNumber": F("int"),
    "DomesticSalesVatExemptAccountNumber": F("int"),
    "ForeignSalesSubjectToMossAccountNumber": F("int"),
    "ForeignSalesSubjectToThirdPartySalesAccountNumber": F("int"),
    "ForeignSalesSubjectToVatWithinEuAccountNumber": F("int"),
    "ForeignSalesVatExemptOutsideEuAccountNumber": F("int"),
    "ForeignSalesVatExemptWithinEuAccountNumber": F("int"),
    "DomesticSalesVatCodeExemptAccountNumber": F("int"),
}

SUPPLIER_FIELDS: dict[str, F] = {
    "SupplierNumber": F("str", 16),
    "Address1": F("str", 50),
    "Address2": F("str", 50),
    "AutomaticPaymentService": F("bool", None, False),
    "BankAccountNumber": F("str", 50),
    "Clearing": F("str", 5),
    "BankBban": F("str", 50),
    "BankBic": F("str", 50),
    "BankCode": F("str", 50),
    "BankCountryCode": F("str", 2),
    "BankgiroNumber": F("str", 10),
    "BankIban": F("str", 50),
    "BankName": F("str", 50),
    "City": F("str", 50),
    "ContactPersonEmail": F("str", 255),
    "ContactPersonMobile": F("str", 50),
    "ContactPersonName": F("str", 50),
    "ContactPersonPhone": F("str", 50),
    "CorporateIdentityNumber": F("str", 20),
    "CountryCode": F("str", 2),
    "CurrencyCode": F("str", 3),
    "EmailAddress": F("str", 255),
    "MobilePhone": F("str", 50),
    "Name": F("str", 50, False),
    "Note": F("str", 4000),
    "PlusgiroNumber": F("str", 10),
    "PostalCode": F("str", 10),
    "Telephone": F("str", 50),
    "TermsOfPaymentId": F("uuid", None, False),
    "VatNumber": F("str", 20),
    "WwwAddress": F("str", 255),
    "BankFeeCode": F("int", None, False),
    "PayFromBankAccountId": F("uuid"),
    "UsesPaymentReferenceNumbers": F("bool", None, False),
    "IsActive": F("bool", None, False, fallback=True),
    "ProportionalVat": F("bool", None, False),
    "SelfEmployedWithoutFixedAddress": F("bool", None, False),
    "UseGroupCompany": F("bool"),
    "GroupAccountNumber": F("int"),
    "OurCustomerNumber": F("str", 40),
    "PurchaseDocumentLanguage": F("str", 2),
    "UsesAutomaticSupplierInvoiceApproval": F("bool", None, False),
    "UsesAutomaticInvoicePostToLedger": F("bool", None, False),
    "AccountingTemplateId": F("uuid"),
}

FISCAL_YEAR_FIELDS: dict[str, F] = {
    "StartDate": F("date", None, False),
    "EndDate": F("date", None, False),
    "IsLockedForAccounting": F("bool", None, False),
    "BookkeepingMethod": F("int", None, False),
}

VAT_CODE_FIELDS: dict[str, F] = {
    "Code": F("str"),
    "Description": F("str"),
    "VatRate": F("number", None, False),
    "OssCodeType": F("int", None, False),
    "RelatedAccounts": F("object"),
}

ACCOUNT_FIELDS: dict[str, F] = {
    "Name": F("str", 100, False),
    "Number": F("str", None, False),
    "VatCodeId": F("uuid"),
    "FiscalYearId": F("uuid", None, False),
    "IsActive": F("bool", None, False, fallback=True),
    "AllowTransactionText": F("bool", None, False, fallback=True),
    "IsFirstCostCenterMandatory": F("bool", None, False),
    "IsProjectAllowed": F("bool", None, False, fallback=True),
    "IsCostCenterAllowed": F("bool", None, False, fallback=True),
    "IsBlockedForManualBooking": F("bool", None, False),
}

# -- documents (served by documents.py) ----------------------------------------------------------------
_SALES_COMMON: dict[str, F] = {
    "YourReference": F("str", 100),
    "OurReference": F("str", 100),
    "BuyersOrderReference": F("str", 35),
    "InvoiceAddress1": F("str", 50),
    "InvoiceAddress2": F("str", 50),
    "DeliveryCustomerName": F("str", 100),
    "DeliveryAddress1": F("str", 50),
    "DeliveryAddress2": F("str", 50),
    "DeliveryPostalCode": F("str", 10),
    "DeliveryCity": F("str", 50),
    "DeliveryCountryCode": F("str", 2),
    "TermsOfPaymentId": F("uuid"),
    "EuThirdParty": F("bool", None, False),
    "RotReducedInvoicingType": F("int", None, False),
    "RotPropertyType": F("int"),
    "UsesGreenTechnology": F("bool", None, False),
    "DeliveryDate": F("date"),
    "Rows": F("rows", None, False),
}

DRAFT_FIELDS: dict[str, F] = {
    **_SALES_COMMON,
    "CustomerId": F("uuid", None, False),
    "IsCreditInvoice": F("bool", None, False),
    "RotReducedInvoicingPropertyName": F("str", 40),
    "RotReducedInvoicingOrgNumber": F("str", 11),
    "RotReducedInvoicingAmount": F("number", None, False),
    "RotReducedInvoicingAutomaticDistribution": F("bool", None, False),
    "HouseWorkOtherCosts": F("number"),
    "ElectronicReference": F("str", 100),
    "SubscriptionNumber": F("str", 100),
    "ContractNumber": F("str", 100),
    "DeliveryCustomerName": F("str", 50),
    "DeliveryMethodName": F("str", 50),
    "DeliveryTermName": F("str", 50),
    "DeliveryMethodCode": F("str", 20),
    "DeliveryTermCode": F("str", 20),
    "InvoiceDate": F("date"),
    "DueDate": F("date"),
    "ReplaceUnitPriceWhenZero": F("bool", None, False),
    "IsDirectDebit": F("bool"),
    "BackgroundId": F("uuid"),
}

SALES_ROW_FIELDS: dict[str, F] = {
    "ArticleId": F("uuid"),
    "ArticleNumber": F("str", 40),
    "IsTextRow": F("bool", None, False),
    "Text": F("str", 2000),
    "UnitPrice": F("number"),
    "DiscountPercentage": F("number", None, False),
    "Quantity": F("number", None, False),
    "WorkCostType": F("int", None, False),
    "IsWorkCost": F("bool", None, False),
    "WorkHours": F("number"),
    "MaterialCosts": F("number"),
    "ReversedConstructionServicesVatFree": F("bool", None, False),
    "CostCenterItemId1": F("uuid"),
    "CostCenterItemId2": F("uuid"),
    "CostCenterItemId3": F("uuid"),
    "ProjectId": F("uuid"),
    "GreenTechnologyType": F("int", None, False),
    "IsVatFree": F("bool", None, False),
    "DeliveredQuantity": F("number", None, False),
    "EligibleForReverseChargeOnVat": F("bool", None, False),
}

INVOICE_FIELDS: dict[str, F] = {
    **DRAFT_FIELDS,
    "InvoicePostalCode": F("str", 50),
    "InvoiceCity": F("str", 50),
    "InvoiceCountryCode": F("str", 2),
    "CurrencyRate": F("number"),
    "RotReducedInvoicingAmount": F("number"),
    "EdiServiceDelivererId": F("str", 50),
    "CreatedFromDraftId": F("uuid"),
    "SendType": F("int"),
    "WorkHouseOtherCosts": F("number"),
    "ElectronicReference": F("str"),
}

ORDER_FIELDS: dict[str, F] = {
    **_SALES_COMMON,
    "CustomerId": F("uuid", None, False),
    "CurrencyCode": F("str", 3),
    "InvoiceCity": F("str"),
    "InvoiceCountryCode": F("str", 2),
    "InvoiceCustomerName": F("str", 50),
    "InvoicePostalCode": F("str", 10),
    "DeliveryMethodName": F("str", 50),
    "DeliveryMethodCode": F("str", 20),
    "DeliveryTermName": F("str", 50),
    "DeliveryTermCode": F("str", 20),
    "ReverseChargeOnConstructionServices": F("bool", None, False),
    "OrderDate": F("date", None, False),
    "Status": F("int", None, False, fallback=1),
    "ShippedDateTime": F("date"),
    "HouseWorkAmount": F("number", None, False),
    "HouseWorkAutomaticDistribution": F("bool", None, False),
    "HouseWorkCorporateIdentityNumber": F("str", 20),
    "HouseWorkPropertyName": F("str", 100),
}

SUPPLIER_DRAFT_FIELDS: dict[str, F] = {
    "SupplierId": F("uuid", None, False),
    "BankAccountId": F("uuid"),
    "InvoiceDate": F("date"),
    "PaymentDate": F("date"),
    "DueDate": F("date"),
    "InvoiceNumber": F("str", 50),
    "TotalAmount": F("number", None, False),
    "Vat": F("number"),
    "VatHigh": F("number", None, False),
    "VatMedium": F("number", None, False),
    "VatLow": F("number", None, False),
    "IsCreditInvoice": F("bool", None, False),
    "CurrencyCode": F("str", 3),
    "CurrencyRate": F("number"),
    "OcrNumber": F("str", 25),
    "Message": F("str", 25),
    "Rows": F("rows", None, False),
    "SupplierName": F("str", 50),
    "SupplierNumber": F("str", 50),
    "SelfEmployedWithoutFixedAddress": F("bool", None, False),
    "IsQuickInvoice": F("bool", None, False),
    "IsDomestic": F("bool"),
    "SkipSendToBank": F("bool"),
    "AccountingTemplateId": F("uuid"),
}

SUPPLIER_DRAFT_ROW_FIELDS: dict[str, F] = {
    "AccountNumber": F("int", None, False),
    "AccountName": F("str"),
    "VatCodeId": F("uuid"),
    "CostCenterItemId1": F("uuid"),
    "CostCenterItemId2": F("uuid"),
    "CostCenterItemId3": F("uuid"),
    "ProjectId": F("uuid"),
    "DebitAmount": F("number", None, False),
    "CreditAmount": F("number", None, False),
    "TransactionText": F("str", 100),
}

VOUCHER_FIELDS: dict[str, F] = {
    "VoucherDate": F("date", None, False),
    "VoucherText": F("str", 1000, False),
    "Rows": F("rows", None, False),
    "NumberSeries": F("str", 10),
}

VOUCHER_ROW_FIELDS: dict[str, F] = {
    "AccountNumber": F("int", None, False),
    "DebitAmount": F("number", None, False),
    "CreditAmount": F("number", None, False),
    "TransactionText": F("str", 60),
    "CostCenterItemId1": F("uuid"),
    "CostCenterItemId2": F("uuid"),
    "CostCenterItemId3": F("uuid"),
    "VatCodeId": F("uuid"),
    "ProjectId": F("uuid"),
}

_TEXTS = ("CustomerInvoiceText", "OrderText", "OverDueText")  # ≤ 400 characters
_EMAIL_TEXTS = ("QuoteEmail", "InvoiceEmail", "OrderEmail", "PurchaseOrderEmail")  # ≤ 2048
COMPANY_TEXT_FIELDS: dict[str, F] = {
    f"{kind}{where}": F("str", 400 if kind in _TEXTS else 2048)
    for kind in (*_TEXTS, *_EMAIL_TEXTS)
    for where in ("Domestic", "Foreign")
}
ROT_RUT_FIELDS: dict[str, F] = {
    name: F("number", None, False)
    for name in (
        "RutMaxAmountForPersBelow65Year",
        "RutMaxAmountForPersOver65Year",
        "RutReducedInvoicingPercent",
        "RotReducedInvoicingMaxAmount",
        "RotReducedInvoicingPercent",
    )
}
SCANNING_ADDRESS_FIELDS: dict[str, F] = {
    name: F("str") for name in ("Name", "Address1", "Address2", "PostCode", "PostOffice", "Email")
}

COMPANY_FIELDS: dict[str, F] = {
    "Name": F("str", 100, False),
    "Email": F("str", 255),
    "Phone": F("str", 20),
    "MobilePhone": F("str", 20),
    "Address1": F("str", 40, False),
    "Address2": F("str", 40),
    "CountryCode": F("str", 2, False),
    "PostalCode": F("str", 10, False),
    "City": F("str", 40, False),
    "Website": F("str", 255),
    "OurReference": F("str", 100),
    "BankGiro": F("str"),
    "PlusGiro": F("str"),
    "ActivatedModules": F("list"),
    "CompanyText": F("object", shape=COMPANY_TEXT_FIELDS),
    "UsesMoss": F("bool", None, False),
    "UsesPaymentReferenceNumber": F("bool", None, False),
    "UsesSupplierInvoiceEdit": F("bool"),
    "UseAdvancedMode": F("bool"),
    "UsesReverseConstructionVat": F("bool", None, False),
    "UsesRotReducedInvoicing": F("bool", None, False),
    "CompanyRotRutSettings": F("object", shape=ROT_RUT_FIELDS),
    "BankgiroNumberPrint": F("str"),
    "KeepOriginalDraftDate": F("bool"),
    "UsePaymentFilesForOutgoingPayments": F("bool", None, False),
    "UseAutomaticVatCalculation": F("bool"),
    "UsesVatTriangulationRules": F("bool", None, False),
    "Swish": F("str", 20),
    "FirstPaymentReminderWithoutFee": F("bool"),
    "LatePaymentFee": F("number"),
    "DefaultBackgroundId": F("uuid"),
    "CompanyScanningAddress": F("object", shape=SCANNING_ADDRESS_FIELDS),
}


# -- what the Severa integration needs (served by costcenters.py and purchases.py; bank accounts are generic)
COST_CENTER_FIELDS: dict[str, F] = {"Name": F("str", 20, False), "IsActive": F("bool", None, False)}

COST_CENTER_ITEM_FIELDS: dict[str, F] = {
    "CostCenterId": F("uuid", None, False),
    "Name": F("str", 50, False),
    "ShortName": F("str", 9, False),
    "IsActive": F("bool", None, False),
}

SUPPLIER_INVOICE_FIELDS: dict[str, F] = {
    "SupplierId": F("uuid", None, False),
    "InvoiceDate": F("date"),
    "DueDate": F("date"),
    "InvoiceNumber": F("str", None, False),
    "TotalAmount": F("number", None, False),
    "Vat": F("number", None, False),
    "VatHigh": F("number", None, False),
    "VatMedium": F("number", None, False),
    "VatLow": F("number", None, False),
    "IsCreditInvoice": F("bool", None, False),
    "CurrencyCode": F("str", 3),
    "CurrencyRate": F("number", None, False),
    "OcrNumber": F("str", 25),
    "Message": F("str"),
    "Rows": F("rows"),
    "AutoCreditDebitPairing": F("bool", None, False),
    "SupplierInvoiceOrigin": F("int", None, False),
    "Attachments": F("uuids"),
    "SkipSendToBank": F("bool"),
    "AccountingTemplateId": F("uuid"),
}

SUPPLIER_INVOICE_ROW_FIELDS: dict[str, F] = {
    "AccountNumber": F("int", None, False),
    "VatCodeId": F("uuid"),
    "VatAmount": F("number"),
    "CostCenterItemId1": F("uuid"),
    "CostCenterItemId2": F("uuid"),
    "CostCenterItemId3": F("uuid"),
    "DebetAmount": F("number", None, False),
    "CreditAmount": F("number", None, False),
    "ProjectId": F("uuid"),
    "TransactionText": F("str", 100),
}

BANK_ACCOUNT_FIELDS: dict[str, F] = {
    "Bank": F("uuid"),
    "BankAccountType": F("int", None, False),
    "Bban": F("str", 35),
    "Iban": F("str", 35),
    "Name": F("str", 200, False),
    "NameEnglish": F("str", 200),
    "IsActive": F("bool", None, False, fallback=True),
    "LedgerAccountNumber": F("int", None, False),
    "IsDefaultChequeAccount": F("bool", None, False),
    "BankAccountHolderName": F("str"),
}

INVOICE_PAYMENT_FIELDS: dict[str, F] = {
    "CompanyBankAccountId": F("uuid", None, False),
    "PaymentDate": F("date", None, False),
    "Reference": F("str", 100),
    "PaymentAmount": F("number", None, False),
    "PaymentCurrency": F("str", None, False),
    "DomesticPaymentAmount": F("number"),
    "BankFeeAmount": F("number"),
    "PaymentType": F("int", None, False),
    "FactoringFeeAmount": F("number"),
    "FactoringFeeAccountNumber": F("int"),
}


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        Resource(
            "customers",
            "CustomerApi",
            CUSTOMER_FIELDS,
            ("Name", "IsPrivatePerson", "IsActive", "TermsOfPaymentId", "InvoicePostalCode", "InvoiceCity"),
            references={
                "TermsOfPaymentId": "termsofpayments",
                "CustomerLabels": "customerlabels",
            },
        ),
        Resource(
            "articles",
            "ArticleApi",
            ARTICLE_FIELDS,
            ("Number", "Name", "CodingId", "UnitId", "IsActive"),
            deletable=False,
            show_created=True,
            references={
                "UnitId": "units",
                "CodingId": "articleaccountcodings",
                "ArticleLabels": "articlelabels",
            },
        ),
        Resource("units", "UnitApi", UNIT_FIELDS, ("Name",), stamp=None, writable=False),
        Resource("termsofpayments", "TermsOfPaymentApi", TERMS_FIELDS, ("Name",), stamp=None, writable=False),
        Resource("articlelabels", "ArticleLabelApi", LABEL_FIELDS, ("Name",), stamp=None),
        Resource("customerlabels", "CustomerLabelApi", LABEL_FIELDS, ("Name",), stamp=None),
        # GET list, GET one and POST (answered 200, as the spec says); no PUT or DELETE in the spec.
        Resource(
            "deliverymethods",
            "DeliveryMethodApi",
            DELIVERY_METHOD_FIELDS,
            ("Name",),
            stamp=None,
            operations="LGC",
            created_status=200,
        ),
        Resource(
            "deliveryterms",
            "DeliveryTermApi",
            DELIVERY_TERM_FIELDS,
            ("Name",),
            stamp=None,
            operations="LGC",
            created_status=200,
        ),
        Resource("articleaccountcodings", "ArticleAccountCodingApi", CODING_FIELDS, writable=False),
        Resource(
            "suppliers",
            "SupplierApi",
            SUPPLIER_FIELDS,
            ("Name", "TermsOfPaymentId"),
            stamp="ModifiedUtc",
            show_created=True,
            references={"TermsOfPaymentId": "termsofpayments"},
        ),
        Resource("fiscalyears", "FiscalYearApi", FISCAL_YEAR_FIELDS, writable=False, stamp=None),
        Resource("vatcodes", "VatCodeApi", VAT_CODE_FIELDS, writable=False, stamp=None),
        Resource("accounts", "AccountApi", ACCOUNT_FIELDS, stamp="ModifiedUtc", custom=True),
        Resource(
            "customerinvoicedrafts", "CustomerInvoiceDraftApi", DRAFT_FIELDS, ("CustomerId",), custom=True
        ),
        Resource("customerinvoices", "CustomerInvoiceApi", INVOICE_FIELDS, ("CustomerId",), custom=True),
        Resource(
            "orders", "OrderApi", ORDER_FIELDS, ("CustomerId", "OrderDate"), stamp="ModifiedUtc", custom=True
        ),
        Resource(
            "supplierinvoicedrafts",
            "SupplierInvoiceDraftApi",
            SUPPLIER_DRAFT_FIELDS,
            ("SupplierId", "Rows"),
            stamp="ModifiedUtc",
            custom=True,
        ),
        Resource(
            "vouchers",
            "VoucherApi",
            VOUCHER_FIELDS,
            ("VoucherDate", "VoucherText", "Rows"),
            stamp="ModifiedUtc",
            custom=True,
        ),
        Resource("companysettings", "CompanySettingsApi", COMPANY_FIELDS, custom=True),
        Resource("costcenters", "CostCenterApi", COST_CENTER_FIELDS, ("Name",), stamp=None, custom=True),
        Resource(
            "costcenteritems",
            "CostCenterItemApi",
            COST_CENTER_ITEM_FIELDS,
            ("CostCenterId", "IsActive", "Name", "ShortName"),
            stamp=None,
            custom=True,
        ),
        Resource(
            "supplierinvoices",
            "SupplierInvoiceApi",
            SUPPLIER_INVOICE_FIELDS,
            ("InvoiceNumber", "SupplierId", "TotalAmount"),
            stamp="ModifiedUtc",
            custom=True,
        ),
        Resource("currencies", "CurrencyApi", {}, stamp=None, writable=False, custom=True),
        Resource("countries", "CountryApi", {}, stamp=None, writable=False, custom=True),
        Resource("accounttypes", "AccountTypesApi", {}, stamp=None, writable=False, custom=True),
        Resource("accountbalances", "AccountBalanceApi", {}, stamp=None, writable=False, custom=True),
        Resource(
            "bankaccounts",
            "BankAccountApi",
            BANK_ACCOUNT_FIELDS,
            ("BankAccountType", "LedgerAccountNumber", "Name"),
            stamp="ModifiedUtc",
        ),
    )
}

ALIASES = {"termsofpayment": "termsofpayments"}  # the singular spelling of the field docs, kept as an alias
