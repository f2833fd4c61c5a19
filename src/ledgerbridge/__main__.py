"""``python -m ledgerbridge`` runs the CLI."""

from ledgerbridge.cli.main import app

app()
