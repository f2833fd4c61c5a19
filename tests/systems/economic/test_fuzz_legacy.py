"""A schema-driven fuzz of the e-conomic sandbox's legacy REST writes (issue 13).

e-conomic describes its legacy REST API with one draft-03 JSON schema per operation
(``shared/specs/economic/restapi-schemas``), not an OpenAPI document, so Schemathesis cannot walk it (its
OpenAPI services are fuzzed by ``test_fuzz.py``). Here every served collection's ``POST`` and ``PUT`` gets
bodies generated from its own schema with Hypothesis (strategies built below from the draft-03 keywords:
``type``, ``required: true``, ``minLength``/``maxLength``, ``minimum``/``maximum``, e-conomic's
``maxDecimal``, ``enum``, ``pattern``, ``format: full-date``), and the same bodies mutated out of the schema
(a required property dropped, a wrong type, a string one over its ``maxLength``, a number past its
bounds, a value outside its ``enum``, a body that is no object). The checks:

- no answer is a server error;
- a body the schema accepts is accepted (``POST`` 201 with ``Location``, ``PUT`` 200), and the answer
  validates against the operation's GET schema;
- a body the schema refuses gets a 4xx in e-conomic's error envelope (``message``, ``httpStatusCode``
  equal to the status, ``logId``), and changes nothing.

What the generator deliberately holds fixed for valid bodies (each is a rule of the live API beyond its
schema, listed in ``docs/sandboxes/economic.md``): references (``customerGroup``, ``vatZone``,
``paymentTerms``, ``layout``, ``unit``, ``productGroup``, ``salesPerson``, …) name records that exist, a
customer's or supplier's VAT zone is one enabled for customers or suppliers, a customer group's account a
non-barred P&L or balance account; ``currency`` is a currency of the agreement; references to another
record's contacts or delivery locations (``attention``, ``customerContact``, ``defaultDeliveryLocation``,
``supplierContact``) are left out; the record's own number is the next free one on ``POST`` when the
schema requires it (else left to the server) and the path's on ``PUT``; a PUT on payment terms keeps
their ``paymentTermsType`` and ``daysOfCredit`` (immutable, E06151); ``self`` links are left out. The
mutations never touch references.

Bounded and deterministic: ``EXAMPLES`` examples per operation and kind, derandomised, no example
database, no deadline, a fixed clock (one in-process app per target; ~20 s of CPU for the module).
"""

from __future__ import annotations

import itertools
import json
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from ledgerbridge.systems.economic.sandbox import EconomicSandbox, EconomicState, create_app
from ledgerbridge.systems.economic.sandbox.resources import SPECS
from tests.support import FakeClock

from .builders import draft_body
from .test_contract import AUTH, EconomicDraft3
from .test_orders import order_schema as schema  # the orders schemas' broken lastUpdated pattern repaired

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

pytestmark = pytest.mark.contract

EXAMPLES = 20  # per operation, valid and mutated each
EXAMPLES_BEYOND = 10  # per operation beyond the collections: each sends every mutation of its body
Json = Any
Draw = Callable[[Any], Any]
NUMBER_BOUND = Decimal("1000000000")  # numbers without bounds are drawn within ±1e9
# Text as people type it: letters of the Nordic alphabets, digits, punctuation, spaces, some symbols.
TEXT = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "S"), exclude_characters="\u2028\u2029")


@dataclass(frozen=True)
class Target:
    """One served collection: where it is POSTed and PUT, with which schemas, and its GET schema."""

    resource: str  # the sandbox's table (resources.SPECS)
    post_path: str  # "{parent}": an existing record of parent_table (contacts, delivery locations, lines)
    post_schema: str
    put_schema: str | None  # None: the collection has no PUT
    get_schema: str
    put_like_post: bool = False  # a PUT replaces the record whole: it needs what a POST needs
    parent_table: str = "customers"
    name: str = ""  # the test id when not the resource's name

    @property
    def id(self) -> str:
        return self.name or self.resource


# e-conomic publishes no write schema for employees; the sandbox takes their POST/PUT (tests set up
# sales persons with it), and is fuzzed with the GET schema's writable part as the body: the links
# the server makes left out, ``name`` required (the sandbox's rule: an employee without a name is a 400).
EMPLOYEES_WRITE = "employees (the GET schema's writable part)"
_EMPLOYEE_LINKS = ("customers", "draftInvoices", "bookedInvoices", "self")


def load(specs: Path, name: str) -> dict[str, Any]:
    """The schema ``name`` (the orders' repaired), or the one this module makes for employees' writes."""
    if name != EMPLOYEES_WRITE:
        return schema(specs, name)
    got = schema(specs, "employees.employeeNumber.get")
    properties = {k: v for k, v in got["properties"].items() if k not in _EMPLOYEE_LINKS}
    properties["name"] = {**properties["name"], "required": True}
    return {**got, "properties": properties}


