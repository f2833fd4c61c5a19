"""Where secrets may be sent (issue 10 §3): host names are resolved, and a name with any private, loopback
or link-local address is refused unless LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1. The resolver is replaced here:
no real DNS in the suite."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from ledgerbridge import netguard
from ledgerbridge.netguard import RefusedAddress, check_url, url_problems

PUBLIC = "93.184.216.34"


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(netguard.ALLOW_PRIVATE_ENV, raising=False)


def resolving_to(*addresses: str) -> Callable[[str], list[str]]:
    def resolve(host: str) -> list[str]:
        return list(addresses)

    return resolve


def test_a_name_with_only_public_addresses_is_accepted(strict: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netguard, "resolve_host", resolving_to(PUBLIC, "2606:2800:220:1::248"))
    check_url("https://restapi.example.com/")
    assert url_problems({"economic": {"base_url": "https://restapi.example.com/"}}) == []


@pytest.mark.parametrize("private", ["10.0.0.5", "127.0.0.1", "::1", "192.168.1.20", "fd00::7", "0.0.0.0"])
def test_a_name_with_any_private_or_loopback_address_is_refused(
    strict: None, monkeypatch: pytest.MonkeyPatch, private: str
) -> None:
    monkeypatch.setattr(netguard, "resolve_host", resolving_to(PUBLIC, private))
    problems = url_problems({"rackbeat": {"base_url": "https://inside.example.com/api", "token": "t"}})
    assert [field for field, _ in problems] == ["rackbeat.base_url"]
    reason = problems[0][1]
    assert "inside.example.com resolves to" in reason and "LEDGERBRIDGE_ALLOW_PRIVATE_URLS=1" in reason


@pytest.mark.parametrize("link_local", ["169.254.169.254", "fe80::1%eth0", "::ffff:169.254.169.254"])
def test_a_name_resolving_to_a_link_local_address_is_refused(
    strict: None, monkeypatch: pytest.MonkeyPatch, link_local: str
) -> None:
    monkeypatch.setattr(netguard, "resolve_host", resolving_to(link_local))
    with pytest.raises(RefusedAddress, match="link-local"):
        check_url("http://metadata.example.internal/latest")


def test_a_name_that_does_not_resolve_is_refused(strict: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def unknown(host: str) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(netguard, "resolve_host", unknown)
    with pytest.raises(RefusedAddress, match="does not resolve"):
        check_url("https://typo.example.com")


def test_where_private_addresses_are_allowed_names_are_not_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: str) -> list[str]:
        raise AssertionError("resolved although private addresses are allowed")

    monkeypatch.setenv(netguard.ALLOW_PRIVATE_ENV, "1")
    monkeypatch.setattr(netguard, "resolve_host", no_dns)
    check_url("https://sandbox.example.com")
    check_url("http://127.0.0.1:8080/")
    with pytest.raises(RefusedAddress, match="link-local"):
        check_url("http://169.254.169.254/")  # written as a link-local address: never


def test_literal_addresses_are_not_resolved(strict: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netguard, "resolve_host", resolving_to("10.0.0.1"))  # would be refused
    check_url(f"https://{PUBLIC}/")
    with pytest.raises(RefusedAddress, match="loopback or private"):
        check_url("http://localhost/")
