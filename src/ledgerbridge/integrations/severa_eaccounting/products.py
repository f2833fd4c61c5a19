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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from ledgerbridge.engine.flows import EntityFlow, MapContext, MappingError
from ledgerbridge.integrations.severa_eaccounting.lookups import (
    FirstSight,
    Lookups,
    Record,
    Source,
    bind_only,
    gross,
    money,
)

SEVERA, EACCOUNTING = "severa", "eaccounting"
NAME_LIMIT = 50
TRAVEL_UNIT = {"Mileage": "mileage", "DailyAllowance": "daily_allowance"}


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


def to_article(lookups: Lookups) -> Callable[[Source, MapContext], dict[str, Any]]:
    units = lookups.settings.products.units

    def unit_for(item: Source) -> str:
        register = item["_register"]
        if register == "work type":
            wanted = units.work_type
        elif register == "travel expense type":
            wanted = getattr(units, TRAVEL_UNIT.get(str(item.get("expenseClass")), "other_travel"))
        else:
            wanted = units.product
            own = lookups.unit_id(item.get("measurementUnit"))
            if own is not None:
                return own  # C50: "another unit is chosen if possible"
        found = lookups.unit_id(wanted)
        if found is None:
            raise MappingError(f"eEkonomi has no unit {wanted!r} (products.units)")
        return found

    def map_item(item: Source, ctx: MapContext) -> dict[str, Any]:
        register = item["_register"]
        code = str(item.get("code") or "").strip()
        if not code:
            raise MappingError(f"the Severa {register} has no code; the code is the article number (C8)")
        if item.get("_clash"):
            raise MappingError(
                f"code {code!r} is used by more than one Severa register; codes must be unique (C8)"
            )
        name = str(item.get("name") or "")
        if len(name) > NAME_LIMIT:
            raise MappingError(f"the name is {len(name)} characters; eEkonomi allows {NAME_LIMIT}")
        guid = str(item["guid"])
        if register == "product":
            net = money(item.get("unitPrice"))
            vat = Decimal(str(item["vatRate"])) if item.get("vatRate") is not None else lookups.default_vat
        elif register == "work type":
            net = lookups.work_type_prices.get(guid, Decimal(0))
            vat = lookups.default_vat
        else:
            net = lookups.travel_prices.get(guid, Decimal(0))
            vat = Decimal(str(item["vatRate"])) if item.get("vatRate") is not None else lookups.default_vat
        return {
            "Number": code,
            "Name": name,
            "IsActive": bool(item.get("isActive", True)),
            "UnitId": unit_for(item),
            "NetPrice": net,
            "GrossPrice": gross(net, vat),
            "CodingId": lookups.coding_for_rate(vat),
        }

    return map_item


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


def to_severa_product(lookups: Lookups) -> Callable[[Source, MapContext], dict[str, Any]]:
    def map_article(article: Source, ctx: MapContext) -> dict[str, Any]:
        number = str(article.get("Number") or "").strip()
        vat = lookups.coding_vat(article.get("CodingId"))
        currency = lookups.organisation_currency
        return {
            "code": number,
            "name": str(article.get("Name") or ""),
            "isActive": bool(article.get("IsActive", True)),
            "type": "Materials",  # A18: "everything goes to the product register"
            "measurementUnit": lookups.unit_abbreviation(article.get("UnitId")) or "st",
            "unitPrice": {"amount": Decimal(str(article.get("NetPrice") or 0)), "currencyCode": currency},
            "vatRate": vat if vat is not None else lookups.default_vat,
        }

    return map_article


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


def product_flows(
    lookups: Lookups,
    bound: Callable[[], set[str]],
    bound_in_eaccounting: Callable[[], set[str]],
    other_only: Callable[[str], set[str]] = lambda side: set(),
) -> list[EntityFlow]:
    master = lookups.settings.masters.products
    articles = Articles(lookups)
    products = SeveraProducts(lookups)
    books_first = FirstSight(lambda: other_only(EACCOUNTING), lambda r: str(r.get("Number") or "").strip())
    severa_first = FirstSight(lambda: other_only(SEVERA), lambda r: str(r.get("code") or "").strip())

    def items() -> Iterable[Record]:
        keys = bound()
        for item in severa_items(lookups):
            key = item_key(item)
            if master != SEVERA and key in keys:
                continue
            if not item.get("isActive", True) and key not in keys:
                continue
            yield item

    def books_articles() -> Iterable[Record]:
        keys = bound_in_eaccounting()
        for article in lookups.articles.values():
            key = str(article.get("Number") or "").strip()
            if master != EACCOUNTING and key in keys:
                continue
            if not article.get("IsActive", True) and key not in keys:
                continue
            yield article

    to_books = EntityFlow(
        entity="article",
        source=SEVERA,
        target=EACCOUNTING,
        label="products, work types and travel expenses Severa → eEkonomi",
        read=items,
        source_key=item_key,
        map=to_article(lookups),
        target_key=lambda payload: payload["Number"],
        existing_key=lambda record: str(record.get("Number") or "").strip(),
        read_target=books_first.targets(articles.all),
        project=books_first.project(project_article) if master == SEVERA else bind_only,
        create=articles.create,
        update=articles.update,
    )
    to_severa_flow = EntityFlow(
        entity="product_to_severa",
        source=EACCOUNTING,
        target=SEVERA,
        label="articles eEkonomi → Severa products",
        read=books_articles,
        source_key=lambda record: str(record.get("Number") or "").strip(),
        map=to_severa_product(lookups),
        target_key=lambda payload: payload["code"],
        existing_key=lambda record: str(record.get("code") or "").strip(),
        read_target=severa_first.targets(
            lambda: [item for item in severa_items(lookups) if str(item.get("code") or "").strip()]
        ),
        project=severa_first.project(project_product) if master == EACCOUNTING else bind_only,
        create=products.create,
        update=products.update,
    )
    return [to_books, to_severa_flow] if master == SEVERA else [to_severa_flow, to_books]
