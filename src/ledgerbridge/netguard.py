"""Where stored secrets may be sent: the check on every connection address a user enters.

A connection's secrets go to its ``*_url`` addresses, so an address is a place secrets travel to:

- link-local targets (``169.254.0.0/16``, ``fe80::/10``: cloud metadata services) are always refused;
- loopback, private (RFC 1918, ``fc00::/7``), unspecified, multicast and reserved targets are refused unless
  ``LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1`` (the sandboxes, the demo and the test suite run on 127.0.0.1);
- only ``http`` and ``https``.

Host names are resolved (every address, IPv4 and IPv6) and refused when any address is one of the above,
or when the name does not resolve; ``localhost`` and ``*.localhost`` count as loopback without asking. Where
private addresses are allowed (sandboxes, tests, the demo) names are not resolved. A name may resolve
differently later (DNS rebinding): deployments that must stop that too filter egress at the network.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ledgerbridge.services.common import N_, Message

ALLOW_PRIVATE_ENV = "LEDGERBRIDGE_ALLOW_PRIVATE_URLS"


class RefusedAddress(ValueError):
    """An address secrets must not be sent to; the message says why and what would allow it."""


def private_urls_allowed() -> bool:
    return os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str) -> list[str]:
    """Every address ``host`` resolves to, as text (an ``OSError`` when it resolves to none)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


def check_url(url: str, *, allow_private: bool | None = None) -> None:
    """Raise :class:`RefusedAddress` when ``url`` is not a place to send credentials to."""
    allow = private_urls_allowed() if allow_private is None else allow_private
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress(f"{url!r}: only http:// and https:// addresses are accepted")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise RefusedAddress(f"{url!r} names no host")
    literal = _literal_address(host)
    if literal is not None:
        _check_address(url, literal, allow)
    elif not allow:
        for address in _resolved(url, host):
            _check_address(url, address, allow, via=host)


def _literal_address(host: str) -> Address | None:
    """The address a host stands for without asking DNS (an IP literal, or localhost), else None."""
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.ip_address("127.0.0.1")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolved(url: str, host: str) -> list[Address]:
    try:
        found = resolve_host(host)
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise RefusedAddress(f"{url!r}: the host name {host!r} does not resolve ({reason})") from None
    if not found:
        raise RefusedAddress(f"{url!r}: the host name {host!r} resolves to no address")
    return [ipaddress.ip_address(text.split("%", 1)[0]) for text in found]  # without an IPv6 scope id


def _check_address(url: str, address: Address, allow: bool, *, via: str | None = None) -> None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    resolved = f" ({via} resolves to {address})" if via else ""
    if address.is_link_local:
        raise RefusedAddress(
            Message(
                N_(
                    "%(url)r%(resolved)s is a link-local address (where cloud metadata services answer): "
                    "never accepted"
                ),
                url=url,
                resolved=resolved,
            )
        )
    if (
        address.is_loopback
        or address.is_private
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    ) and not allow:
        raise RefusedAddress(
            Message(
                N_(
                    "%(url)r%(resolved)s is a loopback or private address: refused so that stored "
                    "credentials cannot be sent inside your network; set %(setting)s=1 to allow it "
                    "(sandboxes, tests)"
                ),
                url=url,
                resolved=resolved,
                setting=ALLOW_PRIVATE_ENV,
            )
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
                    problems.append((f"{side}.{key}", exc.args[0]))  # a Message: the console translates it
    return problems
