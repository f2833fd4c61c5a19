"""A local emulator of the Visma eAccounting API v2 (eaccountingapi.vismaonline.com/v2) for tests and demos.

Built on the shared sandbox skeleton: :mod:`.routes` registers every served operation on a route table
(plain collections through the generic CRUD handlers, :mod:`.stored`), :mod:`.app` puts auth, the
per-endpoint rate limit and the typed query check in front, :mod:`.state` holds the company's data
(seeded from the plain data of :mod:`.chart`), and the rules of each area live in their modules
(:mod:`.documents`, :mod:`.purchases`, :mod:`.payments`, :mod:`.costcenters`, :mod:`.balances`,
:mod:`.registers`). The served operations, the protocol, the document rules and every choice made where
the spec is silent are written down in ``docs/sandboxes/eaccounting.md``.
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
