"""A local emulator of the Visma eAccounting API v2 (eaccountingapi.vismaonline.com/v2) for tests and demos.

Emulated endpoints (research: shared/research/eaccounting-api.md §3-§7, §10-§12):

- ``GET|POST /v2/customers``, ``GET|PUT|DELETE /v2/customers/{id}`` (``CustomerApi``; ``CustomerLabels``
  ``[{Id}]`` must name customer labels and are shown as whole labels)
- ``GET|POST /v2/articles``, ``GET|PUT /v2/articles/{id}`` (``ArticleApi``; DELETE is 405: articles are
  deactivated with ``IsActive``, never deleted; ``CodingId`` must name an article account coding,
  ``ArticleLabels`` article labels)
- ``GET /v2/units[/{id}]`` (``UnitApi``) and ``GET /v2/termsofpayments[/{id}]`` (``TermsOfPaymentApi``;
  the singular ``/v2/termsofpayment`` of the field docs is kept as an undocumented alias): read-only as
  in the spec (tests seed them with ``state.add``)
- ``GET|POST /v2/articlelabels``, ``/v2/customerlabels``, ``GET|PUT|DELETE .../{id}`` (``Name`` ≤ 50,
  ``Description`` ≤ 400)
- ``GET /v2/articleaccountcodings[/{id}]``, ``GET /v2/vatcodes[/{id}]``, ``GET /v2/fiscalyears[/{id}]``
  (read-only, seeded by :mod:`.chart`; writes are 405)
- ``GET|POST /v2/suppliers``, ``GET|PUT|DELETE /v2/suppliers/{id}`` (``SupplierApi``; ``SupplierNumber``
  assigned like ``CustomerNumber``; ``ModifiedUtc`` instead of ``ChangedUtc``)
- ``/v2/customerinvoicedrafts`` (CRUD) and ``POST .../{id}/convert``; ``GET|POST /v2/customerinvoices``,
  ``GET .../{id}``, ``POST .../{id}/email``; ``GET|POST /v2/orders``, ``GET|PUT|DELETE /v2/orders/{id}``;
  ``/v2/supplierinvoicedrafts`` (CRUD); ``GET|POST /v2/vouchers``, ``GET /v2/vouchers/{fiscalyearId}[/{id}]``;
  ``GET /v2/accounts[/{fiscalyearId}[/{number}]]``; ``GET|PUT /v2/companysettings`` — the rules are in
  :mod:`.documents`.

A new state already holds a company's standard data (:mod:`.chart`: fiscal years for the clock's
current and previous year, a BAS chart per year, VAT codes, codings, company settings);
:func:`.demo_data.seed_demo_company` adds the demo company "Norrlands Verktyg & Bygg AB".

For the Severa integration (rules in each module): ``GET /v2/costcenters`` (items embedded), ``PUT
/v2/costcenters/{id}``, ``POST /v2/costcenteritems``, ``GET|PUT /v2/costcenteritems/{id}`` and the
``CostCenterItemId1/2/3`` row checks (:mod:`.costcenters`); ``GET|POST /v2/supplierinvoices``, ``GET
.../{id}``, ``POST /v2/supplierinvoicedrafts/{id}/convert`` (:mod:`.purchases`); ``POST
/v2/customerinvoices/{id}/payments`` (:mod:`.payments`); the OCR ``PaymentReferenceNumber``
(:mod:`.ocr`); ``GET|POST /v2/bankaccounts``, ``GET|PUT|DELETE /v2/bankaccounts/{id}`` (generic). The
registers ``GET /v2/currencies``, ``/v2/countries[/{code}]``, ``/v2/accountTypes`` (:mod:`.registers`).
A 405 carries ``Allow`` (:mod:`.methods`); declared query parameters are typed (:mod:`.queries`);
fiscal year dates, order dates and ``AccountingLockedTo`` are answered as date-times (midnight UTC).

Plus the shared kit's ``/_sandbox`` controls (faults, request log, a global rate-limit bucket: off by
default, the eAccounting limit below is the app's own). Not emulated: quotes, supplier invoice
payments, projects, attachments and everything else; the OAuth2 identity endpoints are
served only when ``create_app(identity=...)`` is given one (``/connect/...`` is then passed to it and
only the tokens it accepts pass).

Protocol and choices (UNCONFIRMED where the public material is silent):

- Auth: ``Authorization: Bearer <token>``. Any non-empty token is accepted unless
  ``state.allowed_tokens`` lists tokens; otherwise 401 ``{"ErrorCode": 4005 (NotAuthorized),
  "DeveloperErrorMessage": "Authorization has been denied for this request.", "ErrorId", "Errors": null}``.
  Unknown routes are 404 before authentication.
- Errors always use ``CommonExtendedBadRequest``: ``ErrorCode`` (int), ``DeveloperErrorMessage``,
  ``ErrorId`` (a fresh GUID), ``Errors`` (null or ``[{Field, ErrorCode, Message, Key}]``). Codes: 2000
  validation (400), 3000 not found (404; also for ids that are not GUIDs), 4000 method not allowed
  (405), 4010 rate limit (429), 6000 bad ``$filter``/``$page``/``$pagesize`` (400), 6001 body not a JSON
  object (400); injected faults use 5001 (503), 5002 (504), 5000 (other 5xx), 4000 (other 4xx).
  ``Errors[].ErrorCode`` is a word: ``Required``, ``MaxLength``, ``InvalidType``, ``InvalidFormat``,
  ``NotFound``, ``Range``, ``AccountNotFound``; ``Key`` repeats the field name (rows:
  ``Rows[2].Quantity``). Also 3001 FiscalYearDoesNotExist, 3002 AccountNotFound, 4023
  FutureDateCannotBeSet and 4032 SupplierInvoiceDoesntBalance (all 400), see :mod:`.documents`.
- Rate limit: 600 requests per 60 s per (token, endpoint), the endpoint being ``/v2/<resource>``
  (collection, its records and their actions such as ``/convert`` share a bucket), as a token
  bucket refilled continuously (10 per second at the default), so "N seconds" is the time until one
  request is free again. Over it: 429
  ``ErrorCode 4010``, "API calls quota exceeded! maximum admitted 600 per Minute. Try again in N
  seconds." and **no** ``Retry-After`` header (not documented by Visma); ``app.api.bucket_clock`` may be
  frozen by tests. ``create_app(rate_limit=None)`` or ``app.api.set_rate_limit(...)`` changes it.
- Lists: ``{"Meta": {CurrentPage, PageSize, TotalNumberOfPages, TotalNumberOfResults, ServerTimeUtc},
  "Data": [...]}`` in creation order. ``$page`` is 1-based (default 1); ``$pagesize`` defaults to 50 and
  is clamped to 1000; values below 1 are 400/6000. ``TotalNumberOfPages`` is at least 1; a page past the
  end has an empty ``Data``. ``$filter``: ``Prop eq|ne|gt|ge|lt|le literal`` joined by ``and``/``or``
  (no parentheses/functions); see :mod:`.odata`. ``$select``/``$orderby`` are ignored.
- Ids are lower-case GUIDs assigned by the server (an ``Id`` in a POST/PUT body is ignored); GUIDs in
  paths and filters match case-insensitively.
- POST answers 201 with the record; PUT answers 200 and **replaces** the record: writable fields the
  body leaves out are cleared (null, or false/0 for non-nullable fields), as measured live. Read-only
  fields in a body are ignored. DELETE answers 200 with no body.
- Validation (POST and PUT alike): the schema's ``required`` fields (null or blank strings count as
  missing), JSON types, ``maxLength``, GUID and date-time formats; ``TermsOfPaymentId`` must name a
  term of payment, an article's ``UnitId`` a unit and its ``CodingId`` a coding; label lists must name
  labels. Units and terms of payment require ``Name`` (the schemas require nothing). No VIES or
  price/VAT consistency checks. Dates (``InvoiceDate``, ``VoucherDate``, ...) are answered ``YYYY-MM-DD``.
- ``CustomerNumber``/``SupplierNumber`` are assigned (highest numeric + 1) when omitted; a PUT without
  one keeps the old.
- Server-filled fields: ``ChangedUtc`` on customers, articles and codings, ``ModifiedUtc`` on suppliers
  (set on every write, UTC with milliseconds and ``Z``), ``CreatedUtc`` on articles and suppliers;
  customers show the ``TermsOfPayment`` object, ``LastInvoiceDate`` and ``UnpaidInvoicesAmount`` from
  their invoices, ``IsFutureInvoiceDateAllowed`` and ``RequiresReferenceNumber`` false; articles show
  ``UnitName``/``UnitAbbreviation`` from the unit, ``CodingName`` from the coding, ``IsServiceArticle``
  when the coding's ``Type`` is "Service", ``StockBalanceAvailable`` = ``StockBalance``, other stock
  values 0, ``Barcodes`` []. Terms of payment show ``TermsOfPaymentTypeText`` from the type id when
  not set.
- Numbers are read as Decimal and written as JSON numbers (whole values without a fraction).

Python state API: ``state.add("customers", {...})`` stores a record as given (no validation) and
answers it as the API shows it; ``state.get``, ``state.all``, ``state.replace``, ``state.delete``,
``state.reset()``; ``state.add_account(fiscal_year_id, number, name)``, ``state.account(...)``,
``state.fiscal_year_for(date)``, ``state.today()`` (Europe/Stockholm), ``state.company_settings()``,
``state.update_company(**settings)``, ``state.sent_emails`` (what ``/email`` sent);
``EAccountingState(clock=..., allowed_tokens=[...], seed_chart=True)``. Documents can be made in Python
through :class:`.documents.Documents` (``save_draft``, ``convert``, ``create_invoice``, ``save_order``,
``save_supplier_draft``, ``create_voucher``), with the same validation as over HTTP.
"""

from ledgerbridge.systems.eaccounting.sandbox.app import (
    EAccountingApi,
    EAccountingSandboxApp,
    IdentityProvider,
    create_app,
)
from ledgerbridge.systems.eaccounting.sandbox.demo_data import seed_demo_company
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

__all__ = [
    "EAccountingApi",
    "EAccountingSandboxApp",
    "EAccountingState",
    "IdentityProvider",
    "create_app",
    "seed_demo_company",
]
