"""ledgerbridge: sync operations and accounting systems, exactly once."""

__version__ = "0.1.0"
