"""A Rackbeat client with a call budget stays under the server's limit: no 429, however fast it asks."""

from __future__ import annotations

from collections.abc import Callable

from ledgerbridge.systems.errors import RateLimitedError
from ledgerbridge.systems.pacing import CallBudget, economic_budget, rackbeat_budget
from ledgerbridge.systems.rackbeat import RackbeatClient
from ledgerbridge.systems.rackbeat.sandbox import RackbeatSandboxApp


def statuses(app: RackbeatSandboxApp) -> list[int]:
    return [r.status for r in app.kit.requests]


def test_a_paced_client_sees_no_429_where_an_unpaced_one_does(
    app: RackbeatSandboxApp, seeded: object, make_client: Callable[..., RackbeatClient]
) -> None:
    app.kit.set_rate_limit(20, 1.0)  # 1,200 a minute, 20 at once
    unpaced = make_client(max_retries=0)
    refused = 0
    for _ in range(40):
        try:
            unpaced.list_page("units")
        except RateLimitedError:
            refused += 1
    assert refused > 0  # the sandbox's limit bites when nobody paces

    app.kit.set_rate_limit(20, 1.0)
    app.kit.clear_log()
    paced = make_client(max_retries=0, budget=CallBudget(1200, burst=5))
    for _ in range(60):
        paced.list_page("units")
    assert len(statuses(app)) == 60
    assert 429 not in statuses(app)
    assert paced.pace.waited > 0  # type: ignore[union-attr]


def test_the_budget_belongs_to_the_credential_not_the_client() -> None:
    first = rackbeat_budget("http://rackbeat.test/api/", "token-1")
    assert rackbeat_budget("http://rackbeat.test/api", "token-1") is first
    assert rackbeat_budget("http://rackbeat.test/api", "token-2") is not first
    assert economic_budget("http://rackbeat.test/api", "token-1") is not first


def test_a_budget_spends_at_most_its_share_of_the_limit_per_minute() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    budget = CallBudget(480, burst=120, clock=lambda: now[0], sleep=sleep)
    calls = 0
    while now[0] < 600.0:
        budget("GET", "products")
        calls += 1
    # Ten minutes: the burst plus 0.99 × 480 a minute, and not fewer (pacing does not idle).
    assert 120 + 4752 - 2 <= calls <= 120 + 4752 + 1


def test_a_dearer_call_than_charged_is_waited_off() -> None:
    now = [0.0]
    budget = CallBudget(
        60, share=1.0, burst=1, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    budget("POST", "invoices")
    budget.settle(charged=1, actual=4)  # the server said this call cost 4
    budget("GET", "invoices")
    assert now[0] == 4.0  # 3 tokens of debt, then 1 for the call, at one a second
