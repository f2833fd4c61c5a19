"""The admin API (``/api``, JSON, described at ``/docs``): what the console does, for scripts.

Every route needs a credential (see :mod:`ledgerbridge.web.auth`). Secrets are never returned: an
integration shows its endpoints, and its connection forms take new secrets without showing old ones.

Times are ISO 8601 with an offset (``2026-12-06T13:00:00+01:00``): in the integration's zone (its
``general.timezone`` setting) in every answer about one integration — also per item in lists that span
several, such as ``/api/errors`` and ``/api/notifications`` — and in UTC (``+00:00``) where no integration
is concerned (API tokens). They are stored in UTC; the zone only changes how they are written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from typing import Annotated, Any, Self, get_args

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from ledgerbridge.engine.streams import MappingError
from ledgerbridge.integrations.base import all_kinds
from ledgerbridge.integrations.common_settings import in_zone
from ledgerbridge.runtime.hub import RealtimeHub
from ledgerbridge.runtime.reconcile import reconcile
from ledgerbridge.service import NAME_PATTERN, InvalidConfiguration, UserError
from ledgerbridge.store import Transfer
from ledgerbridge.web.jobs import StartupJobs

# Ids and limits the database can hold: beyond 64 bits they are refused (422), never looked up (500).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, PathParam(ge=1, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=1, le=10_000)]
# A reconcile period's first and last day (``?from=…&to=…``).
PeriodStart = Annotated[date | None, Query(alias="from", description="First day; default the 1st")]
PeriodEnd = Annotated[date | None, Query(alias="to", description="Last day; default today")]

#: A moment as the API writes it: ISO 8601 with the offset of the zone it was put in (``isoformat``, so
#: UTC is ``+00:00`` as in the CLI's ``--json``, not ``Z``); the schema says ``format: date-time``.
Moment = Annotated[
    datetime,
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-06T13:00:00+01:00"]}),
]


def at(value: datetime | str | None, zone: tzinfo | None) -> datetime | None:
    """A stored moment (UTC; naive from SQLite) in ``zone``; ``None`` stays ``None``."""
    return in_zone(value, zone or UTC)


def at_epoch(value: float | None, zone: tzinfo) -> datetime | None:
    """A moment kept as seconds since the epoch (the start-up job's clock) in ``zone``."""
    return None if value is None else datetime.fromtimestamp(value, UTC).astimezone(zone)


class ZoneCache:
    """Each integration's zone, looked up once per answer; UTC where no integration is concerned."""

    def __init__(self, lookup: Callable[[str], tzinfo]) -> None:
        self.lookup, self.known = lookup, dict[str, tzinfo]()

    def __call__(self, name: str | None) -> tzinfo:
        if not name:
            return UTC
        if name not in self.known:
            try:
                self.known[name] = self.lookup(name)
            except UserError:
                self.known[name] = UTC
        return self.known[name]


@cache
def moments_of(model: type[BaseModel]) -> frozenset[str]:
    """The names of ``model``'s fields that hold a moment (``Moment``, optional or not)."""

    def holds(annotation: Any) -> bool:
        return annotation is datetime or any(holds(inner) for inner in get_args(annotation))

    return frozenset(name for name, field in model.model_fields.items() if holds(field.annotation))


class RowView(BaseModel):
    """A view model filled from a stored row's attributes of the same names (its own schema is unused)."""

    @classmethod
    def from_row(cls, row: Any, zone: tzinfo, **given: Any) -> Self:
        """The view of a stored row (or a service's view of one): each field is the row's attribute of
        the same name unless ``given``; its moments (stored in UTC) are put in ``zone``."""
        moments = moments_of(cls)
        return cls(
            **{
                name: at(getattr(row, name), zone) if name in moments else getattr(row, name)
                for name in cls.model_fields
                if name not in given
            },
            **given,
        )


class TransferAnswer(BaseModel):
    outcome: str = Field(description="transferred | already | in_progress | failed | uncertain")
    remote_key: str | None
    message: str


class ErrorView(RowView):
    id: int
    integration: str | None = None
    operation: str
    entity: str
    record_key: str
    message: str
    remote_message: str | None
    status_code: int | None
    payload: Any
    response: Any = None
    state: str
    attempts: int
    first_seen: Moment | None = None
    last_seen: Moment


class TransferView(RowView):
    document_type: str
    key: str = Field(description="The document's number on the side it comes from")
    state: str
    remote_key: str | None
    counterparty: str | None
    amount: str | None = Field(description="Incl. VAT, a decimal string (JSON numbers are floats)")
    currency: str | None
    attempts: int
    last_error: str | None
    created_at: Moment
    updated_at: Moment


class EventView(RowView):
    event: str
    via: str
    state: str
    deliveries: int
    received_at: Moment
    processed_at: Moment | None
    error: str | None


class DocumentHistory(BaseModel):
    document_type: str
    key: str
    transfer: TransferView | None
    errors: list[ErrorView]
    events: list[EventView]


class SyncedDocumentView(RowView):
    entity: str
    numbers: dict[str, str] = Field(description="Side → the document's key there, as the binding keeps it")
    own: dict[str, str] = Field(
        description="Side → the number that system gave the document itself, where it is not the key "
        "(Rackbeat's order number of an order brought over, whose key is the link back)"
    )
    synced_at: Moment


class RunView(RowView):
    id: int
    kind: str
    status: str
    dry_run: bool
    counts: dict[str, Any]
    message: str | None
    started_at: Moment
    finished_at: Moment | None


class ConflictView(RowView):
    id: int
    entity: str
    record_key: str
    field: str
    winner: str
    loser: str
    winning_value: Any
    losing_value: Any
    detected_at: Moment


class LastSync(BaseModel):
    run_id: int
    kind: str
    status: str
    at: Moment


class HealthView(BaseModel):
    last_sync: LastSync | None = Field(description="The last run that was not a dry run")
    last_transfer_at: Moment | None
    queued: int
    errors_24h: int
    open_errors: int
    connections: dict[str, str]


class HealthProblem(BaseModel):
    problem: str


class IntegrationOut(RowView):
    name: str
    kind: str
    settings: dict[str, Any]
    endpoints: dict[str, str]
    startup_completed_at: Moment | None
    created_at: Moment
    problem: str | None = None


class IntegrationWithHealth(IntegrationOut):
    health: HealthView | HealthProblem


class NotificationView(RowView):
    id: int
    integration: str | None
    kind: str
    title: str
    body: str | None
    error_id: int | None
    side: str | None
    created_at: Moment
    read: bool


class Notifications(BaseModel):
    unread: int
    items: list[NotificationView]


class TokenView(RowView):
    id: int
    name: str
    prefix: str
    read_only: bool
    integration: str | None
    created_at: Moment = Field(description="In UTC: a token may serve every integration")
    last_used_at: Moment | None


class RetryAnswer(BaseModel):
    error_id: int
    outcome: str


class NewIntegration(BaseModel):
    name: str = Field(pattern=NAME_PATTERN.pattern, examples=["acme"])
    kind: str = Field(description="One of the kinds `GET /api/kinds` lists")
    connections: dict[str, Any] = Field(
        description="Each side's connection by the side's name, e.g. {'<side>': {...}} (see `GET /api/kinds`)"
    )
    settings: dict[str, Any] = Field(default_factory=dict)


class StartupRequest(BaseModel):
    force: bool = Field(False, description="Run again although it ran (records are recognised, not doubled)")


class NewToken(BaseModel):
    name: str = Field("script", max_length=100)
    read_only: bool = Field(False, description="GET requests only")
    integration: str | None = Field(None, description="Only this integration's routes; all if left out")


class ReadRequest(BaseModel):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] | None = Field(
        None, description="Notifications to mark read; all unread if left out"
    )


