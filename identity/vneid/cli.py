"""``flask vneid …``: key rotation, client registration and login unlocking."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app import audit, throttle
from app.unit_of_work import transaction
from identity.vneid import keys
from identity.vneid.clients import InvalidClientMetadataError, register_client
from identity.vneid.login import LOGIN_ACTION, account_key
from identity.vneid.models import KEY_AUTH, NO_AUTH

#: New confidential clients authenticate with keys; ``client_secret_basic`` stays
#: for the demo client (the API's own login), registered in code.
CLI_AUTH_METHODS = (KEY_AUTH, NO_AUTH)

vneid_cli = AppGroup("vneid", help="Manage the mock VNeID provider.")


@vneid_cli.command("rotate-keys")
def rotate_keys_command() -> None:
    """Add new signing keys; old ones stay published until their tokens expire."""
    with transaction():
        new = keys.store().rotate()
        audit.record("vneid.keys.rotated", "success", details={"kids": new})
    click.echo("New active keys: " + ", ".join(new))


@vneid_cli.command("create-client")
@click.option("--client-id", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, required=True)
@click.option("--post-logout-redirect-uri", "logout_uris", multiple=True)
@click.option(
    "--backchannel-logout-uri",
    help="Where the provider POSTs a logout token when a session ends.",
)
@click.option("--name")
@click.option("--public", is_flag=True, help="No secret: PKCE only (phones, SPAs).")
@click.option(
    "--auth",
    "auth_method",
    type=click.Choice(CLI_AUTH_METHODS),
    help="How the client authenticates [default: private_key_jwt, a FAPI 2.0 "
    "client: pushed requests, DPoP-bound tokens, ES256 ID tokens; none with "
    "--public]. Shared secrets are the demo client's alone.",
)
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The client's public JWK set (a JSON file), for private_key_jwt.",
)
@click.option("--jwks-uri", help="Where the client publishes its JWK set, instead.")
@click.option(
    "--verified-claims",
    is_flag=True,
    help="Allow the client to ask for verified_claims (identity assurance).",
)
@click.option("--scope", default="openid profile", show_default=True)
@click.option(
    "--alg",
    type=click.Choice(keys.SUPPORTED_ALGORITHMS),
    help="ID token algorithm [default: RS256; ES256 for private_key_jwt]",
)
def create_client_command(
    client_id: str,
    redirect_uris: tuple[str, ...],
    logout_uris: tuple[str, ...],
    backchannel_logout_uri: str | None,
    name: str | None,
    public: bool,
    auth_method: str | None,
    jwks_file: Path | None,
    jwks_uri: str | None,
    verified_claims: bool,
    scope: str,
    alg: str | None,
) -> None:
    """Register a relying party: a FAPI 2.0 client with its keys, or a public one."""
    try:
        jwks = json.loads(jwks_file.read_text()) if jwks_file else None
    except ValueError as error:
        raise click.UsageError(f"--jwks is not JSON: {error}") from error
    try:
        with transaction():
            client, _ = register_client(
                client_id,
                list(redirect_uris),
                name=name,
                public=public,
                auth_method=auth_method or (NO_AUTH if public else KEY_AUTH),
                jwks=jwks,
                jwks_uri=jwks_uri,
                verified_claims_allowed=verified_claims,
                scope=scope,
                alg=alg,
                post_logout_redirect_uris=list(logout_uris),
                backchannel_logout_uri=backchannel_logout_uri,
                backchannel_logout_session_required=backchannel_logout_uri is not None,
            )
    except InvalidClientMetadataError as error:
        raise click.UsageError(str(error)) from error
    click.echo(f"client_id: {client.client_id}")
    click.echo(f"token_endpoint_auth_method: {client.token_endpoint_auth_method}")


@vneid_cli.command("unlock")
@click.argument("national_id", required=False)
@click.option("--ip", help="Also forget this address's failures (for every account).")
def unlock_command(national_id: str | None, ip: str | None) -> None:
    """Forget the login failures of an account (from every address) and/or an address."""
    if not national_id and not ip:
        raise click.UsageError("Give a national id, --ip, or both.")
    subject_key = account_key(national_id) if national_id else None
    with transaction():
        cleared = throttle.unlock(LOGIN_ACTION, subject_key=subject_key, ip=ip)
        audit.record(
            "vneid.login.unlocked",
            "success",
            subject_key=subject_key,
            details={"ip": ip, "cleared": cleared},
        )
    click.echo(f"Cleared {cleared} throttle counters.")
