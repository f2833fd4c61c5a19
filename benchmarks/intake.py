"""Webhook intake at the cluster receiver (issue 16): deliveries per second, the latency of the 200, and the
CPU one delivery costs. Prints figures.

    .venv/bin/python benchmarks/intake.py                          # 3,000 deliveries, both HTTP stacks
    .venv/bin/python benchmarks/intake.py --deliveries 5000 --variants httptools --rounds 3
    .venv/bin/python benchmarks/intake.py --asgi                   # also the app's own CPU, route vs front

Real processes: ``serve --cluster`` with no worker running (only intake is measured) on a new PostgreSQL
database at 127.0.0.1:5432; Rackbeat deliveries of an integration subscribed as ``serve`` subscribes it,
each of a record of its own, so every one is a new inbox item. The load comes from ``--sender-processes``
processes of their own (asyncio, ``--senders`` keep-alive connections in all, started together): their CPU
is printed beside the receiver's, so it is seen whether they were the limit.

Per variant (``--variants``: ``h11`` is uvicorn's h11 parser on asyncio's loop, ``httptools`` its C parser
on uvloop, what ``serve`` picks when they are installed; ``httptools*2``: with ``--intake-processes 2``,
the deliveries sent to the intake processes' port): deliveries/s, p50/p95/p99 of the answers, non-2xx
answers, milliseconds of CPU per delivery of the receiver, of PostgreSQL's backends of this database and of
the senders, and what the receiver's CPU per delivery allows on one idle core. Targets: ≥ 1,000/s and p95
≤ 50 ms. The machine's load average is printed beside each figure: on a shared machine the wall-clock
figures are the CPU share the receiver got; the CPU per delivery is what to compare between variants.

``--asgi``: the receiver app's CPU per delivery in this process (ASGI calls, no HTTP or sockets; the inbox
written to PostgreSQL), the lean front (``ledgerbridge.web.intake``) against the FastAPI route it stands
in front of, in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

TICKS = os.sysconf("SC_CLK_TCK")
EVENT = "customer_invoice.booked"
VARIANTS = {
    "h11": ["--http", "h11", "--loop", "asyncio"],
    "httptools": ["--http", "httptools", "--loop", "uvloop"],
}


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def family(pid: int) -> list[int]:
    """``pid`` and every process below it (a receiver may run more than one)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [pid], [pid]
    while frontier:
        below = [child for child, parent in parents.items() if parent in frontier]
        found += below
        frontier = below
    return found


def quiet(pids: list[int], timeout: float = 120.0) -> list[int]:
    """``pids`` once they have stopped using CPU (intake processes still importing would count their
    start-up as intake): less than 50 ms of CPU between them in a second."""
    deadline = time.monotonic() + timeout
    before = sum(cpu_seconds(p) for p in pids)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sum(cpu_seconds(p) for p in pids)
        if now - before < 0.05:
            break
        before = now
    return pids


# -- the senders: processes of their own -----------------------------------------------------------------
async def _send(
    host: str, port: int, path: str, headers: dict[str, str], keys: list[int], connections: int
) -> tuple[list[float], int]:
    """POST one delivery per key over ``connections`` keep-alive connections (plain asyncio streams, so
    that the senders cost little); the latency of each answer and how many were not 2xx."""
    latencies: list[float] = []
    failures = 0
    pending = iter(keys)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def sender() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for key in pending:
                body = b'{"key_name":"number","key":%d}' % key
                request = (
                    f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(body)}\r\n{head}\r\n"
                ).encode() + body
                started = time.perf_counter()
                writer.write(request)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                answer = await reader.readexactly(length) if status_line else b"connection closed"
                latencies.append(time.perf_counter() - started)
                status = status_line.split(b" ")[1].decode() if status_line else "none"
                if not status.startswith("2"):
                    failures += 1
                    if failures == 1:  # the first refusal, to say why
                        print(f"first refusal: {status} {answer[:200]!r}", file=sys.stderr)
                if not status_line:  # the receiver closed the connection: a new one
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    await asyncio.gather(*(sender() for _ in range(connections)))
    return latencies, failures