def transfer_view(row: Transfer, zone: tzinfo) -> TransferView:
    """A ledger row: its ``source_key`` is the API's ``key``, its amount a string (not a JSON float)."""
    return TransferView.from_row(
        row, zone, key=row.source_key, amount=None if row.amount is None else str(row.amount)
    )


def health_view(health: dict[str, Any], zone: tzinfo) -> HealthView:
    """``service.health``'s report with its times in the integration's zone."""
    last = health.get("last_sync")
    return HealthView(
        last_sync=LastSync(**{**last, "at": at(last["at"], zone)}) if last else None,
        last_transfer_at=at(health.get("last_transfer_at"), zone),
        queued=health["queued"],
        errors_24h=health["errors_24h"],
        open_errors=health["open_errors"],
        connections=health["connections"],
    )


def snapshot_in_zone(snapshot: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """The start-up job's progress with ``started_at`` / ``finished_at`` (kept as epoch seconds) as
    ISO 8601 in the integration's zone."""
    return {
        **snapshot,
        **{
            key: (moment.isoformat() if (moment := at_epoch(snapshot.get(key), zone)) else None)
            for key in ("started_at", "finished_at")
            if key in snapshot
        },
    }


def invalid(exc: InvalidConfiguration) -> JSONResponse:
    """422, one entry per problem; ``field`` is its dotted path (``settings.supplier_invoices.day_book``)."""
    return JSONResponse(
        {
            "detail": [
                {"field": path, "loc": path.split("."), "msg": message} for path, message in exc.problems
            ]
        },
        status_code=422,
    )


def refused(exc: UserError) -> JSONResponse:
    """409 with the reason why the integration cannot do it now; an unknown integration is raised again
    (the app's 404)."""
    if str(exc).startswith("no integration named"):
        raise exc
    return JSONResponse({"detail": str(exc)}, status_code=409)


def build_api(
    hub: RealtimeHub,
    jobs: StartupJobs,
    require: Callable[..., Any],
    choices_of: Callable[[str], dict[str, list[tuple[str, str]]]],
    forget: Callable[[str], None],
) -> APIRouter:
    service = hub.service
    api = APIRouter(prefix="/api", dependencies=[Depends(require)])

    def zones() -> ZoneCache:
        return ZoneCache(service.timezone_of)

    def with_health(view: Any, zone: tzinfo) -> IntegrationWithHealth:
        health: HealthView | HealthProblem
        try:
            health = health_view(service.health(view.name), zone)
        except UserError as exc:
            health = HealthProblem(problem=str(exc))
        return IntegrationWithHealth.from_row(view, zone, health=health)

    # -- integrations ----------------------------------------------------------------------------------------
    @api.get("/kinds", tags=["integrations"])
    def kinds() -> list[dict[str, Any]]:
        """The integration kinds this installation knows, with the JSON schema of their forms."""
        return [
            {
                "kind": name,
                "title": cls.title,
                "sides": list(cls.sides),
                "oauth_sides": list(cls.oauth_sides),
                "connections_schema": cls.Connections.model_json_schema(),
                "settings_schema": cls.Settings.model_json_schema(),
            }
            for name, cls in sorted(all_kinds().items())
        ]

    @api.get("/integrations", tags=["integrations"])
    def list_integrations() -> list[IntegrationWithHealth]:
        """Every integration with its health: last sync, queued work, errors in 24 h, connection states;
        each with its times in its own zone."""
        zone = zones()
        return [with_health(view, zone(view.name)) for view in service.list_integrations()]

    @api.post(
        "/integrations",
        tags=["integrations"],
        status_code=201,
        response_model=None,
        responses={201: {"model": IntegrationOut}},
    )
    def create_integration(body: NewIntegration) -> IntegrationOut | JSONResponse:
        try:
            view = service.add_integration(
                body.name, body.kind, {**body.connections, "settings": body.settings}
            )
        except InvalidConfiguration as exc:
            return invalid(exc)
        return IntegrationOut.from_row(view, service.timezone_of(view.name))

    @api.get("/integrations/{name}", tags=["integrations"])
    def show_integration(name: str) -> IntegrationWithHealth:
        view = service.describe(name)
        return with_health(view, service.timezone_of(name))

    @api.put(
        "/integrations/{name}/connections",
        tags=["integrations"],
        response_model=None,
        responses={200: {"model": IntegrationOut}},
    )
    def update_connections(
        name: str, body: Annotated[dict[str, Any], Body(examples=[{"<side>": {"token": "new-token"}}])]
    ) -> IntegrationOut | JSONResponse:
        """Change one or more sides' connections; a secret left out keeps its stored value."""
        try:
            view = service.update_connections(name, body)
        except InvalidConfiguration as exc:
            return invalid(exc)
        forget(name)
        return IntegrationOut.from_row(view, service.timezone_of(name))

    @api.delete("/integrations/{name}", tags=["integrations"], status_code=204)
    def delete_integration(name: str) -> None:
        """Disconnect: remove the integration, its stored credentials and its history."""
        hub.reload(name)
        service.delete_integration(name)
        forget(name)
        jobs.forget(name)

    # -- settings --------------------------------------------------------------------------------------------
    @api.get("/integrations/{name}/settings", tags=["settings"])
    def get_settings(name: str) -> dict[str, Any]:
        return service.describe(name).settings

    @api.put("/integrations/{name}/settings", tags=["settings"], response_model=None)
    def put_settings(name: str, body: dict[str, Any]) -> dict[str, Any] | JSONResponse:
        """Replace the settings. Invalid settings: 422, each problem with its field path."""
        try:
            view = service.update_settings(name, body)
        except InvalidConfiguration as exc:
            return invalid(exc)
        hub.reload(name)
        return view.settings

    @api.get("/integrations/{name}/settings/choices", tags=["settings"])
    def get_choices(name: str) -> dict[str, list[dict[str, str]]]:
        """Choices read live from the connected systems: setting path → [{value, label}]."""
        return {
            path: [{"value": v, "label": label} for v, label in options]
            for path, options in choices_of(name).items()
        }

    # -- sync runs and the start-up sync ---------------------------------------------------------------------
    @api.get("/integrations/{name}/runs", tags=["sync"])
    def runs(name: str, limit: Limit = 20) -> list[RunView]:
        zone = service.timezone_of(name)
        return [RunView.from_row(r, zone) for r in service.runs(name, limit=limit)]

    @api.post("/integrations/{name}/startup/preview", tags=["sync"])
    def startup_preview(name: str) -> dict[str, Any]:
        """The dry run: per entity the counts, per record the action and the field changes. Writes nothing.

        A remote system that answers in a shape we do not know gets 502 with what was wrong, not a 500."""
        try:
            result = service.run_startup(name, dry_run=True)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, UserError):
                raise
            raise HTTPException(
                502, f"a connected system answered in an unexpected shape ({type(exc).__name__}: {exc})"
            ) from None
        return {
            "status": result.status,
            "counts": result.counts,
            "message": result.message,
            "plan": [item.as_dict() for item in result.plan],
        }

    @api.post("/integrations/{name}/startup", tags=["sync"], status_code=202, response_model=None)
    def startup_start(name: str, body: StartupRequest | None = None) -> dict[str, Any] | JSONResponse:
        """Start the one-time start-up sync in the background; 409 with the reason if it already ran."""
        try:
            job = jobs.start(name, force=bool(body and body.force))
        except UserError as exc:
            return refused(exc)
        return snapshot_in_zone(job.snapshot(), service.timezone_of(name))

    @api.get("/integrations/{name}/startup", tags=["sync"])
    def startup_progress(name: str) -> dict[str, Any]:
        """Progress of the start-up sync started by this server (percent, per entity), and the rule."""
        service.describe(name)
        job = jobs.get(name)
        snapshot = (
            job.snapshot() if job else {"status": "idle", "done": True, "percent": None, "entities": []}
        )
        snapshot["refusal"] = service.startup_refusal(name)
        return snapshot_in_zone(snapshot, service.timezone_of(name))

    # -- errors ----------------------------------------------------------------------------------------------
    @api.get("/errors", tags=["errors"])
    def all_errors(
        integration: str | None = None,
        entity: str | None = None,
        state: Annotated[str | None, Query(description="open | resolved | dismissed; empty: all")] = "open",
    ) -> list[ErrorView]:
        """Error-log entries, each with its times in its integration's zone."""
        zone = zones()
        return [
            ErrorView.from_row(entry, zone(owner), integration=owner)
            for owner, entry in service.find_errors(
                integration=integration, entity=entity, state=state or None
            )
        ]

    @api.get("/integrations/{name}/errors", tags=["errors"])
    def errors(name: str, state: str | None = "open", entity: str | None = None) -> list[ErrorView]:
        zone = service.timezone_of(name)
        return [
            ErrorView.from_row(entry, zone, integration=owner)
            for owner, entry in service.find_errors(integration=name, entity=entity, state=state or None)
        ]

    @api.post("/integrations/{name}/retry", tags=["errors"])
    def retry_all(name: str) -> list[RetryAnswer]:
        return [RetryAnswer(error_id=i, outcome=o) for i, o in hub.retry(name)]

    @api.post("/integrations/{name}/errors/{error_id}/retry", tags=["errors"])
    def retry_one(name: str, error_id: RowId) -> list[RetryAnswer]:
        return [RetryAnswer(error_id=i, outcome=o) for i, o in hub.retry(name, error_id)]

    @api.post("/integrations/{name}/errors/{error_id}/dismiss", tags=["errors"])
    def dismiss(name: str, error_id: RowId) -> ErrorView:
        """Set an open error aside without running it again."""
        return ErrorView.from_row(
            service.dismiss_error(name, error_id), service.timezone_of(name), integration=name
        )

    # -- transfers, history, conflicts -----------------------------------------------------------------------
    @api.post("/integrations/{name}/transfers/{document_type}/{key}", tags=["transfers"])
    def transfer(name: str, document_type: str, key: str) -> TransferAnswer:
        """Transfer one document by its number, now. Safe to repeat: a second call says where it went."""
        try:
            result = hub.transfer(name, document_type, key)
        except MappingError as exc:  # e.g. a document type the integration does not know
            raise HTTPException(400, str(exc)) from None
        return TransferAnswer(outcome=result.outcome, remote_key=result.remote_key, message=result.message)

    @api.post("/integrations/{name}/registers/{register}", tags=["transfers"], response_model=None)
    def transfer_register(
        name: str,
        register: str,
        dry_run: Annotated[bool, Query(description="Show per record and field what would change")] = False,
    ) -> dict[str, Any] | JSONResponse:
        """Transfer one register now (kinds with a data-transfer page: the registers it shows, e.g.
        customers, products, projects, invoices, supplier-invoices, check-sent). Answers the counts and
        ``status_line`` ("N transferred, N updated, N failed"); failures are in the error log. 409 with the
        reason while the register's settings are missing."""
        try:
            run = service.run_register(name, register, dry_run=dry_run)
        except UserError as exc:
            return refused(exc)
        return dict(run.as_dict())

    # -- reconcile -------------------------------------------------------------------------------------------
    @api.get("/integrations/{name}/reconcile", tags=["reconcile"])
    def reconcile_check(name: str, start: PeriodStart = None, end: PeriodEnd = None) -> dict[str, Any]:
        """Compare both sides for a period: every transferred document's net, VAT, gross and currency,
        documents on one side only, master data drifted since its last sync. ``agree`` is true only when
        nothing differs."""
        return reconcile(hub, name, start, end).as_dict()

    @api.post("/integrations/{name}/reconcile", tags=["reconcile"])
    def reconcile_repair(name: str, start: PeriodStart = None, end: PeriodEnd = None) -> dict[str, Any]:
        """Like GET, and fix what is safe first (transfer what is missing, sync drifted master data
        again); ``repaired`` says what was done, ``findings`` what is left for a person."""
        return reconcile(hub, name, start, end, repair=True).as_dict()

    @api.get("/integrations/{name}/transfers", tags=["transfers"])
    def transfers(name: str, limit: Limit = 50) -> list[TransferView]:
        """The transfer ledger's newest documents."""
        zone = service.timezone_of(name)
        return [transfer_view(row, zone) for row in service.transfers(name, limit=limit)]

    @api.get("/integrations/{name}/transfers/{document_type}/{key}", tags=["transfers"])
    def document_history(name: str, document_type: str, key: str) -> DocumentHistory:
        """One document's history: its ledger row, its error entries, and the events that announced it."""
        history = service.document_history(name, document_type, key)
        if history.transfer is None and not history.errors and not history.inbox:
            raise HTTPException(404, f"{name!r} knows no {document_type} {key}")
        zone = service.timezone_of(name)
        return DocumentHistory(
            document_type=document_type,
            key=key,
            transfer=transfer_view(history.transfer, zone) if history.transfer else None,
            errors=[ErrorView.from_row(e, zone, integration=name) for e in history.errors],
            events=[EventView.from_row(i, zone) for i in history.inbox],
        )

    @api.get("/integrations/{name}/orders", tags=["transfers"])
    def synced_orders(name: str, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[SyncedDocumentView]:
        """Sales orders a sync brought over (a ledger's orders into Rackbeat), newest first: each side's
        key and, where Rackbeat numbered the order itself, Rackbeat's own order number."""
        zone = service.timezone_of(name)
        documents = service.own_numbers(name, service.synced_documents(name, entity="order", limit=limit))
        return [SyncedDocumentView.from_row(d, zone) for d in documents]

    @api.get("/integrations/{name}/conflicts", tags=["conflicts"])
    def conflicts(name: str) -> list[ConflictView]:
        """Fields both sides had changed since the last sync: the master's value won, the other's is here."""
        zone = service.timezone_of(name)
        return [ConflictView.from_row(c, zone) for c in service.conflicts(name)]

    # -- notifications ---------------------------------------------------------------------------------------
    @api.get("/notifications", tags=["notifications"])
    def notifications(unread: bool = False) -> Notifications:
        """Failures and reconnect requests, newest first, with the unread count; each one's time in its
        integration's zone."""
        rows = service.notifications(unread_only=unread)
        zone = zones()
        return Notifications(
            unread=service.unread_notifications(),
            items=[
                NotificationView.from_row(n, zone(owner), integration=owner, read=n.read_at is not None)
                for owner, n in rows
            ],
        )

    @api.post("/notifications/read", tags=["notifications"])
    def mark_read(body: ReadRequest | None = None) -> dict[str, int]:
        return {"marked": service.mark_notifications_read(body.ids if body else None)}

    # -- API tokens ------------------------------------------------------------------------------------------
    @api.get("/tokens", tags=["access"])
    def tokens() -> list[TokenView]:
        return [TokenView.from_row(t, UTC, read_only=t.access == "read") for t in service.api_tokens()]

    @api.post("/tokens", tags=["access"], status_code=201)
    def create_token(body: NewToken) -> dict[str, Any]:
        """A new API token; the answer is the only time the token is shown."""
        plain, row = service.create_api_token(
            body.name, read_only=body.read_only, integration=body.integration
        )
        return {
            "id": row.id,
            "name": row.name,
            "token": plain,
            "read_only": row.access == "read",
            "integration": row.integration,
        }

    @api.delete("/tokens/{token_id}", tags=["access"], status_code=204)
    def revoke_token(token_id: RowId, request: Request) -> None:
        service.revoke_api_token(token_id)

    return api
