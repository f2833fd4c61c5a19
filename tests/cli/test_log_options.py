"""Log options of the long-running commands (issue 17): `--log-format`/`--log-level` on `serve`, `worker` and
`demo`, the same by LEDGERBRIDGE_LOG_FORMAT / LEDGERBRIDGE_LOG_LEVEL, secrets masked whoever logs them, and
payload bodies only at debug."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.logs import FORMAT_ENV, LEVEL_ENV, configure_logging, payload_for_log

runner = CliRunner()


@pytest.fixture(autouse=True)
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(FORMAT_ENV, raising=False)
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    yield
    configure_logging("console", "info", force=True)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


def test_the_environment_chooses_format_and_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORMAT_ENV, "json")
    monkeypatch.setenv(LEVEL_ENV, "warning")
    stream = io.StringIO()
    assert configure_logging(stream=stream, force=True) == ("json", "warning")
    log = structlog.get_logger("ledgerbridge.test")
    log.info("not shown at warning")
    log.warning("shown", integration="acme")
    [line] = lines(stream)
    assert line["event"] == "shown" and line["level"] == "warning" and line["integration"] == "acme"
    assert str(line["timestamp"]).endswith("Z")


def test_an_option_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORMAT_ENV, "json")
    monkeypatch.setenv(LEVEL_ENV, "error")
    stream = io.StringIO()
    assert configure_logging("console", "debug", stream=stream, force=True) == ("console", "debug")
    structlog.get_logger("ledgerbridge.test").debug("plain words")
    assert "plain words" in stream.getvalue() and not lines(stream)


def test_secrets_are_masked_and_payloads_only_at_debug() -> None:
    stream = io.StringIO()
    configure_logging("json", "info", stream=stream, force=True)
    structlog.get_logger("ledgerbridge.test").info(
        "connected",
        token="rb-secret-1",
        client_secret="cs-2",
        Authorization="Bearer x3",
        **payload_for_log({"a": 1}),
    )
    logging.getLogger("some.library").warning("stdlib line", extra={"password": "pw-4"})
    text = stream.getvalue()
    for secret in ("rb-secret-1", "cs-2", "Bearer x3", "pw-4"):
        assert secret not in text
    first, second = lines(stream)
    assert first["token"] == first["client_secret"] == first["Authorization"] == "***"
    assert "payload" not in first and second["password"] == "***"

    configure_logging("json", "debug", stream=stream, force=True)
    structlog.get_logger("ledgerbridge.test").debug("received", **payload_for_log({"number": 10042}))
    assert lines(stream)[-1]["payload"] == {"number": 10042}


@pytest.mark.parametrize("command", ["serve", "worker", "demo"])
def test_each_long_running_command_takes_the_options_and_refuses_an_unknown_one(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--log-format" in shown.stdout and "--log-level" in shown.stdout
    assert "LEDGERBRIDGE_LOG_FORMAT" in shown.stdout and "LEDGERBRIDGE_LOG_LEVEL" in shown.stdout
    refused = runner.invoke(app, [command, "--log-level", "loud"])
    assert refused.exit_code == 2 and "unknown log level 'loud'" in refused.output
    assert "Traceback" not in refused.output
    monkeypatch.setenv(FORMAT_ENV, "xml")
    from_env = runner.invoke(app, [command])
    assert from_env.exit_code == 2, from_env.output
    assert "unknown log format 'xml' (from LEDGERBRIDGE_LOG_FORMAT)" in from_env.output