def sender_main(args: argparse.Namespace) -> None:
    """``--send``: one sender process; prints its latencies, failures and CPU seconds as JSON."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    host, port, path = args.send
    keys = list(range(args.first_key, args.first_key + args.count))
    delay = args.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    own0 = time.process_time()
    latencies, failures = asyncio.run(
        _send(host, int(port), path, json.loads(args.headers), keys, args.connections)
    )
    print(json.dumps({"latencies": latencies, "failures": failures, "cpu": time.process_time() - own0}))


def send_from_processes(
    url: str, path: str, headers: dict[str, str], first_key: int, count: int, connections: int, processes: int
) -> tuple[list[float], int, float, float]:
    """(latencies, failures, the senders' CPU seconds, wall seconds) of ``count`` deliveries sent by
    ``processes`` sender processes with ``connections`` connections in all, started together."""
    host, port = url.removeprefix("http://").split(":")
    start_at = time.time() + 2.0  # every sender has imported and waits for this moment
    children = []
    share, extra = divmod(count, processes)
    key = first_key
    for n in range(processes):
        mine = share + (n < extra)
        command = [
            sys.executable,
            __file__,
            "--send",
            host,
            port,
            path,
            "--first-key",
            str(key),
            "--count",
            str(mine),
            "--connections",
            str(max(1, connections // processes + (n < connections % processes))),
            "--start-at",
            str(start_at),
            "--headers",
            json.dumps(headers),
        ]
        key += mine
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    latencies: list[float] = []
    failures, cpu = 0, 0.0
    for child in children:
        out, _ = child.communicate(timeout=900)
        if child.returncode != 0:
            raise RuntimeError(f"a sender failed (exit {child.returncode})")
        report = json.loads(out)
        latencies += report["latencies"]
        failures += report["failures"]
        cpu += report["cpu"]
    return latencies, failures, cpu, time.time() - start_at


# -- the receiver ----------------------------------------------------------------------------------------
def backend_pids(database_url: str) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            name = connection.execute(text("SELECT current_database()")).scalar()
            return list(
                connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                ).scalars()
            )
    finally:
        engine.dispose()


def percentile(ordered: list[float], share: float) -> float:
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


def measure(args: argparse.Namespace) -> None:
    import chaos  # the sibling benchmark: sandboxes and process handling
    from cluster import fleet_env, prepared
    from cryptography.fernet import Fernet
    from sqlalchemy import text

    from ledgerbridge.config import Config
    from ledgerbridge.engine.webhook_secrets import WebhookSecrets
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.service import Ledgerbridge

    class Receiver(chaos.Fleet):
        options: list[str] = []

        def command(self, role: str) -> list[str]:
            return [*super().command(role), *self.options]

    with (
        tempfile.TemporaryDirectory(prefix="intake-") as tmp,
        chaos.sandboxes("economic", 20, 20) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        key = Fernet.generate_key().decode()
        with chaos.database("cluster", home) as database_url:
            env = fleet_env(home, database_url, key)
            fleet = Receiver(env, workdir, cluster=True, workers=0)
            prepared(fleet, boxes, workdir, startup=False)
            service = Ledgerbridge(Config(home=home, database_url=database_url, secret_key=key))
            hub = RealtimeHub(service)
            path = f"/webhooks/rackbeat/{chaos.NAME}"
            results: dict[str, list[dict[str, float]]] = {}
            first_key = 1_000_000
            try:
                for round_ in range(1, args.rounds + 1):
                    for variant in args.variants:
                        stack, _, processes = variant.partition("*")
                        fleet.options = VARIANTS[stack]
                        target = fleet.url
                        if processes:  # intake processes of their own, on a port of their own
                            intake_port = chaos.free_port()
                            target = f"http://127.0.0.1:{intake_port}"
                            fleet.options = [
                                *fleet.options,
                                *("--intake-processes", processes, "--intake-port", str(intake_port)),
                            ]
                        fleet.start_all()
                        try:
                            tokens: dict[str, str] = {}
                            deadline = time.monotonic() + 120
                            while not tokens and time.monotonic() < deadline:
                                with service.store.session() as db:
                                    integration_id = hub.session(chaos.NAME)[0]
                                    secret = WebhookSecrets(db, integration_id).get("rackbeat")
                                # Subscribed at this variant's address (another port: new tokens).
                                if secret and (secret.url or "").startswith(target):
                                    tokens = hub._open_tokens(secret)
                                time.sleep(0.2)
                            headers = {
                                "rackbeat-webhook-token": tokens[EVENT],
                                "rackbeat-webhook-event": EVENT,
                            }
                            # A few first: the receiver has looked up the integration's tokens once.
                            send_from_processes(target, path, headers, first_key, 50, 4, 1)
                            first_key += 50
                            receivers = quiet(family(fleet.processes["serve"].pid))
                            backends = backend_pids(database_url)
                            cpu0 = [cpu_seconds(p) for p in receivers]
                            db0 = [cpu_seconds(p) for p in backends]
                            load = os.getloadavg()[0]
                            latencies, failures, sender_cpu, wall = send_from_processes(
                                target,
                                path,
                                headers,
                                first_key,
                                args.deliveries,
                                args.senders,
                                args.sender_processes,
                            )
                            first_key += args.deliveries
                            receiver_cpu = sum(cpu_seconds(p) for p in receivers) - sum(cpu0)
                            db_cpu = sum(cpu_seconds(p) for p in backends) - sum(db0)
                            load = max(load, os.getloadavg()[0])
                        finally:
                            fleet.stop_all()
                        with service.store.engine.begin() as connection:  # the next variant starts empty
                            stored = connection.execute(text("SELECT count(*) FROM webhook_inbox")).scalar()
                            connection.execute(text("DELETE FROM webhook_inbox"))
                        latencies.sort()
                        n = args.deliveries
                        row = {
                            "rate": n / wall,
                            "p50": percentile(latencies, 0.5),
                            "p95": percentile(latencies, 0.95),
                            "p99": percentile(latencies, 0.99),
                            "failures": failures,
                            "receiver_ms": receiver_cpu / n * 1000,
                            "db_ms": db_cpu / n * 1000,
                            "sender_ms": sender_cpu / n * 1000,
                            "receiver_share": receiver_cpu / wall,
                            "sender_share": sender_cpu / wall,
                            "load": load,
                        }
                        results.setdefault(variant, []).append(row)
                        print(
                            f"round {round_}, {variant:>9}: {row['rate']:.0f} deliveries/s, "
                            f"p50 {row['p50'] * 1000:.0f} ms, p95 {row['p95'] * 1000:.0f} ms, "
                            f"p99 {row['p99'] * 1000:.0f} ms, {failures} not 2xx, {stored} stored "
                            f"(+50 warm-up); CPU per delivery: receiver {row['receiver_ms']:.2f} ms "
                            f"({row['receiver_share']:.0%} of a core), PostgreSQL backends "
                            f"{row['db_ms']:.2f} ms, senders {row['sender_ms']:.2f} ms "
                            f"({row['sender_share']:.0%} of a core); load average {load:.1f}",
                            flush=True,
                        )
            finally:
                hub.close()
                service.close()
    print(
        f"summary ({args.deliveries} deliveries, {args.senders} connections from {args.sender_processes} "
        f"sender processes; median of {args.rounds} round(s); targets ≥ 1,000/s, p95 ≤ 50 ms):"
    )
    for variant, rows in results.items():
        ms = statistics.median(r["receiver_ms"] for r in rows)
        print(
            f"  {variant:>9}: {statistics.median(r['rate'] for r in rows):.0f} deliveries/s, "
            f"p95 {statistics.median(r['p95'] for r in rows) * 1000:.0f} ms; receiver CPU {ms:.2f} ms "
            f"per delivery (one idle core: {1000 / ms:.0f}/s), PostgreSQL backends "
            f"{statistics.median(r['db_ms'] for r in rows):.2f} ms; load average "
            f"{min(r['load'] for r in rows):.1f}–{max(r['load'] for r in rows):.1f}"
        )
    if "h11" in results and "httptools" in results:
        before = statistics.median(r["receiver_ms"] for r in results["h11"])
        after = statistics.median(r["receiver_ms"] for r in results["httptools"])
        print(f"  receiver CPU per delivery, h11 / httptools: {before / after:.2f}")


# -- in-process: the app's own CPU per delivery ------------------------------------------------------------
async def _asgi_deliveries(app: Any, path: str, headers: dict[str, str], keys: list[int], tasks: int) -> int:
    """Call ``app`` once per key, ``tasks`` at a time, as uvicorn would; how many answers were not 200."""
    raw_headers = [
        (b"content-type", b"application/json"),
        *((k.encode(), v.encode()) for k, v in headers.items()),
    ]
    pending = iter(keys)
    failures = 0

    async def caller() -> None:
        nonlocal failures
        for key in pending:
            body = b'{"key_name":"number","key":%d}' % key
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [*raw_headers, (b"content-length", str(len(body)).encode())],
                "client": ("127.0.0.1", 40000),
                "server": ("127.0.0.1", 8700),
                "state": {},
            }
            status = 0

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(scope, _receiver(body), send)
            failures += status != 200

    await asyncio.gather(*(caller() for _ in range(tasks)))
    return failures


def _receiver(body: bytes) -> Any:
    """An ASGI ``receive`` that gives ``body`` once, then waits (a client keeping its connection)."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if not messages:
            await asyncio.sleep(3600)
        return messages.pop()

    return receive


def measure_asgi(args: argparse.Namespace) -> None:
    import chaos
    from cluster import fleet_env, prepared
    from cryptography.fernet import Fernet

    from ledgerbridge.config import Config
    from ledgerbridge.runtime.hub import RealtimeHub
    from ledgerbridge.service import Ledgerbridge
    from ledgerbridge.web.app import create_app
    from ledgerbridge.web.intake import WebhookFront

    with (
        tempfile.TemporaryDirectory(prefix="intake-asgi-") as tmp,
        chaos.sandboxes("economic", 20, 20) as boxes,
    ):
        workdir = Path(tmp)
        home = workdir / "home"
        key = Fernet.generate_key().decode()
        with chaos.database("cluster", home) as database_url:
            env = fleet_env(home, database_url, key)
            os.environ.update(
                {k: env[k] for k in ("LEDGERBRIDGE_LOG_LEVEL", "LEDGERBRIDGE_ALLOW_PRIVATE_URLS")}
            )
            prepared(chaos.Fleet(env, workdir, cluster=True, workers=0), boxes, workdir, startup=False)
            service = Ledgerbridge(Config(home=home, database_url=database_url, secret_key=key))
            hub = RealtimeHub(service)
            try:
                hub.register_webhooks(chaos.NAME, "http://127.0.0.1:8700")
                tokens = hub._open_tokens(_secret(service, hub))
                headers = {"rackbeat-webhook-token": tokens[EVENT], "rackbeat-webhook-event": EVENT}
                path = f"/webhooks/rackbeat/{chaos.NAME}"
                figures: dict[str, list[float]] = {"route": [], "front": []}
                first_key = 2_000_000
                apps = {"front": create_app(hub), "route": create_app(hub)}
                routed = apps["route"]
                routed.user_middleware = [m for m in routed.user_middleware if m.cls is not WebhookFront]
                for round_ in range(args.rounds):
                    for label, app in apps.items():
                        asyncio.run(
                            _asgi_deliveries(app, path, headers, list(range(first_key, first_key + 50)), 8)
                        )
                        first_key += 50
                        own0 = time.process_time()
                        failures = asyncio.run(
                            _asgi_deliveries(
                                app,
                                path,
                                headers,
                                list(range(first_key, first_key + args.deliveries)),
                                args.senders,
                            )
                        )
                        first_key += args.deliveries
                        ms = (time.process_time() - own0) / args.deliveries * 1000
                        figures[label].append(ms)
                        print(
                            f"asgi round {round_ + 1}, {label:>5}: {ms:.3f} ms CPU per delivery "
                            f"(this process: the app and the intake's writers), {failures} not 200; "
                            f"load average "
                            f"{os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
            finally:
                hub.close()
                service.close()
    route, front = statistics.median(figures["route"]), statistics.median(figures["front"])
    print(
        f"asgi: CPU per delivery, FastAPI route {route:.3f} ms / lean front {front:.3f} ms: "
        f"{route / front:.2f}"
    )


def _secret(service: Any, hub: Any) -> Any:
    import chaos

    from ledgerbridge.engine.webhook_secrets import WebhookSecrets

    with service.store.session() as db:
        return WebhookSecrets(db, hub.session(chaos.NAME)[0]).get("rackbeat")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=32, help="connections (or ASGI callers) in all")
    parser.add_argument("--sender-processes", type=int, default=2)
    parser.add_argument("--variants", type=lambda v: v.split(","), default=["h11", "httptools"])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--asgi", action="store_true", help="also the app's CPU per delivery in-process")
    parser.add_argument("--asgi-only", action="store_true")
    # one sender process (started by this script)
    parser.add_argument("--send", nargs=3, metavar=("HOST", "PORT", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--first-key", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--headers", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        sender_main(args)
        return
    if not args.asgi_only:
        measure(args)
    if args.asgi or args.asgi_only:
        measure_asgi(args)


if __name__ == "__main__":
    main()
