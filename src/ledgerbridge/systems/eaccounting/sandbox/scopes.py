"""The scopes each served operation requires, as the 2026 OpenAPI writes them in the operation's description
("Requires any of the following scopes: …"), keyed by method and lower-case path with ``{}`` for each
parameter. A token with scopes — granted by the Visma Connect emulator (the authorize request's ``scope``), or
given by the state (``state.token_scopes``) — is refused 403 ``ErrorCode`` 4006 (NoAccessToScopes) on an
operation none of whose scopes it holds, and on every operation without ``ea:api``; other tokens hold all.
"""

from __future__ import annotations

import re

OPERATION_SCOPES: dict[str, tuple[str, ...]] = {
    "GET /v2/accountbalances/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accountbalances/{}/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accounts": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accounts/standardaccounts": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accounts/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accounts/{}/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/accounttypes": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/articleaccountcodings": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/articleaccountcodings/{}": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/articlelabels": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/articlelabels": ("ea:sales",),
    "DELETE /v2/articlelabels/{}": ("ea:sales",),
    "GET /v2/articlelabels/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/articlelabels/{}": ("ea:sales",),
    "GET /v2/articles": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/articles": ("ea:sales",),
    "GET /v2/articles/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/articles/{}": ("ea:sales",),
    "GET /v2/bankaccounts": ("ea:purchase", "ea:purchase_readonly"),
    "POST /v2/bankaccounts": ("ea:purchase",),
    "DELETE /v2/bankaccounts/{}": ("ea:purchase",),
    "GET /v2/bankaccounts/{}": ("ea:purchase", "ea:purchase_readonly"),
    "PUT /v2/bankaccounts/{}": ("ea:purchase",),
    "GET /v2/companysettings": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/companysettings": ("ea:sales",),
    "POST /v2/costcenteritems": ("ea:accounting", "ea:sales"),
    "GET /v2/costcenteritems/{}": (
        "ea:accounting",
        "ea:accounting_readonly",
        "ea:sales",
        "ea:sales_readonly",
    ),
    "PUT /v2/costcenteritems/{}": ("ea:accounting", "ea:sales"),
    "GET /v2/costcenters": ("ea:accounting", "ea:accounting_readonly", "ea:sales", "ea:sales_readonly"),
    "PUT /v2/costcenters/{}": ("ea:accounting", "ea:sales"),
    "GET /v2/countries": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/countries/{}": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/currencies": ("ea:sales", "ea:sales_readonly", "ea:purchase", "ea:purchase_readonly"),
    "GET /v2/currencies/exchangerate": (
        "ea:sales",
        "ea:sales_readonly",
        "ea:purchase",
        "ea:purchase_readonly",
    ),
    "GET /v2/customerinvoicedrafts": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customerinvoicedrafts": ("ea:sales",),
    "DELETE /v2/customerinvoicedrafts/{}": ("ea:sales",),
    "GET /v2/customerinvoicedrafts/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/customerinvoicedrafts/{}": ("ea:sales",),
    "POST /v2/customerinvoicedrafts/{}/convert": ("ea:sales",),
    "GET /v2/customerinvoices": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customerinvoices": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/customerinvoices/{}": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customerinvoices/{}/email": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customerinvoices/{}/payments": ("ea:sales",),
    "GET /v2/customerlabels": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customerlabels": ("ea:sales",),
    "DELETE /v2/customerlabels/{}": ("ea:sales",),
    "GET /v2/customerlabels/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/customerlabels/{}": ("ea:sales",),
    "GET /v2/customers": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/customers": ("ea:sales",),
    "DELETE /v2/customers/{}": ("ea:sales",),
    "GET /v2/customers/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/customers/{}": ("ea:sales",),
    "GET /v2/deliverymethods": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/deliverymethods": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/deliverymethods/{}": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/deliveryterms": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/deliveryterms": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/deliveryterms/{}": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/fiscalyears": ("ea:sales", "ea:sales_readonly", "ea:accounting", "ea:accounting_readonly"),
    "GET /v2/fiscalyears/{}": ("ea:sales", "ea:sales_readonly", "ea:accounting", "ea:accounting_readonly"),
    "GET /v2/orders": ("ea:sales", "ea:sales_readonly"),
    "POST /v2/orders": ("ea:sales",),
    "DELETE /v2/orders/{}": ("ea:sales",),
    "GET /v2/orders/{}": ("ea:sales", "ea:sales_readonly"),
    "PUT /v2/orders/{}": ("ea:sales",),
    "GET /v2/supplierinvoicedrafts": ("ea:purchase", "ea:purchase_readonly"),
    "POST /v2/supplierinvoicedrafts": ("ea:purchase",),
    "DELETE /v2/supplierinvoicedrafts/{}": ("ea:purchase",),
    "GET /v2/supplierinvoicedrafts/{}": ("ea:purchase", "ea:purchase_readonly"),
    "PUT /v2/supplierinvoicedrafts/{}": ("ea:purchase",),
    "POST /v2/supplierinvoicedrafts/{}/convert": ("ea:purchase",),
    "GET /v2/supplierinvoices": ("ea:purchase", "ea:purchase_readonly"),
    "POST /v2/supplierinvoices": ("ea:purchase", "ea:purchase_readonly"),
    "GET /v2/supplierinvoices/{}": ("ea:purchase", "ea:purchase_readonly"),
    "GET /v2/suppliers": ("ea:purchase", "ea:purchase_readonly"),
    "POST /v2/suppliers": ("ea:purchase",),
    "DELETE /v2/suppliers/{}": ("ea:purchase",),
    "GET /v2/suppliers/{}": ("ea:purchase", "ea:purchase_readonly"),
    "PUT /v2/suppliers/{}": ("ea:purchase",),
    "GET /v2/termsofpayments": ("ea:sales", "ea:sales_readonly", "ea:purchase", "ea:purchase_readonly"),
    "GET /v2/termsofpayments/{}": ("ea:sales", "ea:sales_readonly", "ea:purchase", "ea:purchase_readonly"),
    "GET /v2/units": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/units/{}": ("ea:sales", "ea:sales_readonly"),
    "GET /v2/vatcodes": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/vatcodes/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/vouchers": ("ea:accounting", "ea:accounting_readonly"),
    "POST /v2/vouchers": ("ea:accounting",),
    "GET /v2/vouchers/{}": ("ea:accounting", "ea:accounting_readonly"),
    "GET /v2/vouchers/{}/{}": ("ea:accounting", "ea:accounting_readonly"),
}

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def required_scopes(method: str, template: str, endpoint: str) -> tuple[str, ...]:
    """The scopes of ``method template``; an alias route (``/termsofpayment``) takes its endpoint's."""
    parts = _PLACEHOLDER.sub("{}", template.lower()).split("/")  # ["", "v2", resource, ...]
    found = OPERATION_SCOPES.get(f"{method} {'/'.join(parts)}")
    if found is None and len(parts) > 2:
        parts[2] = endpoint.lower()
        found = OPERATION_SCOPES.get(f"{method} {'/'.join(parts)}")
    return found or ()
