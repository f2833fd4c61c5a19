"""Prometheus metrics, exposed at ``/metrics`` by ``ledgerbridge serve``."""

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
TRANSFERS = Counter(
    "ledgerbridge_transfers_total",
    "Document transfers",
    ["integration", "document_type", "outcome"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "ledgerbridge_processing_seconds",
    "Time from an inbox item's arrival to its processing",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
