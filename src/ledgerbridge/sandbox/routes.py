"""A route table for sandboxes: method + path template → handler, registered explicitly.

A sandbox builds one :class:`RouteTable`, calls :meth:`RouteTable.add` once per operation the real API
documents, and serves :meth:`RouteTable.app` (wrapped by :class:`~ledgerbridge.sandbox.SandboxKit`).
Unknown paths answer 404 and known paths with another method answer 405 with an ``Allow`` header, both in
the API's own dialect (the ``not_found`` / ``not_allowed`` callables). Handlers signal errors by raising
:class:`HttpError` with a ready response.

Templates use ``{name}`` placeholders for one path segment each; a literal segment beats a placeholder
(``/v1/invoices/totals`` before ``/v1/invoices/{guid}``), so registration order does not matter.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send


class BadBody(ValueError):
    """The request body is not the JSON it must be (answered by the table's ``bad_body``)."""


class HttpError(Exception):
    """Raised by a handler (or anything it calls) to answer with ``response`` instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: the request, its path parameters and the matched route."""

    request: Request
    params: dict[str, str]
    route: Route

    async def json(self) -> Any:
        """The body parsed as JSON; ``None`` for an empty body. Raises :class:`BadBody` on bad JSON."""
        raw = await self.request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadBody(f"The request body is not valid JSON: {exc}") from None


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    meta: dict[str, Any] = field(default_factory=dict)  # what the sandbox needs per route (scope, paging…)

    @cached_property  # resolve reads it for every route of every request
    def segments(self) -> tuple[str, ...]:
        return _split(self.template)


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _is_placeholder(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


@dataclass(frozen=True)
class NotAllowed:
    allow: tuple[str, ...]


def _default_not_found(request: Request) -> Response:
    return Response(status_code=404)


def _default_not_allowed(request: Request, allow: tuple[str, ...]) -> Response:
    return Response(status_code=405, headers={"Allow": ", ".join(allow)})


def _default_bad_body(request: Request, message: str) -> Response:
    return Response(json.dumps({"message": message}), status_code=400, media_type="application/json")


class RouteTable:
    """The operations a sandbox serves. ``add`` them; ``resolve`` a request; serve ``app()``."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._by_length: dict[int, list[Route]] = {}  # resolve looks only at templates of the path's length

    def add(self, method: str, template: str, handler: Handler, **meta: Any) -> Route:
        method = method.upper()
        if any(r.method == method and r.template == template for r in self._routes):
            raise ValueError(f"{method} {template} is registered twice")
        route = Route(method, template, handler, meta)
        self._routes.append(route)
        self._by_length.setdefault(len(route.segments), []).append(route)
        return route

    def __iter__(self) -> Iterator[Route]:
        return iter(list(self._routes))

    def __len__(self) -> int:
        return len(self._routes)

    def _bind(self, template: tuple[str, ...], path: tuple[str, ...]) -> dict[str, str] | None:
        if len(template) != len(path):
            return None
        params: dict[str, str] = {}
        for want, got in zip(template, path, strict=True):
            if _is_placeholder(want):
                params[want[1:-1]] = got
            elif want.lower() != got.lower():  # the emulated APIs route case-insensitively
                return None
        return params

    def _specificity(self, route: Route) -> tuple[int, ...]:
        # Literal segments rank before placeholders, position by position.
        return tuple(1 if _is_placeholder(s) else 0 for s in route.segments)

    def resolve(self, method: str, path: str) -> Match | NotAllowed | None:
        """The route for ``method path``; :class:`NotAllowed` if only other methods serve the path."""
        parts = _split(path)
        candidates: list[tuple[tuple[int, ...], Route, dict[str, str]]] = []
        for route in self._by_length.get(len(parts), ()):
            params = self._bind(route.segments, parts)
            if params is not None:
                candidates.append((self._specificity(route), route, params))
        if not candidates:
            return None
        best = min(spec for spec, _, _ in candidates)
        same_shape = [(route, params) for spec, route, params in candidates if spec == best]
        for route, params in same_shape:
            if route.method == method.upper():
                return Match(route, params)
        # HEAD is not served: the emulated APIs document none.
        return NotAllowed(tuple(sorted({route.method for route, _ in same_shape})))

    def app(
        self,
        *,
        not_found: Callable[[Request], Response] = _default_not_found,
        not_allowed: Callable[[Request, tuple[str, ...]], Response] = _default_not_allowed,
        before: Callable[[Call], Awaitable[None]] | None = None,
        bad_body: Callable[[Request, str], Response] = _default_bad_body,
    ) -> ASGIApp:
        """An ASGI app serving the table. ``before`` runs ahead of every matched handler (auth, limits);
        ``bad_body`` answers a body that is not valid JSON."""
        table = self

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            request = Request(scope, receive)
            found = table.resolve(request.method, scope["path"])
            try:
                if found is None:
                    response = not_found(request)
                elif isinstance(found, NotAllowed):
                    response = not_allowed(request, found.allow)
                else:
                    call = Call(request, found.params, found.route)
                    if before is not None:
                        await before(call)
                    response = await found.route.handler(call)
            except HttpError as exc:
                response = exc.response
            except BadBody as exc:
                response = bad_body(request, str(exc))
            await response(scope, receive, send)

        return serve
