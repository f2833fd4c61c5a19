"""The query and path parameters the 2026 OpenAPI declares on served routes, checked as it types them.

A value of the wrong type (``?showPricesWithTwoDecimals=null``, a ``vatRateDate`` that is no date) is
400 ``ErrorCode`` 6000 (QueryParameterError) with ASP.NET's wording, "The value 'null' is not valid for
showPricesWithTwoDecimals.", as model binding answers. ``$page``/``$pagesize``/``$filter`` are checked
by the list code (:func:`.wire.page_of`); path parameters by :func:`check_path`.
"""

from __future__ import annotations

from starlette.requests import Request

from ledgerbridge.sandbox.routes import Call
from ledgerbridge.systems.eaccounting.sandbox.odata import parse_datetime
from ledgerbridge.systems.eaccounting.sandbox.wire import GUID, HttpError, error_response, no_route

# resource -> method -> parameter -> type (bool, uuid, date-time): every query parameter the spec declares
# on a served operation (an action such as ``/convert`` shares its collection's entry).
DECLARED: dict[str, dict[str, dict[str, str]]] = {
    "articles": {"GET": {"showPricesWithTwoDecimals": "bool", "customerId": "uuid"}},
    "articleaccountcodings": {"GET": {"vatRateDate": "date-time"}},
    "vatcodes": {"GET": {"vatRateDate": "date-time"}},
    "currencies": {"GET": {"date": "date-time"}},  # /currencies/exchangerate's
    "vouchers": {
        "POST": {
            "useAutomaticVatCalculation": "bool",
            "useDefaultVatCodes": "bool",
            "useDefaultVoucherSeries": "bool",
        }
    },
    "customerinvoicedrafts": {
        "POST": {
            "overrideCustomerIsPrivatePerson": "bool",
            "keepOriginalDraftDate": "bool",
            "overrideCompanyKeepOriginalDraftDate": "bool",
        }
    },
    "customerinvoices": {
        "GET": {"modifiedSinceUtc": "date-time"},
        "POST": {"rotReducedAutomaticDistribution": "bool"},
    },
    "supplierinvoicedrafts": {
        "GET": {"approvableByCurrentUser": "bool"},
        "POST": {
            "useDefaultVatCodes": "bool",
            "calculateVatOnCostAccounts": "bool",
            "batchProcessExtendedValidation": "bool",
            "duplicateCheckExtendedValidation": "bool",
        },
    },
    "supplierinvoices": {
        "POST": {
            "useDefaultVatCodes": "bool",
            "calculateVatOnCostAccounts": "bool",
            "duplicateCheckExtendedValidation": "bool",
        }
    },
}


# Path parameters of the sandbox's templates -> the type the spec gives them (customerId, invoiceDraftId …
# are all ``uuid``; the sandbox names them ``id``).
PATH_KINDS: dict[str, str] = {
    "id": "uuid",
    "fiscalyearId": "uuid",
    "accountNumber": "int",
    "date": "date-time",
}
# Literal words the spec documents where the sandbox has a placeholder, on operations it does not serve:
# they answer 404 "No HTTP resource was found" (an unknown route), not 400.
UNSERVED_WORDS: dict[str, set[str]] = {"fiscalyears": {"openingbalances"}}


def _fits(kind: str, value: str) -> bool:
    if kind == "bool":
        return value.lower() in ("true", "false")
    if kind == "uuid":
        return bool(GUID.match(value))
    if kind == "int":
        return value.lstrip("-").isdigit() and abs(int(value)) < 2**63
    return parse_datetime(value) is not None


def check_path(resource_name: str, call: Call) -> None:
    """400 ``ErrorCode`` 6000 when a path parameter does not have the spec's type (a non-GUID id, a
    non-integer account number, a date that is no date) — ASP.NET's model binding refuses it."""
    for name, value in call.params.items():
        kind = PATH_KINDS.get(name)
        if kind is None or _fits(kind, value):
            continue
        if value.lower() in UNSERVED_WORDS.get(resource_name, set()):
            raise no_route(call.request.url.path)
        raise HttpError(error_response(400, 6000, f"The value '{value}' is not valid for {name}."))


def check_query(resource_name: str, request: Request) -> None:
    """400 when a declared query parameter of this route does not have its declared type."""
    declared = DECLARED.get(resource_name, {}).get(request.method, {})
    for name, kind in declared.items():
        for value in request.query_params.getlist(name):
            if not _fits(kind, value):
                raise HttpError(error_response(400, 6000, f"The value '{value}' is not valid for {name}."))
