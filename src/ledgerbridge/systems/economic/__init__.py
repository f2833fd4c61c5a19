"""Visma e-conomic: the HTTP client, the filter builder and a local sandbox of the API.

- :class:`EconomicClient` talks to https://restapi.e-conomic.com (and the OpenAPI services host).
- :class:`Filter` builds ``filter`` query values with e-conomic's escaping.
- :func:`create_app` / :class:`EconomicState` build the sandbox (an ASGI app) and its data.
"""

from ledgerbridge.systems.economic.client import EconomicClient, RateLimitStatus
from ledgerbridge.systems.economic.filters import Filter
from ledgerbridge.systems.economic.sandbox import EconomicState, create_app, seed_demo, seed_minimal

__all__ = [
    "EconomicClient",
    "EconomicState",
    "Filter",
    "RateLimitStatus",
    "create_app",
    "seed_demo",
    "seed_minimal",
]
