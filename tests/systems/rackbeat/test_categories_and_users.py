"""Product categories and users, as Rackbeat's legacy swagger (0.5.4) documents them (issue 13)."""

from __future__ import annotations

import httpx

from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.systems.rackbeat.sandbox import create_app


def test_products_carry_a_category_that_must_exist() -> None:
    with SandboxServer(create_app(token="t", rate_limit=None)) as server:
        api = httpx.Client(base_url=server.base_url + "/api", headers={"Authorization": "Bearer t"})
        category = api.post("/product-categories", json={"name": "Værktøj"})
        assert category.status_code == 201, category.text
        number = category.json()["product_category"]["number"]
        listed = api.get("/product-categories").json()
        assert [c["name"] for c in listed["product_categories"]] == ["Værktøj"]
        group = api.post("/product-groups", json={"name": "Varer", "has_inventory": True}).json()[
            "product_group"
        ]
        product = {"number": "P1", "name": "Hammer", "group": group["number"], "sales_price": 10}
        created = api.post("/products", json={**product, "product_category": number})
        assert created.status_code == 201, created.text
        assert created.json()["product"]["product_category"] == number
        refused = api.post("/products", json={**product, "number": "P2", "product_category": number + 1})
        assert refused.status_code == 422
        assert "product_category" in refused.json()["errors"]


def test_users_are_served_and_other_methods_answer_405_with_allow() -> None:
    with SandboxServer(create_app(token="t", rate_limit=None)) as server:
        api = httpx.Client(base_url=server.base_url + "/api", headers={"Authorization": "Bearer t"})
        assert api.post("/users", json={"name": "Mette Jensen", "initials": "MJ"}).status_code == 201
        assert api.get("/users").json()["users"][0]["initials"] == "MJ"
        answer = api.patch("/users", json={})
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "GET, HEAD, POST"


def test_a_categorys_products_are_listed_like_products() -> None:
    with SandboxServer(create_app(token="t", rate_limit=None)) as server:
        api = httpx.Client(base_url=server.base_url + "/api", headers={"Authorization": "Bearer t"})
        tools = api.post("/product-categories", json={"name": "Værktøj"}).json()["product_category"]
        group = api.post("/product-groups", json={"name": "Varer", "has_inventory": True}).json()
        base = {"group": group["product_group"]["number"], "sales_price": 10}
        for number, category in (("P1", tools["number"]), ("P2", None), ("P3", tools["number"])):
            api.post(
                "/products", json={**base, "number": number, "name": number, "product_category": category}
            )
        listed = api.get(
            f"/product-categories/{tools['number']}/products", params={"order_direction": "desc"}
        )
        assert listed.status_code == 206
        assert [p["number"] for p in listed.json()["products"]] == ["P3", "P1"]
        assert listed.json()["total"] == 2
        assert api.get("/product-categories/99/products").status_code == 404
        assert api.post(f"/product-categories/{tools['number']}/products", json={}).status_code == 405
