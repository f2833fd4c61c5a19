"""Which methods each served route answers, for the ``Allow`` header of a 405 (RFC 9110 §15.5.6).

Generic resources answer GET, plus POST/PUT when writable and DELETE when deletable; the custom ones
are listed here by path shape (None: any one segment), as the 2026 OpenAPI documents them. The
eAccounting test suite checks that every shape the sandbox routes has an entry and that no entry offers
a method the spec lacks.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledgerbridge.systems.eaccounting.sandbox.resources import Resource

Shape = tuple[str | None, ...]

CUSTOM_METHODS: dict[str, dict[Shape, tuple[str, ...]]] = {
    "customerinvoicedrafts": {
        (): ("GET", "POST"),
        (None,): ("GET", "PUT", "DELETE"),
        (None, "convert"): ("POST",),
    },
    "customerinvoices": {
        (): ("GET", "POST"),
        (None,): ("GET",),
        (None, "email"): ("POST",),
        (None, "payments"): ("POST",),
    },
    "orders": {(): ("GET", "POST"), (None,): ("GET", "PUT", "DELETE")},
    "supplierinvoicedrafts": {
        (): ("GET", "POST"),
        (None,): ("GET", "PUT", "DELETE"),
        (None, "convert"): ("POST",),
    },
    "supplierinvoices": {(): ("GET", "POST"), (None,): ("GET",)},
    "vouchers": {(): ("GET", "POST"), (None,): ("GET",), (None, None): ("GET",)},
    "accounts": {(): ("GET",), (None,): ("GET",), (None, None): ("GET",)},
    "companysettings": {(): ("GET", "PUT")},
    "costcenters": {(): ("GET",), (None,): ("PUT",)},
    "costcenteritems": {(): ("POST",), (None,): ("GET", "PUT")},
    "currencies": {(): ("GET",)},
    "countries": {(): ("GET",), (None,): ("GET",)},
    "accounttypes": {(): ("GET",)},
    "accountbalances": {(None,): ("GET",), (None, None): ("GET",)},
}


def _fits(shape: Shape, segments: Sequence[str]) -> bool:
    return len(shape) == len(segments) and all(
        s is None or s == seg.lower() for s, seg in zip(shape, segments, strict=True)
    )


def allowed_methods(resource: Resource, segments: Sequence[str]) -> tuple[str, ...]:
    """The methods the route of ``segments`` (after ``/v2/<resource>``) answers."""
    if resource.custom:
        table = CUSTOM_METHODS.get(resource.name, {})
        return next((methods for shape, methods in table.items() if _fits(shape, segments)), ())
    if not segments:
        return ("GET", "POST") if resource.writable else ("GET",)
    methods: tuple[str, ...] = ("GET",)
    if resource.writable:
        methods += ("PUT",)
        if resource.deletable:
            methods += ("DELETE",)
    return methods
