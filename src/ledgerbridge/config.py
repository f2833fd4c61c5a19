"""Where ledgerbridge keeps its data, read from the environment once.

- ``LEDGERBRIDGE_HOME``: the data directory (SQLite database, generated secret key). Default
  ``$XDG_DATA_HOME/ledgerbridge`` or ``~/.local/share/ledgerbridge``.
- ``LEDGERBRIDGE_DATABASE_URL``: a SQLAlchemy URL; ``postgresql+psycopg://...`` selects cluster mode.
  Default: SQLite at ``$LEDGERBRIDGE_HOME/ledgerbridge.sqlite3``.
- ``LEDGERBRIDGE_SECRET_KEY``: the Fernet key that encrypts connection credentials at rest. Default:
  generated once into ``$LEDGERBRIDGE_HOME/secret.key`` (mode 0600). Cluster mode should set it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ledgerbridge"


@dataclass(frozen=True)
class Config:
    home: Path
    database_url: str
    secret_key: str | None

    @classmethod
    def from_env(cls, home: Path | None = None) -> Config:
        home = home or Path(os.environ.get("LEDGERBRIDGE_HOME") or default_home())
        url = os.environ.get("LEDGERBRIDGE_DATABASE_URL") or f"sqlite:///{home / 'ledgerbridge.sqlite3'}"
        return cls(home=home, database_url=url, secret_key=os.environ.get("LEDGERBRIDGE_SECRET_KEY"))
