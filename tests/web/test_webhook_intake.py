"""One route family, ``/webhooks/{system}/{name}``, for every system: the hub says how a system delivers."""

from __future__ import annotations

from tests.web.conftest import Web


def _url(web: Web, hook: str) -> str:
    urls = web.hub.webhook_urls("acme", "economic", "http://testserver")
    return urls[hook].replace("[NEWNUMBER]", "7").replace("[OLDNUMBER]", "7").replace("[INVOICENO]", "7")


def test_url_web_hooks_are_taken_by_get_and_by_post_alike(web: Web) -> None:
    by_get = web.client.get(_url(web, "CustomerUpdated"))
    by_post = web.client.post(_url(web, "CustomerUpdated"), content=b"not json: the query is what counts")
    assert by_get.status_code == by_post.status_code == 200
    assert by_get.json() == by_post.json()  # the same announcement, collapsed into one inbox item
    other = web.client.post(_url(web, "ProductUpdated") + "&unrelated=1")  # the reader picks its own
    assert other.status_code == 200 and other.json() != by_get.json()


def test_systems_that_push_take_post_only_and_unknown_systems_none(web: Web) -> None:
    pushed = web.client.get("/webhooks/rackbeat/acme")
    assert (pushed.status_code, pushed.headers["allow"]) == (405, "POST")
    unknown = web.client.post("/webhooks/nosuch/acme", json={"key": 1})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no webhook receiver for 'nosuch'"
    wrong_token = web.client.post(_url(web, "CustomerUpdated").replace("token=", "token=x"))
    assert wrong_token.status_code == 401
