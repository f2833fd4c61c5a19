"""The OpenAPI services the sandbox emulates (https://apis.e-conomic.com/{service}api/v{x.y.z}/...).

- Suppliers API v2.0.0 ``/Groups``: supplier groups (``Group``: ``number``, ``name``, ``accountNumber``,
  ``objectVersion``). e-conomic has no supplier-group writes on legacy REST; these are the documented
  ones.
- Products API v2.0.0 ``/productgroups``: product groups (``ProductGroup``: ``id``, ``name``,
  ``domesticAccountId``, ``objectVersion``). Legacy ``/product-groups`` is read-only (research §11.5),
  so product groups are written here, as e-conomic allows. ``domesticAccountId`` is the group's sales
  account (legacy ``salesAccount``); the per-zone accounts (``/productgroups/{n}/zones``) and the
  rest of the Products API (products, price groups) are not emulated (404).
- Webhooks API v1.0.0: ``/EventTypes``, ``/webhooks`` (see ``webhooks.py`` for delivery).

Common behaviour, as the specs describe it: ``GET /{Items}`` pages by cursor (``state.oas_cursor_page_size``,
1000 like ``x-cursor-page-size``; the cursor is the id of the first item of the next page);
``/{Items}/paged?skippages&pagesize`` (max 100) answers a bare array; ``/{Items}/count`` a bare
integer; ``filter`` as on legacy REST (``BadFilterRequest`` on an unknown property). POST answers 201
with the created id (``{"number": n}`` / ``{"id": n}``; plus ``Location``, our addition). PUT goes to
the collection path with the id in the body, replaces the item and answers 204; it needs the current
``objectVersion`` (from a GET): a missing or stale one answers 409 ``UpdateConflict`` (problem+json,
``errors[0].property`` = ``objectVersion``). ``PUT /Groups/{number}`` is not a route (405), as in the
spec. DELETE answers 204, or 400 when suppliers/products still use the group. Validation errors are
400 problem+json with ``errors: [{message, errorCode, property}]``; the codes are the spec's
(``SupplierGroupIdAlreadyExists``, ``SupplierGroupNameEmpty``, ``ERROR_CODE_AccountDoesNotExist``,
``ERROR_CODE_AccountIsNotBalanceOrProfitAndLossType``, ``SupplierGroupIsInUse``, the ``Webhook…`` ones)
or, where the spec lists none (product groups, plain type errors), ours in the same style.

Webhook URLs must be HTTPS (``WebhookInvalidUrlScheme``), except that the sandbox also accepts
``http://`` to loopback hosts (127.0.0.1, localhost, ::1) so tests can receive them.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from ledgerbridge.systems.economic.sandbox.errors import EconomicJSONResponse, problem
from ledgerbridge.systems.economic.sandbox.filtering import FilterError, compile_filter
from ledgerbridge.systems.economic.sandbox.resources import INTEGER, STRING
from ledgerbridge.systems.economic.sandbox.state import EconomicState, WebhookSubscription, get_path
from ledgerbridge.systems.economic.sandbox.webhooks import (
    API_EVENT_NAMES,
    EVENT_DESCRIPTIONS,
    EVENT_TYPES,
    MERGE_FIELD_DESCRIPTIONS,
    WebhookDispatcher,
)

SUPPLIERS_PREFIX = "/suppliersapi/v2.0.0"
PRODUCTS_PREFIX = "/productsapi/v2.0.0"
WEBHOOKS_PREFIX = "/webhooksapi/v1.0.0"
OAS_PREFIXES = (SUPPLIERS_PREFIX, PRODUCTS_PREFIX, WEBHOOKS_PREFIX)
# skipPages maximum and cursor maxLength of every collection in the services' OpenAPI documents.
SKIP_PAGES_MAX = 100
CURSOR_MAX_LENGTH = 50
PAGED_MAX = 100
LOOPBACK = ("127.0.0.1", "localhost", "::1")
EVENT_TYPE_PATTERN = re.compile(r"[A-Z0-9_]+")  # the Webhooks API's eventType path parameter


def _not_allowed(method: str, tail: str | None) -> Response:
    """405 with ``Allow``: the collection takes GET, POST and PUT (the id in the body), ``count``/``paged``
    and ``EventTypes`` GET, an item GET and DELETE."""
    if tail is None:
        allow = "GET, POST, PUT"
    elif tail in ("count", "paged", "EventTypes"):
        allow = "GET"
    else:
        allow = "GET, DELETE"
    response = problem(405, detail=f"The endpoint does not support http method '{method}'.")
    response.headers["Allow"] = allow
    return response


def is_oas_path(path: str) -> bool:
    """Whether ``path`` belongs to one of the emulated OpenAPI services."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in OAS_PREFIXES)


