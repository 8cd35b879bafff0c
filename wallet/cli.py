"""``flask wallet``: the reference holder on the command line.

It talks to a running CongDan (``--server``, by default this deployment's
``BASE_URL``) over HTTP, as a phone's wallet would, and keeps its credentials
and their keys in ``~/.congdan-wallet.json`` (``CONGDAN_WALLET``; mode 0600).
"""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import click
import httpx2 as httpx
from flask import current_app
from flask.cli import AppGroup

from wallet.holder import Wallet, WalletError, store_path

wallet_cli = AppGroup("wallet", help="A reference wallet: add and present credentials.")


@contextlib.contextmanager
def _wallet() -> Iterator[Wallet]:
    """The wallet in ``CONGDAN_WALLET``, its HTTP client closed afterwards."""
    with httpx.Client(timeout=30) as http:
        yield Wallet(http, store_path())


def _server(server: str | None) -> str:
    return server or str(current_app.config["BASE_URL"])


@wallet_cli.command("accept")
@click.argument("link")
@click.option("--pin", help="The six-digit code the app showed with the offer.")
def accept(link: str, pin: str | None) -> None:
    """Add the credential of an offer (the link, or the text of its QR code)."""
    try:
        with _wallet() as wallet:
            added = wallet.accept_offer(
                link, pin or click.prompt("PIN", hide_input=True)
            )
    except (WalletError, httpx.HTTPError) as error:
        raise click.ClickException(str(error)) from error
    for credential in added:
        click.echo(f"Added {credential.configuration_id} ({credential.id}).")


def _loopback_redirect() -> tuple[str, Any]:
    """A one-shot listener on 127.0.0.1 (RFC 8252 §7.3) and a function that
    waits for the browser's redirect and answers its URL."""
    landed: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            landed["path"] = self.path
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(
                "Xong, quay lại cửa sổ dòng lệnh. / Done: back to the terminal.".encode()
            )

        def log_message(self, *_: Any) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    redirect_uri = f"http://127.0.0.1:{port}/callback"

    def wait(url: str) -> str:
        click.echo(
            f"Open this address in a browser and log in with VNeID:\n\n  {url}\n"
        )
        thread = threading.Thread(target=server.handle_request, daemon=True)
        thread.start()
        thread.join(timeout=300)
        server.server_close()
        if "path" not in landed:
            raise click.ClickException("No answer from the browser within 5 minutes.")
        return f"http://127.0.0.1:{port}{landed['path']}"

    return redirect_uri, wait


@wallet_cli.command("add")
@click.option(
    "--credential",
    "configuration_id",
    type=click.Choice(["hoc_ba_sd_jwt", "bhyt_sd_jwt"]),
    required=True,
)
@click.option("--server", help="The issuer's URL (default: BASE_URL).")
def add(configuration_id: str, server: str | None) -> None:
    """Add credentials through a VNeID login (authorization code flow, PAR, PKCE)."""
    redirect_uri, wait = _loopback_redirect()
    try:
        with _wallet() as wallet:
            added = wallet.authorize(
                _server(server), configuration_id, redirect_uri, wait
            )
    except (WalletError, httpx.HTTPError) as error:
        raise click.ClickException(str(error)) from error
    for credential in added:
        click.echo(f"Added {credential.configuration_id} ({credential.id}).")


@wallet_cli.command("list")
def list_credentials() -> None:
    """List the credentials in the wallet."""
    with _wallet() as wallet:
        held = wallet.credentials
    for credential in held:
        shown = {
            k: v for k, v in credential.claims.items() if k not in ("cnf", "status")
        }
        click.echo(f"{credential.id}  {credential.configuration_id}")
        click.echo("  " + json.dumps(shown, ensure_ascii=False))


@wallet_cli.command("present")
@click.argument("link")
@click.option("--yes", is_flag=True, help="Share without asking.")
def present(link: str, yes: bool) -> None:
    """Answer a verifier's request (an openid4vp:// link), showing only what it asks."""

    def confirm(shown: dict[str, Any]) -> bool:
        click.echo("The verifier will see:")
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return yes or click.confirm("Share?", default=False)

    try:
        with _wallet() as wallet:
            wallet.present(link, confirm)
    except (WalletError, httpx.HTTPError) as error:
        raise click.ClickException(str(error)) from error
    click.echo("Sent.")
