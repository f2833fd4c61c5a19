"""``/accountbalances``: the sandbox's books read as the real API reads them (issue 11)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from ledgerbridge.systems.eaccounting.sandbox.balances import AccountBalances
from ledgerbridge.systems.eaccounting.sandbox.documents import Documents
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState
from tests.systems.eaccounting.test_contract import assert_valid


def test_balances_sum_to_zero_and_follow_the_vouchers_up_to_the_date(
    raw: httpx.Client, state: EAccountingState, specs_dir: Path
) -> None:
    documents = Documents(state)
    for day, amount in (("2025-01-08", "100.00"), ("2025-02-01", "40.50")):
        documents.create_voucher(
            {
                "VoucherDate": day,
                "VoucherText": "Kontantförsäljning",
                "Rows": [
                    {"AccountNumber": 1930, "DebitAmount": Decimal(amount), "CreditAmount": 0},
                    {"AccountNumber": 3001, "DebitAmount": 0, "CreditAmount": Decimal(amount)},
                ],
            }
        )
    page = raw.get("/v2/accountbalances/2025-01-31", params={"$pagesize": 1000}).json()
    assert_valid(specs_dir, "PaginatedResponseOfAccountBalanceApi", page)
    balances = {b["AccountNumber"]: Decimal(str(b["Balance"])) for b in page["Data"]}
    assert balances[1930] == Decimal(100) and balances[3001] == Decimal(-100)
    assert sum(balances.values()) == 0
    one = raw.get("/v2/accountbalances/1930/2025-02-28").json()
    assert_valid(specs_dir, "AccountBalanceApi", one)
    assert Decimal(str(one["Balance"])) == Decimal("140.50") and one["AccountType"] == 1
    assert raw.get("/v2/accountbalances/9999/2025-02-28").status_code == 404
    assert raw.get("/v2/accountbalances/1999-01-01").json()["ErrorCode"] == 3001
    assert raw.get("/v2/accountbalances/yesterday").status_code == 400
    assert raw.post("/v2/accountbalances/2025-01-31", json={}).status_code == 405
    assert all(b["Balance"] == 0 for b in AccountBalances(state).balances(date(2025, 1, 7)))
