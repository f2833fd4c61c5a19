"""Connection credentials are encrypted at rest with Fernet (AES-128-CBC + HMAC, from ``cryptography``).

Several keys may be in force at once (``MultiFernet``): the first seals, every one opens. That is how a key
is rotated (``ledgerbridge admin rotate-key``): a new key goes first, every stored value is sealed again
with it, then the old key is dropped. ``secret.key`` holds one key a line; ``LEDGERBRIDGE_SECRET_KEY`` one
or more, separated by commas.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_FILE = "secret.key"


class UnreadableSecret(ValueError):
    """A stored value none of the keys in force can open (the key it was sealed with is lost)."""


def parse_keys(text: str | bytes) -> list[bytes]:
    """The keys in ``text``: one a line or separated by commas; blank entries ignored."""
    raw = text.decode() if isinstance(text, bytes) else text
    return [part.strip().encode() for part in raw.replace(",", "\n").splitlines() if part.strip()]


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) readable by the owner only when it does not exist yet."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600 from the start (never readable by others, even briefly)."""
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


class SecretBox:
    """Encrypts and decrypts JSON documents; the first key seals, any key in force opens."""

    def __init__(self, key: str | bytes | list[bytes]) -> None:
        keys = key if isinstance(key, list) else parse_keys(key)
        if not keys:
            raise ValueError("no encryption key given")
        self.keys = keys
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def for_home(cls, home: Path, key: str | None = None) -> SecretBox:
        """The box for a data directory: the given key(s), else the key file there (created on first use)."""
        if key:
            return cls(key)
        path = home / KEY_FILE
        if not path.exists():
            private_dir(home)
            # Create with 0600 from the start so the key is never readable by others, even briefly.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes())

    def seal(self, document: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(document).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise UnreadableSecret(
                "cannot decrypt the stored credentials: LEDGERBRIDGE_SECRET_KEY (or secret.key) "
                "is not the key they were saved with"
            ) from exc
        return data

    def rotate(self, token: str) -> str:
        """``token`` sealed again with the first key (raises :class:`UnreadableSecret` if no key opens it)."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise UnreadableSecret("a stored value cannot be decrypted with any key in force") from exc
