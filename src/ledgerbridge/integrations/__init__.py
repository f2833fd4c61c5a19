"""Integrations: one package per pair of systems, reading like its seed article.

The package imports none of them: :mod:`ledgerbridge.integrations.registry` loads the kinds on first use
(``kind_named``, ``all_kinds``).
"""
