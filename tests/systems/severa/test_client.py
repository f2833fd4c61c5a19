"""The Severa client over real HTTP against the Severa sandbox: sign-in, paging both ways to the end,
``changedSince``, token expiry and renewal in the middle of a run, 429s waited out, errors, PATCH."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.errors import AuthError, NotFoundError, TransientError, ValidationError
from ledgerbridge.systems.severa.adapters import Severa
from ledgerbridge.systems.severa.auth import MemoryVault
from ledgerbridge.systems.severa.client import RequestPacer, SeveraClient
from ledgerbridge.systems.severa.connection import SeveraConnection
from ledgerbridge.systems.severa.errors import InsufficientScope, SeveraAuthError
from ledgerbridge.systems.severa.sandbox.app import SeveraSandboxApp
from tests.support import FakeClock

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Monotonic:
    """A monotonic clock that moves only when someone "sleeps" on it: the client's waits and the
    sandbox's request quota share it, so a 429 is waited out without real seconds passing."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sandbox(severa_sandbox: Any, clock: FakeClock) -> Iterator[Any]:
    """The served Severa sandbox with an empty organisation (the API client stays) on a clock the test
    moves; the request quota's clock is given back afterwards."""
    severa_sandbox.state.reset()
    severa_sandbox.state.clock = clock
    yield severa_sandbox
    severa_sandbox.app.gate.set_rate_limit(None)
    severa_sandbox.app.gate.bucket_clock = time.monotonic


@pytest.fixture
def app(sandbox: Any) -> SeveraSandboxApp:
    return sandbox.app  # type: ignore[no-any-return]


@pytest.fixture
def connection(sandbox: Any) -> SeveraConnection:
    return SeveraConnection(
        base_url=sandbox.base_url, client_id=sandbox.client_id, client_secret=sandbox.client_secret
    )


@pytest.fixture
def mono() -> Monotonic:
    return Monotonic()


@pytest.fixture
def make_client(
    connection: SeveraConnection, clock: FakeClock, mono: Monotonic
) -> Iterator[Callable[..., SeveraClient]]:
    made: list[SeveraClient] = []

    def make(**kwargs: Any) -> SeveraClient:
        kwargs.setdefault("pacer", None)
        kwargs.setdefault("sleep", mono.sleep)
        kwargs.setdefault("clock", clock)
        conn = kwargs.pop("connection", connection)
        client = SeveraClient.open(conn, kwargs.pop("vault", None), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., SeveraClient]) -> SeveraClient:
    return make_client()


@pytest.fixture
def severa(client: SeveraClient) -> Severa:
    return Severa(client)


@pytest.fixture
def raw(sandbox: Any) -> Iterator[httpx.Client]:
    """Plain HTTP to the sandbox's control routes (the request log)."""
    with httpx.Client(base_url=sandbox.base_url) as http:
        http.delete("/_sandbox/requests")
        yield http


def requests_to(raw: httpx.Client, path: str, method: str = "GET") -> list[dict[str, Any]]:
    log = raw.get("/_sandbox/requests").json()
    return [e for e in log if e["path"] == path and e["method"] == method]


def add_customers(severa: Severa, count: int, prefix: str = "Kund") -> list[dict[str, Any]]:
    return [severa.customers.create({"name": f"{prefix} {n:02d}", "number": 100 + n}) for n in range(count)]


# -- signing in ----------------------------------------------------------------------------------
def test_connection_signs_in_and_sends_client_id_on_every_call(
    client: SeveraClient, raw: httpx.Client, app: SeveraSandboxApp
) -> None:
    app.gate.strict = True  # strict: a call without the Client_Id header is refused
    client.test_connection()
    assert [e["status"] for e in requests_to(raw, "/v1/token", "POST")] == [200]
    assert [e["status"] for e in requests_to(raw, "/heartbeat/authorized")] == [204]


