"""``ledgerbridge admin``: the web console's password, the admin API's tokens, the encryption key."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ledgerbridge.cli.operate import iso, print_json, when
from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.terminal import console, err_console

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
def token_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'backup'.")],
    read_only: Annotated[bool, typer.Option("--read-only", help="GET requests only.")] = False,
    integration: Annotated[
        str | None, typer.Option(help="Only this integration's routes (default: all integrations).")
    ] = None,
) -> None:
    """Make an API token; it is printed once (only a hash is kept)."""
    service = Ledgerbridge()
    try:
        plain, row = service.create_api_token(name, read_only=read_only, integration=integration)
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        service.close()
    err_console.print(f"API token #{row.id} ({row.name}); keep it secret, it is not shown again:")
    print(plain)


@token_app.command("list")
def token_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")] = False,
) -> None:
    """List active API tokens (their first characters only)."""
    service = Ledgerbridge()
    try:
        tokens = service.api_tokens()
    finally:
        service.close()
    if json_output:  # times in UTC with the offset: tokens span integrations
        print_json(
            [
                {
                    "id": token.id,
                    "name": token.name,
                    "prefix": token.prefix,
                    "access": token.access,
                    "integration": token.integration,
                    "created_at": iso(token.created_at),
                    "last_used_at": iso(token.last_used_at),
                }
                for token in tokens
            ]
        )
        return
    if not tokens:
        console.print("No API tokens. Make one with `ledgerbridge admin token create NAME`.")
        return
    table = Table("id", "name", "starts with", "scope", "created", "last used")
    for token in tokens:
        table.add_row(
            str(token.id),
            token.name,
            f"{token.prefix}…",
            f"{'read only' if token.access == 'read' else 'read and change'}, "
            f"{token.integration or 'all integrations'}",
            when(token.created_at),  # tokens span integrations: UTC, said so
            when(token.last_used_at) or "never",
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


@admin_app.command("rotate-key")
def rotate_key() -> None:
    """Seal every stored secret again with a new encryption key.

    With ``secret.key``: a new key is made, every secret sealed again with it, the old key dropped. With
    ``LEDGERBRIDGE_SECRET_KEY``: list the new key first and the old one after it (comma-separated), run
    this, then drop the old key from the variable.
    """
    service = Ledgerbridge()
    try:
        rotation = service.rotate_key()
    except UserError as exc:
        raise _fail(str(exc)) from None
    finally:
        service.close()
    console.print(f"{rotation.resealed} stored secret(s) sealed with the new key.")
    if rotation.key_file:
        console.print(f"The new key is in {rotation.key_file}; the old key is gone from it.")
    else:
        console.print("Every secret opens with the first key now: drop the rest of LEDGERBRIDGE_SECRET_KEY.")
    if rotation.unreadable:
        err_console.print(
            f"{rotation.unreadable} stored value(s) open with no key in force and were left as they were "
            "(re-enter those integrations' credentials)."
        )


@admin_app.command("new-key")
def new_key() -> None:
    """Print a new encryption key (for LEDGERBRIDGE_SECRET_KEY); nothing is changed."""
    from cryptography.fernet import Fernet

    print(Fernet.generate_key().decode())
