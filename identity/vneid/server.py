"""The Authlib authorization server behind ``/vneid``, made stricter than its defaults.

What we add to Authlib (see ../shared/reference/identity.md, "pitfalls"):

* PKCE with S256 for every client, public or confidential; ``plain`` refused; a
  missing verifier is ``invalid_grant``.
* ``redirect_uri`` required and compared as an exact string; ``openid`` and
  ``nonce`` required; a nonce is never accepted twice for one client.
* A code is claimed atomically at its first presentation; presenting it again
  revokes every token it produced.
* Refresh tokens rotate; presenting a rotated one revokes the whole family.
* ID tokens only RS256 or ES256, with a ``kid``, the real ``auth_time``, ``acr``,
  ``amr``, ``sid`` and a pairwise ``sub``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import (
    AuthorizationServer,
    ResourceProtector,
    current_token,
)
from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import OpenIDCode, UserInfoEndpoint
from authlib.oidc.core.util import create_half_hash
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, current_app
from joserfc import jwt

from app import audit
from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from identity.vneid import keys
from identity.vneid.claims import claim_values, pairwise_subject
from identity.vneid.clients import query_client
from identity.vneid.models import (
    AuthorizationCode,
    LoginSession,
    OAuthClient,
    ProviderToken,
    digest,
)

ACCESS_TOKEN_LIFETIME = 600
REFRESH_TOKEN_LIFETIME = timedelta(days=30)
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def issuer() -> str:
    """The provider's issuer identifier: ``$BASE_URL/vneid``."""
    return f"{current_app.config['BASE_URL']}/vneid"