def test_wrong_secret_is_an_auth_error_and_marks_the_vault(
    make_client: Callable[..., SeveraClient], connection: SeveraConnection
) -> None:
    vault = MemoryVault()
    wrong = connection.model_copy(update={"client_secret": SecretStr("nope")})
    client = make_client(connection=wrong, vault=vault)
    with pytest.raises(SeveraAuthError) as caught:
        client.test_connection()
    assert "AuthenticationRequired" in caught.value.remote_message
    assert vault.failure and "Invalid client credentials" in vault.failure


def test_missing_scope_is_insufficient_scope(
    make_client: Callable[..., SeveraClient], app: SeveraSandboxApp, connection: SeveraConnection
) -> None:
    app.state.register_client("narrow", "secret", ("projects:read",))
    narrow = connection.model_copy(
        update={"client_id": "narrow", "client_secret": SecretStr("secret"), "scopes": ()}
    )
    client = make_client(connection=narrow)
    with pytest.raises(InsufficientScope) as caught:
        list(Severa(client).customers.search())
    assert caught.value.status_code == 403
    assert "customers:read" in caught.value.remote_message


# -- paging ----------------------------------------------------------------------------------------
def test_cursor_paging_reads_every_row_once_following_next_page_token(
    severa: Severa, raw: httpx.Client
) -> None:
    made = add_customers(severa, 23)
    raw.delete("/_sandbox/requests")
    seen = [c["guid"] for c in severa.customers.search(row_count=5)]
    assert seen == [c["guid"] for c in made]
    pages = requests_to(raw, "/v1/customers")
    assert len(pages) == 5
    assert "pageToken" not in pages[0]["query"]
    assert all("pageToken=" in p["query"] and "rowCount=5" in p["query"] for p in pages[1:])


def test_cursor_paging_keeps_filters_with_the_token(severa: Severa) -> None:
    add_customers(severa, 7)
    wanted = [101, 103, 104, 106]
    found = [c["number"] for c in severa.customers.search(numbers=wanted, row_count=2)]
    assert found == wanted


def test_row_count_is_clamped_to_the_spec_maximum(client: SeveraClient, raw: httpx.Client) -> None:
    page = client.cursor_page("v1/customers", row_count=5000)
    assert page.rows == [] and page.next_page_token is None
    assert "rowCount=100" in requests_to(raw, "/v1/customers")[0]["query"]


def test_offset_paging_reads_to_the_short_page(severa: Severa, raw: httpx.Client) -> None:
    customer = add_customers(severa, 1)[0]
    made = [
        severa.customers.add_address(customer["guid"], {"addressline": f"Storgatan {n}", "city": "Umeå"})
        for n in range(12)
    ]
    raw.delete("/_sandbox/requests")
    rows = list(severa.client.iter_offset(f"v1/customers/{customer['guid']}/addresses", row_count=5))
    assert [a["guid"] for a in rows] == [a["guid"] for a in made]
    queries = [e["query"] for e in requests_to(raw, f"/v1/customers/{customer['guid']}/addresses")]
    assert [q for q in queries if "firstRow=" in q] == queries
    assert [int(q.split("firstRow=")[1].split("&")[0]) for q in queries] == [0, 5, 10]


def test_offset_paging_ends_on_an_exact_multiple_with_an_empty_page(severa: Severa) -> None:
    customer = add_customers(severa, 1)[0]
    for n in range(10):
        severa.customers.add_address(customer["guid"], {"addressline": f"Väg {n}", "city": "Luleå"})
    assert len(severa.customers.addresses(customer["guid"])) == 10
    assert (
        len(list(severa.client.iter_offset(f"v1/customers/{customer['guid']}/addresses", row_count=5))) == 10
    )


# -- changedSince ----------------------------------------------------------------------------------
def test_changed_since_finds_new_and_changed_rows(severa: Severa, clock: FakeClock) -> None:
    old, kept = add_customers(severa, 2)
    clock.advance(60)
    # An offset other than UTC: the "+" must arrive URL-encoded, or Severa reads a space.
    since = clock.now.astimezone(timezone(timedelta(hours=2)))
    clock.advance(1)
    new = severa.customers.create({"name": "Ny kund AB", "number": 500})
    severa.customers.update(old["guid"], {"name": "Ändrad AB"})
    changed = {c["guid"]: c["name"] for c in severa.customers.search(changed_since=since)}
    assert changed == {new["guid"]: "Ny kund AB", old["guid"]: "Ändrad AB"}
    assert kept["guid"] not in changed


