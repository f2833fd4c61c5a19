"""The books stay right (issue 11): generated invoices through every ledger and setting combination.

    .venv/bin/python benchmarks/books.py [--invoices 1000] [--suppliers 200] [--seed 11]

Both ledgers' sandboxes and Rackbeat's run on loopback ports; ledgerbridge talks to them over HTTP as in
production. Per ledger, one integration per setting combination shares the sandboxes; the generated
Rackbeat invoices are dealt round-robin over the combinations of both ledgers (so every combination
sees every case), booked in Rackbeat, and transferred as ``ledgerbridge transfer`` does. The cases: VAT
zones (domestic, EU business, EU private with OSS rates, abroad), DKK/EUR/SEK/USD with and without a
rate (and a currency the customer does not invoice in), discounts, 3–4-decimal quantities and prices,
negative lines and credit notes, 0 % and reduced-rate lines, 1–50 lines, amounts in the billions, and
lines of 0.01–0.05 that only differ by VAT rounding.

Each transferred document is then read back from the ledger's API and its net, VAT, gross and currency
compared with Rackbeat's (the reconcile views). Prints per combination: checked / booked-equal /
booked-different / held-as-draft-with-reason / refused (and drafts made as the settings ask), the most
common reasons, the supplier invoices, and the trial balance of each ledger. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from ledgerbridge.config import Config
from ledgerbridge.integrations.reconcile import Amounts, source_amounts
from ledgerbridge.integrations.reconcile_views import EAccountingView, EconomicView
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.systems import economic, rackbeat
from ledgerbridge.systems.eaccounting import EAccountingClient, EAccountingState, create_app
from ledgerbridge.systems.eaccounting.oauth import authorize_via_loopback
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.identity import IdentityServer
from ledgerbridge.systems.economic import EconomicClient
from ledgerbridge.systems.errors import ValidationError
from ledgerbridge.systems.rackbeat import RackbeatClient

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1

D = Decimal
TODAY = date.today().isoformat()


@dataclass
class Tally:
    checked: int = 0
    booked_equal: int = 0
    booked_different: int = 0
    booked_rounding_row: int = 0  # gross equal; net/VAT moved by a rounding row the settings allow
    held: int = 0
    held_without_reason: int = 0
    refused: int = 0
    refused_without_reason: int = 0
    drafts_equal: int = 0
    drafts_different: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    differences: list[str] = field(default_factory=list)


def reason_pattern(message: str) -> str:
    """A reason with its numbers and names taken out, to count alike reasons together."""
    text = re.sub(r"\(([^()]*)\)", "(…)", message)
    text = re.sub(r"-?\d[\d.,]*", "N", text)
    return text[:150]


# -- generated invoices ------------------------------------------------------------------------------------
@dataclass
class Party:
    number: Any
    currency: str
    zone: str  # domestic | eu | abroad


def money_text(value: Decimal) -> str:
    return f"{value:f}"


def generate_lines(
    rng: random.Random, products: list[str], case: str, *, home_vat: int
) -> list[dict[str, Any]]:
    """Rackbeat invoice lines for one case; ``vat_percentage`` None lets Rackbeat decide by zone/group."""
    count = rng.randint(1, 50) if case == "many lines" else rng.randint(1, 4)
    lines = []
    for _ in range(count):
        quantity = D(rng.randint(1, 20))
        price = D(rng.randint(100, 500_000)) / 100
        line: dict[str, Any] = {"child_id": rng.choice(products), "vat_percentage": home_vat}
        if case == "decimals and discounts":
            quantity = D(rng.randint(1000, 99_999)) / D(10 ** rng.choice((3, 4)))
            price = D(rng.randint(10_000, 9_999_999)) / D(10 ** rng.choice((3, 4)))
            line["discount_percentage"] = rng.choice(("0", "5", "12.5", "33.33"))
        elif case == "credit note":
            quantity = -quantity
        elif case == "negative line" and not lines:
            quantity = -D(1)
        elif case == "0% line":
            line["vat_percentage"] = 0 if not lines else home_vat
        elif case == "reduced rate":
            line["vat_percentage"] = rng.choice((6, 12))
        elif case == "large amounts":
            quantity, price = D(rng.randint(100, 1000)), D(rng.randint(100_000_000, 999_999_999)) / 100
        elif case == "rounding only":
            quantity, price = D(1), D(rng.randint(1, 5)) / 100
        elif case in ("EU business", "abroad"):
            line["vat_percentage"] = 0
        elif case == "EU private (OSS)":
            line["vat_percentage"] = rng.choice((19, 20, 21))
        line["quantity"], line["line_price"] = money_text(quantity), money_text(price)
        lines.append(line)
    if case == "rounding only":
        lines = [dict(lines[0]) for _ in range(rng.randint(3, 9))]
    return lines


CASES = (
    "domestic",
    "reduced rate",
    "0% line",
    "foreign currency with rate",
    "foreign currency without rate",
    "currency not the customer's",
    "EU business",
    "EU private (OSS)",
    "abroad",
    "decimals and discounts",
    "negative line",
    "credit note",
    "many lines",
    "large amounts",
    "rounding only",
)


# -- one ledger's world ------------------------------------------------------------------------------------
@dataclass
class Combination:
    ledger: str
    name: str
    settings: dict[str, Any]
    tally: Tally = field(default_factory=Tally)


@dataclass
class Ledger:
    name: str
    service: Ledgerbridge
    hub: RealtimeHub
    rackbeat: RackbeatClient
    view: Any
    combinations: list[Combination]
    parties: dict[str, Party]  # case key → the customer to invoice
    products: list[str]
    home_vat: int
    base_currency: str
    held: Callable[[Combination, str], bool]
    trial_balance: Callable[[], tuple[Decimal, int]]
    suppliers: list[Any]


def transfer_one(ledger: Ledger, combo: Combination, rng: random.Random, case: str) -> None:
    party = ledger.parties.get(case) or ledger.parties["domestic"]
    currency = party.currency
    body: dict[str, Any] = {
        "customer_id": party.number,
        "invoice_date": TODAY,
        "lines": generate_lines(rng, ledger.products, case, home_vat=ledger.home_vat),
    }
    if case == "currency not the customer's":
        currency = "USD" if party.currency != "USD" else "EUR"
    if currency != ledger.base_currency or case.startswith("foreign"):
        body["currency"] = currency
    if case == "foreign currency with rate":
        body["currency_rate"] = money_text(D(rng.randint(50_000, 120_000)) / 100)
    invoice = create_document(ledger.rackbeat, "customer-invoices", body)
    source = ledger.rackbeat.book("customer-invoices", invoice["number"], {"suppress_webhooks": True})
    key = str(source["number"])
    result = ledger.hub.transfer(combo.name, "invoice", key)
    tally = combo.tally
    tally.checked += 1
    if result.ok and result.remote_key:
        theirs = ledger.view.amounts("invoice", result.remote_key, str(source["invoice_date"]))
        mine = source_amounts(source, ledger.base_currency)
        equal = theirs is not None and not mine.differences(theirs, ledger.name)
        draft = result.remote_key.startswith("draft:")
        if draft:
            tally.drafts_equal += equal
            tally.drafts_different += not equal
        elif equal:
            tally.booked_equal += 1
        elif theirs is not None and rounding_row_only(mine, theirs, len(source.get("lines") or [])):
            tally.booked_rounding_row += 1
        else:
            tally.booked_different += 1
            tally.differences.append(f"{case} #{key}: {mine} ≠ {theirs}")
        return
    reason = result.message or ""
    if ledger.held(combo, key):
        tally.held += 1
        tally.held_without_reason += not reason
    else:
        tally.refused += 1
        tally.refused_without_reason += not reason
    tally.reasons[f"[{case}] {reason_pattern(reason)}"] += 1


def create_document(client: RackbeatClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return client.create(resource, body, suppress_webhooks=True)
    except ValidationError as exc:  # a party's currency Rackbeat has no rate for must come with one
        if "currency_rate" not in exc.errors:
            raise
        return client.create(resource, {**body, "currency_rate": "100"}, suppress_webhooks=True)


def rounding_row_only(mine: Amounts, theirs: Amounts, lines: int) -> bool:
    """Gross and currency equal, VAT off by rounding only (half a cent per line and rate), the net by the
    same amount the other way: a rounding row the settings allow ("Accept … VAT rounding")."""
    vat_off = theirs.vat - mine.vat
    return (
        mine.gross == theirs.gross
        and mine.currency == theirs.currency
        and theirs.net - mine.net == -vat_off
        and abs(vat_off) <= D("0.005") * (lines + 3)
    )


def transfer_supplier_invoice(
    ledger: Ledger, combo: Combination, rng: random.Random, n: int, out: Counter[str]
) -> None:
    supplier = rng.choice(ledger.suppliers)
    lines = generate_lines(
        rng,
        ledger.products,
        rng.choice(("domestic", "decimals and discounts", "0% line")),
        home_vat=ledger.home_vat,
    )
    credit = n % 10 == 0
    for line in lines:
        if credit and not line["quantity"].startswith("-"):
            line["quantity"] = "-" + line["quantity"]
    body = {
        "supplier_id": supplier,
        "invoice_number": f"S{n}",
        "invoice_date": TODAY,
        "lines": lines,
    }
    if n % 7 == 0:
        body["currency"], body["currency_rate"] = "EUR", "745.50"
    invoice = create_document(ledger.rackbeat, "supplier-invoices", body)
    source = ledger.rackbeat.book("supplier-invoices", invoice["number"], {"suppress_webhooks": True})
    result = ledger.hub.transfer(combo.name, "supplier-invoice", str(source["number"]))
    if not (result.ok and result.remote_key):
        out[f"refused: {reason_pattern(result.message)}"] += 1
        return
    try:
        theirs = ledger.view.amounts("supplier-invoice", result.remote_key, str(source["invoice_date"]))
    except NotImplementedError:
        out["transferred (voucher; amounts not read back)"] += 1
        return
    mine = source_amounts(source, ledger.base_currency)
    out["equal" if theirs is not None and not mine.differences(theirs, ledger.name) else "different"] += 1


# -- eAccounting ---------------------------------------------------------------------------------------------
def grant(url: str) -> None:
    with httpx.Client(follow_redirects=True, timeout=10) as browser:
        page = browser.get(url)
        request_id = re.search(r'name=.?request_id.? value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        browser.post(str(page.url).split("?", 1)[0], data={"request_id": request_id, "decision": "grant"})


EACCOUNTING_COMBINATIONS = [
    ("ea-draft", {"invoices": {"status": "draft"}}),
    ("ea-invoiced", {"invoices": {"status": "invoiced"}}),
    ("ea-invoiced-exact", {"invoices": {"status": "invoiced", "use_exact_quantity": True}}),
    (
        "ea-invoiced-mapped",
        {
            "invoices": {
                "status": "invoiced",
                "vat_codings": {"0": "Momsfri försäljning", "6": "Varor 6% moms", "12": "Varor 12% moms"},
            }
        },
    ),
    (
        "ea-invoiced-mapped-rounding",
        {
            "invoices": {
                "status": "invoiced",
                "use_exact_quantity": True,
                "accept_vat_rounding": True,
                "vat_codings": {"0": "Momsfri försäljning", "6": "Varor 6% moms", "12": "Varor 12% moms"},
            },
            "supplier_invoices": {"enabled": True},
        },
    ),
]


def eaccounting_ledger(stack: Any, home: Path) -> Ledger:
    state = EAccountingState()
    seed_demo_company(state)
    identity = IdentityServer()
    books_app = create_app(state, identity=identity, rate_limit=None)
    rackbeat_app = rackbeat.create_app(token="bench", rate_limit=None)
    rackbeat_app.rackbeat_state.set_base_currency("SEK")
    ea = stack(SandboxServer(books_app))
    rb = stack(SandboxServer(rackbeat_app))
    redirect = "http://127.0.0.1:8798/callback"
    identity.register_client("bench", "secret", [redirect])
    service = Ledgerbridge(
        Config(home=home, database_url=f"sqlite:///{home / 'ea.sqlite3'}", secret_key=None)
    )
    combinations = []
    for name, settings in EACCOUNTING_COMBINATIONS:
        service.add_integration(
            name,
            "rackbeat-eaccounting",
            {
                "eaccounting": {
                    "base_url": f"{ea.base_url}/v2",
                    "identity_url": ea.base_url,
                    "client_id": "bench",
                    "client_secret": "secret",
                    "redirect_uri": redirect,
                },
                "rackbeat": {"base_url": rb.base_url, "token": "bench"},
                "settings": settings,
            },
        )
        integration_id, kind = service.integration(name)
        with kind.visma_connect() as visma:  # type: ignore[attr-defined]
            kind.keep_token(service.store, integration_id, authorize_via_loopback(visma, open_browser=grant))  # type: ignore[attr-defined]
        service.run_startup(name, force=True)
        combinations.append(Combination("eAccounting", name, settings))
    token = identity.issue_tokens("bench", "ea:api offline_access ea:sales ea:purchase ea:accounting")
    api = EAccountingClient(f"{ea.base_url}/v2", token["access_token"])
    client = RackbeatClient(rb.base_url, "bench")
    group = rackbeat_app.rackbeat_state.records("customer-groups")[0]["number"]

    def customer(currency: str, country: str, zone: str) -> Party:
        made = client.create(
            "customers",
            {
                "name": f"Kund {currency} {country}",
                "address_street": "Gatan 1",
                "address_zipcode": "111 22",
                "address_city": "Staden",
                "address_country": country,
                "currency": currency,
                "vat_zone": zone,
                "contact_email": "ekonomi@example.se",
                "customer_group_id": group,
            },
            suppress_webhooks=True,
        )
        return Party(made["number"], currency, zone)

    sek = customer("SEK", "SE", "domestic")
    eur = customer("EUR", "SE", "domestic")
    parties = {
        "domestic": sek,
        "foreign currency with rate": customer("USD", "SE", "domestic"),
        "foreign currency without rate": eur,
        "currency not the customer's": sek,
        "EU business": customer("EUR", "DE", "eu"),
        "EU private (OSS)": customer("EUR", "FR", "eu"),
        "abroad": customer("USD", "US", "abroad"),
    }
    goods = [
        p["number"]
        for p in rackbeat_app.rackbeat_state.records("products")
        if (p.get("group") or {}).get("name") == "Varor 25% moms"
    ]
    view = EAccountingView(api)

    def held(combo: Combination, key: str) -> bool:
        query = f"ContractNumber eq 'Rackbeat invoice {key}'"
        return any(True for _ in api.iter_collection("customerinvoicedrafts", filter=query))

    def trial_balance() -> tuple[Decimal, int]:
        total, unbalanced = D(0), 0
        for voucher in api.iter_collection("vouchers"):
            balance = sum(D(str(r["DebitAmount"])) - D(str(r["CreditAmount"])) for r in voucher["Rows"])
            total += balance
            unbalanced += balance != 0
        return total, unbalanced

    suppliers = [s["number"] for s in rackbeat_app.rackbeat_state.records("suppliers")]
    return Ledger(
        "eAccounting",
        service,
        RealtimeHub(service),
        client,
        view,
        combinations,
        parties,
        goods,
        25,
        "SEK",
        held,
        trial_balance,
        suppliers,
    )


# -- e-conomic ---------------------------------------------------------------------------------------------
ECONOMIC_BASE = {
    "customer_invoices": {"enabled": True, "post_invoices": True, "account_for_customer_groups": 5600},
    "supplier_invoices": {"enabled": True, "day_book": 2, "account_for_supplier_groups": 6110},
    "accounting": {"standard_account": 1210},
}


def _economic(**invoices: Any) -> dict[str, Any]:
    return {**ECONOMIC_BASE, "customer_invoices": {**ECONOMIC_BASE["customer_invoices"], **invoices}}


ECONOMIC_COMBINATIONS = [
    ("eco-booked", _economic()),
    ("eco-draft", _economic(post_invoices=False)),
    ("eco-booked-actual-quantity", _economic(use_actual_quantity=True)),
    (
        "eco-booked-mapped-rounding",
        _economic(use_actual_quantity=True, vat_products={"0": "MOMSFRI"}, allow_rounding_differences=True),
    ),
]


def economic_ledger(stack: Any, home: Path) -> Ledger:
    state = economic.EconomicState()
    economic.seed_demo(state, customers=40, products=80, suppliers=10)
    # A product in "Varer u/moms" (sales account without a VAT code) for the 0 % VAT mapping.
    state.add_product(
        {"productNumber": "MOMSFRI", "name": "Momsfri vare", "productGroup": {"productGroupNumber": 3}}
    )
    economic_app = economic.create_app(state)
    rackbeat_app = rackbeat.create_app(token="bench", rate_limit=None)
    eco = stack(SandboxServer(economic_app))
    rb = stack(SandboxServer(rackbeat_app))
    service = Ledgerbridge(
        Config(home=home, database_url=f"sqlite:///{home / 'eco.sqlite3'}", secret_key=None)
    )
    combinations = []
    for name, settings in ECONOMIC_COMBINATIONS:
        service.add_integration(
            name,
            "rackbeat-economic",
            {
                "economic": {
                    "base_url": eco.base_url,
                    "app_secret_token": "app-secret",
                    "agreement_grant_token": "grant",
                },
                "rackbeat": {"base_url": rb.base_url, "token": "bench"},
                "settings": settings,
            },
        )
        service.run_startup(name, force=True)
        combinations.append(Combination("e-conomic", name, settings))
    client = RackbeatClient(rb.base_url, "bench")
    api = EconomicClient(eco.base_url, "app-secret", "grant")
    customers = rackbeat_app.rackbeat_state.records("customers")

    def first(zone: str, currency: str | None = None) -> Party:
        for c in customers:
            if c.get("vat_zone") == zone and (currency is None or c.get("currency") == currency):
                return Party(c["number"], c.get("currency") or "DKK", zone)
        c = customers[0]
        return Party(c["number"], c.get("currency") or "DKK", c.get("vat_zone") or "domestic")

    parties = {
        "domestic": first("domestic", "DKK"),
        "foreign currency with rate": first("domestic", "EUR")
        if any(c.get("currency") == "EUR" for c in customers)
        else first("eu"),
        "foreign currency without rate": first("eu"),
        "currency not the customer's": first("domestic", "DKK"),
        "EU business": first("eu"),
        "EU private (OSS)": first("eu"),
        "abroad": first("abroad"),
    }
    products = [p["number"] for p in rackbeat_app.rackbeat_state.records("products")][:40]

    def held(combo: Combination, key: str) -> bool:
        _, session = hub.session(combo.name)
        row = session.ledger.get("invoice", key)
        return bool(row and (row.remote_key or "").startswith("draft:"))

    def trial_balance() -> tuple[Decimal, int]:
        books = state.books
        if books is None:
            return D(0), 0
        total = D(0)
        for year in {e.get("accountingYear") or books.year_of(TODAY) for e in [{}]}:
            if year:
                total += books.trial_balance(year)
        return total, 0

    hub = RealtimeHub(service)
    suppliers = [s["number"] for s in rackbeat_app.rackbeat_state.records("suppliers")]
    _ = api
    return Ledger(
        "e-conomic",
        service,
        hub,
        client,
        EconomicView(api),
        combinations,
        parties,
        products,
        25,
        "DKK",
        held,
        trial_balance,
        suppliers,
    )


def row(name: str, t: Tally) -> str:
    return (
        f"{name:30} {t.checked:7} {t.booked_equal:8} {t.booked_rounding_row:7} {t.booked_different:8} "
        f"{t.held:6} {t.refused:8} {t.drafts_equal:7} {t.drafts_different:7}"
    )


# -- the run -----------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--ledgers", default="eaccounting,economic")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    from contextlib import ExitStack

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        enter = stack.enter_context
        ledgers: list[Ledger] = []
        if "eaccounting" in args.ledgers:
            ledgers.append(eaccounting_ledger(enter, Path(tmp) / "ea"))
        if "economic" in args.ledgers:
            ledgers.append(economic_ledger(enter, Path(tmp) / "eco"))
        pairs = [(ledger, combo) for ledger in ledgers for combo in ledger.combinations]
        started = time.perf_counter()
        for n in range(args.invoices):
            ledger, combo = pairs[n % len(pairs)]
            transfer_one(ledger, combo, rng, CASES[(n // len(pairs)) % len(CASES)])
        invoices_s = time.perf_counter() - started
        suppliers: dict[str, Counter[str]] = defaultdict(Counter)
        with_suppliers = [
            (lg, c) for lg, c in pairs if (c.settings.get("supplier_invoices") or {}).get("enabled")
        ]
        started = time.perf_counter()
        for n in range(args.suppliers if with_suppliers else 0):
            ledger, combo = with_suppliers[n % len(with_suppliers)]
            transfer_supplier_invoice(ledger, combo, rng, n, suppliers[combo.name])
        suppliers_s = time.perf_counter() - started

        print(
            f"{args.invoices} invoices in {invoices_s:.0f} s, {args.suppliers} supplier invoices in "
            f"{suppliers_s:.0f} s (seed {args.seed})\n"
        )
        header = (
            f"{'combination':30} {'checked':>7} {'booked=':>8} {'+round':>7} {'booked≠':>8} {'held':>6} "
            f"{'refused':>8} {'draft=':>7} {'draft≠':>7}"
        )
        print(header)
        total = Tally()
        for _ledger, combo in pairs:
            t = combo.tally
            print(row(combo.name, t))
            for name in (
                "checked",
                "booked_equal",
                "booked_rounding_row",
                "booked_different",
                "held",
                "refused",
                "drafts_equal",
                "drafts_different",
                "held_without_reason",
                "refused_without_reason",
            ):
                setattr(total, name, getattr(total, name) + getattr(t, name))
            total.reasons.update(t.reasons)
            total.differences += t.differences
        print(row("all", total))
        print(
            f"\nheld or refused without a reason: {total.held_without_reason + total.refused_without_reason}"
        )
        print("most common reasons (held or refused):")
        for reason, count in total.reasons.most_common(12):
            print(f"  {count:4}  {reason}")
        if total.differences:
            print("booked with other totals than Rackbeat's:")
            for line in total.differences[:10]:
                print(f"  {line}")
        for name, counts in suppliers.items():
            print(f"supplier invoices via {name}: " + ", ".join(f"{k}: {v}" for k, v in counts.most_common()))
        for ledger in ledgers:
            balance, unbalanced = ledger.trial_balance()
            print(f"trial balance {ledger.name}: {balance} (vouchers not balancing: {unbalanced})")
        for ledger in ledgers:
            ledger.hub.close()
            ledger.rackbeat.close()
            ledger.service.close()


if __name__ == "__main__":
    main()
