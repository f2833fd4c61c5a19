"""Rackbeat ↔ e-conomic mappers: one module per entity, both directions side by side (seed 001's field
tables). ``XToEconomic`` is the real-time direction, ``XToRackbeat`` the start-up sync's."""
