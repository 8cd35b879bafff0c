"""The provider's endpoints beyond authorize and token: userinfo, revocation,
introspection and RP-initiated logout.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import (
    current_token,
)
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint

from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from identity.vneid import keys
from identity.vneid.claims import claim_values, pairwise_subject
from identity.vneid.claims_request import verified_claims
from identity.vneid.issuance import (
    CLIENT_AUTH_METHODS,
    end_login_session,
    issuer,
    revoke_family,
)
from identity.vneid.models import (
    OAuthClient,
    ProviderToken,
    digest,
)


class UserInfo(UserInfoEndpoint):
    """Userinfo releases only the claims the citizen consented to for this client."""

    def get_issuer(self) -> str:
        return issuer()

    def generate_user_info(self, user: Citizen, scope: str) -> dict[str, Any]:
        token: ProviderToken = current_token
        info: dict[str, Any] = {"sub": pairwise_subject(token.client_id, user)}
        info.update(claim_values(user, list(token.claims)))
        asked = token.userinfo_claims or {}
        verified = verified_claims(user, asked.get("verified_claims", []))
        if verified is not None:
            info["verified_claims"] = verified
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
        "private_key_jwt",
    ]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        return _find_token(token_string, token_type_hint)

    def check_permission(self, token: Any, client: OAuthClient, request: Any) -> bool:
        return bool(token.client_id == client.client_id)

    def introspect_token(self, token: Any) -> dict[str, Any]:
        row = token.row if isinstance(token, _RefreshTokenView) else token
        is_refresh = isinstance(token, _RefreshTokenView)
        description = {
            "active": True,
            "token_type": "refresh_token"
            if is_refresh
            else "DPoP"
            if row.dpop_jkt
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
        if row.dpop_jkt and not is_refresh:
            # RFC 9449 §6.2: the resource server checks proofs against this key.
            description["cnf"] = {"jkt": row.dpop_jkt}
        return description


class EndSession(EndSessionEndpoint):
    """RP-initiated logout: ends the provider session named by the ID token hint.

    Ending it revokes every token of the session and tells the clients that hold
    them by back-channel logout (see ``issuance.end_login_session``).
    """

    def get_server_jwks(self) -> dict[str, Any]:
        return keys.published_jwks()

    def validate_request(self, request: Any) -> Any:
        validated = super().validate_request(request)
        claims = validated.id_token_claims
        # Our keys sign only our tokens, but a hint must also say it is ours.
        if claims is not None and claims.get("iss") != issuer():
            raise InvalidRequestError("The 'id_token_hint' was not issued here.")
        return validated

    def end_session(self, end_session_request: Any) -> None:
        claims = end_session_request.id_token_claims or {}
        sid = claims.get("sid")
        if sid:
            end_login_session(uuid.UUID(sid))

    def get_algorithms(self) -> list[str]:
        return list(keys.SUPPORTED_ALGORITHMS)