def test_changed_since_is_refused_where_the_spec_has_none(severa: Severa) -> None:
    with pytest.raises(ValueError, match="no changedSince"):
        severa.vat_rates.all(changed_since=START)
    with pytest.raises(ValueError, match="time zone"):
        list(severa.customers.search(changed_since=datetime(2026, 1, 1)))


# -- tokens ----------------------------------------------------------------------------------------
class CountingVault(MemoryVault):
    def __init__(self) -> None:
        super().__init__()
        self.loads = 0

    def load(self) -> Any:
        self.loads += 1
        return super().load()


def test_the_token_in_hand_is_used_without_reading_the_vault_per_request(
    make_client: Callable[..., SeveraClient],
) -> None:
    vault = CountingVault()
    client = make_client(vault=vault)
    for _ in range(10):
        client.test_connection()
    assert vault.loads == 2  # before and inside the first sign-in; then the token in hand


def test_token_expiry_in_the_middle_of_a_run_renews_once_by_the_refresh_route(
    severa: Severa, client: SeveraClient, clock: FakeClock, raw: httpx.Client, app: SeveraSandboxApp
) -> None:
    app.state.access_token_lifetime = 300
    made = add_customers(severa, 9)
    raw.delete("/_sandbox/requests")
    seen: list[str] = []
    for n, customer in enumerate(severa.customers.search(row_count=3)):
        seen.append(customer["guid"])
        if n == 4:
            clock.advance(400)  # the token expires between two pages
    assert seen == [c["guid"] for c in made]
    assert [e["status"] for e in requests_to(raw, "/v1/refreshtoken", "POST")] == [200]
    assert requests_to(raw, "/v1/token", "POST") == []
    assert all(e["status"] == 200 for e in requests_to(raw, "/v1/customers"))


def test_a_401_renews_the_token_and_sends_the_request_again(
    make_client: Callable[..., SeveraClient], clock: FakeClock, raw: httpx.Client, app: SeveraSandboxApp
) -> None:
    # The client's own clock thinks the token is young; Severa's says it expired: only the 401 tells.
    client = make_client(clock=lambda: START)
    client.test_connection()
    clock.advance(3 * 3600)
    client.test_connection()
    statuses = [e["status"] for e in requests_to(raw, "/heartbeat/authorized")]
    assert statuses == [204, 401, 204]
    assert len(requests_to(raw, "/v1/refreshtoken", "POST")) == 1


def test_an_expired_refresh_token_falls_back_to_the_client_credentials(
    client: SeveraClient, clock: FakeClock, raw: httpx.Client, app: SeveraSandboxApp
) -> None:
    client.test_connection()
    clock.advance(app.state.refresh_token_lifetime + 10)
    client.test_connection()
    assert [e["status"] for e in requests_to(raw, "/v1/token", "POST")] == [200, 200]
    assert requests_to(raw, "/v1/refreshtoken", "POST") == []  # known expired: not even tried


def test_many_threads_on_an_expired_token_renew_it_once(
    client: SeveraClient, clock: FakeClock, raw: httpx.Client
) -> None:
    client.test_connection()
    clock.advance(2 * 3600)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        try:
            barrier.wait()
            client.test_connection()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Severa's refresh tokens work once: a second refresh would have been refused and signed in again.
    assert [e["status"] for e in requests_to(raw, "/v1/refreshtoken", "POST")] == [200]
    assert len(requests_to(raw, "/v1/token", "POST")) == 1
    assert [e["status"] for e in requests_to(raw, "/heartbeat/authorized")] == [204] * 9


