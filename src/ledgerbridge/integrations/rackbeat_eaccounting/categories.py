"""Rackbeat product categories → eAccounting article labels (seed 000: "Kategorier" goes from Rackbeat to
eEkonomi).

How Rackbeat exposes them: the API documents ``/product-categories`` (index, show, store, update, delete;
``ProductCategory``: ``number``, ``name``, ``num_products``, ``updated_at``) and a product's
``product_category`` — the number of an existing category (legacy swagger 0.5.4, ``ProductCategoriesApi``
and ``Product.md``). The sandbox emulates both. eAccounting has no categories; its way to group articles is
the article label (``/v2/articlelabels``, ``Name`` ≤ 50, ``Description`` ≤ 400), named on an article in
``ArticleLabels``.

- :class:`ProductCategories`: each category becomes the label of the same name, matched without regard to
  case (an existing label of that name is bound, not doubled; a category renamed to the name of another
  label takes that label, its articles follow and its old label goes: one label per name — unless the label
  is another category's, which the error log explains). Description: "Rackbeat category N". Carried:
  in real time when a product first names the category; by the start-up sync and a forced re-run
  (:func:`with_category_labels`: every category); by the safety-net scan (:func:`changed_categories`:
  a category that is new or renamed — Rackbeat sends no webhook for categories — found by comparing its
  label's fingerprint with the one its binding keeps, so an unchanged category costs no call to eAccounting).
- :class:`CategorisedProducts`: the products stream, with the label of the product's category on its
  article. The category is synced first (``depends_on``; in real time the reference syncs it). Labels an
  article has in eAccounting stay, except the label of a category the product has left.

:func:`with_categories` puts both in place of the plain products stream (the kind's real-time master
data).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledgerbridge.engine.binder import Binder, chunked
from ledgerbridge.engine.hashing import snapshot_hash
from ledgerbridge.engine.streams import MapContext, MappingError, Payload, Record, Stream
from ledgerbridge.integrations.base import Operation
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import MasterMapper, Products
from ledgerbridge.systems.eaccounting import EAccountingClient
from ledgerbridge.systems.errors import ApiError, AuthError, TransientError
from ledgerbridge.systems.rackbeat import RackbeatClient

EACCOUNTING, RACKBEAT = "eaccounting", "rackbeat"
ENTITY = "product_category"
LABELS = "articlelabels"
DESCRIPTION = "Rackbeat category "  # + the category's number: how a category's label is told apart


def label_payload(category: Record) -> Payload:
    """The article label of a Rackbeat product category."""
    name = str(category.get("name") or "").strip()
    if not name:
        raise MappingError(f"product category {category.get('number')} has no name")
    return {"Name": name[:50], "Description": f"{DESCRIPTION}{category['number']}"}


def _norm(name: Any) -> str:
    return str(name or "").strip().lower()


def _same(a: Any, b: Any) -> bool:
    return _norm(a) == _norm(b)


class ProductCategories(Stream):
    """Rackbeat ``/product-categories`` → eAccounting ``/articlelabels``, matched by name."""

    entity = ENTITY
    source = RACKBEAT
    target = EACCOUNTING
    key = "number"
    label = "product categories (article labels)"

    def __init__(self, eaccounting: EAccountingClient, rackbeat: RackbeatClient) -> None:
        self.eaccounting = eaccounting
        self.rackbeat = rackbeat

    def records(self) -> Iterable[Record]:
        return self.rackbeat.iter_all("product-categories")

    def read_one(self, key: Any, /) -> Record | None:
        return self.rackbeat.find("product-categories", key)

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        return label_payload(record)

    # Keyed by the name without regard to case, as :meth:`find_target` matches: a run's index of the labels
    # (read_target) then finds "trädgård" for the category "Trädgård" as real time does.
    def target_key(self, payload: Payload, /) -> Any:
        return _norm(payload["Name"])

    def existing_key(self, record: Record, /) -> Any:
        return _norm(record.get("Name"))

    def read_target(self) -> Iterable[Record]:
        return self.eaccounting.iter_collection(LABELS)

    def find_target(self, key: Any, /) -> Record | None:
        return next((x for x in self.eaccounting.iter_collection(LABELS) if _same(x.get("Name"), key)), None)

    def project(self, current: Record, payload: Payload, /) -> Payload:
        return {k: current.get(k) for k in payload}

    def create(self, payload: Payload, /) -> Record:
        return self.eaccounting.create(LABELS, payload)

    def update(self, key: Any, payload: Payload, /) -> Record:
        current = self.find_target(key)
        if current is None:
            raise MappingError(f"the article label {key!r} disappeared from eAccounting")
        taken = next(
            (
                x
                for x in self.eaccounting.iter_collection(LABELS)
                if _same(x.get("Name"), payload["Name"]) and str(x["Id"]) != str(current["Id"])
            ),
            None,
        )
        if taken is None:
            return self.eaccounting.replace(f"{LABELS}/{current['Id']}", {**current, **payload})
        return self._merge(current, taken, payload)

    def _merge(self, current: Record, taken: Record, payload: Payload) -> Record:
        """The category was renamed to the name of another label (``taken``): renaming its own label
        (``current``) would make two labels of one name. A label of eAccounting's own (or one no category
        claims) is taken instead, as the start-up sync takes one: the category's articles trade
        ``current`` for it, ``current`` is deleted when it is this category's own (its description says
        so), and ``taken`` gets the category's name and description. Another category's label cannot be
        taken (a binding is one category to one label): a :class:`MappingError` says so and nothing is
        written. A step eAccounting refuses is a :class:`MappingError` saying what was done and what
        was refused; the binding stays on ``current``, so the next run tries again."""
        category = payload["Description"].removeprefix(DESCRIPTION)
        what = (
            f"product category {category} was renamed to {payload['Name']!r}, the name of the article label"
            f" {taken.get('Name')!r} eAccounting already has"
        )
        owner = str(taken.get("Description") or "")
        if owner.startswith(DESCRIPTION) and owner != payload["Description"]:
            raise MappingError(
                f"{what} for product category {owner.removeprefix(DESCRIPTION)}: eAccounting would have two"
                f" labels of one name, and one label carries one category; the category keeps its label"
                f" {current.get('Name')!r} until one of the two categories is renamed in Rackbeat"
            )
        step = "moving the articles that carry its own label to it"
        try:
            for article in self.eaccounting.iter_collection("articles"):
                labels = [str(x.get("Id")) for x in article.get("ArticleLabels") or []]
                if str(current["Id"]) in labels:
                    moved = [x for x in labels if x != str(current["Id"])]
                    moved += [] if str(taken["Id"]) in moved else [str(taken["Id"])]
                    body = {**article, "ArticleLabels": [{"Id": x} for x in moved]}
                    self.eaccounting.replace(f"articles/{article['Id']}", body)
            if str(current.get("Description") or "") == payload["Description"]:
                step = f"deleting its own label {current.get('Name')!r}"
                self.eaccounting.delete(f"{LABELS}/{current['Id']}")
            step = f"taking over the label {taken.get('Name')!r}"
            return dict(self.eaccounting.replace(f"{LABELS}/{taken['Id']}", {**taken, **payload}))
        except (TransientError, AuthError):
            raise  # the run stops and resumes here
        except ApiError as exc:
            raise MappingError(
                f"{what}; the category takes that label instead of renaming its own"
                f" ({current.get('Name')!r}); eAccounting refused {step}: {exc.remote_message}"
            ) from exc


class CategorisedProducts(Products):
    """Products → articles, with the article label of the product's Rackbeat category."""

    depends_on = (*Products.depends_on, ENTITY)

    def map(self, record: Record, ctx: MapContext, /) -> Payload:
        payload = super().map(record, ctx)
        category = record.get("product_category")
        number = category.get("number") if isinstance(category, dict) else category
        if number in (None, ""):
            return payload
        name = ctx.ref(ENTITY, number)  # the label's name; synced first if it is not yet
        # The label may have been made a moment ago (by this sync): a miss always reads the list again.
        found = self.mapper.catalog.first(LABELS, [name], ("Name",), refresh_after=0)
        if found is None:
            raise MappingError(
                f"the article label {name!r} of product category {number} is not in eAccounting"
            )
        return {**payload, "ArticleLabels": [{"Id": str(found["Id"])}]}

    def project(self, current: Record, payload: Payload, /) -> Payload:
        view = super().project(current, payload)
        if "ArticleLabels" in payload:
            # "Has our label" is what we ask; labels of eAccounting's own do not count as a change.
            have = {str(label.get("Id")) for label in current.get("ArticleLabels") or []}
            view["ArticleLabels"] = [x for x in payload["ArticleLabels"] if x["Id"] in have]
        return view

    def update(self, key: Any, payload: Payload, /) -> Record:
        if "ArticleLabels" in payload:
            current = self.find_target(key) or {}
            ours = payload["ArticleLabels"]
            kept = [
                {"Id": str(label["Id"])}
                for label in current.get("ArticleLabels") or []
                if not self._category_label(label) and {"Id": str(label["Id"])} not in ours
            ]
            payload = {**payload, "ArticleLabels": kept + ours}
        return super().update(key, payload)

    def _category_label(self, label: Record) -> bool:
        """A label this integration made for a category (its description says so)."""
        described = label.get("Description")
        if described is None:
            found = self.mapper.catalog.first(LABELS, [label.get("Id")], ("Id",), refresh_after=0)
            described = (found or {}).get("Description")
        return str(described or "").startswith(DESCRIPTION)