# The roles a grant needs, one of them, per served family: the ``x-required-roles`` of the tag the
# services' OpenAPI documents put the operations under (Suppliers ``Groups``, Products ``ProductGroups``,
# Webhooks ``Webhooks``); ``EventTypes`` carries none, so any grant reads it.
REQUIRED_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (SUPPLIERS_PREFIX + "/Groups", ("Bookkeeping", "SuperUser")),
    (PRODUCTS_PREFIX + "/productgroups", ("Sales", "SuperUser")),
    (WEBHOOKS_PREFIX + "/webhooks", ("SuperUser",)),
)


def required_roles(path: str) -> tuple[str, ...]:
    """One of these roles a grant needs for ``path`` (empty: any grant)."""
    for prefix, roles in REQUIRED_ROLES:
        if path == prefix or path.startswith(prefix + "/"):
            return roles
    return ()


def encode_version(version: int) -> str:
    """An opaque ``objectVersion`` (e-conomic's look like base64 row versions)."""
    return base64.b64encode(version.to_bytes(8, "big")).decode()


def _bad_request(message: str, code: str, prop: str | None = None) -> Response:
    return problem(
        400,
        detail=message,
        error_code=code,
        errors=[{"message": message, "errorCode": code, "property": prop}],
    )


def _conflict(prop: str = "objectVersion") -> Response:
    message = (
        "The resource has been updated by another user. Retrieve the resource/object and try the update "
        "again. This is needed in order to prevent you from rolling back another user's update."
    )
    return problem(
        409, detail=message, errors=[{"message": message, "errorCode": "UpdateConflict", "property": prop}]
    )


def _int_param(params: Mapping[str, str], name: str, default: int) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def _listing(
    request: Request,
    items: list[dict[str, Any]],
    id_field: str,
    filters: Mapping[str, str],
    tail: str | None,
    cursor_size: int,
) -> Response:
    """The GET forms every collection of the services shares: cursor, ``/paged``, ``/count``."""
    params = {k.lower(): v for k, v in request.query_params.multi_items()}
    if params.get("filter"):
        try:
            matcher = compile_filter(params["filter"], filters)
            items = [item for item in items if matcher(item)]
        except FilterError as exc:
            return problem(400, detail=exc.detail, error_code="BadFilterRequest")
    if tail == "count":
        return EconomicJSONResponse(len(items))
    if tail == "paged":
        if params.get("sort"):
            # "name,-number": properties the collection filters on, "-" descending, the first one leading.
            for field in reversed(params["sort"].split(",")):
                name = field.strip().removeprefix("-")
                if name not in filters:
                    detail = f"The property '{name}' cannot be sorted on."
                    return problem(400, detail=detail, error_code="BadSortRequest")
                items = sorted(
                    items,
                    key=lambda item: (item.get(name) is None, "" if item.get(name) is None else item[name]),
                    reverse=field.strip().startswith("-"),
                )
        size = _int_param(params, "pagesize", 20)
        skip = _int_param(params, "skippages", 0)
        if size is None or not 1 <= size <= PAGED_MAX or skip is None or not 0 <= skip <= SKIP_PAGES_MAX:
            limits = f"pagesize between 1 and {PAGED_MAX}; skippages between 0 and {SKIP_PAGES_MAX}"
            return problem(400, detail=f"Use {limits}.")
        return EconomicJSONResponse(items[skip * size : (skip + 1) * size])
    cursor = params.get("cursor")
    if cursor is not None and len(cursor) > CURSOR_MAX_LENGTH:  # the specs' maxLength
        return problem(400, detail=f"The cursor is longer than {CURSOR_MAX_LENGTH} characters.")
    if cursor:
        try:
            start = int(cursor)
        except ValueError:
            return problem(400, detail=f"The cursor '{cursor}' is not valid.", error_code="BadRequest")
        items = [item for item in items if item[id_field] >= start]
    size = max(1, cursor_size)
    body: dict[str, Any] = {}
    if len(items) > size:
        body["cursor"] = str(items[size][id_field])  # the id of the first item of the next set
    body["items"] = items[:size]
    return EconomicJSONResponse(body)


