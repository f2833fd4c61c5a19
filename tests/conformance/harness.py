"""What a kind's harness does for the conformance suite (tests/conformance/test_conformance.py).

The suite's checks speak only of documents, deliveries, faults and restarts; a harness turns each of
those into its kind's systems: a Rackbeat webhook over HTTP, a Severa register run, a fault in the right
sandbox. Everything goes through public interfaces (sandboxes over HTTP, the service, the hub, the
embedded receiver), as the integration tests under tests/integrations do.

A harness opens one *world* (sandboxes, a service, the integration set up and running) that the checks
of one module share: each check makes documents of its own and looks only at those, and
:meth:`KindHarness.heal` puts faults and switches back after every check.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Self

import httpx
import pytest

from ledgerbridge.config import Config
from ledgerbridge.runtime.embedded import EmbeddedRuntime
from ledgerbridge.sandbox import SandboxServer
from ledgerbridge.sandbox.faults import FaultPlan
from ledgerbridge.service import Ledgerbridge
from ledgerbridge.store.models import ErrorEntry
from ledgerbridge.web.app import create_app as create_web_app

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Signing in is not a write to anyone's data: token requests are left out of "writes".
SIGN_IN_PATH = re.compile(r"(^|/)(connect/)?token$|^/connect/")
SCAN_SECONDS = 3600.0


class Check(StrEnum):
    """The suite's checks; a harness names those that do not fit its kind in ``not_applicable``."""

    DUPLICATE_DELIVERY = "duplicate deliveries"
    DOCUMENT_BEFORE_CUSTOMER = "the document's event before its customer's"
    UPDATE_BEFORE_CREATE = "an update before its create"
    KILL_AND_RESTART = "killed mid-transfer and restarted"
    SERVE_KILLED = "a `ledgerbridge serve` process killed (SIGKILL) mid-transfer"
    SAFETY_NET_SCAN = "the safety-net scan"
    RETRY = "retry from the error log"
    DRY_RUN = "dry run"
    EXACTLY_ONCE = "exactly once per document type"


@dataclass(frozen=True)
class Document:
    """One source document a check made: its type, its key in the source (what the events and the
    transfer ledger name), and a ``marker`` that finds what the target made of it."""

    document_type: str
    key: str
    marker: str
    extra: Mapping[str, Any] = field(default_factory=dict)


def sandbox_writes(*apps: Any) -> list[str]:
    """Every write (``METHOD path``) in the sandboxes' request logs, signing in left out."""
    return [
        f"{r.method} {r.path}"
        for app in apps
        for r in app.kit.requests
        if r.method in WRITE_METHODS and not SIGN_IN_PATH.search(r.path)
    ]


def heal_sandboxes(*apps: Any) -> None:
    for app in apps:
        app.kit.set_faults(FaultPlan())


