"""Times with their zone (issue 17): an integration's pages show its times in its ``general.timezone``
with the zone's abbreviation; pages about every integration stay in UTC and say so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from ledgerbridge.store import SyncRun
from ledgerbridge.web import i18n
from tests.web.conftest import Web
from tests.web.test_console import field_block, form_values

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def run_at_noon_utc(web: Web, zone: str) -> None:
    """acme shown in ``zone``, its start-up run started at 12:00Z and finished at 12:01Z on 6 December."""
    view = web.service.describe("acme")
    web.service.update_settings("acme", {**view.settings, "general": {"timezone": zone}})
    web.service.run_startup("acme")
    with web.service.store.session() as session:
        session.execute(update(SyncRun).values(started_at=NOON, finished_at=NOON + timedelta(minutes=1)))


def test_an_integrations_pages_show_its_times_in_its_zone(web: Web) -> None:
    run_at_noon_utc(web, "Europe/Stockholm")
    web.login()
    for page in ("/console/integrations/acme", "/console/integrations/acme/activity"):
        html = web.client.get(page).text
        assert "6 Dec 2026, 13:00:00 +01:00 CET" in html, page
        assert "6 Dec 2026, 13:01:00 +01:00 CET" in html, page
    danish = web.client.get("/console/integrations/acme/activity", headers={"Accept-Language": "da"}).text
    assert "6. dec. 2026 13.00.00 +01:00 CET" in danish


def test_pages_about_every_integration_stay_in_utc_and_say_so(web: Web) -> None:
    run_at_noon_utc(web, "Europe/Stockholm")
    web.login()
    overview = web.client.get("/console").text
    assert re.search(r"\d\d:\d\d UTC", overview) and "CET" not in overview


def test_the_default_zone_is_the_ledgers_country(web: Web) -> None:
    web.service.run_startup("acme")  # rackbeat-economic, stored without a zone: e-conomic's Denmark
    with web.service.store.session() as session:
        session.execute(update(SyncRun).values(started_at=NOON, finished_at=NOON))
    web.login()
    assert "13:00:00 +01:00 CET" in web.client.get("/console/integrations/acme/activity").text


def test_an_unknown_zone_is_refused_next_to_the_field(web: Web) -> None:
    web.login()
    html = web.client.get("/console/integrations/acme/settings").text
    zone = field_block(html, "f-general-timezone")
    assert "Time zone" in zone and 'value="Europe/Copenhagen"' in zone
    form = form_values(html, "settings-form")
    form["general.timezone"] = ["Europe/Atlantis"]
    answer = web.client.post("/console/integrations/acme/settings", data=form)
    assert answer.status_code == 422
    refused = field_block(answer.text, "f-general-timezone")
    assert "field-error" in refused
    assert "Europe/Atlantis is not a time zone: use a name such as Europe/Copenhagen" in refused
    form["general.timezone"] = ["Europe/Oslo"]
    saved = web.client.post("/console/integrations/acme/settings", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert web.service.describe("acme").settings["general"] == {"timezone": "Europe/Oslo"}


def test_when_writes_the_zone_and_leaves_a_bare_day_alone() -> None:
    stockholm = {"lang": "en", "zone": "Europe/Stockholm"}
    assert i18n.format_when(stockholm, NOON) == "6 Dec 2026, 13:00:00 +01:00 CET"
    assert i18n.format_when(stockholm, "2026-06-06T12:00:00Z") == "6 Jun 2026, 14:00:00 +02:00 CEST"
    kolkata = i18n.format_when(stockholm, "2026-12-06T12:00:00", zone="Asia/Kolkata")
    assert kolkata.endswith("17:30:00 +05:30 IST")
    assert i18n.format_when({"lang": "en"}, NOON.replace(tzinfo=None)) == "6 Dec 2026, 12:00:00 UTC"
    assert i18n.format_when(stockholm, "2026-11-01") == "1 Nov 2026"  # a day is not midnight UTC moved
