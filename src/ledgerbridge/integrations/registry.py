"""The integration kinds this installation knows, by name.

A kind registers itself (``@register``) when its package is imported. The registry imports the kind
packages named in :data:`KIND_MODULES` on first use, by name: the kinds import the registry (through
``integrations.base``), never the other way round at import time, so no module imports one that imports
it back. A new kind is one more line in :data:`KIND_MODULES`.
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerbridge.integrations.base import IntegrationKind

#: The packages that register a kind when imported, in the order their kinds are listed.
KIND_MODULES: tuple[str, ...] = (
    "ledgerbridge.integrations.rackbeat_eaccounting",
    "ledgerbridge.integrations.rackbeat_economic",
    "ledgerbridge.integrations.severa_eaccounting",
)

_KINDS: dict[str, type[IntegrationKind]] = {}
# The web server's threads may ask at the same moment as the scheduler's; reentrant, so a kind package
# that asks the registry while it is being imported sees the kinds registered so far instead of waiting.
_loading = threading.RLock()
_loaded = False


def register(kind: type[IntegrationKind]) -> type[IntegrationKind]:
    """Class decorator of an integration kind: makes it known by its ``kind`` name."""
    _KINDS[kind.kind] = kind
    return kind


def _load_kinds() -> None:
    global _loaded
    if _loaded:
        return
    with _loading:
        if _loaded:
            return
        for module in KIND_MODULES:
            importlib.import_module(module)
        _loaded = True


def kind_named(name: str) -> type[IntegrationKind]:
    _load_kinds()
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS)) or "none"
        raise ValueError(f"unknown integration kind {name!r} (known kinds: {known})") from None


def all_kinds() -> dict[str, type[IntegrationKind]]:
    _load_kinds()
    return dict(_KINDS)


def pushed_webhook_reader(system: str) -> Any | None:
    """How deliveries pushed by ``system`` are read (see ``IntegrationKind.pushed_webhooks``), or None."""
    return next(
        (kind.pushed_webhooks[system] for kind in all_kinds().values() if system in kind.pushed_webhooks),
        None,
    )