class KindHarness(ABC):
    """One integration kind as the conformance suite sees it. Subclass, fill in, register in
    ``tests/conformance/harnesses/__init__.py`` (see there)."""

    kind: ClassVar[str]
    #: what the kind transfers exactly once; the first is the one the general checks use
    document_types: ClassVar[tuple[str, ...]]
    #: checks that do not fit the kind, each with the reason the suite skips it with
    not_applicable: ClassVar[Mapping[Check, str]] = {}
    #: the integration every check of a module shares
    name: ClassVar[str] = "conformance"
    #: every check of the kind takes seconds (marked slow: ``pytest -m "not slow"`` leaves them out)
    slow: ClassVar[bool] = False

    # -- the world -----------------------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def open(cls, home: Path, database_url: str) -> AbstractContextManager[Self]:
        """Sandboxes served, a service on a fresh database (``database_url``: SQLite under ``home``, or a
        PostgreSQL database made for this world) with its data directory under ``home``, the integration
        ``name`` added, connected, started and running (its receiver listening, when the kind has
        webhooks)."""

    @property
    @abstractmethod
    def service(self) -> Ledgerbridge:
        """The service of the process running now (a new one after :meth:`restart`)."""

    @abstractmethod
    def heal(self) -> None:
        """No faults anywhere, deliveries as usual (after every check)."""

    @abstractmethod
    def restart(self) -> None:
        """The process dies and a new one starts over the same database (and the same receiver URL)."""

    def require(self, check: Check) -> None:
        """Skip the calling check, with the kind's reason, when it does not fit the kind."""
        reason = self.not_applicable.get(check)
        if reason is not None:
            pytest.skip(f"{self.kind}: {reason}")

    # -- the source side -----------------------------------------------------------------------------
    @abstractmethod
    def new_customer(self, name: str) -> str:
        """A customer the target has never seen, made in the source and not announced; its key."""

    @abstractmethod
    def rename_customer(self, key: str, name: str) -> None:
        """The customer changed in the source, not announced."""

    @abstractmethod
    def new_document(self, document_type: str, *, customer: str | None = None) -> Document:
        """A document ready to transfer (booked; in the "to transfer" status), not announced; of the
        given source customer, else of one the target already has."""

    @abstractmethod
    def new_refused_document(self) -> Document:
        """A document the target cannot take yet (its customer lacks what the target needs), not
        announced; :meth:`fix_cause` mends the cause in the source, unannounced."""

    @abstractmethod
    def fix_cause(self, document: Document) -> None: ...

    # -- deliveries ------------------------------------------------------------------------------------
    @abstractmethod
    def deliver(self, document: Document, *, times: int = 1) -> None:
        """The document's event reaches the integration ``times`` times (a register run, for kinds
        without webhooks)."""

    @abstractmethod
    def deliver_customer(self, key: str, action: str) -> None:
        """The customer's ``created`` or ``updated`` event reaches the integration."""

    @abstractmethod
    def settle(self) -> None:
        """Wait until everything delivered has been worked off (kinds without webhooks: run the
        registers in dependency order, as the schedule does)."""

    @abstractmethod
    def catch_up(self) -> None:
        """What a freshly started process does on its own to pick up work left behind: the
        safety-net scan (webhook kinds), the scheduled registers (register kinds); then settle."""

    def scan(self) -> int:
        """Run the safety-net scan; the number of events it queued."""
        raise NotImplementedError(f"{self.kind} has no safety-net scan")

    @abstractmethod
    def retry(self) -> list[tuple[int, str]]:
        """Retry every open error-log entry, as ``ledgerbridge retry NAME`` does."""

    #: the error log's entity for a document type, where it is not the type's own name
    error_entities: ClassVar[Mapping[str, str]] = {}

    def error_keys(self, document: Document) -> set[str]:
        """The error log's record keys for the document (its own key, unless the kind logs its parts)."""
        return {document.key}

    def errors_about(self, document: Document) -> list[ErrorEntry]:
        """The open error-log entries about the document itself (not about its customer, say)."""
        entity = self.error_entities.get(document.document_type, document.document_type)
        keys = self.error_keys(document)
        return [e for e in self.service.errors(self.name) if e.entity == entity and e.record_key in keys]

    # -- the target side ---------------------------------------------------------------------------
    @abstractmethod
    def target_documents(self, document: Document) -> list[dict[str, Any]]:
        """Everything the target holds that was made from ``document`` (drafts and finished ones)."""

    @abstractmethod
    def follow_ups_done(self, document: Document) -> bool:
        """Are the transfer's steps after the send done (booked and marked sent, converted, status
        written back...)? True for a document type without such steps."""

    @abstractmethod
    def target_customer_names(self, key: str) -> list[str]:
        """The names of the target's customers made from the source customer ``key``."""

    # -- faults ------------------------------------------------------------------------------------------
    @abstractmethod
    def fail_after_send(self, document: Document) -> None:
        """Faults so that the document's send goes through (its answer may be lost) and the step after
        it fails: the state a process killed between the two leaves behind."""

    def hold_after_send(self, document: Document) -> None:
        """Faults so that the document's send goes through and the step after it is held (its answer
        stalled, nothing carried out), so a process can be killed while it waits."""
        raise NotImplementedError(f"{self.kind} cannot hold a step after the send")

    def serve_in_subprocess(self) -> ServeProcess:
        """The running integration moves to a ``ledgerbridge serve`` subprocess over the same database,
        listening where the deliveries go; :meth:`resume_in_process` brings it back after the kill."""
        raise NotImplementedError(f"{self.kind} has no `serve` process")

    def resume_in_process(self) -> None:
        """After :meth:`serve_in_subprocess`'s process died: a process of its own starts over the same
        database and receiver URL (as :meth:`restart` does)."""
        raise NotImplementedError(f"{self.kind} has no `serve` process")

    @abstractmethod
    def new_record_to_plan(self) -> str:
        """A record the kind's dry run would create somewhere (its source key), made unannounced."""

    @abstractmethod
    def dry_run(self) -> tuple[list[tuple[str, str, str]], list[str]]:
        """The kind's dry run (the start-up sync's plan, every register's plan) on an integration of its
        own over the same sandboxes; answers what it planned (entity, source key, action) and the writes
        the sandboxes saw meanwhile."""


class Receiver:
    """``serve`` in embedded mode for one service (its runtime: hub, inbox worker, scheduler) with the web
    app on a fixed loopback port, so a restarted process is found at the URL the webhooks were given.

    The scheduler's safety-net scan runs at start, as ``serve``'s does, and then only every hour: the
    checks scan when they mean to."""

    def __init__(self, service: Ledgerbridge, port: int | None = None) -> None:
        self.runtime = EmbeddedRuntime(service, scan_seconds=SCAN_SECONDS)
        self.hub = self.runtime.hub
        self.server = SandboxServer(create_web_app(self.hub, self.runtime.worker), port=port or 0)

    @property
    def url(self) -> str:
        return str(self.server.base_url)

    @property
    def port(self) -> int:
        return int(self.server.port)

    def start(self) -> Receiver:
        self.server.start()
        self.runtime.start()
        return self

    def stop(self) -> None:
        try:
            self.runtime.stop()
            self.runtime.close()
        finally:
            self.server.stop()


class ServeProcess:
    """``ledgerbridge serve`` in a subprocess, as a user runs it (the test's data directory and database
    in its environment), on a fixed loopback port; :meth:`kill` is ``kill -9``."""

    def __init__(self, config: Config, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "LEDGERBRIDGE_HOME": str(config.home),
            "LEDGERBRIDGE_DATABASE_URL": config.database_url,
            "LEDGERBRIDGE_ALLOW_PRIVATE_URLS": "1",
        }
        # The webhooks already point at this port; the safety-net scan only when the check asks.
        command = ["serve", "--port", str(port), "--no-register", "--scan-seconds", str(SCAN_SECONDS)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ledgerbridge", *command],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Until ``/healthz`` answers (a fresh process is slow to start on a busy machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"`ledgerbridge serve` exited with {self.process.returncode}"
            try:
                httpx.get(f"{self.url}/healthz", timeout=2.0)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"`ledgerbridge serve` did not answer on {self.url} in {timeout:.0f} s")

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
