"""What do idle companies cost in one `serve`? Prints figures; asserts nothing.

    .venv/bin/python benchmarks/tenants.py                         # 100 tenants, 3 minutes
    .venv/bin/python benchmarks/tenants.py --tenants 1000 --minutes 10

``--tenants`` rackbeat-economic integrations, all idle, are served by one real ``ledgerbridge serve``
process (embedded mode, SQLite or ``--database-url``). The sandboxes run in another process; every
tenant points at them (one Rackbeat token for all, so the benchmark lifts the per-token pace with
``LEDGERBRIDGE_RACKBEAT_PER_MINUTE``: each real tenant has a token, and a budget, of its own).

Measured: how long after the process starts ``/healthz`` answers 200; the API calls made while it
starts and subscribes; then, over ``--minutes``, CPU use (of one core, from /proc), RSS at the end, and
API calls per tenant per minute. The issue's targets for 1,000 tenants on 2 cores: < 10% CPU, < 1 GB,
≤ 1 call per tenant per minute, /healthz within 5 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

os.environ.setdefault("LEDGERBRIDGE_ALLOW_PRIVATE_URLS", "1")  # the sandboxes run on 127.0.0.1
os.environ.setdefault("LEDGERBRIDGE_LOG_LEVEL", "warning")

TOKEN = "bench"
TICKS = os.sysconf("SC_CLK_TCK")


def serve_sandboxes(ports: Any) -> None:
    from ledgerbridge.sandbox import SandboxServer
    from ledgerbridge.systems import economic, rackbeat

    books = economic.EconomicState()
    # No customers or products: each tenant's first poll and scan find nothing to sync, so what is
    # measured is the cost of idling (tenants sharing these sandboxes would sync one another's records).
    economic.seed_demo(books, customers=0, products=0, suppliers=0)
    economic_app = economic.create_app(books, rate_limit=None)
    rackbeat_app = rackbeat.create_app(token=TOKEN, rate_limit=None)
    rackbeat_app.kit.set_log_limit(10_000_000)
    economic_app.kit.set_log_limit(10_000_000)
    with SandboxServer(economic_app) as eco, SandboxServer(rackbeat_app) as rb:
        ports.put((eco.base_url, rb.base_url))
        while True:
            time.sleep(3600)


def calls(*urls: str) -> int:
    return len(logged(*urls))


def logged(*urls: str) -> list[dict[str, Any]]:
    return [r for u in urls for r in httpx.get(f"{u}/_sandbox/requests", timeout=120).json()]


def top_paths(*urls: str, n: int = 5) -> str:
    from collections import Counter

    counted = Counter(
        f"{r['method']} {r['path'].split('/')[1] if '/' in r['path'] else r['path']}" for r in logged(*urls)
    )
    return ", ".join(f"{path} {count}" for path, count in counted.most_common(n))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(env: dict[str, str], port: int, label: str) -> subprocess.Popen[bytes]:
    started = time.monotonic()
    serve = subprocess.Popen(
        [sys.executable, "-m", "ledgerbridge", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while time.monotonic() - started < 120:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                print(
                    f"{label}: /healthz answered 200 {time.monotonic() - started:.2f} s after the start "
                    f"(load average {os.getloadavg()[0]:.1f}; RSS {rss_mb(serve.pid):.0f} MB)"
                )
                return serve
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    print(f"{label}: /healthz not 200 within 120 s")
    return serve


def measure_start(rb_url: str, eco_url: str, tenants: int, seconds: float) -> None:
    time.sleep(seconds)
    at_start = calls(rb_url, eco_url)
    print(
        f"  calls in its first {seconds:.0f} s: {at_start} ({at_start / tenants:.1f} per tenant); "
        f"most: {top_paths(rb_url, eco_url)}"
    )
    httpx.delete(f"{rb_url}/_sandbox/requests")
    httpx.delete(f"{eco_url}/_sandbox/requests")


def stop(serve: subprocess.Popen[bytes]) -> None:
    serve.terminate()
    try:
        serve.wait(30)
    except subprocess.TimeoutExpired:
        serve.kill()
        serve.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument(
        "--warmup-seconds", type=float, default=120.0, help="start-up: before the idle window"
    )
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-restart", action="store_true", help="skip the restart after the idle window")
    args = parser.parse_args()
    multiprocessing.set_start_method("spawn")

    from ledgerbridge.config import Config
    from ledgerbridge.service import Ledgerbridge

    ports: Any = multiprocessing.Queue()
    child = multiprocessing.Process(target=serve_sandboxes, args=(ports,), daemon=True)
    child.start()
    eco_url, rb_url = ports.get(timeout=300)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = args.database_url or f"sqlite:///{home / 'tenants.sqlite3'}"
        service = Ledgerbridge(Config(home=home, database_url=url, secret_key=None))
        env = {
            **os.environ,
            "LEDGERBRIDGE_HOME": str(home),
            "LEDGERBRIDGE_DATABASE_URL": url,
            "LEDGERBRIDGE_RACKBEAT_PER_MINUTE": "1000000",  # one shared token stands for many (see above)
        }
        # The baseline: the same process with no tenant (its own start-up and imports, on this machine now).
        alone = start_serve(env, free_port(), "no tenants")
        time.sleep(10)  # its scheduler's first rounds
        alone_rss = rss_mb(alone.pid)
        stop(alone)
        started = time.perf_counter()
        for n in range(args.tenants):
            service.add_integration(
                f"company-{n:04d}",
                "rackbeat-economic",
                {
                    "economic": {"base_url": eco_url, "app_secret_token": "a", "agreement_grant_token": "b"},
                    "rackbeat": {"base_url": rb_url, "token": TOKEN},
                },
            )
        service.close()
        print(f"{args.tenants} tenants added in {time.perf_counter() - started:.1f} s")
        httpx.delete(f"{rb_url}/_sandbox/requests")
        httpx.delete(f"{eco_url}/_sandbox/requests")

        port = free_port()
        try:
            serve = start_serve(env, port, "first start")
            measure_start(rb_url, eco_url, args.tenants, args.warmup_seconds)
            try:
                cpu0, t0 = cpu_seconds(serve.pid), time.monotonic()
                time.sleep(args.minutes * 60)
                cpu1, t1 = cpu_seconds(serve.pid), time.monotonic()
                idle_calls = calls(rb_url, eco_url)
                minutes = (t1 - t0) / 60
                busy = (cpu1 - cpu0) / (t1 - t0)
                print(
                    f"idle, {minutes:.1f} min: CPU {100 * busy:.1f}% of one core "
                    f"({100 * busy / (os.cpu_count() or 1):.1f}% of {os.cpu_count()} cores), "
                    f"RSS {rss_mb(serve.pid):.0f} MB ({rss_mb(serve.pid) / args.tenants:.2f} MB per tenant; "
                    f"{(rss_mb(serve.pid) - alone_rss) / args.tenants:.2f} above {alone_rss:.0f} MB with no "
                    "tenant), "
                    f"{idle_calls / args.tenants / minutes:.2f} API calls per tenant per minute "
                    f"(load average {os.getloadavg()[0]:.1f})"
                )
                print(f"  most: {top_paths(rb_url, eco_url)}")
            finally:
                stop(serve)
            if args.no_restart:
                return
            # A restart: subscriptions are checked, not written again; scans keep their back-off.
            serve = start_serve(env, port, "restart")
            try:
                measure_start(rb_url, eco_url, args.tenants, args.warmup_seconds)
            finally:
                stop(serve)
        finally:
            child.kill()
            child.join()


if __name__ == "__main__":
    main()