def with_categories(
    streams: list[Stream], eaccounting: EAccountingClient, rackbeat: RackbeatClient, mapper: MasterMapper
) -> list[Stream]:
    """The master-data streams with categories: where products flow to eAccounting, the categories stream
    runs before them and their articles carry the category's label."""
    carried: list[Stream] = []
    for stream in streams:
        if type(stream) is Products:
            carried += [
                ProductCategories(eaccounting, rackbeat),
                CategorisedProducts(eaccounting, rackbeat, mapper),
            ]
        else:
            carried.append(stream)
    return carried


def with_category_labels(
    operation: Operation, eaccounting: EAccountingClient, rackbeat: RackbeatClient, *, products: bool
) -> Operation:
    """The start-up sync (and a forced re-run) with every Rackbeat category carried to its label, when
    products flow to eAccounting (``products``: their continuous sync is not off)."""
    if not products:
        return operation
    return Operation([*operation.flows, ProductCategories(eaccounting, rackbeat)], operation.lookups)


def changed_categories(rackbeat: RackbeatClient, binder: Binder) -> list[str]:
    """The numbers of the Rackbeat categories whose label is not as their binding last saw it: new ones
    and renamed ones. Reads the categories (one list); the fingerprint is the hash of the label payload,
    which the binding keeps as the eAccounting side's hash, so nothing is asked of eAccounting."""
    changed: list[str] = []
    for chunk in chunked(rackbeat.iter_all("product-categories")):
        binder.prefetch(ENTITY, RACKBEAT, (str(c["number"]) for c in chunk))
        for category in chunk:
            try:
                fingerprint = snapshot_hash(label_payload(category))
            except MappingError:
                continue  # no name: the product that names it logs why
            binding = binder.find(ENTITY, RACKBEAT, str(category["number"]))
            if binding is None or binder.hash_of(binding, EACCOUNTING) != fingerprint:
                changed.append(str(category["number"]))
    return changed