@dataclass(frozen=True)
class GroupService:
    """A group collection of an OpenAPI service, stored in a legacy table."""

    prefix: str
    segment: str  # "Groups" | "productgroups"
    table: str  # "supplier-groups" | "product-groups"
    id_field: str  # "number" | "id"
    account_field: str  # "accountNumber" | "domesticAccountId"
    account_ref: str  # stored as {account_ref: {"accountNumber": n}}
    filters: Mapping[str, str]
    code_exists: str
    code_name_empty: str
    code_in_use: str
    id_maximum: int

    def to_oas(self, state: EconomicState, record: Mapping[str, Any]) -> dict[str, Any]:
        key = record[state.spec(self.table).key]
        out: dict[str, Any] = {self.id_field: key, "name": record.get("name", "")}
        account = get_path(record, f"{self.account_ref}.accountNumber")
        if account is not None:
            out[self.account_field] = account
        out["objectVersion"] = encode_version(state.version_of(self.table, key))
        return out


SUPPLIER_GROUPS = GroupService(
    prefix=SUPPLIERS_PREFIX,
    segment="Groups",
    table="supplier-groups",
    id_field="number",
    account_field="accountNumber",
    account_ref="account",
    filters={"number": INTEGER, "name": STRING, "accountNumber": INTEGER},
    code_exists="SupplierGroupIdAlreadyExists",
    code_name_empty="SupplierGroupNameEmpty",
    code_in_use="SupplierGroupIsInUse",
    id_maximum=999999999,
)
PRODUCT_GROUPS = GroupService(
    prefix=PRODUCTS_PREFIX,
    segment="productgroups",
    table="product-groups",
    id_field="id",
    account_field="domesticAccountId",
    account_ref="salesAccount",
    filters={"id": INTEGER, "name": STRING},
    code_exists="ProductGroupIdAlreadyExists",
    code_name_empty="ProductGroupNameEmpty",
    code_in_use="ProductGroupIsInUse",
    id_maximum=2147483647,
)


