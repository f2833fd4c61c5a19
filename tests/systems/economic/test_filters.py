"""The client-side filter builder, the self-link encoding and the sandbox's filter parser (no HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge.systems.economic import Filter
from ledgerbridge.systems.economic.links import decode_id, encode_id
from ledgerbridge.systems.economic.sandbox.filtering import (
    FilterError,
    FilterServerError,
    SortError,
    compile_filter,
    parse_sort,
    parse_timestamp,
    sort_documents,
)
from ledgerbridge.systems.economic.sandbox.resources import BOOLEAN, INTEGER, NUMBER, STRING, TIMESTAMP

# -- builder -------------------------------------------------------------------------------------


def test_the_example_from_the_brief() -> None:
    f = Filter.eq("customerNumber", 5) & Filter.gt("lastUpdated", datetime(2024, 1, 1, tzinfo=UTC))
    assert str(f) == "customerNumber$eq:5$and:lastUpdated$gt:2024-01-01T00:00:00Z"


def test_values_are_escaped_as_documented() -> None:
    assert str(Filter.eq("name", "A$B (C), D*")) == "name$eq:A$$B $(C$)$, D$*"
    # Brackets are left raw: live probes found $[ and $] are not honoured.
    assert str(Filter.eq("name", "[x]")) == "name$eq:[x]"


def test_like_keeps_wildcards_but_contains_and_startswith_escape_them() -> None:
    assert str(Filter.like("city", "*port")) == "city$like:*port"
    assert str(Filter.contains("name", "50*50")) == "name$like:50$*50"
    assert str(Filter.startswith("name", "A(1)")) == "name$like:A$(1$)*"


def test_value_formats() -> None:
    assert str(Filter.eq("barred", True)) == "barred$eq:true"
    assert str(Filter.eq("creditLimit", Decimal("1000.50"))) == "creditLimit$eq:1000.50"
    assert str(Filter.eq("ean", None)) == "ean$eq:$null:"
    assert str(Filter.is_null("ean")) == "ean$eq:$null:"
    assert str(Filter.not_null("ean")) == "ean$ne:$null:"
    assert str(Filter.gte("date", date(2024, 5, 1))) == "date$gte:2024-05-01"
    cet = timezone(timedelta(hours=1))
    assert str(Filter.gt("lastUpdated", datetime(2024, 1, 1, 1, 0, 0, 999, tzinfo=cet))) == (
        "lastUpdated$gt:2024-01-01T00:00:00Z"
    )
    assert str(Filter.lt("lastUpdated", datetime(2024, 1, 1, 12))) == "lastUpdated$lt:2024-01-01T12:00:00Z"


def test_in_lists() -> None:
    assert str(Filter.in_("customerNumber", [2, 5, 7])) == "customerNumber$in:[2,5,7]"
    assert str(Filter.nin("customerNumber", [1, None])) == "customerNumber$nin:[1,$null:]"
    Filter.in_("customerNumber", range(200))
    with pytest.raises(ValueError, match="200"):
        Filter.in_("customerNumber", range(201))
    with pytest.raises(ValueError):
        Filter.in_("customerNumber", [])


def test_combining_parenthesises_only_where_meaning_needs_it() -> None:
    a, b, c = Filter.eq("a", 1), Filter.eq("b", 2), Filter.eq("c", 3)
    assert str(a & b & c) == "a$eq:1$and:b$eq:2$and:c$eq:3"
    assert str((a | b) & c) == "(a$eq:1$or:b$eq:2)$and:c$eq:3"
    assert str(a | (b & c)) == "a$eq:1$or:(b$eq:2$and:c$eq:3)"
    assert str(Filter.all(a, b)) == str(a & b)
    assert str(Filter.any(a, b, c)) == "a$eq:1$or:b$eq:2$or:c$eq:3"


def test_property_names_are_checked() -> None:
    with pytest.raises(ValueError):
        Filter.eq("bad name", 1)
    with pytest.raises(ValueError):
        Filter.eq("", 1)


# -- self-link encoding --------------------------------------------------------------------------


def test_self_link_encoding_matches_the_documented_example() -> None:
    assert encode_id("My Awesome Product_Discount5%") == "My_9_Awesome_9_Product_8_Discount5_3_"
    assert decode_id("My_9_Awesome_9_Product_8_Discount5_3_") == "My Awesome Product_Discount5%"


@pytest.mark.parametrize("value", ["<>*%:&/\\_ ?.#+", "a_8_b", "_1_0", "VVS 8012", "BF.9001", "ÆØÅ-1", "10"])
def test_self_link_encoding_round_trips(value: str) -> None:
    from urllib.parse import unquote

    assert decode_id(unquote(encode_id(value))) == value


# -- the sandbox's parser ------------------------------------------------------------------------

FIELDS = {
    "name": STRING,
    "city": STRING,
    "customerNumber": INTEGER,
    "creditLimit": NUMBER,
    "barred": BOOLEAN,
    "lastUpdated": TIMESTAMP,
    "ean": STRING,
    "group.number": INTEGER,
}
DOCS: list[dict[str, Any]] = [
    {
        "customerNumber": 1,
        "name": "Joe",
        "city": "Newport",
        "creditLimit": Decimal("100.00"),
        "lastUpdated": "2024-01-01T10:00:00Z",
        "group": {"number": 1},
    },
    {
        "customerNumber": 2,
        "name": "joe",
        "city": "Aarhus",
        "barred": True,
        "lastUpdated": "2024-03-01T10:00:00Z",
        "ean": "5798000000001",
        "group": {"number": 2},
    },
    {
        "customerNumber": 3,
        "name": "Ann (UK) $ Co, Ltd*",
        "city": "Portsmouth",
        "creditLimit": Decimal("5.5"),
        "lastUpdated": "2024-02-01T00:00:00Z",
    },
]


def matching(text: str) -> list[int]:
    matcher = compile_filter(text, FIELDS)
    return [d["customerNumber"] for d in DOCS if matcher(d)]


def test_operators() -> None:
    assert matching("name$eq:JOE") == [1, 2]  # case-insensitive
    assert matching("name$ne:joe") == [3]
    assert matching("customerNumber$gt:1") == [2, 3]
    assert matching("customerNumber$gte:2$and:customerNumber$lte:2") == [2]
    assert matching("creditLimit$lt:10") == [3]  # missing values never compare
    assert matching("customerNumber$in:[1,3]") == [1, 3]
    assert matching("customerNumber$nin:[1,3]") == [2]
    assert matching("group.number$eq:2") == [2]


def test_like_contains_wildcards_and_character_classes() -> None:
    assert matching("city$like:port") == [1, 3]  # no wildcard: contains
    assert matching("city$like:*port") == [1]
    assert matching("city$like:port*") == [3]
    assert matching("city$like:[AN]*") == [1, 2]


def test_precedence_and_parentheses() -> None:
    # $and: binds tighter than $or:
    assert matching("customerNumber$eq:3$or:name$eq:joe$and:city$eq:aarhus") == [2, 3]
    assert matching("name$eq:Joe$and:(city$like:*port$or:customerNumber$lt:2)") == [1]
    assert matching("(customerNumber$eq:1$or:customerNumber$eq:2)$and:barred$eq:true") == [2]


def test_escapes_and_null() -> None:
    assert matching(f"name$eq:{Filter.eq('name', 'Ann (UK) $ Co, Ltd*').expression[len('name$eq:') :]}") == [
        3
    ]
    assert matching("name$like:$*") == [3]  # an escaped star is literal
    assert matching("ean$eq:$null:") == [1, 3]
    assert matching("ean$ne:$null:") == [2]
    assert matching("barred$eq:false") == [1, 3]  # a missing boolean is false


def test_timestamps_compare_as_time() -> None:
    assert matching("lastUpdated$gt:2024-01-15T00:00:00Z") == [2, 3]
    assert matching("lastUpdated$gt:2024-02-01") == [2]
    assert matching("lastUpdated$gte:2024-02-01T01:00:00+01:00") == [2, 3]
    assert parse_timestamp("2024-01-01T00:00:00Z") == datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "name",
        "name$xx:1",
        "name$eq:a$b",
        "(name$eq:a",
        "name$eq:a)",
        "customerNumber$in:1",
        "customerNumber$in:[1",
        "customerNumber$eq:abc",
        "name$eq:$null:x",
        "$and:name$eq:1",
    ],
)
def test_malformed_filters_are_refused(text: str) -> None:
    with pytest.raises(FilterError):
        matching(text)


def test_unknown_property_names_the_property() -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter("bogusProp$eq:1", FIELDS)
    assert caught.value.field == "bogusProp"
    assert caught.value.detail == "Filtering is not allowed on property 'bogusProp'."


def test_in_is_numeric_only_and_at_most_200() -> None:
    with pytest.raises(FilterError, match="numeric"):
        compile_filter("name$in:[a,b]", FIELDS)
    compile_filter("customerNumber$in:[" + ",".join(map(str, range(200))) + "]", FIELDS)
    with pytest.raises(FilterError, match="200"):
        compile_filter("customerNumber$in:[" + ",".join(map(str, range(201))) + "]", FIELDS)


def test_known_server_errors_are_reproduced() -> None:
    with pytest.raises(FilterServerError):
        compile_filter("group.number$eq:1", FIELDS, server_error_fields=("group.number",))
    with pytest.raises(FilterServerError):
        compile_filter("barred$ne:true", FIELDS, boolean_ne_500=True)


def test_sorting() -> None:
    docs = [dict(d) for d in DOCS]
    by_name = sort_documents(docs, parse_sort("name,-customerNumber", ["name", "customerNumber"]))
    assert [d["customerNumber"] for d in by_name] == [3, 2, 1]
    by_limit = sort_documents(docs, parse_sort("-creditLimit", ["creditLimit"]))
    assert [d["customerNumber"] for d in by_limit] == [1, 3, 2]  # nulls first ascending, last descending
    numbers = [{"n": 1000}, {"n": 30}, {"n": 200}]
    assert [d["n"] for d in sort_documents(numbers, parse_sort("~n", ["n"]))] == [1000, 200, 30]
    with pytest.raises(SortError):
        parse_sort("city", ["name"])
