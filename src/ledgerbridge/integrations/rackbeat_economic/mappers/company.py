"""Company and bank information, e-conomic → Rackbeat only (start-up sync, seed 001).

"Virksomheds oplysninger -> Hentes fra 'Virksomhed' under stamoplysninger", and "Bank oplysninger ->
Hentes fra 'Øvrige oplysninger' ... Yderligere bankkonti hentes ikke": both from e-conomic's ``/self``.
"""

from __future__ import annotations

from ledgerbridge.engine.streams import MapContext, Payload, Record
from ledgerbridge.integrations.mapping import Mapper, mapping

# e-conomic's ``company`` field → Rackbeat's company setting
COMPANY_FIELDS = (
    ("name", "name"),
    ("addressLine1", "address_street"),
    ("addressLine2", "address_street2"),
    ("zip", "address_zipcode"),
    ("city", "address_city"),
    ("country", "address_country"),
    ("phoneNumber", "phone"),
    ("email", "email"),
    ("website", "website"),
    ("companyIdentificationNumber", "company_identification_number"),
    ("vatNumber", "vat_number"),
    ("attention", "attention"),
)


class CompanyToRackbeat(Mapper):
    """Company information, from 'Virksomhed' in e-conomic's master data (``/self``)."""

    drop_empty = True

    @mapping
    def company(self, record: Record, ctx: MapContext) -> Payload:
        company = record.get("company") or {}
        return {target: company.get(source) for source, target in COMPANY_FIELDS}


class BankAccountToRackbeat(Mapper):
    """Bank information, from 'Øvrige oplysninger' (``/self``): the one account; no further ones."""

    drop_empty = True

    @mapping
    def bank(self, record: Record, ctx: MapContext) -> Payload:
        bank = record.get("bankInformation") or {}
        return {
            "name": bank.get("bankName") or "Bank account",
            "bank_name": bank.get("bankName"),
            "reg_number": bank.get("bankSortCode"),
            "account_number": bank.get("bankAccountNumber"),
            "is_default": True,
        }


map_company_to_rackbeat = CompanyToRackbeat()
map_bank_account_to_rackbeat = BankAccountToRackbeat()
