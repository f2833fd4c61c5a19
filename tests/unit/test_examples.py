"""Every registered integration kind has a commented example in examples/ that `integrations add` accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerbridge.cli.main import app
from ledgerbridge.integrations.base import all_kinds

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("kind", sorted(all_kinds()))
def test_the_example_of_each_kind_is_accepted(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = EXAMPLES / f"{kind}.toml"
    assert example.is_file(), f"examples/{kind}.toml is missing"
    assert example.read_text().count("#") > 5, "the example explains itself in comments"
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERBRIDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'lb.sqlite3'}")
    result = CliRunner().invoke(
        app, ["integrations", "add", "example", "--kind", kind, "--config", str(example), "--offline"]
    )
    assert result.exit_code == 0, result.output
