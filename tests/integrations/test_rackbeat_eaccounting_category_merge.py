"""A Rackbeat category renamed to the name of another eEkonomi article label, over HTTP through the sandboxes.

Before: the category's own label was renamed to the other's name (two labels of one name), then the run
crashed binding it (one label per binding). Now a label of eAccounting's own is taken: one label of that
name, the category bound to it, its articles carrying it, its own old label gone; when eAccounting refuses a
step the error log says what was done and what was refused, and the next run finishes it. Another
category's label is not taken (one category per label): the error log says why, nothing is written, and
the rename goes through once the other category is renamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.systems.eaccounting import EAccountingClient
from tests.integrations.eaccounting_support import ELive, EWorld, eaccounting_world, open_elive
from tests.integrations.test_rackbeat_eaccounting_category_runs import LIVE, label_ids, named
from tests.integrations.test_realtime import wait_for


@pytest.fixture
def eworld(database_url: str, tmp_path: Path) -> Iterator[EWorld]:
    with eaccounting_world(database_url, tmp_path) as world:
        yield world


def article(books: EAccountingClient, number: str) -> dict[str, Any] | None:
    return next((a for a in books.iter_collection("articles") if a["Number"] == number), None)


def labelled(live: ELive, number: str) -> list[str]:
    """The label ids of product ``number``'s article, once real time has made it with a label."""
    found = wait_for(lambda: (a := article(live.books, number)) and a.get("ArticleLabels") and a, what=number)
    return label_ids(found)


def _two_categories(live: ELive) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Categories "Elverktyg" and "Trädgård", a product in each, carried in real time."""
    tools = live.rackbeat.create("product-categories", {"name": "Elverktyg"})
    garden = live.rackbeat.create("product-categories", {"name": "Trädgård"})
    group = live.world.ops.records("product-groups")[0]
    body = {"name": "Skruvdragare 18V", "group": group["number"], "sales_price": "1999.20"}
    live.rackbeat.create("products", {"number": "MRG-1", **body, "product_category": tools["number"]})
    live.rackbeat.create("products", {"number": "MRG-2", **body, "product_category": garden["number"]})
    labelled(live, "MRG-1")
    labelled(live, "MRG-2")
    return tools, garden, body


def test_a_category_renamed_to_a_label_of_eaccountings_own_takes_that_label(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        tools, _, body = _two_categories(live)
        books = live.books
        [tools_label] = named(books, "Elverktyg")
        assert labelled(live, "MRG-1") == [tools_label["Id"]]
        [own] = named(books, "Kampanj")  # the demo company's own label ("Artiklar i vårens kampanj")
        before = len(list(books.iter_collection("articlelabels")))

        live.rackbeat.update("product-categories", tools["number"], {"name": "Kampanj"})
        result = eworld.service.run_startup("se", force=True)  # what the safety-net scan also carries
        assert result.ok, result.message
        assert result.counts["product_category"] == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
        # One label of the name — the one that had it, now the category's — and the old one gone.
        [label] = named(books, "Kampanj")
        assert label["Id"] == own["Id"]
        assert (label["Name"], label["Description"]) == ("Kampanj", f"Rackbeat category {tools['number']}")
        assert not named(books, "Elverktyg")
        assert len(list(books.iter_collection("articlelabels"))) == before - 1
        assert labelled(live, "MRG-1") == [own["Id"]]
        assert eworld.service.errors("se") == []

        # The category is bound to it: a re-run finds nothing to do, a new product of it carries that label.
        again = eworld.service.run_startup("se", force=True)
        assert again.counts["product_category"] == {"created": 0, "updated": 0, "unchanged": 2, "failed": 0}
        live.rackbeat.create("products", {"number": "MRG-3", **body, "product_category": tools["number"]})
        assert labelled(live, "MRG-3") == [own["Id"]]
        assert named(books, "Kampanj") == [label]


def test_a_category_renamed_to_another_categorys_label_waits_with_the_reason(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        tools, garden, _ = _two_categories(live)
        books = live.books
        [garden_label], [tools_label] = named(books, "Trädgård"), named(books, "Elverktyg")

        live.rackbeat.update("product-categories", tools["number"], {"name": "trädgård"})
        result = eworld.service.run_startup("se", force=True)
        assert result.counts["product_category"]["failed"] == 1
        [entry] = [e for e in eworld.service.errors("se") if e.entity == "product_category"]
        assert f"product category {tools['number']} was renamed to 'trädgård'" in entry.message
        assert f"for product category {garden['number']}" in entry.message
        assert "until one of the two categories is renamed in Rackbeat" in entry.message
        assert named(books, "Trädgård") == [garden_label] and named(books, "Elverktyg") == [tools_label]
        assert labelled(live, "MRG-1") == [tools_label["Id"]]

        # The other category is renamed: its label follows; the renamed one, carried before it in that run
        # (categories go in number order), follows in the next; one label per name, the error resolved.
        live.rackbeat.update("product-categories", garden["number"], {"name": "Växter"})
        again = eworld.service.run_startup("se", force=True)
        assert again.counts["product_category"] == {"created": 0, "updated": 1, "unchanged": 0, "failed": 1}
        assert [x["Id"] for x in named(books, "Växter")] == [garden_label["Id"]]
        third = eworld.service.run_startup("se", force=True)
        assert third.counts["product_category"] == {"created": 0, "updated": 1, "unchanged": 1, "failed": 0}
        assert [x["Id"] for x in named(books, "Växter")] == [garden_label["Id"]]
        assert [x["Id"] for x in named(books, "trädgård")] == [tools_label["Id"]]
        assert not [e for e in eworld.service.errors("se") if e.entity == "product_category"]


def test_a_refused_step_is_explained_in_the_error_log_and_finished_by_the_next_run(eworld: EWorld) -> None:
    with open_elive(eworld, "se", LIVE) as live:
        tools, _, _ = _two_categories(live)
        books = live.books
        [tools_label] = named(books, "Elverktyg")
        [own] = named(books, "Kampanj")  # the demo company's own label
        live.rackbeat.update("product-categories", tools["number"], {"name": "Kampanj"})
        eworld.books_app.kit.set_faults(
            FaultPlan(fail_next=[409], methods=["DELETE"], path_pattern=r"/articlelabels/")
        )
        result = eworld.service.run_startup("se", force=True)
        assert result.counts["product_category"]["failed"] == 1
        [entry] = [e for e in eworld.service.errors("se") if e.entity == "product_category"]
        assert f"product category {tools['number']} was renamed to 'Kampanj'" in entry.message
        assert "refused deleting its own label 'Elverktyg'" in entry.message
        # Never two labels of one name, even half-way: the old label kept its name; the article moved.
        assert [x["Id"] for x in named(books, "Kampanj")] == [own["Id"]]
        assert named(books, "Elverktyg") == [tools_label]
        assert labelled(live, "MRG-1") == [own["Id"]]

        eworld.books_app.kit.set_faults(FaultPlan())
        again = eworld.service.run_startup("se", force=True)
        assert again.counts["product_category"]["failed"] == 0, again.message
        assert not named(books, "Elverktyg") and [x["Id"] for x in named(books, "Kampanj")] == [own["Id"]]
        assert labelled(live, "MRG-1") == [own["Id"]]
        assert not [e for e in eworld.service.errors("se") if e.entity == "product_category"]