def revoke_family(family_id: uuid.UUID, reason: str) -> None:
    """Revoke every token of one authorization (rotation chain)."""
    db.session.execute(
        sa.update(ProviderToken)
        .where(ProviderToken.family_id == family_id, ProviderToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(
        "vneid.token.family_revoked",
        "success",
        details={"reason": reason, "family": str(family_id)},
    )


def save_token(token: dict[str, Any], request: Any) -> None:
    """Store a freshly issued token by digest, in the family of what it came from."""
    code: AuthorizationCode | None = getattr(request, "authorization_code", None)
    parent: ProviderToken | None = getattr(request, "refresh_token", None)
    source = code or parent
    if source is None:  # pragma: no cover - only these two grants issue tokens
        raise RuntimeError("token issued outside the code and refresh grants")
    refresh = token.get("refresh_token")
    db.session.add(
        ProviderToken(
            access_digest=digest(token["access_token"]),
            refresh_digest=digest(refresh) if refresh else None,
            client_id=request.client.client_id,
            citizen_id=request.user.id,
            scope=token["scope"],
            claims=list(source.claims),
            family_id=parent.family_id if parent else uuid.uuid4(),
            code_id=code.id if code else parent.code_id if parent else None,
            session_id=code.session_id
            if code
            else parent.session_id
            if parent
            else None,
            acr=source.acr,
            auth_time=source.auth_time,
            expires_in=token["expires_in"],
            refresh_expires_at=utcnow() + REFRESH_TOKEN_LIFETIME if refresh else None,
        )
    )
    db.session.flush()


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
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidGrantError("Missing 'code_verifier'.")
        super().validate_code_verifier(grant, result)


class CodeGrant(AuthorizationCodeGrant):
    """Authorization code grant with single-use, replay-revoking codes."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

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
        if "openid" not in (self.request.payload.scope or "").split():
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
        return row

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Already marked used when claimed; the row stays as a replay tombstone.
        return None

    def authenticate_user(
        self, authorization_code: AuthorizationCode
    ) -> Citizen | None:
        return db.session.get(Citizen, authorization_code.citizen_id)


class RotatingRefreshGrant(RefreshTokenGrant):
    """Refresh tokens that rotate; a reused one revokes its whole family."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

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

    def revoke_old_credential(self, refresh_token: ProviderToken) -> None:
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
        # User claims are released by userinfo, per consent, not in the ID token.
        return jwt.encode(
            {"alg": alg, "kid": key.kid, "typ": "JWT"}, claims, key, [alg]
        )


class AccessTokenValidator(BearerTokenValidator):
    """Validate the provider's own opaque access tokens (for userinfo)."""

    def authenticate_token(self, token_string: str) -> ProviderToken | None:
        return db.session.scalar(
            sa.select(ProviderToken).where(
                ProviderToken.access_digest == digest(token_string)
            )
        )


class UserInfo(UserInfoEndpoint):
    """Userinfo releases only the claims the citizen consented to for this client."""

    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: Citizen, scope: str) -> dict[str, Any]:
        token: ProviderToken = current_token
        info = {"sub": pairwise_subject(token.client_id, user)}
        info.update(claim_values(user, list(token.claims)))
        return info


class _RefreshTokenView:
    """A refresh token seen through Authlib's TokenMixin, for introspection."""

    def __init__(self, row: ProviderToken) -> None:
        self.row = row
        self.client_id = row.client_id

    def is_expired(self) -> bool:
        return (
            self.row.refresh_expires_at is None
            or utcnow() >= self.row.refresh_expires_at
        )

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.row.refresh_used_at is not None

    def check_client(self, client: OAuthClient) -> bool:
        return self.row.check_client(client)


def _find_token(
    token_string: str, hint: str | None
) -> ProviderToken | _RefreshTokenView | None:
    token_digest = digest(token_string)
    if hint != "refresh_token":
        row = db.session.scalar(
            sa.select(ProviderToken).where(ProviderToken.access_digest == token_digest)
        )
        if row is not None:
            return row
    row = db.session.scalar(
        sa.select(ProviderToken).where(ProviderToken.refresh_digest == token_digest)
    )
    if row is not None:
        return _RefreshTokenView(row)
    return None


class Revocation(RevocationEndpoint):
    """RFC 7009: revoking either token of an authorization revokes its family."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _find_token(token_string, token_type_hint)

    def revoke_token(self, token: Any, request: Any) -> None:
        row = token.row if isinstance(token, _RefreshTokenView) else token
        revoke_family(row.family_id, "revoked by client")


class Introspection(IntrospectionEndpoint):
    """RFC 7662, for authenticated (confidential) clients and their own tokens."""

    CLIENT_AUTH_METHODS: ClassVar[list[str]] = [
        "client_secret_basic",
        "client_secret_post",
    ]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _find_token(token_string, token_type_hint)

    def check_permission(self, token: Any, client: OAuthClient, request: Any) -> bool:
        return bool(token.client_id == client.client_id)

    def introspect_token(self, token: Any) -> dict[str, Any]:
        row = token.row if isinstance(token, _RefreshTokenView) else token
        return {
            "active": True,
            "token_type": "refresh_token"
            if isinstance(token, _RefreshTokenView)
            else "Bearer",
            "client_id": row.client_id,
            "sub": pairwise_subject(row.client_id, row.citizen),
            "scope": row.scope,
            "iss": issuer(),
            "aud": row.client_id,
            "iat": int(row.issued_at.timestamp()),
            "exp": int(
                (row.refresh_expires_at or row.issued_at).timestamp()
                if isinstance(token, _RefreshTokenView)
                else row.issued_at.timestamp() + row.expires_in
            ),
            "acr": row.acr,
            "auth_time": int(row.auth_time.timestamp()),
        }


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: ends the provider session named by the ID token hint."""

    def get_server_jwks(self) -> dict[str, Any]:
        return keys.published_jwks()

    def end_session(self, end_session_request: Any) -> None:
        claims = end_session_request.id_token_claims or {}
        sid = claims.get("sid")
        if sid:
            end_login_session(uuid.UUID(sid))

    def get_algorithms(self) -> list[str]:
        return list(keys.SUPPORTED_ALGORITHMS)


def end_login_session(session_id: uuid.UUID) -> None:
    """Mark a provider session as ended."""
    row = db.session.get(LoginSession, session_id)
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        audit.record("vneid.logout", "success", actor_id=row.citizen_id)


class Issuer(IssuerParameter):
    """RFC 9207: ``iss`` in every authorization response."""

    def get_issuer(self) -> str:
        return issuer()


authorization = AuthorizationServer()
protector = ResourceProtector()
protector.register_token_validator(AccessTokenValidator())
authorization.register_grant(
    CodeGrant, [StrictCodeChallenge(required=True), VneidOpenIDCode(require_nonce=True)]
)
authorization.register_grant(RotatingRefreshGrant)
authorization.register_endpoint(Revocation)
authorization.register_endpoint(Introspection)
authorization.register_endpoint(UserInfo(resource_protector=protector))
authorization.register_endpoint(EndSession)
authorization.register_extension(Issuer())


def init_provider(app: Flask) -> None:
    """Bind the authorization server to ``app`` and make sure signing keys exist."""
    app.config.setdefault("OAUTH2_REFRESH_TOKEN_GENERATOR", True)
    app.config.setdefault(
        "OAUTH2_TOKEN_EXPIRES_IN",
        {
            "authorization_code": ACCESS_TOKEN_LIFETIME,
            "refresh_token": ACCESS_TOKEN_LIFETIME,
        },
    )
    authorization.init_app(app, query_client=query_client, save_token=save_token)
    keys.store(app.config["VNEID_KEYS_FILE"]).ensure()
