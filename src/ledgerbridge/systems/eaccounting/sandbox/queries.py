"""The query parameters the 2026 OpenAPI declares on list routes, checked as it types them.

A value of the wrong type (``?showPricesWithTwoDecimals=null``, a ``vatRateDate`` that is no date) is
400 ``ErrorCode`` 6000 (QueryParameterError) with ASP.NET's wording, "The value 'null' is not valid for
showPricesWithTwoDecimals.", as model binding answers. Parameters not listed here pass unchecked
(``$page``/``$pagesize``/``$filter`` are read by the list code; ``modifiedSinceUtc`` and the supplier
invoice flags by their handlers).
"""

from __future__ import annotations

from starlette.requests import Request

from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
from ledgerbridge.systems.eaccounting.sandbox.wire import GUID, HttpError, error_response

# resource -> method -> parameter -> type (bool, uuid, date-time)
DECLARED: dict[str, dict[str, dict[str, str]]] = {
    "articles": {"GET": {"showPricesWithTwoDecimals": "bool", "customerId": "uuid"}},
    "articleaccountcodings": {"GET": {"vatRateDate": "date-time"}},
    "vatcodes": {"GET": {"vatRateDate": "date-time"}},
    "vouchers": {
        "POST": {
            "useAutomaticVatCalculation": "bool",
            "useDefaultVatCodes": "bool",
            "useDefaultVoucherSeries": "bool",
        }
    },
}


def _fits(kind: str, value: str) -> bool:
    if kind == "bool":
        return value.lower() in ("true", "false")
    if kind == "uuid":
        return bool(GUID.match(value))
    return parse_datetime(value) is not None


def check_query(resource_name: str, request: Request) -> None:
    """400 when a declared query parameter of this route does not have its declared type."""
    declared = DECLARED.get(resource_name, {}).get(request.method, {})
    for name, kind in declared.items():
        for value in request.query_params.getlist(name):
            if not _fits(kind, value):
                raise HttpError(error_response(400, 6000, f"The value '{value}' is not valid for {name}."))
