"""The application service: what a user can do, whatever the interface (CLI, REST API, console).

:class:`Ledgerbridge` composes the services in :mod:`ledgerbridge.services`, one job each. The names
below are re-exported so that ``from ledgerbridge.service import ...`` keeps working; new code imports
from ``ledgerbridge.services.*``.
"""

from __future__ import annotations

from ledgerbridge.services.common import (
    NAME_PATTERN,
    NAME_RULE,
    InvalidConfiguration,
    StartupAlreadyDone,
    UserError,
    check_name,
    format_validation_error,
    read_toml,
    validation_problems,
)
from ledgerbridge.services.connections import refuse_addresses
from ledgerbridge.services.errors import ErrorsService
from ledgerbridge.services.health import HealthService
from ledgerbridge.services.history import DocumentHistory, HistoryService
from ledgerbridge.services.integrations import IntegrationsService, IntegrationView, unreadable_message
from ledgerbridge.services.maintenance import (
    DEFAULT_RETENTION_DAYS,
    RETENTION_ENV,
    KeyRotation,
    MaintenanceService,
)
from ledgerbridge.services.notifications import NotificationsService
from ledgerbridge.services.runs import RunsService
from ledgerbridge.services.security import (
    API_TOKEN_PREFIX,
    MIN_PASSWORD_LENGTH,
    SESSION_SECRET,
    SecurityService,
)

__all__ = [
    "API_TOKEN_PREFIX",
    "DEFAULT_RETENTION_DAYS",
    "MIN_PASSWORD_LENGTH",
    "NAME_PATTERN",
    "NAME_RULE",
    "RETENTION_ENV",
    "SESSION_SECRET",
    "DocumentHistory",
    "IntegrationView",
    "InvalidConfiguration",
    "KeyRotation",
    "Ledgerbridge",
    "StartupAlreadyDone",
    "UserError",
    "check_name",
    "format_validation_error",
    "read_toml",
    "refuse_addresses",
    "unreadable_message",
    "validation_problems",
]


class Ledgerbridge(
    HealthService,
    RunsService,
    NotificationsService,
    IntegrationsService,
    ErrorsService,
    HistoryService,
    SecurityService,
    MaintenanceService,
):
    """Everything a user can do: each base class is one service (see :mod:`ledgerbridge.services`).

    Runs, health and notifications build on integrations, so they come before it; the order is the
    method resolution order, and no two services define the same method.
    """
