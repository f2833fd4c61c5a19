"""Rackbeat ↔ eAccounting mappers: one module per entity, both directions side by side. ``XToEAccounting``
is the real-time direction (seed 002's settings), ``XToRackbeat`` the start-up sync's (seeds 000/002)."""
