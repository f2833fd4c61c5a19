"""A local emulator of the Visma eAccounting API v2 (eaccountingapi.vismaonline.com/v2) for tests and demos.

Emulated endpoints (research: shared/research/eaccounting-api.md §3-§7, §10-§12):

- ``GET|POST /v2/customers``, ``GET|PUT|DELETE /v2/customers/{id}`` (``CustomerApi``)
- ``GET|POST /v2/articles``, ``GET|PUT /v2/articles/{id}`` (``ArticleApi``; DELETE is 405: articles are
  deactivated with ``IsActive``, never deleted)
- ``GET|POST /v2/units``, ``GET|PUT|DELETE /v2/units/{id}`` (``UnitApi``)
- ``GET|POST /v2/termsofpayment``, ``GET|PUT|DELETE /v2/termsofpayment/{id}`` (``TermsOfPaymentApi``)

Plus the shared kit's ``/_sandbox`` controls (faults, request log, a global rate-limit bucket: off by
default, the eAccounting limit below is the app's own). Not emulated: OAuth2 identity endpoints,
invoices, drafts, vouchers, suppliers and everything else.

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
  ``NotFound``; ``Key`` repeats the field name.
- Rate limit: 600 requests per 60 s per (token, endpoint), the endpoint being ``/v2/<resource>``
  (collection and its records share a bucket), as a token bucket refilled continuously (10 per second
  at the default), so "N seconds" is the time until one request is free again. Over it: 429
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
  term of payment and an article's ``UnitId`` a unit. ``CodingId`` is only checked to be a GUID
  (``/articleaccountcodings`` is not emulated). Units and terms of payment require ``Name`` (the
  schemas require nothing). No VIES or price/VAT consistency checks.
- ``CustomerNumber`` is assigned (highest numeric + 1) when omitted; a PUT without one keeps the old.
- Server-filled fields: ``ChangedUtc`` on customers and articles (set on every write, UTC with
  milliseconds and ``Z``), ``CreatedUtc`` on articles; customers show the ``TermsOfPayment`` object,
  ``LastInvoiceDate`` null, ``UnpaidInvoicesAmount`` 0, ``IsFutureInvoiceDateAllowed`` and
  ``RequiresReferenceNumber`` false, ``CustomerLabels`` []; articles show ``UnitName``/``UnitAbbreviation``
  from the unit, ``CodingName`` null, ``StockBalanceAvailable`` = ``StockBalance``, other stock values 0,
  ``ArticleLabels``/``Barcodes`` []. Terms of payment show ``TermsOfPaymentTypeText`` from the type id
  when not set.
- Numbers are read as Decimal and written as JSON numbers (whole values without a fraction).

Python state API: ``state.add("customers", {...})`` stores a record as given (no validation) and
answers it as the API shows it; ``state.get``, ``state.all``, ``state.replace``, ``state.delete``,
``state.reset()``; ``EAccountingState(clock=..., allowed_tokens=[...])``.
"""

from ledgerbridge.systems.eaccounting.sandbox.app import EAccountingApi, EAccountingSandboxApp, create_app
from ledgerbridge.systems.eaccounting.sandbox.state import EAccountingState

__all__ = ["EAccountingApi", "EAccountingSandboxApp", "EAccountingState", "create_app"]
