"""``ledgerbridge connect NAME SIDE``: sign in to a system that uses OAuth2 (Visma eAccounting)."""

from __future__ import annotations

import webbrowser
from typing import Annotated

import typer

from ledgerbridge.service import Ledgerbridge, UserError
from ledgerbridge.systems.errors import ApiError
from ledgerbridge.terminal import console, err_console


def connect(
    name: Annotated[str, typer.Argument(help="The integration's name.")],
    side: Annotated[str, typer.Argument(help="The system to sign in to, e.g. eaccounting.")],
    browser: Annotated[
        bool, typer.Option("--browser/--no-browser", help="Open the sign-in page in a browser.")
    ] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the sign-in.")] = 300.0,
) -> None:
    """Sign in (OAuth2): opens the system's authorisation page and waits on the redirect URI for the
    answer; the tokens are stored encrypted and refreshed from then on."""
    from ledgerbridge.systems.eaccounting.oauth import authorize_via_loopback

    service = Ledgerbridge()
    try:
        integration_id, kind = service.integration(name)
        if side not in kind.oauth_sides and side in kind.sides and hasattr(kind, "test_connection"):
            # Signed in by stored credentials (Severa's client credentials): connecting is testing them.
            console.print(kind.test_connection(side) + ".", highlight=False)
            return
        if side not in kind.oauth_sides:
            raise UserError(
                f"{kind.kind} does not sign in to {side!r} with OAuth2"
                + (f" (it does for: {', '.join(kind.oauth_sides)})" if kind.oauth_sides else "")
            )

        def show(url: str) -> None:
            console.print(f"Open this address to grant access:\n{url}", highlight=False, soft_wrap=True)
            if browser:
                webbrowser.open(url)

        with kind.visma_connect() as visma:  # type: ignore[attr-defined]
            token = authorize_via_loopback(visma, open_browser=show, timeout=timeout)
        kind.keep_token(service.store, integration_id, token)  # type: ignore[attr-defined]
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except ApiError as exc:
        err_console.print(f"[bold red]Not connected:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    finally:
        service.close()
    console.print(f"Connected: {name} can use {side} now (the tokens are stored encrypted).")


def disconnect(
    name: Annotated[str, typer.Argument(help="The integration's name.")],
    side: Annotated[str, typer.Argument(help="The system to sign out of, e.g. eaccounting.")],
) -> None:
    """Sign out (OAuth2): revoke ledgerbridge's access at the system and forget the tokens."""
    service = Ledgerbridge()
    try:
        console.print(service.disconnect(name, side) + ".", highlight=False)
    except UserError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    finally:
        service.close()
