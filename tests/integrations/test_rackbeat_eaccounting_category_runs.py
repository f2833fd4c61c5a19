"""Rackbeat product categories carried to eEkonomi article labels outside real time, over HTTP: the start-up
sync carries every category (an existing label of the same name, whatever its case, is bound, not doubled;
a forced re-run writes nothing), and the safety-net scan carries a category that is new or renamed
(Rackbeat sends no webhook for categories) while an unchanged one costs it nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.systems.eaccounting import EAccountingClient
from tests.integrations.eaccounting_support import EWorld, eaccounting_world, open_elive
from tests.integrations.test_realtime import wait_for

LIVE: dict[str, Any] = {"invoices": {"status": "invoiced"}}
CATEGORY_EVENT = "product_category.updated"


@pytest.fixture
def eworld(database_url: str, tmp_path: Path) -> Iterator[EWorld]:
    with eaccounting_world(database_url, tmp_path) as world:
        yield world


def labels(books: EAccountingClient) -> list[dict[str, Any]]:
    return list(books.iter_collection("articlelabels"))


def label_ids(article: dict[str, Any] | None) -> list[str]:
    return [label["Id"] for label in (article or {}).get("ArticleLabels") or []]


def named(books: EAccountingClient, name: str) -> list[dict[str, Any]]:
    return [x for x in labels(books) if str(x["Name"]).lower() == name.lower()]


def test_the_startup_sync_carries_every_category(eworld: EWorld) -> None:
    eworld.add("se")
    with eworld.rackbeat() as rackbeat, eworld.api() as books:
        tools = rackbeat.create("product-categories", {"name": "Elverktyg"})
        garden = rackbeat.create("product-categories", {"name": "Trädgård"})
        lights = rackbeat.create("product-categories", {"name": "Belysning"})  # no product names it
        books.create("articlelabels", {"Name": "trädgård", "Description": "made by hand"})
        before = len(labels(books))

        result = eworld.service.run_startup("se")
        assert result.ok, result.message
        assert result.counts["product_category"] == {"created": 2, "updated": 1, "unchanged": 0, "failed": 0}
        assert len(labels(books)) == before + 2
        for category in (tools, garden, lights):
            [label] = named(books, category["name"])
            assert label["Name"] == category["name"]  # the hand-made "trädgård" now says "Trädgård"
            assert label["Description"] == f"Rackbeat category {category['number']}"

        # A forced re-run (the manual full run) finds every label as it left it.
        again = eworld.service.run_startup("se", force=True)
        assert again.counts["product_category"] == {"created": 0, "updated": 0, "unchanged": 3, "failed": 0}
        assert len(labels(books)) == before + 2
        [hand_made] = named(books, "Trädgård")

    # A product made in real time afterwards carries the label the start-up sync bound.
    with open_elive(eworld, "se", LIVE, add=False, startup=False) as live:
        group = eworld.ops.records("product-groups")[0]
        body = {"name": "Gräsklippare", "group": group["number"], "sales_price": "4999.00"}
        live.rackbeat.create("products", {"number": "GARDEN-1", **body, "product_category": garden["number"]})
        articles = live.books.iter_collection
        found = wait_for(
            lambda: next((a for a in articles("articles") if a["Number"] == "GARDEN-1"), None),
            what="the article",
        )
        assert label_ids(found) == [hand_made["Id"]]


def test_the_startup_sync_plans_the_labels_without_writing(eworld: EWorld) -> None:
    eworld.add("se")
    with eworld.rackbeat() as rackbeat, eworld.api() as books:
        rackbeat.create("product-categories", {"name": "Elverktyg"})
        before = len(labels(books))
        plan = eworld.service.run_startup("se", dry_run=True)
        assert [i.action for i in plan.plan if i.entity == "product_category"] == ["create"]
        assert len(labels(books)) == before


def test_the_scan_carries_a_renamed_or_new_category(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        _, session = live.hub.session("se")
        tools = live.rackbeat.create("product-categories", {"name": "Elverktyg"})
        group = eworld.ops.records("product-groups")[0]
        body = {"name": "Skruvdragare 18V", "group": group["number"], "sales_price": "1999.20"}
        live.rackbeat.create("products", {"number": "REN-1", **body, "product_category": tools["number"]})

        def article() -> dict[str, Any] | None:
            return next((a for a in live.books.iter_collection("articles") if a["Number"] == "REN-1"), None)

        labelled = wait_for(lambda: (a := article()) and a.get("ArticleLabels") and a, what="the label")
        [label] = named(live.books, "Elverktyg")
        assert label_ids(labelled) == [label["Id"]]
        # Unchanged: its fingerprint equals the binding's, the scan names no category.
        assert (CATEGORY_EVENT, str(tools["number"])) not in list(session.scan(None))

        live.rackbeat.update("product-categories", tools["number"], {"name": "Elverktyg Pro"})
        lights = live.rackbeat.create("product-categories", {"name": "Belysning"})
        events = list(session.scan(None))
        assert (CATEGORY_EVENT, str(tools["number"])) in events
        assert (CATEGORY_EVENT, str(lights["number"])) in events
        assert live.hub.scan("se") >= 2
        renamed = wait_for(lambda: named(live.books, "Elverktyg Pro"), what="the renamed label")
        assert renamed[0]["Id"] == label["Id"] and not named(live.books, "Elverktyg")
        wait_for(lambda: named(live.books, "Belysning"), what="the new category's label")
        # The article keeps the (renamed) label; the next scan finds nothing left to carry.
        assert label_ids(article()) == [label["Id"]]
        assert not [e for e in session.scan(None) if e[0] == CATEGORY_EVENT]
