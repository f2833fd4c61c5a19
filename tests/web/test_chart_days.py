"""The console's charts count by the integration's local day (issue 17): a failure at 23:30 UTC is on the
next day in Europe/Copenhagen, so the integration's overview puts it there; the list of every integration
keeps UTC days and says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from ledgerbridge.store import ErrorEntry
from tests.web.conftest import LEGACY_TOKEN, Web


def bar_titles(html: str) -> dict[str, str]:
    """The overview's daily chart: tick label → "transferred N, failed N" (each bar pair's <title>)."""
    daily = html.split('id="activity-chart"', 1)[1].split("</svg>", 1)[0]
    return dict(re.findall(r"<g><title>([^:<]+): ([^<]+)</title>", daily))


def sparkline_peak(html: str, name: str) -> int:
    """The index (0 = 29 days ago) of the highest point of an integration's failures line."""
    row = html.split(f'data-integration="{name}"', 1)[1].split("</tr>", 1)[0]
    failures = re.findall(r'<polyline points="([^"]+)"', row)[1]
    heights = [float(point.split(",")[1]) for point in failures.split()]
    return heights.index(min(heights))  # SVG y grows downwards


def test_a_failure_at_2330_utc_counts_on_the_next_local_day(web: Web) -> None:
    auth = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
    web.client.post("/api/integrations/acme/transfers/invoice/999999", headers=auth)  # into the error log
    day = datetime.now(UTC).date() - timedelta(days=3)
    late = datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC)  # 00:30 the next day in Copenhagen
    with web.service.store.session() as session:
        session.execute(update(ErrorEntry).values(first_seen=late, last_seen=late))
    web.login()

    # acme's zone is Copenhagen by default (its ledger is e-conomic): the failure is on the next day.
    overview = web.client.get("/console/integrations/acme").text
    assert "Days and hours in the integration's time zone, Europe/Copenhagen" in overview
    bars = bar_titles(overview)
    assert len(bars) == 30
    utc_day, local_day = (
        f"{day.day} {day:%b}",
        f"{(day + timedelta(days=1)).day} {day + timedelta(days=1):%b}",
    )
    assert bars[local_day] == "transferred 0, failed 1", bars
    assert bars[utc_day] == "transferred 0, failed 0", bars

    # In UTC the same failure is on the day before.
    web.service.update_settings(
        "acme", {**web.service.describe("acme").settings, "general": {"timezone": "UTC"}}
    )
    bars = bar_titles(web.client.get("/console/integrations/acme").text)
    assert bars[utc_day] == "transferred 0, failed 1" and bars[local_day] == "transferred 0, failed 0"

    # The list of every integration counts UTC days, whatever each integration's zone, and says so.
    web.service.update_settings(
        "acme", {**web.service.describe("acme").settings, "general": {"timezone": "Europe/Copenhagen"}}
    )
    listing = web.client.get("/console").text
    assert "Last 30 days (UTC days)" in listing
    assert sparkline_peak(listing, "acme") == 29 - 3  # three days ago, as in UTC
