"""``ledgerbridge admin``: the web console's password and the admin API's tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ledgerbridge.cli.render import console, err_console
from ledgerbridge.service import Ledgerbridge, UserError

admin_app = typer.Typer(
    help="The web console's admin password and the admin API's tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens for scripts (Authorization: Bearer lb_…).", no_args_is_help=True)
admin_app.add_typer(token_app, name="token")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@admin_app.command("set-password")
def set_password(
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input (scripts).")
    ] = False,
) -> None:
    """Set or change the console's admin password (every open console session ends)."""
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("New admin password", hide_input=True, confirmation_prompt=True)
    service = Ledgerbridge()
    try:
        service.set_admin_password(password)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        service.close()
    console.print("The admin password is set. Log in to the console at /console of `ledgerbridge serve`.")


@token_app.command("create")
def token_create(name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'backup'.")]) -> None:
    """Make an API token; it is printed once (only a hash is kept)."""
    service = Ledgerbridge()
    try:
        plain, row = service.create_api_token(name)
    finally:
        service.close()
    err_console.print(f"API token #{row.id} ({row.name}); keep it secret, it is not shown again:")
    print(plain)


@token_app.command("list")
def token_list() -> None:
    """List active API tokens (their first characters only)."""
    service = Ledgerbridge()
    try:
        tokens = service.api_tokens()
    finally:
        service.close()
    if not tokens:
        console.print("No API tokens. Make one with `ledgerbridge admin token create NAME`.")
        return
    table = Table("id", "name", "starts with", "created", "last used")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            f"{token.prefix}…",
            f"{token.created_at:%Y-%m-%d %H:%M}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")]) -> None:
    """Revoke an API token: scripts using it get 401 from then on."""
    service = Ledgerbridge()
    try:
        service.revoke_api_token(token_id)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        service.close()
    console.print(f"Token #{token_id} is revoked.")
