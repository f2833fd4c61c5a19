"""The fast subset from measured durations (issue 17): `pytest -m "not slow"` leaves out the tests whose
measured duration reaches the threshold, keeps fast ones (a measured fast browser test too), and falls
back to the kind rule for tests never measured; `--record-durations` writes what it measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEZONE = "tests/web/test_console_timezone.py"
PURE = f"{TIMEZONE}::test_when_writes_the_zone_and_leaves_a_bare_day_alone"
HEAVY = f"{TIMEZONE}::test_the_default_zone_is_the_ledgers_country"
UNMEASURED = f"{TIMEZONE}::test_an_unknown_zone_is_refused_next_to_the_field"
BROWSER = "tests/browser/test_console_browser.py"


def pytest(*args: str, durations: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGERBRIDGE_TEST_DURATIONS": str(durations), "LEDGERBRIDGE_SLOW_SECONDS": "3"}
    env.pop("PYTEST_XDIST_WORKER", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def collected(*paths: str, durations: Path) -> list[str]:
    done = pytest("--collect-only", "-q", "-m", "not slow", "-n", "0", *paths, durations=durations)
    assert done.returncode in (0, 5), done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_measured_durations_decide_what_is_slow(tmp_path: Path) -> None:
    durations = tmp_path / "durations.json"
    browser = collected(BROWSER, durations=durations)
    assert browser == []  # never measured: a browser test is slow by what it is
    durations.write_text(json.dumps({"tests": {PURE: 0.01, HEAVY: 9.5}}))
    fast = collected(TIMEZONE, durations=durations)
    assert PURE in fast and UNMEASURED in fast  # measured fast; unmeasured and not of a slow kind
    assert HEAVY not in fast  # measured at 9.5 s ≥ 3 s


def test_a_measured_fast_browser_test_is_in_the_fast_subset(tmp_path: Path) -> None:
    durations = tmp_path / "durations.json"
    listing = pytest("--collect-only", "-q", "-n", "0", BROWSER, durations=durations)
    every = [line for line in listing.stdout.splitlines() if "::" in line]
    assert every, listing.stdout + listing.stderr
    durations.write_text(json.dumps({"tests": {every[0]: 1.2}}))
    assert collected(BROWSER, durations=durations) == [every[0]]


def test_record_durations_merges_what_it_measured(tmp_path: Path) -> None:
    target = tmp_path / "durations.json"
    target.write_text(json.dumps({"tests": {"tests/elsewhere.py::kept": 4.0}}))
    done = pytest(PURE, "-q", "-n", "0", "--record-durations", str(target), durations=target)
    assert done.returncode == 0, done.stdout + done.stderr
    tests = json.loads(target.read_text())["tests"]
    assert tests["tests/elsewhere.py::kept"] == 4.0  # not run this time: kept
    assert 0 <= tests[PURE] < 60
