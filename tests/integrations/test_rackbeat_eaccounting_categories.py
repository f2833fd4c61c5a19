"""Rackbeat product categories reach eEkonomi as article labels (seed 000: "Kategorier"), over HTTP: a product
made in Rackbeat in a category arrives as an article carrying the category's label; the label is made
once (an existing one of that name is taken); a product moved to another category trades the old
category's label for the new one and keeps a label of eAccounting's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.eaccounting_support import EWorld, eaccounting_world, open_elive
from tests.integrations.test_realtime import wait_for

LIVE: dict[str, Any] = {"invoices": {"status": "invoiced"}}


@pytest.fixture
def eworld(database_url: str, tmp_path: Path) -> Iterator[EWorld]:
    with eaccounting_world(database_url, tmp_path) as world:
        yield world


def _labels(world: EWorld, article: dict[str, Any]) -> list[str]:
    names = {label["Id"]: label["Name"] for label in world.books.all("articlelabels")}
    return sorted(names[label["Id"]] for label in article.get("ArticleLabels") or [])


def test_a_products_category_becomes_its_articles_label(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        tools = live.rackbeat.create("product-categories", {"name": "Elverktyg"})
        garden = live.rackbeat.create("product-categories", {"name": "Trädgård"})
        # eAccounting already has a label of the second category's name: it is taken, not doubled.
        live.books.create("articlelabels", {"Name": "Trädgård", "Description": "made by hand"})
        group = eworld.ops.records("product-groups")[0]
        body = {"name": "Skruvdragare 18V", "group": group["number"], "sales_price": "1999.20"}
        live.rackbeat.create("products", {"number": "CAT-1", **body, "product_category": tools["number"]})
        live.rackbeat.create("products", {"number": "CAT-2", **body, "product_category": tools["number"]})

        def article(number: str) -> dict[str, Any] | None:
            return next((a for a in live.books.iter_collection("articles") if a["Number"] == number), None)

        first = wait_for(lambda: article("CAT-1"), what="the first article")
        second = wait_for(lambda: article("CAT-2"), what="the second article")
        assert _labels(eworld, first) == _labels(eworld, second) == ["Elverktyg"]
        made = [x for x in eworld.books.all("articlelabels") if x["Name"] == "Elverktyg"]
        assert len(made) == 1 and made[0]["Description"] == f"Rackbeat category {tools['number']}"

        # A label of eAccounting's own stays; the product moves to the other category.
        own = live.books.create("articlelabels", {"Name": "Kampanj"})
        labelled = {**first, "ArticleLabels": [*first["ArticleLabels"], {"Id": own["Id"]}]}
        live.books.replace(f"articles/{first['Id']}", labelled)
        live.rackbeat.update("products", "CAT-1", {"product_category": garden["number"]})
        moved = wait_for(
            lambda: (a := article("CAT-1")) and "Trädgård" in _labels(eworld, a) and a,
            what="the new category's label",
        )
        assert _labels(eworld, moved) == ["Kampanj", "Trädgård"]
        assert len([x for x in eworld.books.all("articlelabels") if x["Name"] == "Trädgård"]) == 1


def test_a_product_without_a_category_gets_no_label(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        group = eworld.ops.records("product-groups")[0]
        live.rackbeat.create(
            "products", {"number": "NOCAT", "name": "Hammare", "group": group["number"], "sales_price": 99}
        )
        found = wait_for(
            lambda: next((a for a in live.books.iter_collection("articles") if a["Number"] == "NOCAT"), None),
            what="the article",
        )
        assert not found.get("ArticleLabels")
