"""Severa ↔ eEkonomi master-data mappers (seed 004 C31–C56): one module per register, both directions side
by side. ``XToEAccounting`` is Severa → eEkonomi, ``XToSevera`` eEkonomi → Severa; each is built with the
run's :class:`~ledgerbridge.integrations.severa_eaccounting.lookups.Lookups`."""
