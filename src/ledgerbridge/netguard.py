"""Where stored secrets may be sent: the check on every connection address a user enters.

A connection's secrets go to its ``*_url`` addresses, so an address is a place secrets travel to:

- link-local targets (``169.254.0.0/16``, ``fe80::/10``: cloud metadata services) are always refused;
- loopback, private (RFC 1918, ``fc00::/7``), unspecified, multicast and reserved targets are refused unless
  ``LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1`` (the sandboxes, the demo and the test suite run on 127.0.0.1);
- only ``http`` and ``https``.

Host names are checked as written (``localhost`` and ``*.localhost`` count as loopback); they are not
resolved here, because a name may resolve differently later. Deployments that must stop DNS tricks too
filter egress at the network.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

ALLOW_PRIVATE_ENV = "LEDGERBRIDGE_ALLOW_PRIVATE_URLS"


class RefusedAddress(ValueError):
    """An address secrets must not be sent to; the message says why and what would allow it."""


def private_urls_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise :class:`RefusedAddress` when ``url`` is not a place to send credentials to."""
    allow = private_urls_allowed() if allow_private is None else allow_private
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress(f"{url!r}: only http:// and https:// addresses are accepted")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedAddress(f"{url!r} names no host")
    if host == "localhost" or host.endswith(".localhost"):
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address("127.0.0.1")
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return  # a public host name
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local:
        raise RefusedAddress(
            f"{url!r} is a link-local address (where cloud metadata services answer): never accepted"
        )
    if (
        address.is_loopback
        or address.is_private
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    ) and not allow:
        raise RefusedAddress(
            f"{url!r} is a loopback or private address: refused so that stored credentials cannot be sent "
            f"inside your network; set {ALLOW_PRIVATE_ENV}=1 to allow it (sandboxes, tests)"
        )


def url_problems(connections: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(side.field, reason)`` for each refused address among each side's ``*_url`` values."""
    problems = []
    for side, values in connections.items():
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            if key.endswith("_url") and isinstance(value, str) and value:
                try:
                    check_url(value)
                except RefusedAddress as exc:
                    problems.append((f"{side}.{key}", str(exc)))
    return problems
