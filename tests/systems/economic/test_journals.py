"""Journals, accounting years and vouchers over HTTP, and ``state.journal_entries``."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from ledgerbridge.systems.economic import EconomicClient, EconomicState

from .builders import call, codes, doc, errors_of, finance_voucher, supplier_invoice, voucher

D = Decimal


def post(base_url: str, journal: int, body: Any, **kwargs: Any) -> Any:
    response = call(base_url, "POST", f"/journals/{journal}/vouchers", json=body, **kwargs)
    assert response.status_code == 201, response.text
    answer = doc(response)
    assert isinstance(answer, list)
    return answer


def balances(state: EconomicState, journal: int | None = None) -> dict[tuple[int, str, int], Decimal]:
    """Σ amountBaseCurrency per voucher."""
    sums: dict[tuple[int, str, int], Decimal] = defaultdict(Decimal)
    for posting in state.journal_entries(journal):
        key = (posting["journalNumber"], posting["accountingYear"], posting["voucherNumber"])
        sums[key] += posting["amountBaseCurrency"]
    return dict(sums)


def test_journals_and_accounting_years_are_seeded(base_url: str) -> None:
    journals = call(base_url, "GET", "/journals").json()["collection"]
    assert [(j["journalNumber"], j["name"]) for j in journals] == [
        (1, "Kassekladde"),
        (2, "Kreditorfakturaer"),
        (3, "Lager"),
    ]
    one = call(base_url, "GET", "/journals/2").json()
    assert one["settings"]["voucherNumbers"] == {"minimumVoucherNumber": 10000, "maximumVoucherNumber": 19999}
    assert one["vouchers"] == f"{base_url}/journals/2/vouchers"
    assert (
        call(base_url, "GET", "/journals", params={"filter": "name$like:lager"}).json()["pagination"][
            "results"
        ]
        == 1
    )
    years = call(base_url, "GET", "/accounting-years").json()["collection"]
    assert [y["year"] for y in years] == ["2024", "2025", "2026", "2027"]
    assert call(base_url, "GET", "/accounting-years/2026").json()["toDate"] == "2026-12-31"


def test_one_voucher_in_an_array_out(base_url: str, state: EconomicState) -> None:
    answer = post(base_url, 2, voucher(supplierInvoices=[supplier_invoice()]))
    assert len(answer) == 1
    created = answer[0]
    assert created["voucherNumber"] == 10000  # the journal's first number
    assert created["accountingYear"]["year"] == "2026" and created["journal"]["journalNumber"] == 2
    assert created["self"] == f"{base_url}/journals/2/vouchers/2026-10000"
    entry = created["entries"]["supplierInvoices"][0]
    assert entry["journalEntryNumber"] == 1 and entry["entryType"] == "supplierInvoice"
    assert entry["amount"] == D("-1250") and entry["amountBaseCurrency"] == D("-1250")
    assert entry["supplier"]["supplierNumber"] == 1 and entry["supplierInvoiceNumber"] == "F-1"
    assert entry["voucher"]["voucherNumber"] == 10000
    assert (
        post(base_url, 2, voucher(supplierInvoices=[supplier_invoice(number="F-2")]))[0]["voucherNumber"]
        == 10001
    )
    # the supplier's side goes to its group's account (6110), the expense to the contra account
    postings = [(p["side"], p["accountNumber"], p["amount"]) for p in state.journal_entries(2)][:2]
    assert postings == [("entry", 6110, D("-1250.00")), ("contra", 1210, D("1250.00"))]


def test_several_vouchers_and_balanced_finance_vouchers(base_url: str, state: EconomicState) -> None:
    unbalanced_pair = voucher(
        financeVouchers=[
            finance_voucher(1250, None, D("312.50"), text="Lagerregulering"),
            finance_voucher(5510, None, D("-312.50"), text="Lagerregulering"),
        ]
    )
    with_contra = voucher(financeVouchers=[finance_voucher(1250, 5510, D("-42.10"), text="Svind")])
    answer = post(base_url, 3, [unbalanced_pair, with_contra, {**with_contra, "voucherNumber": 20500}])
    assert [v["voucherNumber"] for v in answer] == [20000, 20001, 20500]
    assert [len(v["entries"]["financeVouchers"]) for v in answer] == [2, 1, 1]
    assert balances(state, 3) == {(3, "2026", 20000): 0, (3, "2026", 20001): 0, (3, "2026", 20500): 0}
    rows = state.journal_entries(3)
    assert [(r["side"], r["accountNumber"], r["amount"]) for r in rows[:4]] == [
        ("entry", 1250, D("312.50")),
        ("entry", 5510, D("-312.50")),
        ("entry", 1250, D("-42.10")),
        ("contra", 5510, D("42.10")),
    ]
    assert rows[0]["journalEntryNumber"] == 1 and rows[0]["text"] == "Lagerregulering"
    # entries can be added to an existing voucher by giving its number
    post(base_url, 3, {**voucher(financeVouchers=[finance_voucher(1250, 5510, 1)]), "voucherNumber": 20000})
    listed = call(base_url, "GET", "/journals/3/vouchers").json()
    assert listed["pagination"]["results"] == 3
    assert len(listed["collection"][0]["entries"]["financeVouchers"]) == 3
    single = call(base_url, "GET", "/journals/3/vouchers/2026-20000").json()
    assert single["voucherNumber"] == 20000 and len(single["entries"]["financeVouchers"]) == 3
    assert call(base_url, "GET", "/journals/3/vouchers/2026-29999").status_code == 404
    assert balances(state) == {(3, "2026", 20000): 0, (3, "2026", 20001): 0, (3, "2026", 20500): 0}


def test_foreign_currency_entries_convert_to_base(base_url: str, state: EconomicState) -> None:
    entry = supplier_invoice(supplier=2, amount=-1000, currency={"code": "SEK"})
    created = post(base_url, 2, voucher(supplierInvoices=[entry]))[0]["entries"]["supplierInvoices"][0]
    assert created["exchangeRate"] == D("68.50") and created["amountBaseCurrency"] == D("-685.00")
    given = post(
        base_url, 2, voucher(supplierInvoices=[{**entry, "exchangeRate": 70, "amountBaseCurrency": -700}])
    )
    assert given[0]["entries"]["supplierInvoices"][0]["amountBaseCurrency"] == -700
    assert all(total == 0 for total in balances(state, 2).values())


def test_voucher_validation(base_url: str, state: EconomicState) -> None:
    def refused(body: Any, journal: int = 1) -> Any:
        return errors_of(call(base_url, "POST", f"/journals/{journal}/vouchers", json=body))

    errors = refused({"entries": {"financeVouchers": [finance_voucher(1250, 5510, 1)]}})
    assert set(errors) == {"accountingYear"}
    assert codes(refused(voucher("2031", financeVouchers=[finance_voucher(1250, 5510, 1)]))) == ["E06000"]
    entries = refused(
        voucher(
            financeVouchers=[
                finance_voucher(9999, 5510, 1),  # no such account
                finance_voucher(1250, 5600, 1),  # Debitorer blocks direct entries
                finance_voucher(1250, 5510, D("1.005")),
                {"account": {"accountNumber": 1250}},  # no amount, no date
                finance_voucher(1250, 5510, 1, day="2025-12-31"),  # outside 2026
                {"amount": 1, "date": "2026-02-01"},  # neither account nor contraAccount
            ],
            supplierInvoices=[
                supplier_invoice(supplier=99),
                {**supplier_invoice(), "entryType": "financeVoucher"},
            ],
        )
    )["entries"]
    finance = {item["arrayIndex"]: item for item in entries["financeVouchers"]}
    assert codes(finance[0]["account"]) == ["E06000"]
    assert "contraAccount" in finance[1]
    assert codes(finance[2]["amount"]) == ["E04740"]
    assert set(finance[3]) == {"arrayIndex", "amount", "date"}
    assert "accounting year 2026" in finance[4]["date"]["errors"][0]["message"]
    assert "account" in finance[5]
    suppliers = {item["arrayIndex"]: item for item in entries["supplierInvoices"]}
    assert codes(suppliers[0]["supplier"]) == ["E06000"] and "entryType" in suppliers[1]
    assert "journal" in refused(
        {**voucher(financeVouchers=[finance_voucher(1250, 5510, 1)]), "journal": {"journalNumber": 3}}
    )
    assert "voucherNumber" in refused(
        {**voucher(financeVouchers=[finance_voucher(1250, 5510, 1)]), "voucherNumber": 20000}
    )
    assert "entries" in refused(voucher())
    state.add_journal(
        {
            "journalNumber": 4,
            "name": "Kun kreditorer",
            "settings": {"entryTypeRestrictedTo": "supplierInvoice"},
        }
    )
    assert (
        "entryType"
        in refused(voucher(financeVouchers=[finance_voucher(1250, 5510, 1)]), 4)["entries"][
            "financeVouchers"
        ][0]
    )
    post(base_url, 4, voucher(supplierInvoices=[supplier_invoice()]))
    assert call(base_url, "POST", "/journals/9/vouchers", json=voucher()).status_code == 404


def test_an_array_is_all_or_nothing(base_url: str, state: EconomicState) -> None:
    good = voucher(financeVouchers=[finance_voucher(1250, 5510, 10)])
    bad = voucher(financeVouchers=[finance_voucher(1250, 9999, 10)])
    errors = errors_of(call(base_url, "POST", "/journals/3/vouchers", json=[good, bad]))
    assert isinstance(errors, list) and [e["arrayIndex"] for e in errors] == [1]
    assert codes(errors[0]["entries"]["financeVouchers"][0]["contraAccount"]) == ["E06000"]
    assert state.journal_entries() == []


def test_entries_list_filter_and_delete(base_url: str, state: EconomicState) -> None:
    post(
        base_url,
        2,
        voucher(supplierInvoices=[supplier_invoice(), supplier_invoice(supplier=2, number="S-9")]),
    )
    post(base_url, 1, voucher(financeVouchers=[finance_voucher(1250, 5700, 5)]))
    listed = call(base_url, "GET", "/journals/2/entries").json()
    assert [e["journalEntryNumber"] for e in listed["collection"]] == [1, 2]
    assert listed["collection"][0]["voucher"]["accountingYear"]["year"] == "2026"
    only = call(
        base_url, "GET", "/journals/2/entries", params={"filter": "supplier.supplierNumber$eq:2"}
    ).json()
    assert [e["supplierInvoiceNumber"] for e in only["collection"]] == ["S-9"]
    assert call(base_url, "GET", "/journals/1/entries/1").status_code == 404  # entry 1 is journal 2's
    assert call(base_url, "DELETE", "/customers/1").status_code == 204  # customers are not on entries
    assert call(base_url, "DELETE", "/suppliers/1").status_code == 400  # suppliers with entries stay
    assert call(base_url, "DELETE", "/journals/2/entries/1").status_code == 204
    assert call(base_url, "GET", "/journals/2/entries/1").status_code == 404
    assert (
        len(
            call(base_url, "GET", "/journals/2/vouchers").json()["collection"][0]["entries"][
                "supplierInvoices"
            ]
        )
        == 1
    )


def test_idempotent_vouchers(base_url: str, state: EconomicState) -> None:
    key = {"Idempotency-Key": "rb-po-42-voucher"}
    body = voucher(supplierInvoices=[supplier_invoice()])
    first = call(base_url, "POST", "/journals/2/vouchers", json=body, headers=key)
    again = call(base_url, "POST", "/journals/2/vouchers", json=[body, body], headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["X-ResultFromCache"] == "true" and again.json() == first.json()
    assert len(call(base_url, "GET", "/journals/2/vouchers").json()["collection"]) == 1
    assert len(state.journal_entries(2)) == 2


def test_client_posts_vouchers(client: EconomicClient, state: EconomicState) -> None:
    body = [voucher(supplierInvoices=[supplier_invoice(amount=D("-99.95"))])]
    created = client.post_vouchers(2, body, idempotency_key="po-7")
    assert isinstance(created, list) and created[0]["voucherNumber"] == 10000
    assert created[0]["entries"]["supplierInvoices"][0]["amount"] == D("-99.95")
    assert client.last_result_from_cache is False
    assert client.post_vouchers(2, body, idempotency_key="po-7") == created
    assert client.last_result_from_cache is True
    assert [p["amount"] for p in state.journal_entries(2)] == [D("-99.95"), D("99.95")]
