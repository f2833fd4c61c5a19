"""The shared sandbox skeleton: a route table and generic CRUD handlers, served over HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.responses import JSONResponse, Response

from ledgerbridge.sandbox import SandboxKit, SandboxServer
from ledgerbridge.sandbox.crud import Resource, register_crud
from ledgerbridge.sandbox.routes import Call, HttpError, RouteTable


def _served_notes() -> tuple[RouteTable, dict[str, dict[str, Any]]]:
    """A tiny API: notes with list (filter ``?tag=``), get, create, patch (merge) and delete."""
    rows: dict[str, dict[str, Any]] = {}
    ids = itertools.count(1)

    def create(call: Call, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not body.get("text"):
            raise HttpError(JSONResponse({"message": "text is required"}, status_code=422))
        record = {"id": str(next(ids)), "text": body["text"], "tag": body.get("tag")}
        rows[record["id"]] = record
        return record

    def patch(call: Call, record: dict[str, Any], body: Any) -> None:
        record.update({k: v for k, v in body.items() if k in ("text", "tag")})

    def refuse_pinned(call: Call, record: dict[str, Any]) -> None:
        if record["tag"] == "pinned":
            raise HttpError(JSONResponse({"message": "pinned"}, status_code=409))

    def select(call: Call, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        tag = call.request.query_params.get("tag")
        return [r for r in records if r["tag"] == tag] if tag else records

    def page(call: Call, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
        return records[:2], {"X-Total": str(len(records))}

    notes = Resource(
        name="notes",
        rows=lambda call: rows,
        render=dict,
        respond=lambda status, body, headers: JSONResponse(body, status_code=status, headers=headers),
        missing=lambda call: Response(status_code=404),
        key="id",
        select=select,
        page=page,
        create=create,
        patch=patch,
        before_delete=refuse_pinned,
    )
    table = RouteTable()
    register_crud(table, notes, collection="/notes", item="/notes/{id}", tag="notes")

    async def summary(call: Call) -> Response:
        return JSONResponse({"count": len(rows)})

    table.add("GET", "/notes/summary", summary)
    return table, rows


@pytest.fixture
def notes() -> Iterator[tuple[httpx.Client, RouteTable]]:
    table, _ = _served_notes()
    kit = SandboxKit()
    with SandboxServer(kit.wrap(table.app())) as server, httpx.Client(base_url=server.base_url) as client:
        yield client, table


def test_generic_crud_round_trip(notes: tuple[httpx.Client, RouteTable]) -> None:
    client, _ = notes
    created = client.post("/notes", json={"text": "hej", "tag": "a"})
    assert created.status_code == 201 and created.json() == {"id": "1", "text": "hej", "tag": "a"}
    client.post("/notes", json={"text": "då", "tag": "b"})
    client.post("/notes", json={"text": "igen", "tag": "a"})
    listed = client.get("/notes")
    assert [n["id"] for n in listed.json()] == ["1", "2"] and listed.headers["X-Total"] == "3"
    assert [n["id"] for n in client.get("/notes", params={"tag": "a"}).json()] == ["1", "3"]
    assert client.patch("/notes/2", json={"text": "ändrad"}).json()["text"] == "ändrad"
    assert client.get("/notes/2").json()["text"] == "ändrad"
    assert client.delete("/notes/2").status_code == 204
    assert client.get("/notes/2").status_code == 404
    assert client.post("/notes", json={}).status_code == 422


def test_hooks_can_refuse_with_their_own_answer(notes: tuple[httpx.Client, RouteTable]) -> None:
    client, _ = notes
    client.post("/notes", json={"text": "viktig", "tag": "pinned"})
    refused = client.delete("/notes/1")
    assert refused.status_code == 409 and refused.json() == {"message": "pinned"}
    assert client.get("/notes/1").status_code == 200


def test_unknown_path_is_404_and_other_method_is_405_with_allow(
    notes: tuple[httpx.Client, RouteTable],
) -> None:
    client, _ = notes
    assert client.get("/nothing").status_code == 404
    wrong = client.put("/notes")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
    item = client.post("/notes/1")
    assert item.status_code == 405 and item.headers["Allow"] == "DELETE, GET, PATCH"


def test_literal_segment_wins_over_placeholder_and_routes_carry_meta(
    notes: tuple[httpx.Client, RouteTable],
) -> None:
    client, table = notes
    assert client.get("/notes/summary").json() == {"count": 0}
    assert {(r.method, r.template) for r in table if r.meta.get("tag") == "notes"} == {
        ("GET", "/notes"),
        ("POST", "/notes"),
        ("GET", "/notes/{id}"),
        ("PATCH", "/notes/{id}"),
        ("DELETE", "/notes/{id}"),
    }


def test_a_route_registered_twice_is_refused() -> None:
    table, _ = _served_notes()

    async def other(call: Call) -> Response:
        return Response()

    with pytest.raises(ValueError, match="registered twice"):
        table.add("GET", "/notes", other)
