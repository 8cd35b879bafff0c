"""Authlib grants made stricter than their defaults (see ``server``)."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt

from app import audit
from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from identity.vneid import keys, sender
from identity.vneid.claims import claim_values, pairwise_subject
from identity.vneid.claims_request import verified_claims
from identity.vneid.issuance import CLIENT_AUTH_METHODS, issuer, revoke_family
from identity.vneid.models import (
    AuthorizationCode,
    OAuthClient,
    ProviderToken,
    digest,
)


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only (Authlib enforces it for public ones only)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    CODE_CHALLENGE_METHODS: ClassVar[dict[str, Any]] = {
        "S256": compare_s256_code_challenge
    }

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'.")
        # Authlib's check reads the request, not its second argument.
        super().validate_code_challenge(grant, redirect_uri)  # pragma: no mutate

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidGrantError("Missing 'code_verifier'.")
        # Authlib's check reads the request, not its second argument.
        super().validate_code_verifier(grant, result)  # pragma: no mutate


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant with single-use, replay-revoking codes."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_token_request(self) -> None:
        # The DPoP proof first: a request told to retry with a nonce spends nothing.
        self.request.dpop_jkt = sender.proof_key("/token")
        super().validate_token_request()

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: OAuthClient) -> str:
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri' in request.")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError(
                "The 'redirect_uri' is not registered for this client."
            )
        return str(redirect_uri)

    def validate_requested_scope(self) -> None:
        # Any default without "openid" is the same refusal.
        requested = (self.request.payload.scope or "").split()  # pragma: no mutate
        if "openid" not in requested:
            raise InvalidScopeError("The 'openid' scope is required.")
        super().validate_requested_scope()

    def save_authorization_code(self, code: str, request: Any) -> None:
        context = request.vneid_context
        data = request.payload.data
        db.session.add(
            AuthorizationCode(
                code_digest=digest(code),
                client_id=request.client.client_id,
                citizen_id=request.user.id,
                session_id=context["session"].id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data["nonce"],
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                claims=context["claims"],
                id_token_claims=context["id_token_claims"],
                userinfo_claims=context["userinfo_claims"],
                dpop_jkt=data.get("dpop_jkt"),
                auth_time=context["session"].auth_time,
                acr=context["session"].acr,
                amr=context["session"].amr,
            )
        )
        db.session.flush()

    def query_authorization_code(
        self, code: str, client: OAuthClient
    ) -> AuthorizationCode | None:
        row = db.session.scalar(
            sa.select(AuthorizationCode).where(
                AuthorizationCode.code_digest == digest(code)
            )
        )
        if row is None or row.client_id != client.client_id:
            return None
        sender.require_proof_if_bound(client, self.request.dpop_jkt)
        claimed = db.session.execute(
            sa.update(AuthorizationCode)
            .where(AuthorizationCode.id == row.id, AuthorizationCode.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            families = db.session.scalars(
                sa.select(ProviderToken.family_id)
                .where(ProviderToken.code_id == row.id)
                .distinct()
            ).all()
            for family in families:
                revoke_family(family, "authorization code replayed")
            audit.record(
                "vneid.code.replayed",
                "failure",
                actor_id=row.citizen_id,
                client_id=client.client_id,
            )
            return None
        if row.is_expired():
            return None
        sender.check_code_binding(row.dpop_jkt, self.request.dpop_jkt)
        return row

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already marked used when claimed; the row stays as a replay tombstone.
        return None

    def authenticate_user(
        self, authorization_code: AuthorizationCode
    ) -> Citizen | None:
        return db.session.get(Citizen, authorization_code.citizen_id)


class RotatingRefreshGrant(RefreshTokenGrant):
    """Refresh tokens that rotate (a reused one revokes its whole family), but
    for FAPI clients, whose refresh tokens stay (``rotates_refresh_tokens``)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        self.request.dpop_jkt = sender.proof_key("/token")
        super().validate_token_request()

    def authenticate_refresh_token(self, refresh_token: str) -> ProviderToken | None:
        row = db.session.scalar(
            sa.select(ProviderToken).where(
                ProviderToken.refresh_digest == digest(refresh_token)
            )
        )
        if row is None:
            return None
        if row.refresh_used_at is not None or row.revoked_at is not None:
            revoke_family(row.family_id, "refresh token reused")
            return None
        if row.refresh_expires_at is None or utcnow() >= row.refresh_expires_at:
            return None
        client: OAuthClient = self.request.client
        if row.client_id != client.client_id:
            return None
        sender.require_proof_if_bound(client, self.request.dpop_jkt)
        sender.check_refresh_binding(row, client, self.request.dpop_jkt)
        if not client.rotates_refresh_tokens:
            return row
        claimed = db.session.execute(
            sa.update(ProviderToken)
            .where(ProviderToken.id == row.id, ProviderToken.refresh_used_at.is_(None))
            .values(refresh_used_at=utcnow())
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            revoke_family(row.family_id, "refresh token reused concurrently")
            return None
        return row

    def authenticate_user(self, refresh_token: ProviderToken) -> Citizen:
        return refresh_token.citizen

    def issue_token(self, user: Citizen, refresh_token: ProviderToken) -> Any:
        scope = self.request.payload.scope or refresh_token.get_scope()
        return self.generate_token(
            user=user,
            scope=scope,
            include_refresh_token=self.request.client.rotates_refresh_tokens,
        )

    def revoke_old_credential(self, refresh_token: ProviderToken) -> None:
        # A refresh token that is not rotated stays; its old access token simply
        # expires within ten minutes.
        if self.request.client.rotates_refresh_tokens:
            refresh_token.revoked_at = utcnow()


class VneidOpenIDCode(OpenIDCode):
    """ID tokens: our keys, pairwise ``sub``, real ``auth_time``, ``acr``, ``sid``."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return (
            db.session.scalar(
                sa.select(AuthorizationCode.id).where(
                    AuthorizationCode.client_id == request.payload.client_id,
                    AuthorizationCode.nonce == nonce,
                )
            )
            is not None
        )

    def get_client_algorithm(self, client: OAuthClient) -> str:
        alg = client.id_token_signed_response_alg
        return alg if alg in keys.SUPPORTED_ALGORITHMS else "RS256"

    def resolve_client_private_key(self, client: OAuthClient) -> Any:
        return keys.active_signing_key(self.get_client_algorithm(client))

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        client: OAuthClient = request.client
        code: AuthorizationCode = request.authorization_code
        alg = self.get_client_algorithm(client)
        key = self.resolve_client_private_key(client)
        now = int(utcnow().timestamp())
        claims: dict[str, Any] = {
            "iss": issuer(),
            "sub": pairwise_subject(client.client_id, request.user),
            "aud": client.client_id,
            "azp": client.client_id,
            "iat": now,
            "exp": now + int(keys.ID_TOKEN_LIFETIME.total_seconds()),
            "auth_time": code.get_auth_time(),
            "nonce": code.nonce,
            "acr": code.acr,
            "amr": code.get_amr(),
            "sid": str(code.session_id),
        }
        at_hash = create_half_hash(token["access_token"], alg)
        if at_hash is not None:
            claims["at_hash"] = at_hash.decode()
        # Scope claims are released by userinfo; only what the ``claims`` parameter
        # asked into the ID token, and the citizen consented to, is put here.
        asked = code.id_token_claims or {}
        claims.update(claim_values(request.user, asked.get("claims", [])))
        verified = verified_claims(request.user, asked.get("verified_claims", []))
        if verified is not None:
            claims["verified_claims"] = verified
        # Signing with our own key: the list of algorithms allowed only matters when
        # a header comes from outside.
        header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, key, [alg])  # pragma: no mutate
