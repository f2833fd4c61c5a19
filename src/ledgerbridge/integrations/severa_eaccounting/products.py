"""Articles, both ways (seed 004 C7, C8, C15, C46–C53).

Severa → eEkonomi: products, work types and travel expense types become articles; the article number is
the Severa code (C47). A record without a code, or whose code another Severa register also uses, is
refused with the reason (C8). The coding is preselected ("Tjänster 25% moms" unless chosen, C49) and set
on new articles only: an update keeps the coding the bookkeeper gave it (A17). The unit is the register's
(C50; a product keeps its own unit when eEkonomi has it). Prices: a product's own; a work type's from the
default price list in force today (rows without a user); a travel type's from the same version's travel
prices; else 0 (A16). Price incl. VAT from Severa's rate: the product's or travel type's own, else the
organisation's default (C52).

eEkonomi → Severa: every article goes to the product register (C53) as type ``Materials`` (A18), with its
unit, net price and the coding's VAT rate.

Both flows run in one register as the customers' do: the master's first, the other one for records bound
to nothing yet. Bindings: ``article`` (code → number) and ``product_to_severa``.

The field mapping, both directions, is ``mappers/product.py``; this module reads, compares and writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MapContext, MappingError, Stream
from ledgerbridge.integrations.severa_eaccounting.lookups import Lookups, Record, Source, money
from ledgerbridge.integrations.severa_eaccounting.mappers.product import (
    ArticleToEAccounting,
    ProductToSevera,
)
from ledgerbridge.integrations.severa_eaccounting.register_streams import RegisterStream, master_first

SEVERA, EACCOUNTING = "severa", "eaccounting"


def severa_items(lookups: Lookups) -> list[Record]:
    """Products, work types and travel expense types, each tagged with its register (``_register``)."""
    severa = lookups.severa
    items = [{**p, "_register": "product"} for p in severa.products.search()]
    items += [{**w, "_register": "work type"} for w in severa.work_types.search()]
    items += [{**t, "_register": "travel expense type"} for t in severa.travel_expense_types.search()]
    codes = Counter(str(i.get("code") or "").strip() for i in items if str(i.get("code") or "").strip())
    for item in items:
        code = str(item.get("code") or "").strip()
        item["_clash"] = codes[code] > 1 if code else False
    return items


def item_key(item: Source) -> str:
    code = str(item.get("code") or "").strip()
    if not code:
        return f"(no code) {item['_register']} {item.get('name')}"
    if item.get("_clash"):
        return f"{code} ({item['_register']})"
    return code


class Articles:
    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups

    def all(self) -> Iterable[Record]:
        return self.lookups.articles.values()

    def create(self, payload: dict[str, Any]) -> Record:
        created: Record = self.lookups.eaccounting.create("articles", payload)
        self.lookups.articles[str(created.get("Number"))] = created
        return created

    def update(self, number: str, payload: dict[str, Any]) -> Record:
        current = self.lookups.articles.get(number)
        if current is None:
            raise MappingError(f"article {number} disappeared from eEkonomi")
        body = {k: v for k, v in current.items() if v is not None}
        body.update(payload)
        body["CodingId"] = current.get("CodingId")  # A17: the coding is set on create only
        updated: Record = self.lookups.eaccounting.replace(f"articles/{current['Id']}", body)
        self.lookups.articles[number] = updated
        return updated


def project_article(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
    view = {k: current.get(k) for k in payload}
    for key in ("NetPrice", "GrossPrice"):
        if view.get(key) is not None:
            view[key] = Decimal(str(view[key]))
    view["CodingId"] = payload.get("CodingId")  # not compared: the bookkeeper may change it
    if view.get("UnitId") is not None:
        view["UnitId"] = str(view["UnitId"])
    return view


class SeveraProducts:
    def __init__(self, lookups: Lookups) -> None:
        self.severa = lookups.severa

    def all(self) -> Iterable[Record]:
        return self.severa.products.search()

    def create(self, payload: dict[str, Any]) -> Record:
        return self.severa.products.create(payload)

    def update(self, code: str, payload: dict[str, Any]) -> Record:
        found = self.severa.products.by_code(code)
        if not found:
            raise MappingError(f"product {code} disappeared from Severa")
        # The code is the key; the type is set on create only (a Severa user's choice, not eEkonomi's).
        changes = {f"/{k}": v for k, v in payload.items() if k not in ("code", "unitPrice", "type")}
        changes["/unitPrice/amount"] = payload["unitPrice"]["amount"]
        return self.severa.products.update(str(found[0]["guid"]), changes)


def project_product(current: Source, payload: dict[str, Any]) -> dict[str, Any]:
    if current.get("_register") not in (None, "product"):
        return dict(payload)  # a work type or travel type has the code: the article is there, not written
    view = {k: current.get(k) for k in payload}
    price = current.get("unitPrice") or {}
    view["unitPrice"] = {
        "amount": money(price),
        "currencyCode": price.get("currencyCode") or payload["unitPrice"]["currencyCode"],
    }
    if view.get("vatRate") is not None:
        view["vatRate"] = Decimal(str(view["vatRate"]))
    view["type"] = payload["type"]  # set on create only
    return view


class ArticlesToBooks(RegisterStream):
    """Severa products, work types and travel expense types → eEkonomi articles, keyed by code/number."""

    entity = "article"
    source = SEVERA
    target = EACCOUNTING
    register = "products"
    label = "products, work types and travel expenses Severa → eEkonomi"

    def open(self, lookups: Lookups) -> None:
        self.articles = Articles(lookups)
        self.mapper = ArticleToEAccounting(lookups)

    def records(self) -> Iterable[Source]:
        keys = self.bound_in_severa()
        for item in severa_items(self.lookups):
            key = item_key(item)
            if not self.is_master and key in keys:
                continue
            if not item.get("isActive", True) and key not in keys:
                continue
            yield item

    def source_key(self, record: Source, /) -> Any:
        return item_key(record)

    def map(self, record: Source, ctx: MapContext, /) -> dict[str, Any]:
        return self.mapper.map(record, ctx)

    def target_key(self, payload: dict[str, Any], /) -> Any:
        return payload["Number"]

    def existing_key(self, record: Source, /) -> Any:
        return str(record.get("Number") or "").strip()

    def targets(self) -> Iterable[Source]:
        return self.articles.all()

    def compare(self, current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        return project_article(current, payload)

    def create(self, payload: dict[str, Any], /) -> Record:
        return self.articles.create(payload)

    def update(self, key: Any, payload: dict[str, Any], /) -> Record:
        return self.articles.update(key, payload)


class ProductsToSevera(RegisterStream):
    """eEkonomi articles → Severa products, keyed by number/code."""

    entity = "product_to_severa"
    source = EACCOUNTING
    target = SEVERA
    register = "products"
    label = "articles eEkonomi → Severa products"

    def open(self, lookups: Lookups) -> None:
        self.products = SeveraProducts(lookups)
        self.mapper = ProductToSevera(lookups)

    def records(self) -> Iterable[Source]:
        keys = self.bound_in_eaccounting()
        for article in self.lookups.articles.values():
            key = str(article.get("Number") or "").strip()
            if not self.is_master and key in keys:
                continue
            if not article.get("IsActive", True) and key not in keys:
                continue
            yield article

    def source_key(self, record: Source, /) -> Any:
        return str(record.get("Number") or "").strip()

    def map(self, record: Source, ctx: MapContext, /) -> dict[str, Any]:
        return self.mapper.map(record, ctx)

    def target_key(self, payload: dict[str, Any], /) -> Any:
        return payload["code"]

    def existing_key(self, record: Source, /) -> Any:
        return str(record.get("code") or "").strip()

    def targets(self) -> Iterable[Source]:
        return [item for item in severa_items(self.lookups) if str(item.get("code") or "").strip()]

    def compare(self, current: Source, payload: dict[str, Any]) -> dict[str, Any]:
        return project_product(current, payload)

    def create(self, payload: dict[str, Any], /) -> Record:
        return self.products.create(payload)

    def update(self, key: Any, payload: dict[str, Any], /) -> Record:
        return self.products.update(key, payload)


def product_flows(
    lookups: Lookups,
    bound: Callable[[], set[str]],
    bound_in_eaccounting: Callable[[], set[str]],
    other_only: Callable[[str], set[str]] = lambda side: set(),
) -> list[Stream]:
    """The register's streams, the master's first (C14)."""
    return master_first(
        ArticlesToBooks(lookups, bound, bound_in_eaccounting, other_only),
        ProductsToSevera(lookups, bound, bound_in_eaccounting, other_only),
    )