class OasServices:
    """Routes the OpenAPI paths; errors are ``problem+json``."""

    def __init__(self, state: EconomicState, webhooks: WebhookDispatcher) -> None:
        self.state = state
        self.webhooks = webhooks

    async def handle(self, request: Request, body_reader: Callable[[], Any]) -> Response:
        """One request below an OAS prefix (auth and idempotency are done by the caller)."""
        path = request.url.path
        for service in (SUPPLIER_GROUPS, PRODUCT_GROUPS):
            if path.startswith(service.prefix + "/"):
                parts = [p for p in path[len(service.prefix) :].split("/") if p]
                if parts and parts[0] == service.segment and len(parts) <= 2:
                    return await self.groups(request, service, parts[1:], body_reader)
                return problem(404)
        if path.startswith(WEBHOOKS_PREFIX + "/"):
            parts = [p for p in path[len(WEBHOOKS_PREFIX) :].split("/") if p]
            return await self.webhook_api(request, parts, body_reader)
        return problem(404)

    # -- groups ----------------------------------------------------------------------------------
    async def groups(
        self, request: Request, service: GroupService, rest: list[str], body_reader: Callable[[], Any]
    ) -> Response:
        method = request.method
        tail = rest[0] if rest else None
        if method == "GET":
            with self.state.lock:
                items = [service.to_oas(self.state, r) for r in self.state.records(service.table)]
            if tail is not None and tail not in ("count", "paged"):
                number = self._number(tail, service)
                if isinstance(number, Response):
                    return number
                found = [g for g in items if g[service.id_field] == number]
                return EconomicJSONResponse(found[0]) if found else problem(404)
            return _listing(
                request, items, service.id_field, service.filters, tail, self.state.oas_cursor_page_size
            )
        if method == "DELETE" and tail is not None and tail not in ("count", "paged"):
            number = self._number(tail, service)
            if isinstance(number, Response):
                return number
            return self._delete_group(service, number)
        if method in ("POST", "PUT") and tail is None:
            body = await body_reader()
            return self._write_group(
                service, body, creating=method == "POST", base=str(request.base_url).rstrip("/")
            )
        return _not_allowed(method, tail)

    @staticmethod
    def _number(text: str, service: GroupService) -> int | Response:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not -(2**31) <= number < 2**31:  # the documents' int32
            return problem(400, detail=f"The value '{text}' is not valid for {service.id_field}.")
        return number

    def _write_group(self, service: GroupService, body: Any, *, creating: bool, base: str) -> Response:
        if not isinstance(body, Mapping):
            return _bad_request("The request body must be a JSON object.", "InvalidRequestBody")
        spec = self.state.spec(service.table)
        number = body.get(service.id_field)
        if number is None:
            return _bad_request(
                f"The {service.id_field} field is required.", "RequiredFieldMissing", service.id_field
            )
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= service.id_maximum:
            return _bad_request(
                f"{service.id_field} must be a whole number between 1 and {service.id_maximum}.",
                "InvalidValue",
                service.id_field,
            )
        name = body.get("name")
        if name is None or (isinstance(name, str) and not name.strip()):
            return _bad_request("Group name cannot be empty.", service.code_name_empty, "name")
        if not isinstance(name, str) or len(name) > 50:
            return _bad_request("name must be a text of at most 50 characters.", "InvalidValue", "name")
        account = body.get(service.account_field)
        if account is None:
            return _bad_request(
                f"The {service.account_field} field is required.",
                "RequiredFieldMissing",
                service.account_field,
            )
        if not isinstance(account, int) or isinstance(account, bool):
            return _bad_request(
                f"{service.account_field} must be a whole number.", "InvalidValue", service.account_field
            )
        with self.state.lock:
            account_record = self.state.get("accounts", account)
            if account_record is None:
                return _bad_request(
                    "The account number does not exist.",
                    "ERROR_CODE_AccountDoesNotExist",
                    service.account_field,
                )
            if account_record.get("accountType", "profitAndLoss") not in ("profitAndLoss", "status"):
                return _bad_request(
                    "The type of the account is invalid.",
                    "ERROR_CODE_AccountIsNotBalanceOrProfitAndLossType",
                    service.account_field,
                )
            existing = self.state.get(service.table, number)
            record: dict[str, Any] = {
                spec.key: number,
                "name": name,
                service.account_ref: {"accountNumber": account},
            }
            if creating:
                if existing is not None:
                    return _bad_request(
                        f"There is a group with the number {number} already.",
                        service.code_exists,
                        service.id_field,
                    )
                if service.table == "product-groups":
                    record["inventoryEnabled"] = False
                self.state.insert(service.table, record)
                location = f"{base}{service.prefix}/{service.segment}/{number}"
                return EconomicJSONResponse(
                    {service.id_field: number}, status_code=201, headers={"Location": location}
                )
            if existing is None:
                return problem(404)
            given = body.get("objectVersion")
            if given != encode_version(self.state.version_of(service.table, number)):
                return _conflict()
            kept = {k: v for k, v in existing.items() if k not in ("name", service.account_ref, spec.key)}
            self.state.replace(service.table, number, {**kept, **record})
        return Response(status_code=204)

    def _delete_group(self, service: GroupService, number: int) -> Response:
        with self.state.lock:
            if not self.state.exists(service.table, number):
                return problem(404)
            users = self.state.referrers(service.table, number)
            if users:
                return _bad_request(
                    f"The group cannot be deleted because {len(users)} record(s) use it.",
                    service.code_in_use,
                    service.id_field,
                )
            self.state.delete(service.table, number)
        return Response(status_code=204)

    # -- webhooks --------------------------------------------------------------------------------
    def _api_hooks(self) -> list[WebhookSubscription]:
        return [s for s in self.state.webhook_subscriptions if s.source == "api"]

    @staticmethod
    def _hook_json(sub: WebhookSubscription) -> dict[str, Any]:
        out: dict[str, Any] = {
            "eventType": API_EVENT_NAMES[sub.event_type],
            "name": sub.name,
            "url": sub.url,
            "contentType": sub.content_type or "",
        }
        if sub.body is not None:
            out["postData"] = sub.body
        if sub.headers:
            out["customHeaders"] = [{"key": k, "value": v} for k, v in sub.headers.items()]
        out["isDisabled"] = sub.disabled
        out["lastUpdated"] = sub.last_updated
        out["objectVersion"] = encode_version(sub.version)
        return out

    async def webhook_api(
        self, request: Request, parts: list[str], body_reader: Callable[[], Any]
    ) -> Response:
        method = request.method
        if parts == ["EventTypes"] and method != "GET":
            return _not_allowed(method, "EventTypes")
        if parts == ["EventTypes"]:
            return EconomicJSONResponse(
                [
                    {
                        "name": API_EVENT_NAMES[kind],
                        "description": EVENT_DESCRIPTIONS[kind],
                        "mergeFields": [
                            {"fieldName": f"[{name}]", "description": MERGE_FIELD_DESCRIPTIONS[name]}
                            for name in names
                        ],
                    }
                    for kind, names in EVENT_TYPES.items()
                ]
            )
        if not parts or parts[0] != "webhooks" or len(parts) > 2:
            return problem(404)
        tail = parts[1] if len(parts) == 2 else None
        if tail not in (None, "count", "paged") and not EVENT_TYPE_PATTERN.fullmatch(tail):
            return _bad_request(
                f"The value '{tail}' is not valid for eventType (^[A-Z0-9_]+$).", "InvalidValue", "eventType"
            )
        if method == "GET":
            with self.state.lock:
                hooks = [self._hook_json(s) for s in self._api_hooks()]
            if tail is not None and tail not in ("count", "paged"):
                found = [h for h in hooks if h["eventType"] == tail]
                return EconomicJSONResponse(found[0]) if found else problem(404)
            hooks.sort(key=lambda h: str(h["eventType"]))
            # At most one webhook per event type: every listing fits one cursor page.
            filters = {"eventType": STRING, "name": STRING, "url": STRING}
            return _listing(request, hooks, "eventType", filters, tail, len(hooks) + 1)
        if method == "DELETE" and tail is not None:
            with self.state.lock:
                for sub in self._api_hooks():
                    if API_EVENT_NAMES[sub.event_type] == tail:
                        self.state.webhook_subscriptions.remove(sub)
                        return Response(status_code=204)
            return problem(404)
        if method in ("POST", "PUT") and tail is None:
            return self._write_hook(await body_reader(), creating=method == "POST")
        return _not_allowed(method, tail)

    def _write_hook(self, body: Any, *, creating: bool) -> Response:
        if not isinstance(body, Mapping):
            return _bad_request("The request body must be a JSON object.", "InvalidRequestBody")
        by_api_name = {v: k for k, v in API_EVENT_NAMES.items()}
        event = body.get("eventType")
        if not isinstance(event, str) or event not in by_api_name:
            return _bad_request(
                "An unknown/unsupported webhook event type.", "WebhookInvalidType", "eventType"
            )
        for name, limit in (("name", 100), ("url", 1000), ("contentType", 50)):
            value = body.get(name)
            if not isinstance(value, str) or len(value) > limit or (name != "name" and not value):
                return _bad_request(
                    f"{name} is required (text of at most {limit} characters).", "InvalidValue", name
                )
        post_data = body.get("postData")
        if post_data is not None and (not isinstance(post_data, str) or len(post_data) > 4000):
            return _bad_request(
                "postData must be a text of at most 4000 characters.", "InvalidValue", "postData"
            )
        url = body["url"]
        parsed = urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            return _bad_request("The URL has invalid format (check RFC 3986).", "WebhookInvalidUrl", "url")
        if parsed.scheme != "https" and parsed.hostname not in LOOPBACK:
            return _bad_request(
                "Only HTTPS is allowed for the webhook URL.", "WebhookInvalidUrlScheme", "url"
            )
        headers: dict[str, str] = {}
        raw_headers = body.get("customHeaders") or []
        if not isinstance(raw_headers, list):
            return _bad_request(
                "customHeaders must be a list of key/value pairs.",
                "WebhookCustomHeaderInvalid",
                "customHeaders",
            )
        if len(raw_headers) > 5:
            return _bad_request(
                "At most 5 custom headers are allowed.", "WebhookCustomHeadersTooMany", "customHeaders"
            )
        if len(json.dumps(raw_headers, default=_plain)) > 1000:
            return _bad_request(
                "Custom headers exceed 1000 characters.", "WebhookCustomHeadersTooLong", "customHeaders"
            )
        for pair in raw_headers:
            key = pair.get("key") if isinstance(pair, Mapping) else None
            value = pair.get("value") if isinstance(pair, Mapping) else None
            if (
                not isinstance(key, str)
                or not isinstance(value, str)
                or not key
                or not (key + value).isprintable()
            ):
                return _bad_request(
                    "A custom header contains invalid characters.",
                    "WebhookCustomHeaderInvalid",
                    "customHeaders",
                )
            headers[key] = value
        disabled = body.get("isDisabled", False)
        if not isinstance(disabled, bool):
            return _bad_request("isDisabled must be true or false.", "InvalidValue", "isDisabled")
        kind = by_api_name[event]
        with self.state.lock:
            current = next((s for s in self._api_hooks() if s.event_type == kind), None)
            if creating:
                if current is not None:
                    return _bad_request(
                        "A webhook for this event type already exists for the agreement.",
                        "WebhookAlreadyExistsForEventType",
                        "eventType",
                    )
                sub = WebhookSubscription(
                    id=self.webhooks.next_id(),
                    event_type=kind,
                    url=url,
                    method="POST",
                    body=post_data,
                    headers=headers,
                    content_type=body["contentType"],
                    source="api",
                    name=body["name"],
                    disabled=disabled,
                    last_updated=self.state.now_text(),
                    version=1,
                )
                self.state.webhook_subscriptions.append(sub)
                return EconomicJSONResponse({"eventType": event}, status_code=201)
            if current is None:
                return problem(404)
            if body.get("objectVersion") != encode_version(current.version):
                return _conflict()
            current.url, current.body, current.headers = url, post_data, headers
            current.content_type, current.name, current.disabled = body["contentType"], body["name"], disabled
            current.last_updated = self.state.now_text()
            current.version += 1
        return Response(status_code=204)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)
