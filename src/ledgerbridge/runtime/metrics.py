"""Prometheus metrics, exposed at ``/metrics`` by ``ledgerbridge serve``.

A leaf module (it imports only prometheus_client), so the system clients and the engine may count here
too; ``deploy/grafana-dashboard.json`` and ``deploy/prometheus-alerts.yml`` read these names.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

WEBHOOKS = Counter(
    "ledgerbridge_webhooks_total",
    "Webhook deliveries received",
    ["integration", "event", "result"],
    registry=REGISTRY,
)
INBOX_PROCESSED = Counter(
    "ledgerbridge_inbox_processed_total",
    "Inbox items processed",
    ["integration", "event", "outcome"],
    registry=REGISTRY,
)
INBOX_PENDING = Gauge("ledgerbridge_inbox_pending", "Inbox items waiting", registry=REGISTRY)
INBOX_OLDEST_SECONDS = Gauge(
    "ledgerbridge_inbox_oldest_pending_seconds",
    "How long the oldest waiting inbox item of an integration has waited (0: none waiting)",
    ["integration"],
    registry=REGISTRY,
)
TRANSFERS = Counter(
    "ledgerbridge_transfers_total",
    "Document transfers",
    ["integration", "document_type", "outcome"],
    registry=REGISTRY,
)
FAILURES = Counter(
    "ledgerbridge_failures_total",
    "Failures written to the error log (a record refused, a transfer refused, a delivery that crashed)",
    ["operation"],
    registry=REGISTRY,
)
RATE_LIMIT_WAITS = Counter(
    "ledgerbridge_rate_limit_waits_total",
    "429 answers waited out before the call was tried again",
    ["system"],
    registry=REGISTRY,
)
RATE_LIMIT_WAIT_SECONDS = Counter(
    "ledgerbridge_rate_limit_wait_seconds_total",
    "Seconds spent waiting for a 429's Retry-After (or back-off)",
    ["system"],
    registry=REGISTRY,
)
TOKEN_REFRESH_FAILURES = Counter(
    "ledgerbridge_token_refresh_failures_total",
    "OAuth2 token refreshes that failed: refused (a person must reconnect) or transient",
    ["side", "reason"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "ledgerbridge_processing_seconds",
    "Time from an inbox item's arrival to its processing",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
