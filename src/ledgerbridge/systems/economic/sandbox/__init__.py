"""A faithful local emulator of Visma e-conomic (legacy REST, three OpenAPI services, webhooks).

``create_app(seed="demo")`` gives an ASGI app; serve it with ``ledgerbridge.sandbox.SandboxServer``.
See :mod:`ledgerbridge.systems.economic.sandbox.app` for what is emulated and every choice made.
"""

from ledgerbridge.systems.economic.sandbox.app import EconomicSandbox, create_app
from ledgerbridge.systems.economic.sandbox.demo_data import seed_demo, seed_minimal
from ledgerbridge.systems.economic.sandbox.state import (
    CUSTOMER_UPDATED,
    INVOICE_BOOKED,
    PRODUCT_UPDATED,
    EconomicState,
    WebhookSubscription,
)
from ledgerbridge.systems.economic.sandbox.webhooks import WebhookDispatcher

__all__ = [
    "CUSTOMER_UPDATED",
    "INVOICE_BOOKED",
    "PRODUCT_UPDATED",
    "EconomicSandbox",
    "EconomicState",
    "WebhookDispatcher",
    "WebhookSubscription",
    "create_app",
    "seed_demo",
    "seed_minimal",
]