# -- rate limit ------------------------------------------------------------------------------------
@pytest.mark.parametrize("retry_after", [False, True], ids=["no-retry-after", "retry-after"])
def test_429_is_waited_out(
    client: SeveraClient, app: SeveraSandboxApp, mono: Monotonic, raw: httpx.Client, retry_after: bool
) -> None:
    app.gate.bucket_clock = mono
    app.gate.set_rate_limit(3, 1.0, retry_after=retry_after)
    for _ in range(7):
        client.test_connection()
    statuses = [e["status"] for e in requests_to(raw, "/heartbeat/authorized")]
    assert statuses.count(204) == 7 and 429 in statuses
    assert mono.slept and all(wait >= 0.3 for wait in mono.slept)  # a quota window, not a back-off blip


def test_the_pacer_stays_under_the_limit_so_no_429_comes(
    make_client: Callable[..., SeveraClient], app: SeveraSandboxApp, mono: Monotonic, raw: httpx.Client
) -> None:
    app.gate.bucket_clock = mono
    app.gate.set_rate_limit(10, 1.0)
    pacer = RequestPacer(clock=mono, sleep=mono.sleep)
    client = make_client(pacer=pacer)
    for _ in range(40):
        client.test_connection()
    log = raw.get("/_sandbox/requests").json()
    assert [e["status"] for e in log if e["status"] == 429] == []
    assert pacer.requests == 41  # the sign-in counts against the quota too
    assert pacer.waited == pytest.approx((41 - 2) / 8, rel=0.05)


def test_a_create_refused_with_429_is_sent_again_and_made_once(
    client: SeveraClient, severa: Severa, app: SeveraSandboxApp, mono: Monotonic, raw: httpx.Client
) -> None:
    client.test_connection()
    raw.delete("/_sandbox/requests")
    app.gate.bucket_clock = mono
    app.gate.set_rate_limit(1, 1.0)
    made = [severa.customers.create({"name": f"Kvot {n} AB", "number": 300 + n}) for n in range(3)]
    posts = [e["status"] for e in requests_to(raw, "/v1/customers", "POST")]
    assert posts.count(201) == 3 and 429 in posts
    app.gate.set_rate_limit(None)
    assert sorted(c["number"] for c in severa.customers.search()) == [c["number"] for c in made]


def test_a_create_that_may_have_happened_is_not_repeated(
    client: SeveraClient, severa: Severa, app: SeveraSandboxApp, raw: httpx.Client
) -> None:
    client.test_connection()
    raw.delete("/_sandbox/requests")
    app.kit.set_faults(FaultPlan(lose_answers=1, methods=["POST"]))  # carried out, answer lost (504)
    with pytest.raises(TransientError):
        severa.customers.create({"name": "Kanske AB", "number": 400})
    assert len(requests_to(raw, "/v1/customers", "POST")) == 1
    # It did happen: the caller finds it before creating again (find-before-create).
    assert severa.customers.by_number(400) is not None


# -- errors ----------------------------------------------------------------------------------------
def test_a_missing_required_field_is_a_validation_error_naming_it(severa: Severa) -> None:
    with pytest.raises(ValidationError) as caught:
        severa.customers.create({"number": 7})
    assert caught.value.status_code == 400
    assert "name" in caught.value.errors
    assert caught.value.remote_message.startswith("InvalidParameter")


def test_a_duplicate_number_is_refused_as_invalid_operation(severa: Severa) -> None:
    add_customers(severa, 1)
    with pytest.raises(ValidationError) as caught:
        severa.customers.create({"name": "Tvilling AB", "number": 100})
    assert "InvalidOperation" in caught.value.remote_message


def test_unknown_guid_is_not_found(severa: Severa) -> None:
    with pytest.raises(NotFoundError) as caught:
        severa.customers.read("6f1c3a52-0d8e-4a8f-9d1e-2b7c5a9e4f10")
    assert caught.value.status_code == 404 and caught.value.body is None


