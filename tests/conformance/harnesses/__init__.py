"""The registered kinds: each runs every check of tests/conformance/test_conformance.py.

Registering a new kind ``a-b``:

1. Write ``tests/conformance/harnesses/a_b.py`` with a subclass of
   :class:`tests.conformance.harness.KindHarness`: ``kind = "a-b"``, its ``document_types``, and in
   ``not_applicable`` the checks that do not fit it, each with its reason (the suite skips them with it).
   ``open`` builds the world from the kind's support code in tests/integrations (sandboxes served,
   a service, the integration added, connected and started); the other methods make source records,
   deliver their events, break the right sandbox and look at the target, all over HTTP.
2. Add it to ``HARNESSES`` below. Nothing else: ``pytest tests/conformance`` then runs every check for it.
"""

from __future__ import annotations

from tests.conformance.harness import KindHarness
from tests.conformance.harnesses.rackbeat_eaccounting import RackbeatEAccountingHarness
from tests.conformance.harnesses.rackbeat_economic import RackbeatEconomicHarness
from tests.conformance.harnesses.severa_eaccounting import SeveraEAccountingHarness

HARNESSES: dict[str, type[KindHarness]] = {
    harness.kind: harness
    for harness in (RackbeatEconomicHarness, RackbeatEAccountingHarness, SeveraEAccountingHarness)
}
