"""``GET /accountbalances/{date}`` and ``GET /accountbalances/{accountNumber}/{date}`` (``AccountBalanceApi``
of the 2026 OpenAPI): what the books say, read as the real API reads them.

Choices (UNCONFIRMED where the public material is silent): a balance is the sum of debit − credit of the
rows of every voucher (manual vouchers and the ones invoices book) in the fiscal year of ``date``, dated on
or before it, in the company's currency; every account of that year's chart is listed (0 when nothing was
booked on it), ordered by number; ``AccountType`` is the BAS class (the first digit) and
``AccountTypeDescription`` its name. A date outside every fiscal year is 400 ``ErrorCode`` 3001, an account
not in that year's chart 404, a malformed date 400/6000. The sum of all balances is the trial balance: 0.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from ledgerbridge.systems.eaccounting.sandbox.wire import (
    HttpError,
    error_response,
)

BAS_CLASSES = {
    1: "Tillgångar",
    2: "Eget kapital och skulder",
    3: "Rörelsens inkomster/intäkter",
    4: "Utgifter/kostnader för varor, material och vissa köpta tjänster",
    5: "Övriga externa rörelseutgifter/kostnader",
    6: "Övriga externa rörelseutgifter/kostnader",
    7: "Utgifter/kostnader för personal, avskrivningar m.m.",
    8: "Finansiella och andra inkomster/intäkter och utgifter/kostnader",
}


def day_of(text: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise HttpError(error_response(400, 6000, f"{text} is not a date (yyyy-MM-dd).")) from None


class AccountBalances:
    def __init__(self, state: EAccountingState) -> None:
        self.state = state

    def balances(self, day: date) -> list[dict[str, Any]]:
        """Every account of the fiscal year of ``day`` with its balance on that day."""
        year = self.state.fiscal_year_for(day)
        if year is None:
            raise HttpError(
                error_response(400, 3001, f"FiscalYearDoesNotExist: no fiscal year contains {day}.")
            )
        with self.state.lock:
            totals: dict[int, Decimal] = {}
            for voucher in self.state.records["vouchers"].values():
                if voucher["_FiscalYearId"] != year["Id"] or voucher["VoucherDate"] > day.isoformat():
                    continue
                for row in voucher["Rows"]:
                    number = int(row["AccountNumber"])
                    change = Decimal(str(row["DebitAmount"])) - Decimal(str(row["CreditAmount"]))
                    totals[number] = totals.get(number, Decimal(0)) + change
            accounts = [a for a in self.state.all("accounts") if a["FiscalYearId"] == year["Id"]]
        shown = []
        for account in sorted(accounts, key=lambda a: int(a["Number"])):
            number = int(account["Number"])
            shown.append(
                {
                    "AccountNumber": number,
                    "AccountName": account.get("Name"),
                    "Balance": totals.get(number, Decimal(0)),
                    "AccountType": number // 1000,
                    "AccountTypeDescription": BAS_CLASSES.get(number // 1000),
                }
            )
        return shown