TARGETS = [
    Target("units", "/units", "units.post", "units.unitNumber.put", "units.unitNumber.get"),
    Target(
        "payment-terms",
        "/payment-terms",
        "payment-terms.post",
        "payment-terms.paymentTermsNumber.put",
        "payment-terms.paymentTermsNumber.get",
    ),
    Target(
        "customer-groups",
        "/customer-groups",
        "customer-groups.post",
        "customer-groups.customergroupnumber.put",
        "customer-groups.customerGroupNumber.get",
    ),
    Target(
        "customers",
        "/customers",
        "customers.post",
        "customers.customerNo.put",
        "customers.customerNumber.get",
    ),
    Target(
        "suppliers",
        "/suppliers",
        "suppliers.post",
        "suppliers.supplierNumber.put",
        "suppliers.supplierNumber.get",
    ),
    Target(
        "products",
        "/products",
        "products.post",
        "products.productNumber.put",
        "products.productNumber.get",
    ),
    Target(
        "customer-contacts",
        "/customers/{parent}/contacts",
        "customers.customerNumber.contacts.post",
        "customers.customerNumber.contacts.contactNumber.put",
        "customers.customerNumber.contacts.contactNumber.get",
    ),
    Target(
        "delivery-locations",
        "/customers/{parent}/delivery-locations",
        "customers.customerNumber.delivery-locations.post",
        "customers.customerNumber.delivery-locations.deliveryLocationNumber.put",
        "customers.customerNumber.delivery-locations.deliveryLocationNumber.get",
    ),
    Target(
        "invoices-drafts",
        "/invoices/drafts",
        "invoices.drafts.post",
        "invoices.drafts.draftInvoiceNumber.put",
        "invoices.drafts.draftInvoiceNumber.get",
        put_like_post=True,
    ),
    Target(
        "orders-drafts",
        "/orders/drafts",
        "orders.drafts.post",
        "orders.drafts.orderNumber.put",
        "orders.drafts.orderNumber.get",
        put_like_post=True,
    ),
    Target(
        "quotes-drafts",
        "/quotes/drafts",
        "quotes.drafts.post",
        "quotes.drafts.quoteNumber.put",
        "quotes.drafts.quoteNumber.get",
        put_like_post=True,
    ),
    Target(
        "employees",
        "/employees",
        EMPLOYEES_WRITE,
        EMPLOYEES_WRITE,
        "employees.employeeNumber.get",
    ),
    Target(
        "invoices-drafts",
        "/invoices/drafts/{parent}/lines",
        "invoices.drafts.draftInvoiceNumber.lines.post",
        None,
        "invoices.drafts.draftInvoiceNumber.get",
        parent_table="invoices-drafts",
        name="invoices-drafts-lines",
    ),
]


# -- JSON out, with Decimals as numbers ---------------------------------------------------------------