def test_a_malformed_guid_is_invalid_parameter_in_the_path(severa: Severa) -> None:
    with pytest.raises(ValidationError) as caught:
        severa.customers.read("not-a-guid")
    assert "PathParameter" in caught.value.remote_message


def test_server_errors_are_retried_then_transient(
    client: SeveraClient, app: SeveraSandboxApp, raw: httpx.Client
) -> None:
    client.test_connection()
    app.kit.set_faults(FaultPlan(error_rate=1.0, error_status=500))
    with pytest.raises(TransientError):
        client.test_connection()
    assert len(requests_to(raw, "/heartbeat/authorized")) == 1 + 6  # first call, then 1 + 5 retries


def test_a_stalled_answer_is_given_up_after_the_connection_timeout(
    make_client: Callable[..., SeveraClient],
    connection: SeveraConnection,
    app: SeveraSandboxApp,
    raw: httpx.Client,
) -> None:
    client = make_client(connection=connection.model_copy(update={"timeout_seconds": 0.3}), max_retries=1)
    client.test_connection()
    app.kit.set_faults(FaultPlan(timeout_rate=1.0, timeout_seconds=1, path_pattern="^/heartbeat"))
    started = time.monotonic()
    with pytest.raises(TransientError, match="timed out"):
        client.test_connection()
    assert time.monotonic() - started < 3


def test_an_operation_other_than_replace_is_refused(client: SeveraClient, severa: Severa) -> None:
    customer = add_customers(severa, 1)[0]
    with pytest.raises(ValidationError) as caught:
        client.patch(f"v1/customers/{customer['guid']}", [{"op": "Remove", "path": "/email"}])
    assert "InvalidOperation" in caught.value.remote_message


# -- PATCH -----------------------------------------------------------------------------------------
def test_patch_replaces_fields_and_answers_the_updated_record(severa: Severa, clock: FakeClock) -> None:
    customer = severa.customers.create({"name": "Före AB", "number": 42, "email": "a@example.se"})
    clock.advance(30)
    updated = severa.customers.update(customer["guid"], {"name": "Efter AB", "isActive": False})
    assert (updated["name"], updated["isActive"], updated["email"]) == ("Efter AB", False, "a@example.se")
    assert updated["lastUpdatedDateTime"] != customer["lastUpdatedDateTime"]
    again = severa.customers.read(customer["guid"])
    assert (again["name"], again["isActive"]) == ("Efter AB", False)


def test_delete_then_read_is_not_found(
    make_client: Callable[..., SeveraClient], connection: SeveraConnection
) -> None:
    # Deleting needs customers:delete, which the integration's default scopes leave out on purpose.
    scopes = (*connection.scopes, "customers:delete")
    severa = Severa(make_client(connection=connection.model_copy(update={"scopes": scopes})))
    customer = add_customers(severa, 1)[0]
    severa.customers.delete(customer["guid"])
    with pytest.raises(NotFoundError):
        severa.customers.read(customer["guid"])
    with pytest.raises(NotFoundError):
        severa.customers.delete(customer["guid"])


def test_a_delete_whose_answer_was_lost_is_done_when_the_retry_finds_nothing(
    make_client: Callable[..., SeveraClient],
    connection: SeveraConnection,
    app: SeveraSandboxApp,
    raw: httpx.Client,
) -> None:
    scopes = (*connection.scopes, "customers:delete")
    severa = Severa(make_client(connection=connection.model_copy(update={"scopes": scopes})))
    customer = add_customers(severa, 1)[0]
    app.kit.set_faults(FaultPlan(lose_answers=1, methods=["DELETE"]))
    severa.customers.delete(customer["guid"])  # 504 (but deleted), then 404 on the retry: done
    assert [e["status"] for e in requests_to(raw, f"/v1/customers/{customer['guid']}", "DELETE")] == [
        504,
        404,
    ]
    with pytest.raises(NotFoundError):
        severa.customers.read(customer["guid"])


def test_auth_error_class_is_the_projects_auth_error() -> None:
    assert issubclass(InsufficientScope, AuthError) and issubclass(SeveraAuthError, AuthError)
