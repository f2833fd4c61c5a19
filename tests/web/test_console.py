"""The console's pages over HTTP (in-process): login, CSRF, forms generated from the settings model."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel, Field

from ledgerbridge.integrations.rackbeat_economic.settings import RackbeatEconomicSettings
from ledgerbridge.web.forms import Widget, attach_errors, build_widgets, parse_form
from tests.web.conftest import INVOICE_SETTINGS, PASSWORD, Web, book_invoice, booked_in_economic

PAGES = [
    "/console",
    "/console/integrations/new",
    "/console/integrations/new?kind=rackbeat-economic",
    "/console/integrations/acme",
    "/console/integrations/acme/connections",
    "/console/integrations/acme/settings",
    "/console/integrations/acme/startup",
    "/console/integrations/acme/activity",
    "/console/integrations/acme/delete",
    "/console/errors",
    "/console/notifications",
    "/console/tokens",
]


def field_block(html: str, anchor: str) -> str:
    """The HTML of one field's block (from its id to the next field)."""
    start = html.index(f'id="{anchor}"')
    following = html.find('<div class="field', start + 10)
    return html[start : following if following > 0 else len(html)]


def test_first_start_sets_the_password_from_this_machine_then_pages_need_a_login(web: Web) -> None:
    first = web.client.get("/console", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/console/setup"
    token = web.csrf("/console/setup")
    short = web.client.post(
        "/console/setup", data={"password": "short", "again": "short", "csrf_token": token}
    )
    assert short.status_code == 422 and "at least 8 characters" in short.text
    done = web.client.post(
        "/console/setup",
        data={"password": PASSWORD, "again": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and web.service.has_admin_password()
    assert web.client.get("/console").status_code == 200  # logged in by the setup

    web.client.cookies.clear()
    for path in PAGES:
        answer = web.client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/console/login?next=")
    # Once set, the setup page cannot set it again.
    assert web.client.get("/console/setup", follow_redirects=False).headers["location"] == "/console/login"


def test_setup_from_another_machine_only_explains(web: Web) -> None:
    page = web.client.get("/console/setup", headers={"X-Forwarded-For": "203.0.113.9"})
    assert "ledgerbridge admin set-password" in page.text and 'name="password"' not in page.text
    token = web.csrf("/console/setup")
    refused = web.client.post(
        "/console/setup",
        data={"password": PASSWORD, "again": PASSWORD, "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert refused.status_code == 403 and not web.service.has_admin_password()


def test_login_logout_wrong_password_and_session_cookie_flags(web: Web) -> None:
    web.service.set_admin_password(PASSWORD)
    token = web.csrf("/console/login")
    wrong = web.client.post("/console/login", data={"password": "nope nope", "csrf_token": token})
    assert wrong.status_code == 401 and "not the admin password" in wrong.text
    answer = web.client.post(
        "/console/login",
        data={"password": PASSWORD, "csrf_token": token, "next": "/console/errors"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console/errors"
    cookie = answer.headers["set-cookie"].lower()
    assert "ledgerbridge_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http here
    for path in PAGES:
        assert web.client.get(path).status_code == 200, path
    # An open redirect is not possible.
    again = web.client.post(
        "/console/login",
        data={
            "password": PASSWORD,
            "csrf_token": web.csrf("/console/login"),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert again.headers["location"] == "/console"
    # Changing the password ends every session.
    web.service.set_admin_password("another password")
    assert web.client.get("/console", follow_redirects=False).status_code == 303
    token = web.csrf("/console/login")
    web.client.post("/console/login", data={"password": "another password", "csrf_token": token})
    out = web.post("/console/logout")
    assert out.status_code == 303 and web.client.get("/console", follow_redirects=False).status_code == 303


def test_secure_cookie_when_served_over_https(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from ledgerbridge.web.app import create_app

    monkeypatch.setenv("LEDGERBRIDGE_PUBLIC_URL", "https://sync.example.com")
    with TestClient(create_app(web.hub), base_url="https://testserver") as client:
        page = client.get("/console/login")
        assert "secure" in page.headers["set-cookie"].lower()
    monkeypatch.setenv("LEDGERBRIDGE_SECURE_COOKIES", "0")
    with TestClient(create_app(web.hub), base_url="https://testserver") as client:
        assert "secure" not in client.get("/console/login").headers["set-cookie"].lower()


def test_every_form_post_without_its_csrf_token_is_refused(web: Web) -> None:
    web.login()
    posts = [
        "/console/logout",
        "/console/integrations/new",
        "/console/integrations/acme/transfer",
        "/console/integrations/acme/connections",
        "/console/integrations/acme/delete",
        "/console/integrations/acme/settings",
        "/console/integrations/acme/startup/preview",
        "/console/integrations/acme/startup/run",
        "/console/integrations/acme/errors/1/retry",
        "/console/integrations/acme/errors/1/dismiss",
        "/console/notifications/read",
        "/console/tokens",
        "/console/tokens/1/revoke",
    ]
    for path in posts:
        missing = web.client.post(path, data={"confirm": "acme", "number": "1"})
        assert missing.status_code == 403, path
        wrong = web.client.post(path, data={"csrf_token": "forged", "confirm": "acme"})
        assert wrong.status_code == 403, path
    assert web.client.get("/console").status_code == 200
    assert [v.name for v in web.service.list_integrations()] == ["acme"]


def test_settings_page_shows_every_group_in_the_seeds_order_with_help_and_live_choices(web: Web) -> None:
    web.login()
    html = web.client.get("/console/integrations/acme/settings").text
    legends = re.findall(r"<legend>([^<]+)</legend>", html)
    assert legends[:6] == [
        "Supplier invoices",
        "Accounting",
        "Customer invoices",
        "Products and groups",
        "Layouts",
        "Inventory value",
    ]
    assert legends[-1] == "Start-up synchronization"
    for label in (
        "Activate creditor integration",
        "Account for supplier groups",
        "Day book",
        "Standard account if none are chosen",
        "Purchase account per product group and VAT zone",
        "Use actual quantity when creating",
        "Post invoices in e-conomic when posted in Rackbeat",
        "Never post EAN invoices",
        "Mark invoices as sent when posted in e-conomic",
        "Product nr. for empty e-conomic product lines",
        "Activate One Stop VAT",
        "Use actual cost price",
        "Activate inventory value synchronization",
        "Frequency",
        "Inventory account",
        "Offset account",
    ):
        assert label in html, label
    day_book = field_block(html, "f-supplier_invoices-day_book")
    assert "<select" in day_book and "2 Kreditorfakturaer" in day_book
    matrix = field_block(html, "f-accounting-account_matrix")
    assert "Domestic exempt VAT" in matrix and 'name="accounting.account_matrix.0.eu"' in matrix


def test_settings_save_and_validation_errors_next_to_the_field(web: Web) -> None:
    web.login()
    html = web.client.get("/console/integrations/acme/settings").text
    form = form_values(html, "settings-form")
    form["supplier_invoices.enabled"] = ["off", "on"]  # on, but without a day book
    form["customer_invoices.never_post_ean_invoices"] = ["off", "on"]
    answer = web.client.post("/console/integrations/acme/settings", data=form)
    assert answer.status_code == 422
    day_book = field_block(answer.text, "f-supplier_invoices-day_book")
    assert "field-error" in day_book and "choose the day book" in day_book
    ean = field_block(answer.text, "f-customer_invoices-never_post_ean_invoices")
    assert "only has a meaning together with" in ean
    assert web.service.describe("acme").settings["supplier_invoices"]["enabled"] is False

    form["supplier_invoices.day_book"] = ["2"]
    form["customer_invoices.never_post_ean_invoices"] = ["off"]
    form["accounting.account_matrix.0.eu"] = ["1220"]
    form["inventory_value.frequency"] = ["weekly"]
    saved = web.client.post("/console/integrations/acme/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    settings = web.service.describe("acme").settings
    assert settings["supplier_invoices"] == {
        "enabled": True,
        "account_for_supplier_groups": None,
        "day_book": 2,
    }
    assert settings["accounting"]["account_matrix"] == {"1": {"eu": 1220}}
    assert settings["inventory_value"]["frequency"] == "weekly"
    assert "Settings saved" in web.client.get("/console/integrations/acme/settings").text


def form_values(html: str, form_id: str) -> dict[str, list[str]]:
    """What a browser would post for the form as it stands (hidden, text, checked boxes, selected options)."""
    body = html[html.index(f'id="{form_id}"') :]
    body = body[: body.index("</form>")]
    values: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name:
            continue
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue
        values.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, inner in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, flags=re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', inner)
        first = re.search(r'<option value="([^"]*)"', inner)
        values[name] = [chosen.group(1) if chosen else (first.group(1) if first else "")]
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, flags=re.S):
        values[name] = [text]
    return values


def test_create_an_integration_by_kind_with_errors_next_to_the_field(web: Web) -> None:
    web.login()
    page = web.client.get("/console/integrations/new?kind=rackbeat-economic").text
    assert 'type="password"' in page and "App secret token" in page
    data = {
        "kind": "rackbeat-economic",
        "name": "shop",
        "connections.economic.base_url": web.world.economic_url,
        "connections.economic.app_secret_token": "app-secret",
        "connections.economic.agreement_grant_token": "",
        "connections.rackbeat.base_url": web.world.rackbeat_url,
        "connections.rackbeat.token": "test-token",
    }
    refused = web.post("/console/integrations/new", data)
    assert refused.status_code == 422
    assert "field-error" in field_block(refused.text, "f-connections-economic-agreement_grant_token")
    assert "test-token" not in refused.text  # secrets are not sent back
    created = web.post(
        "/console/integrations/new", {**data, "connections.economic.agreement_grant_token": "grant"}
    )
    assert created.status_code == 303 and created.headers["location"] == "/console/integrations/shop/settings"
    assert "shop" in [v.name for v in web.service.list_integrations()]
    duplicate = web.post(
        "/console/integrations/new", {**data, "connections.economic.agreement_grant_token": "g"}
    )
    assert duplicate.status_code == 422 and "already exists" in duplicate.text


def test_connections_keep_stored_secrets_and_delete_needs_the_name(web: Web) -> None:
    web.login()
    page = web.client.get("/console/integrations/acme/connections").text
    assert "stored — leave empty to keep it" in page and "test-token" not in page
    saved = web.post(
        "/console/integrations/acme/connections",
        {
            "side": "rackbeat",
            "connections.rackbeat.base_url": web.world.rackbeat_url,
            "connections.rackbeat.token": "",
        },
    )
    assert saved.status_code == 303
    _, kind = web.service.integration("acme")
    assert kind.connections.rackbeat.token.get_secret_value() == "test-token"  # type: ignore[attr-defined]
    # This kind connects by tokens: the OAuth2 route says so instead of redirecting anywhere.
    oauth = web.client.get("/console/integrations/acme/connect/rackbeat", follow_redirects=False)
    assert oauth.headers["location"] == "/console/integrations/acme/connections"
    shown = web.client.get("/console/integrations/acme/connections").text
    assert "Rackbeat is connected with its keys: enter them in the form on this page." in shown

    wrong = web.post("/console/integrations/acme/delete", {"confirm": "acm"})
    assert wrong.status_code == 422 and web.service.list_integrations()
    gone = web.post("/console/integrations/acme/delete", {"confirm": "acme"})
    assert gone.status_code == 303 and web.service.list_integrations() == []
    assert web.client.get("/console/integrations/acme").status_code == 404


def test_manual_transfer_twice_errors_dismiss_notifications_and_history(web: Web) -> None:
    web.login()
    web.service.update_settings("acme", INVOICE_SETTINGS)
    assert web.service.run_startup("acme").ok
    number = book_invoice(web.world)
    first = web.post("/console/integrations/acme/transfer", {"number": str(number)})
    assert first.status_code == 303
    page = web.client.get("/console/integrations/acme").text
    assert f"Transferred as e-conomic invoice {number}." in page
    web.post("/console/integrations/acme/transfer", {"number": str(number)})
    assert (
        f"Already transferred as e-conomic invoice {number}."
        in web.client.get("/console/integrations/acme").text
    )
    assert booked_in_economic(web.world, number) == 1
    history = web.client.get(f"/console/integrations/acme/documents/invoice/{number}").text
    assert "confirmed" in history and f"booked invoice {number}" in history  # not the raw key booked:N

    web.post("/console/integrations/acme/transfer", {"number": "777777"})
    assert (
        "Not transferred: Rackbeat has no invoice 777777."
        in web.client.get("/console/integrations/acme").text
    )
    errors = web.client.get("/console/errors?integration=acme").text
    assert "Rackbeat has no invoice 777777" in errors
    entry_id = int(re.search(r'id="error-(\d+)"', errors).group(1))  # type: ignore[union-attr]
    assert re.search(r'class="badge" id="unread-count">\s*\d+', errors)
    notes = web.client.get("/console/notifications").text
    assert "transfer: invoice 777777 failed" in notes
    web.post("/console/notifications/read")
    assert 'id="unread-count"' not in web.client.get("/console/notifications").text

    web.post(f"/console/integrations/acme/errors/{entry_id}/dismiss", {"back": "integration=acme&state=open"})
    assert "No open errors for acme" in web.client.get("/console/errors?integration=acme").text
    assert f'id="error-{entry_id}"' in web.client.get("/console/errors?state=dismissed").text
    activity = web.client.get("/console/integrations/acme/activity").text
    assert "startup" in activity and f"invoice {number}" in activity


def test_startup_page_runs_with_progress_and_refuses_a_second_run(web: Web) -> None:
    import time

    web.login()
    page = web.client.get("/console/integrations/acme/startup").text
    assert "Once per integration" in page
    preview = web.post(
        "/console/integrations/acme/startup/preview", page="/console/integrations/acme/startup"
    )
    assert preview.status_code == 200 and "customer: 40 record(s)" in preview.text
    web.post("/console/integrations/acme/startup/run")
    deadline = time.monotonic() + 60
    while not (progress := web.client.get("/console/integrations/acme/startup/progress").json())["done"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert progress["percent"] == 100 and progress["status"] == "succeeded"
    web.post("/console/integrations/acme/startup/run")
    page = web.client.get("/console/integrations/acme/startup").text
    assert "Not started:" in page and "already ran" in page and 'name="force"' in page


def test_api_tokens_made_in_the_console_work_on_the_api(web: Web) -> None:
    web.login()
    made = web.post("/console/tokens", {"name": "nightly"})
    token = re.search(r"<code>(lb_[^<]+)</code>", made.text).group(1)  # type: ignore[union-attr]
    web.client.cookies.clear()
    assert (
        web.client.get("/api/integrations", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )


# -- the form generator, on its own --------------------------------------------------------------------------
def _browser_post(widgets: list[Widget]) -> dict[str, list[str]]:
    """What a browser posts for these widgets unchanged."""
    out: dict[str, list[str]] = {}
    for w in widgets:
        if w.kind == "group":
            for k, v in _browser_post(w.children).items():
                out.setdefault(k, []).extend(v)
        elif w.kind == "checkbox":
            out[w.path] = ["off", "on"] if w.value else ["off"]
        elif w.kind == "multi":
            out[f"{w.path}.__present__"] = ["1"]
            out[w.path] = list(w.value)
        elif w.kind in ("mapping", "matrix"):
            out[f"{w.path}.__present__"] = ["1"]
            for i, row in enumerate(w.rows):
                out[f"{w.path}.{i}.key"] = [row["key"]]
                if w.kind == "mapping":
                    out[f"{w.path}.{i}.value"] = ["" if row["value"] is None else str(row["value"])]
                else:
                    for col, _ in w.columns:
                        cell = (row["value"] or {}).get(col)
                        out[f"{w.path}.{i}.{col}"] = ["" if cell is None else str(cell)]
        else:
            out[w.path] = [str(w.value)]
    return out


def test_an_unchanged_form_posts_back_the_same_settings() -> None:
    stored = RackbeatEconomicSettings.model_validate(
        {
            **INVOICE_SETTINGS,
            "layouts": {"19": 1},
            "accounting": {"standard_account": 1210, "account_matrix": {"1": {"domestic": 1310, "eu": 1320}}},
            "customer_invoices": {"one_stop_vat": True, "one_stop_vat_zones": {"Tyskland": 17}},
            "startup": {"entities": ["customer", "product"]},
        }
    )
    widgets = build_widgets(RackbeatEconomicSettings, stored.model_dump(mode="json"))
    parsed = RackbeatEconomicSettings.model_validate(
        parse_form(RackbeatEconomicSettings, _browser_post(widgets))
    )
    assert parsed == stored


class Toy(BaseModel):
    flag: bool = Field(False, title="A flag", description="Say yes")
    count: int | None = None
    mode: str = "a"
    colours: dict[str, int] = Field(default_factory=dict)
    extra: list[dict[str, int]] = Field(default_factory=list)


def test_widgets_per_type_and_errors_find_their_field() -> None:
    widgets = {
        w.path: w
        for w in build_widgets(Toy, {"colours": {"red": 1}}, choices={"mode": [("a", "A"), ("b", "B")]})
    }
    assert (
        widgets["flag"].kind == "checkbox"
        and widgets["flag"].label == "A flag"
        and widgets["flag"].help == "Say yes"
    )
    assert widgets["count"].kind == "number"
    assert widgets["mode"].kind == "select" and widgets["mode"].options == [("a", "A"), ("b", "B")]
    assert widgets["colours"].kind == "mapping" and widgets["colours"].free_keys
    assert widgets["extra"].kind == "json"
    left = attach_errors(list(widgets.values()), [("colours.red", "too red"), ("nowhere", "lost")])
    assert widgets["colours"].errors == ["red: too red"] and left == [("nowhere", "lost")]
    document = parse_form(
        Toy,
        {
            "count": [""],
            "mode": ["b"],
            "colours.__present__": ["1"],
            "colours.0.key": ["blue"],
            "colours.0.value": ["2"],
            "extra": ['[{"x": 1}]'],
        },
    )
    assert Toy.model_validate(document) == Toy(
        flag=False, count=None, mode="b", colours={"blue": 2}, extra=[{"x": 1}]
    )