def dumps(value: Json) -> str:
    """JSON text of ``value``; Decimals are written as numbers (never through float)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# -- strategies from draft-03 schemas ---------------------------------------------------------------


def _writable(prop: dict[str, Any]) -> bool:
    return not (prop.get("readOnly") or prop.get("readonly"))


def _reference_key(prop: dict[str, Any]) -> str | None:
    """The number a reference object carries (``{"customerGroupNumber": …, "self": …}``; a draft's
    ``paymentTerms`` also shows the terms' name and type, which a write needn't send), if it is one."""
    inner = prop.get("properties") or {}
    numbers = [k for k in inner if k in REFERENCE_TABLES]
    return numbers[0] if len(numbers) == 1 and "self" in inner else None


def _sub_reference(prop: dict[str, Any]) -> bool:
    """A reference to a record the generator leaves out: another record's contact or delivery location
    (``customerContact``, ``attention``), or a departmental distribution (the departments module is not
    emulated) — an object with one ``…Number`` that no top-level table has."""
    inner = prop.get("properties") or {}
    numbers = [k for k in inner if k.endswith("Number")]
    return len(numbers) == 1 and numbers[0] not in REFERENCE_TABLES and "self" in inner


# A reference's number → the table whose records it names (every top-level resource with a numeric key).
REFERENCE_TABLES = {spec.key: spec.name for spec in SPECS.values() if spec.top_level}


def _enabled(flag: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: bool(record.get(flag))


def _debtor_account(record: dict[str, Any]) -> bool:
    return not record.get("barred") and record.get("accountType") in ("profitAndLoss", "status")


# (resource, reference) → which of the referenced table's records a valid body may name (rules beyond
# the schemas: see the module docstring).
REFERENCE_RULES: dict[tuple[str, str], Callable[[dict[str, Any]], bool]] = {
    ("customers", "vatZone"): _enabled("enabledForCustomer"),
    ("suppliers", "vatZone"): _enabled("enabledForSupplier"),
    ("customer-groups", "account"): _debtor_account,
}


class Generator:
    """Hypothesis strategies for a schema's valid bodies, drawing references from the sandbox's records."""

    def __init__(self, app: EconomicSandbox, resource: str, own_key: str) -> None:
        self.app = app
        self.resource = resource
        self.own_key = own_key  # the record's own number: left out (POST) or set from the path (PUT)

    def existing(self, table: str, keep: Callable[[dict[str, Any]], bool] | None = None) -> list[Any]:
        state = self.app.economic_state
        with state.lock:
            rows = state.tables[table]
            return sorted((k for k, r in rows.items() if keep is None or keep(r)), key=str)

    def value(self, prop: dict[str, Any], name: str) -> Any:
        kinds = prop.get("type")
        kind = kinds[0] if isinstance(kinds, list) else kinds
        if "enum" in prop:
            return st.sampled_from([v for v in prop["enum"] if v is not None] or [None])
        if name == "currency":
            return st.sampled_from(self.existing("currencies"))
        if kind == "object":
            key = _reference_key(prop)
            if key is not None:  # the number of an existing record, and whatever else the schema requires
                table, keep = REFERENCE_TABLES[key], REFERENCE_RULES.get((self.resource, name))
                inner = prop.get("properties") or {}
                required = {
                    n: self.value(p, n)
                    for n, p in inner.items()
                    if n not in (key, "self") and isinstance(p, dict) and p.get("required") is True
                }
                return st.fixed_dictionaries({key: st.sampled_from(self.existing(table, keep)), **required})
            return self.object(prop)
        if kind == "array":
            items = prop.get("items") or {}
            unique = bool(prop.get("uniqueItems"))
            return st.lists(self.value(items, name), min_size=0, max_size=3, unique=unique)
        if kind == "string":
            if prop.get("format") == "full-date":
                return st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(date.isoformat)
            if "pattern" in prop and prop["pattern"].startswith("^"):
                low, high = prop.get("minLength", 0), prop.get("maxLength", 100)
                return st.from_regex(prop["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
            if "pattern" in prop:  # [a-zA-Z]{3}: e-conomic's currency-like codes
                return st.text(string.ascii_uppercase, min_size=3, max_size=3)
            low = prop.get("minLength", 0)
            return st.text(TEXT, min_size=low, max_size=min(prop.get("maxLength", 255), max(low, 40)))
        if kind == "integer":
            low = prop.get("minimum", -NUMBER_BOUND)
            if prop.get("exclusiveMinimum"):
                low += 1
            return st.integers(int(low), int(prop.get("maximum", NUMBER_BOUND)))
        if kind == "number":
            low = Decimal(str(prop.get("minimum", -NUMBER_BOUND)))
            high = Decimal(str(prop.get("maximum", NUMBER_BOUND)))
            places = int(prop.get("maxDecimal", 2))
            numbers = st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False)
            return numbers.filter(lambda d: not (prop.get("exclusiveMinimum") and d == low))
        if kind == "boolean":
            return st.booleans()
        return st.none()

    def object(self, node: dict[str, Any]) -> Any:
        properties = {
            name: prop
            for name, prop in (node.get("properties") or {}).items()
            if isinstance(prop, dict)
            and _writable(prop)
            and name not in ("self", self.own_key)
            and not _sub_reference(prop)
        }
        required = {n: self.value(p, n) for n, p in properties.items() if p.get("required") is True}
        optional = {n: self.value(p, n) for n, p in properties.items() if p.get("required") is not True}
        return st.fixed_dictionaries(required, optional=optional)


def required_as_in(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """``target`` (a PUT schema) with every property ``source`` (the POST schema) requires marked
    required too, at every level both describe; a required property the PUT schema does not list (the
    drafts' ``layout``) is taken from the POST schema."""
    out = dict(target)
    if "properties" in target and "properties" in source:
        props = {}
        for name, prop in target["properties"].items():
            other = source["properties"].get(name)
            if isinstance(prop, dict) and isinstance(other, dict):
                prop = required_as_in(prop, other)
                if other.get("required") is True:
                    prop["required"] = True
            props[name] = prop
        for name, other in source["properties"].items():
            if name not in props and isinstance(other, dict) and other.get("required") is True:
                props[name] = other
        out["properties"] = props
    if isinstance(target.get("items"), dict) and isinstance(source.get("items"), dict):
        out["items"] = required_as_in(target["items"], source["items"])
    return out


def with_quantities(body: dict[str, Any], minimum: Decimal | None) -> dict[str, Any]:
    """A document line naming a product needs a quantity (E04730, documented) and a description (observed
    live): 1 and the text "Vare" where none was drawn. ``minimum``: the least quantity the GET schema
    shows (orders: 0.01; the POST schema has none, and the sandbox does not enforce it, so a smaller one
    drawn becomes 1)."""
    lines = body.get("lines")
    if not isinstance(lines, list):
        return body

    def fixed(line: dict[str, Any]) -> dict[str, Any]:
        quantity = line.get("quantity")
        if ("product" in line and quantity is None) or (
            minimum is not None and quantity is not None and quantity < minimum
        ):
            line = {**line, "quantity": Decimal(1)}
        if "product" in line and not line.get("description"):
            line = {**line, "description": "Vare"}
        return line

    return {**body, "lines": [fixed(line) for line in lines]}


# -- mutations out of the schema ---------------------------------------------------------------------


def _paths(
    node: dict[str, Any], body: Json, prefix: tuple[Any, ...] = (), *, deep: bool = False
) -> Iterator[tuple[Any, ...]]:
    """(path, property schema, present?) of every property of ``node`` the mutations may touch.
    ``deep``: also references (a price's ``currency``, a booking's ``draftInvoice``) and the first item
    of an array of objects (a voucher's entries)."""
    for name, prop in (node.get("properties") or {}).items():
        if not isinstance(prop, dict) or not _writable(prop) or name == "self":
            continue
        if _sub_reference(prop) and not deep:
            continue
        present = isinstance(body, dict) and name in body
        yield (*prefix, name), prop, present
        if prop.get("type") == "object" and present and (_reference_key(prop) is None or deep):
            yield from _paths(prop, body[name], (*prefix, name), deep=deep)
        items = prop.get("items")
        if deep and present and isinstance(items, dict) and isinstance(body[name], list) and body[name]:
            yield from _paths(items, body[name][0], (*prefix, name, 0), deep=deep)


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    for name in path[:-1]:
        body = body[name]
    body[path[-1]] = value


def _drop(body: Any, path: tuple[Any, ...]) -> None:
    for name in path[:-1]:
        body = body[name]
    body.pop(path[-1], None)


def mutations(node: dict[str, Any], body: dict[str, Any], *, deep: bool = False) -> list[tuple[str, Json]]:
    """Every single-step mutation of a valid ``body`` that takes it out of the schema: (what, body).
    ``deep`` (the operations beyond the plain collections): see :func:`_paths`; a required property is
    then also left out below the top level, and an array sent as a text."""
    found: list[tuple[str, Json]] = [("an array body", [body]), ("a string body", "text")]

    def mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
        copy = json.loads(dumps(body), parse_float=Decimal)
        _set(copy, path, value)
        return copy

    for path, prop, present in _paths(node, body, deep=deep):
        where = ".".join(str(p) for p in path)
        kind = prop.get("type")
        if prop.get("required") is True and present and (len(path) == 1 or deep):
            copy = json.loads(dumps(body), parse_float=Decimal)
            _drop(copy, path)
            found.append((f"{where} left out", copy))
        if len(path) > 1 and not present:
            continue
        if kind == "string":
            found.append((f"{where} a number", mutated(path, 12345)))
            if "maxLength" in prop and "enum" not in prop:
                found.append((f"{where} too long", mutated(path, "x" * (prop["maxLength"] + 1))))
            if "enum" in prop:
                found.append((f"{where} outside its enum", mutated(path, "no-such-value")))
        elif kind in ("integer", "number"):
            found.append((f"{where} a text", mutated(path, "not a number")))
            if "maximum" in prop:
                found.append((f"{where} above its maximum", mutated(path, Decimal(str(prop["maximum"])) + 1)))
            if "minimum" in prop:
                found.append((f"{where} below its minimum", mutated(path, Decimal(str(prop["minimum"])) - 1)))
        elif kind == "boolean":
            found.append((f"{where} a text", mutated(path, "yes")))
        elif kind == "object" and (_reference_key(prop) is None or deep):
            found.append((f"{where} a text", mutated(path, "an object expected")))
        elif kind == "array" and deep:
            found.append((f"{where} a text", mutated(path, "an array expected")))
    return found


# -- the fuzz --------------------------------------------------------------------------------------------


def _lenient(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def _is_error_envelope(response: Any) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and isinstance(body.get("message"), str)
        and body.get("httpStatusCode") == response.status_code
        and isinstance(body.get("logId"), str)
    )


class Fuzz:
    """One target's sandbox, client and schemas, and what went wrong (reported together at the end)."""

    def __init__(self, target: Target, specs: Path) -> None:
        self.target = target
        # A fixed clock: dates drawn are judged against the same "today" in every run.
        clock = FakeClock(datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
        self.app = create_app(EconomicState(clock=clock), seed="minimal", rate_limit=None)
        self.http = TestClient(self.app, base_url="https://restapi.e-conomic.com", headers=AUTH)
        self.post = load(specs, target.post_schema)
        self.put = load(specs, target.put_schema) if target.put_schema else {}
        if target.put_like_post:
            self.put = required_as_in(self.put, self.post)
        answer = schema(specs, target.get_schema)
        self.answer = EconomicDraft3(answer)
        line = (((answer.get("properties") or {}).get("lines") or {}).get("items") or {}).get("properties")
        least = ((line or {}).get("quantity") or {}).get("minimum")
        self.least_quantity = Decimal(str(least)) if least is not None else None
        self.key = SPECS[target.resource].key
        self.failures: list[str] = []
        self.statuses: dict[str, int] = {}
        if target.parent_table == "invoices-drafts":  # lines go on a draft: make one
            made = self.http.post("/invoices/drafts", json=draft_body())
            assert made.status_code == 201, made.text

    def count(self, what: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1

    def parent(self) -> Any:
        return Generator(self.app, self.target.parent_table, "").existing(self.target.parent_table)[0]

    def collection_path(self) -> str:
        return self.target.post_path.replace("{parent}", str(self.parent()))

    def item_paths(self) -> list[str]:
        state = self.app.economic_state
        with state.lock:
            records = list(state.tables[self.target.resource].values())
        if "{parent}" in self.target.post_path:
            parent = self.parent()
            records = [r for r in records if (r.get("customer") or {}).get("customerNumber") == parent]
        return [f"{self.collection_path()}/{r[self.key]}" for r in records][:5]

    def snapshot(self) -> str:
        state = self.app.economic_state
        with state.lock:
            return dumps(state.tables[self.target.resource])

    def send(self, method: str, path: str, body: Json) -> Any:
        return self.http.request(
            method, path, content=dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    def valid(self, method: str, path: str, body: Json) -> None:
        schema_doc = self.post if method == "POST" else self.put
        problems = list(EconomicDraft3(schema_doc).iter_errors(_lenient(dumps(body))))
        assert not problems, (
            f"the generator made an invalid body at {list(problems[0].absolute_path)}: {problems[0].message}"
        )
        response = self.send(method, path, body)
        self.count(f"valid {method} {response.status_code}")
        wanted = (201,) if method == "POST" else (200, 201)
        if response.status_code not in wanted:
            self.failures.append(
                f"{method} {path} {dumps(body)[:300]} → {response.status_code} {response.text[:300]}"
            )
            return
        if method == "POST" and not response.headers.get("Location"):
            self.failures.append(f"{method} {path}: 201 without Location")
        errors = list(self.answer.iter_errors(response.json()))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            self.failures.append(
                f"{method} {path}: the answer breaks its schema at {where}: {errors[0].message}"
            )

    def invalid(self, method: str, path: str, what: str, body: Json) -> None:
        schema_doc = self.post if method == "POST" else self.put
        if not list(EconomicDraft3(schema_doc).iter_errors(_lenient(dumps(body)))):
            return  # the mutation happened to stay inside the schema (e.g. an unchecked nested field)
        before = self.snapshot()
        response = self.send(method, path, body)
        self.count(f"invalid {method} {response.status_code}")
        if not 400 <= response.status_code < 500 or not _is_error_envelope(response):
            self.failures.append(f"{method} {path} with {what}: {response.status_code} {response.text[:300]}")
        elif self.snapshot() != before:
            self.failures.append(f"{method} {path} with {what}: refused ({response.status_code}) but stored")


@pytest.mark.parametrize("target", TARGETS, ids=[t.id for t in TARGETS])
def test_generated_writes_are_answered_as_their_schema_says(target: Target, specs_dir: Path) -> None:
    fuzz = Fuzz(target, specs_dir / "economic")
    settings = hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    generator = Generator(fuzz.app, target.resource, fuzz.key)
    serial = itertools.count(1)
    own_required = ((fuzz.post.get("properties") or {}).get(fuzz.key) or {}).get("required") is True

    @settings
    @hypothesis.given(body=generator.object(fuzz.post), data=st.data())
    def post(body: dict[str, Any], data: Any) -> None:
        path = fuzz.collection_path()
        if own_required:  # the caller numbers the record (customer groups, products): a free number
            number = fuzz.app.economic_state.next_key(target.resource)
            body = {**body, fuzz.key: f"F{next(serial)}" if SPECS[target.resource].key_is_str else number}
        body = with_quantities(body, fuzz.least_quantity)
        fuzz.valid("POST", path, body)
        what, mutated = data.draw(st.sampled_from(mutations(fuzz.post, body)), label="mutation")
        fuzz.invalid("POST", path, what, mutated)

    @settings
    @hypothesis.given(body=generator.object(fuzz.put), data=st.data())
    def put(body: dict[str, Any], data: Any) -> None:
        path = data.draw(st.sampled_from(fuzz.item_paths()), label="record")
        own = path.rsplit("/", 1)[1]
        if fuzz.key in (fuzz.put.get("properties") or {}):
            body = {**body, fuzz.key: own if SPECS[target.resource].key_is_str else int(own)}
        if target.resource == "payment-terms":  # immutable once created (E06151)
            current = fuzz.app.economic_state.tables["payment-terms"][int(own)]
            body = {**body, **{k: current[k] for k in ("paymentTermsType", "daysOfCredit") if k in current}}
        body = with_quantities(body, fuzz.least_quantity)
        fuzz.valid("PUT", path, body)
        what, mutated = data.draw(st.sampled_from(mutations(fuzz.put, body)), label="mutation")
        fuzz.invalid("PUT", path, what, mutated)

    post()
    if target.put_schema:
        put()
    assert fuzz.failures == [], f"{len(fuzz.failures)} failures:\n" + "\n".join(fuzz.failures[:15])
    # Both kinds were really sent, and answered.
    assert any(k.startswith("valid POST 201") for k in fuzz.statuses), fuzz.statuses
    assert any(k.startswith("invalid POST 4") for k in fuzz.statuses), fuzz.statuses
    if target.put_schema:
        assert any(k.startswith("valid PUT 200") for k in fuzz.statuses), fuzz.statuses
        assert any(k.startswith("invalid PUT 4") for k in fuzz.statuses), fuzz.statuses


# -- the operations beyond the plain collections ----------------------------------------------------
#
# Booking, journal vouchers, marking an order or quote sent and currency-specific sales prices consume or
# need records a generic body cannot name (a draft to book, a draft order or quote to send, a product
# without a price in the currency), so their valid bodies are drawn by hand within the rules below; what
# is refused is still schema-driven: every single-step mutation ``mutations(..., deep=True)`` makes of a
# valid body, references, nested objects and the first entry of an array included, is sent (each must be
# a 4xx in the envelope and change nothing; an array of vouchers is documented, so not a mutation there),
# then the valid one (2xx, the answer valid against its GET schema). Rules beyond the schemas held fixed
# (see docs/sandboxes/economic.md): booking names an existing draft with lines, ``bookWithNumber`` a
# free number, ``sendBy`` "none" or "Email" (EAN needs an EAN and a contact person on the draft); a
# voucher goes in journal 1, in accounting year 2026, dated in it, each entry naming its account (one
# that takes direct entries), supplier or customer; a sent order (quote) is a draft order's (quote's)
# full document with its ``orderNumber`` (``quoteNumber``); a currency price's POST names a currency of
# the agreement the product has no price in yet.


@dataclass(frozen=True)
class Operation:
    name: str
    method: str
    request_schema: str
    answer_schema: str
    tables: tuple[str, ...]  # what a refused request must leave as it was


OPERATIONS = [
    Operation(
        "book",
        "POST",
        "invoices.booked.post",
        "invoices.booked.bookedInvoiceNumber.get",
        ("invoices-drafts", "invoices-booked", "journal-entries"),
    ),
    Operation(
        "vouchers",
        "POST",
        "journals.journalNumber.vouchers.post",
        "journals.journalNumber.vouchers.accountingYear-voucherNumber.get",
        ("journal-entries",),
    ),
    Operation(
        "orders-sent",
        "POST",
        "orders.drafts.post",  # the body is the draft order's document (no schema of its own)
        "orders.sent.orderNumber.get",
        ("orders-drafts", "orders-sent"),
    ),
    Operation(
        "quotes-sent",
        "POST",
        "quotes.drafts.post",  # as for orders: the draft quote's document
        "quotes.sent.quoteNumber.get",
        ("quotes-drafts", "quotes-sent"),
    ),
    Operation(
        "currency-prices-post",
        "POST",
        "products.productNumber.pricing.currency-specific-sales-prices.post",
        "products.productNumber.pricing.currency-specific-sales-prices.currencyCode.get",
        ("products",),
    ),
    Operation(
        "currency-prices-put",
        "PUT",
        "products.productNumber.pricing.currency-specific-sales-prices.currencyCode.put",
        "products.productNumber.pricing.currency-specific-sales-prices.currencyCode.get",
        ("products",),
    ),
]
ENTRY_PARTY = {  # entry array -> what names the other side (besides a contraAccount)
    "financeVouchers": ("account", "accounts", "accountNumber"),
    "supplierInvoices": ("supplier", "suppliers", "supplierNumber"),
    "supplierPayments": ("supplier", "suppliers", "supplierNumber"),
    "customerPayments": ("customer", "customers", "customerNumber"),
    "manualCustomerInvoices": ("customer", "customers", "customerNumber"),
}


def _direct_account(record: dict[str, Any]) -> bool:
    return (
        not record.get("barred")
        and not record.get("blockDirectEntries")
        and record.get("accountType") in ("profitAndLoss", "status")
    )


class Bench:
    """One operation's sandbox and client, its schemas, and what went wrong."""

    def __init__(self, operation: Operation, specs: Path) -> None:
        self.operation = operation
        clock = FakeClock(datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
        self.app = create_app(EconomicState(clock=clock), seed="minimal", rate_limit=None)
        self.http = TestClient(self.app, base_url="https://restapi.e-conomic.com", headers=AUTH)
        self.request = schema(specs, operation.request_schema)
        self.answer = EconomicDraft3(schema(specs, operation.answer_schema))
        self.failures: list[str] = []
        self.statuses: dict[str, int] = {}
        self.serial = itertools.count(1)

    def existing(self, table: str, keep: Callable[[dict[str, Any]], bool] | None = None) -> list[Any]:
        return Generator(self.app, table, "").existing(table, keep)

    def snapshot(self) -> str:
        state = self.app.economic_state
        with state.lock:
            tables = {name: state.tables[name] for name in self.operation.tables}
            prices = sorted(f"{n}/{c}={p}" for (n, c), p in state.currency_prices.items())
            return dumps({"tables": tables, "prices": prices})

    def send(self, method: str, path: str, body: Json) -> Any:
        return self.http.request(
            method, path, content=dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    def made(self, path: str, body: Json) -> Any:
        """A record the example needs, made over HTTP (201 expected)."""
        response = self.send("POST", path, body)
        assert response.status_code == 201, f"{path}: {response.status_code} {response.text[:300]}"
        return response.json()

    def invalid(self, path: str, what: str, body: Json) -> None:
        if not list(EconomicDraft3(self.request).iter_errors(_lenient(dumps(body)))):
            return  # the mutation stayed inside the schema
        before = self.snapshot()
        response = self.send(self.operation.method, path, body)
        self.statuses[f"invalid {response.status_code}"] = (
            self.statuses.get(f"invalid {response.status_code}", 0) + 1
        )
        if not 400 <= response.status_code < 500 or not _is_error_envelope(response):
            self.failures.append(f"{path} with {what}: {response.status_code} {response.text[:300]}")
        elif self.snapshot() != before:
            self.failures.append(f"{path} with {what}: refused ({response.status_code}) but stored")

    def valid(self, path: str, body: Json, wanted: tuple[int, ...] = (201,)) -> None:
        problems = list(EconomicDraft3(self.request).iter_errors(_lenient(dumps(body))))
        assert not problems, (
            f"an invalid body drawn at {list(problems[0].absolute_path)}: {problems[0].message}"
        )
        response = self.send(self.operation.method, path, body)
        self.statuses[f"valid {response.status_code}"] = (
            self.statuses.get(f"valid {response.status_code}", 0) + 1
        )
        if response.status_code not in wanted:
            self.failures.append(f"{path} {dumps(body)[:300]} → {response.status_code} {response.text[:300]}")
            return
        answer = response.json()
        for document in answer if isinstance(answer, list) else [answer]:
            errors = list(self.answer.iter_errors(document))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path)
                self.failures.append(f"{path}: the answer breaks its schema at {where}: {errors[0].message}")

    def exercise(self, path: str, body: Json, wanted: tuple[int, ...] = (201,)) -> None:
        found = mutations(self.request, body, deep=True)
        if self.operation.name == "vouchers":  # an array of vouchers is documented (answered as one)
            found = [(what, mutated) for what, mutated in found if what != "an array body"]
        for what, mutated in found:  # every one (a drawn one would leave most untried)
            self.invalid(path, what, mutated)
        self.valid(path, body, wanted)


def _money() -> Any:
    return st.decimals(-NUMBER_BOUND, NUMBER_BOUND, places=2, allow_nan=False, allow_infinity=False)


def _text(most: int) -> Any:
    return st.text(TEXT, max_size=most)


def _days(year: int) -> Any:
    return st.dates(date(year, 1, 1), date(year, 12, 31)).map(date.isoformat)


def booking(bench: Bench, data: Any) -> None:
    draft = bench.made("/invoices/drafts", draft_body())["draftInvoiceNumber"]
    reference: dict[str, Any] = {"draftInvoiceNumber": draft}
    if data.draw(st.booleans(), label="self link"):
        reference["self"] = f"https://restapi.e-conomic.com/invoices/drafts/{draft}"
    body: dict[str, Any] = {"draftInvoice": reference}
    number = data.draw(st.none() | st.integers(1, 999999999), label="bookWithNumber")
    if number is not None:
        while number in bench.existing("invoices-booked"):  # a free number (drawn ones may repeat)
            number += 1
        body["bookWithNumber"] = number
    send_by = data.draw(st.sampled_from([None, "none", "Email"]), label="sendBy")
    if send_by is not None:
        body["sendBy"] = send_by
    bench.exercise("/invoices/booked", body)


def vouchers(bench: Bench, data: Any) -> None:
    kind = data.draw(st.sampled_from(sorted(ENTRY_PARTY)), label="entries")
    party, table, key = ENTRY_PARTY[kind]
    parties = bench.existing(table, _direct_account if table == "accounts" else None)
    contra = bench.existing("accounts", _direct_account)
    sides = st.one_of(
        st.fixed_dictionaries({party: st.builds(lambda n: {key: n}, st.sampled_from(parties))}),
        st.fixed_dictionaries(
            {"contraAccount": st.builds(lambda n: {"accountNumber": n}, st.sampled_from(contra))}
        ),
    )
    optional: dict[str, Any] = {"text": _text(250)}
    if kind in ("supplierInvoices", "supplierPayments"):
        optional["supplierInvoiceNumber"] = _text(30)
    if kind in ("customerPayments", "manualCustomerInvoices"):
        optional["customerInvoice"] = st.integers(1, 999999999)
    if kind in ("supplierInvoices", "manualCustomerInvoices"):
        optional["dueDate"] = _days(2026)
    entry = st.builds(
        lambda fields, side: {**fields, **side},
        st.fixed_dictionaries({"amount": _money(), "date": _days(2026)}, optional=optional),
        sides,
    )
    voucher: dict[str, Any] = {
        "accountingYear": {"year": "2026"},
        "entries": {kind: data.draw(st.lists(entry, min_size=1, max_size=3), label="entries")},
    }
    if data.draw(st.booleans(), label="journal"):
        voucher["journal"] = {"journalNumber": 1}
    bench.exercise("/journals/1/vouchers", voucher)


def marked_sent(family: str) -> Callable[[Bench, Any], None]:
    """A draft order (quote) made from the drafts' POST schema, then its full document POSTed to sent."""
    noun = family.removesuffix("s")
    key = f"{noun}Number"

    def example(bench: Bench, data: Any) -> None:
        drafts = Generator(bench.app, f"{family}-drafts", key)
        body = with_quantities(data.draw(drafts.object(bench.request), label=noun), Decimal("0.01"))
        number = bench.made(f"/{family}/drafts", body)[key]
        bench.exercise(f"/{family}/sent", {**body, key: number})

    return example


def _priced_product(bench: Bench) -> str:
    number = f"CP{next(bench.serial)}"
    group = bench.existing("product-groups")[0]
    bench.made(
        "/products", {"productNumber": number, "name": "Pris", "productGroup": {"productGroupNumber": group}}
    )
    return number


def currency_price_post(bench: Bench, data: Any) -> None:
    product = _priced_product(bench)
    code = data.draw(st.sampled_from(bench.existing("currencies")), label="currency")
    body: dict[str, Any] = {"price": data.draw(_money(), label="price"), "currency": {"code": code}}
    if data.draw(st.booleans(), label="product"):
        body["product"] = {"productNumber": product}
    bench.exercise(f"/products/{product}/pricing/currency-specific-sales-prices", body)


def currency_price_put(bench: Bench, data: Any) -> None:
    product = _priced_product(bench)
    code = data.draw(st.sampled_from(bench.existing("currencies")), label="currency")
    body: dict[str, Any] = {"price": data.draw(_money(), label="price")}
    if data.draw(st.booleans(), label="currency"):
        body["currency"] = {"code": code}
    if data.draw(st.booleans(), label="product"):
        body["product"] = {"productNumber": product}
    path = f"/products/{product}/pricing/currency-specific-sales-prices/{code}"
    if data.draw(st.booleans(), label="price exists"):  # PUT replaces (200) or creates (201)
        bench.made(path.rsplit("/", 1)[0], {"price": 1, "currency": {"code": code}})
    bench.exercise(path, body, wanted=(200, 201))


EXAMPLE_OF: dict[str, Callable[[Bench, Any], None]] = {
    "book": booking,
    "vouchers": vouchers,
    "orders-sent": marked_sent("orders"),
    "quotes-sent": marked_sent("quotes"),
    "currency-prices-post": currency_price_post,
    "currency-prices-put": currency_price_put,
}


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_generated_requests_beyond_the_collections_are_answered_as_their_schema_says(
    operation: Operation, specs_dir: Path
) -> None:
    bench = Bench(operation, specs_dir / "economic")
    settings = hypothesis.settings(
        max_examples=EXAMPLES_BEYOND,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )

    @settings
    @hypothesis.given(data=st.data())
    def example(data: Any) -> None:
        EXAMPLE_OF[operation.name](bench, data)

    example()
    assert bench.failures == [], f"{len(bench.failures)} failures:\n" + "\n".join(bench.failures[:15])
    assert any(k.startswith("valid 2") for k in bench.statuses), bench.statuses
    assert any(k.startswith("invalid 4") for k in bench.statuses), bench.statuses
