"""Sender-constrained tokens at the provider: DPoP (RFC 9449) on its endpoints.

A token request with a ``DPoP`` proof gets a ``DPoP`` token bound to the proof's key
(``cnf.jkt``); a code bound to a key at the authorization request (``dpop_jkt``, or
the proof sent with a pushed request) is redeemed only with that key; the refresh
token of a public client is bound too. Userinfo then takes such a token only with
``Authorization: DPoP`` and a fresh proof for that key and that token.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import InvalidGrantError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from flask import current_app
from flask import request as http_request

from app import dpop
from identity.vneid.issuance import find_access_token, issuer
from identity.vneid.models import OAuthClient, ProviderToken


class InvalidDPoPProofError(OAuth2Error):
    """RFC 9449 §5.1: the proof at a token (or PAR) request is not acceptable."""

    error = "invalid_dpop_proof"
    status_code = 400

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("DPoP-Nonce", dpop.current_nonce())]


class UseDPoPNonceError(InvalidDPoPProofError):
    """RFC 9449 §8: retry with the nonce in ``DPoP-Nonce``."""

    error = "use_dpop_nonce"


def _nonce_required() -> bool:
    return bool(current_app.config.get("VNEID_DPOP_NONCE_REQUIRED", True))


def proof_key(endpoint: str, access_token: str | None = None) -> str | None:
    """The thumbprint of the key whose proof came with this request, if one did.

    :param endpoint: the endpoint's path under the issuer (``/token``), the ``htu``.
    :raise InvalidDPoPProofError: a proof that does not hold.
    """
    headers = http_request.headers.getlist("DPoP")
    if not headers:
        return None
    try:
        proof = dpop.verify(
            headers,
            method=http_request.method,
            url=f"{issuer()}{endpoint}",
            access_token=access_token,
            require_nonce=_nonce_required(),
        )
    except dpop.DPoPError as error:
        raised = (
            UseDPoPNonceError
            if error.error == "use_dpop_nonce"
            else InvalidDPoPProofError
        )
        raise raised(description=error.description) from error
    return proof.jkt


def require_proof_if_bound(client: OAuthClient, jkt: str | None) -> None:
    """Clients registered with ``dpop_bound_access_tokens`` must send a proof."""
    if client.dpop_bound_access_tokens and jkt is None:
        raise InvalidDPoPProofError(
            description="This client's tokens are DPoP-bound: send a DPoP proof."
        )


def check_code_binding(code_jkt: str | None, jkt: str | None) -> None:
    """A code bound to a key at the authorization request needs that key's proof."""
    if code_jkt is not None and code_jkt != jkt:
        raise InvalidGrantError(description="The code is bound to another DPoP key.")


def check_refresh_binding(
    row: ProviderToken, client: OAuthClient, jkt: str | None
) -> None:
    """RFC 9449 §5: a public client's refresh token is bound to its key; a bound
    family is never refreshed into a bearer token."""
    if row.dpop_jkt is None:
        return
    if jkt is None:
        raise InvalidDPoPProofError(
            description="These tokens are DPoP-bound: send a DPoP proof."
        )
    if client.is_public and jkt != row.dpop_jkt:
        raise InvalidGrantError(
            description="The refresh token is bound to another DPoP key."
        )


class DPoPChallengeError(InvalidTokenError):
    """A 401 with a ``DPoP`` challenge (RFC 9449 §7.1), and the nonce to use."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description=description)
        self.error = error

    def get_headers(self) -> list[tuple[str, str]]:
        algs = " ".join(dpop.PROOF_ALGORITHMS)
        challenge = f'DPoP error="{self.error}", algs="{algs}"'
        return [
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
            ("Pragma", "no-cache"),
            ("WWW-Authenticate", challenge),
            ("DPoP-Nonce", dpop.current_nonce()),
        ]


class BearerOnlyValidator(BearerTokenValidator):
    """``Authorization: Bearer`` for tokens that are not bound to a key."""

    def authenticate_token(self, token_string: str) -> ProviderToken | None:
        return find_access_token(token_string)

    def validate_token(self, token: Any, scopes: Any, request: Any) -> None:
        super().validate_token(token, scopes, request)
        if token.dpop_jkt is not None:
            # RFC 9449 §7.2: a bound token presented as a bearer token is refused.
            raise DPoPChallengeError(
                "invalid_token", "This token is DPoP-bound: present it with a proof."
            )


class DPoPTokenValidator(BearerTokenValidator):
    """``Authorization: DPoP`` with a proof for the token's key (RFC 9449 §7)."""

    TOKEN_TYPE = "dpop"  # noqa: S105 - RFC 9449's scheme, not a secret

    def authenticate_token(self, token_string: str) -> ProviderToken | None:
        return find_access_token(token_string)

    def validate_token(self, token: Any, scopes: Any, request: Any) -> None:
        if token is None or token.is_expired() or token.is_revoked():
            raise DPoPChallengeError("invalid_token", "The access token is not valid.")
        if token.dpop_jkt is None:
            raise DPoPChallengeError("invalid_token", "This token is not DPoP-bound.")
        access_token = http_request.headers.get("Authorization", "").split(None, 1)[-1]
        try:
            jkt = dpop.verify(
                http_request.headers.getlist("DPoP"),
                method=http_request.method,
                url=f"{issuer()}{http_request.path.removeprefix('/vneid')}",
                access_token=access_token,
                require_nonce=_nonce_required(),
            ).jkt
        except dpop.DPoPError as error:
            raise DPoPChallengeError(error.error, error.description) from error
        if jkt != token.dpop_jkt:
            raise DPoPChallengeError(
                "invalid_token", "The proof is signed by another key than the token's."
            )
        super().validate_token(token, scopes, request)
