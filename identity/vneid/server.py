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

And what Authlib lacks, for FAPI 2.0 (``pushed``, ``client_auth``, ``sender``,
``claims_request``): pushed authorization requests, ``private_key_jwt``, DPoP-bound
tokens, and the ``claims`` parameter with ``verified_claims``.
"""

from __future__ import annotations

from authlib.integrations.flask_oauth2 import (
    AuthorizationServer,
    ResourceProtector,
)
from authlib.oauth2.rfc9207 import IssuerParameter
from flask import Flask

from identity.vneid import keys, pushed
from identity.vneid.client_auth import PRIVATE_KEY_JWT, PrivateKeyJwt
from identity.vneid.clients import query_client
from identity.vneid.endpoints import (
    EndSession,
    Introspection,
    Revocation,
    UserInfo,
)
from identity.vneid.grants import (
    CodeGrant,
    RotatingRefreshGrant,
    StrictCodeChallenge,
    VneidOpenIDCode,
)
from identity.vneid.issuance import ACCESS_TOKEN_LIFETIME, issuer, save_token
from identity.vneid.sender import BearerOnlyValidator, DPoPTokenValidator


class Issuer(IssuerParameter):
    """RFC 9207: ``iss`` in every authorization response."""

    def get_issuer(self) -> str:
        return issuer()


authorization = AuthorizationServer()

protector = ResourceProtector()
protector.register_token_validator(BearerOnlyValidator())
protector.register_token_validator(DPoPTokenValidator())
authorization.register_grant(
    CodeGrant, [StrictCodeChallenge(required=True), VneidOpenIDCode(require_nonce=True)]
)
authorization.register_grant(RotatingRefreshGrant)
authorization.register_endpoint(Revocation)
authorization.register_endpoint(Introspection)
authorization.register_endpoint(UserInfo(resource_protector=protector))
authorization.register_endpoint(EndSession)
authorization.register_endpoint(pushed.PushedAuthorization)
authorization.register_extension(Issuer())
authorization.register_extension(pushed.use_pushed_requests)


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
    authorization.register_client_auth_method(PRIVATE_KEY_JWT, PrivateKeyJwt())
    keys.store(app.config["VNEID_KEYS_FILE"]).ensure()
