"""External systems: one package per system, each with its HTTP client and its sandbox.

A system package imports nothing from ``ledgerbridge.engine`` or ``ledgerbridge.integrations``.
"""
