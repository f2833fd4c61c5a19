"""Running ledgerbridge continuously: the inbox worker, the periodic scheduler, and ``serve``.

Embedded mode runs them as threads in one process next to the web app (SQLite or PostgreSQL).
"""
