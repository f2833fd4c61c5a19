"""Connection credentials are encrypted at rest with Fernet (AES-128-CBC + HMAC, from ``cryptography``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Encrypts and decrypts JSON documents with one key."""

    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_home(cls, home: Path, key: str | None = None) -> SecretBox:
        """The box for a data directory: the given key, else the key file there (created on first use)."""
        if key:
            return cls(key)
        path = home / "secret.key"
        if not path.exists():
            home.mkdir(parents=True, exist_ok=True)
            # Create with 0600 from the start so the key is never readable by others, even briefly.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, document: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(document).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise ValueError(
                "cannot decrypt the stored credentials: LEDGERBRIDGE_SECRET_KEY (or secret.key) "
                "is not the key they were saved with"
            ) from exc
        return data
