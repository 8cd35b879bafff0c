"""The provider's endpoints under ``/vneid``.

These are OAuth 2.0 / OpenID Connect protocol endpoints: their errors keep the
RFC 6749 body (``{"error": ..., "error_description": ...}``) that relying-party
libraries expect, not the API's problem documents.
"""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Response, jsonify, request

from app import i18n
from app.blueprint import Blueprint
from identity.vneid import authorize as authorize_flow
from identity.vneid import cross_device, keys, pages
from identity.vneid.discovery import ProviderMetadata, provider_metadata
from identity.vneid.issuance import end_login_session
from identity.vneid.login import waiting_login
from identity.vneid.schemas import ProviderMetadataSchema
from identity.vneid.server import authorization

blp = Blueprint(
    "vneid",
    __name__,
    url_prefix="/vneid",
    template_folder="templates",
    description="Mock VNeID OpenID Provider (OAuth 2.0 errors, not problem JSON).",
)

_FORM = {
    "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
}
_JSON_OK = {
    200: {
        "description": "JSON document",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}
_OAUTH_ERRORS = {
    400: {
        "description": "OAuth 2.0 error (RFC 6749 §5.2)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    401: {
        "description": "Client authentication failed",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


@blp.route("/.well-known/openid-configuration", methods=["GET"])
@blp.response(200, ProviderMetadataSchema, description="JSON document")
@blp.doc(summary="Read the provider's metadata (OIDC Discovery, RFC 8414).")
def openid_configuration() -> tuple[ProviderMetadata, int, dict[str, str]]:
    """Read the provider's metadata (OIDC Discovery, RFC 8414).

    Public, for relying parties. Names the endpoints under the issuer
    ``{BASE_URL}/vneid`` and only what the provider enforces: the code flow with
    PKCE S256, pairwise subjects, RS256 or ES256 ID tokens, ``acr_values`` and
    back-channel logout. ``Cache-Control: public, max-age=3600``. The provider's
    endpoints answer errors in the OAuth 2.0 / OpenID shape, not as problems.
    """
    return provider_metadata(), 200, {"Cache-Control": "public, max-age=3600"}


#: RFC 8414 §3.1: the metadata of an issuer with a path (``…/vneid``) is found by
#: inserting the well-known segment before that path, outside ``/vneid`` itself.
metadata_blp = Blueprint(
    "vneid_metadata",
    __name__,
    url_prefix="/.well-known/oauth-authorization-server",
    description="The mock VNeID provider's metadata where RFC 8414 clients look.",
)


@metadata_blp.route("/vneid", methods=["GET"])
@metadata_blp.response(200, ProviderMetadataSchema, description="JSON document")
@metadata_blp.doc(
    summary="Read the provider's metadata as an OAuth 2.0 authorization server "
    "(RFC 8414 path insertion; the same document as OpenID discovery)."
)
def oauth_authorization_server() -> tuple[ProviderMetadata, int, dict[str, str]]:
    """Read the provider's metadata as an OAuth 2.0 authorization server (RFC 8414 path insertion; the same document as OpenID discovery).

    Public. The same document as ``/vneid/.well-known/openid-configuration``, at
    the place RFC 8414 §3.1 gives the metadata of an issuer with a path, for
    OAuth 2.0 client libraries that look there. ``Cache-Control: public,
    max-age=3600``.
    """
    return provider_metadata(), 200, {"Cache-Control": "public, max-age=3600"}


@blp.route("/jwks", methods=["GET"])
@blp.doc(summary="Read the public keys that sign ID tokens (JWKS).", responses=_JSON_OK)
def jwks() -> Response:
    """Read the public keys that sign ID tokens (JWKS).

    Public. The provider's RS256 and ES256 keys, each named by its RFC 7638
    thumbprint as ``kid``: the active ones and those retired within the last
    hour (an ID token's lifetime), so tokens signed before ``flask vneid
    rotate-keys`` still verify. They sign logout tokens too. ``Cache-Control:
    public, max-age=300``.
    """
    response = jsonify(keys.published_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blp.route("/authorize", methods=["GET", "POST"])
@blp.doc(
    summary="Sign in, verify the second factor and consent, then redirect with a code.",
    responses={
        200: {
            "description": "An HTML page of the login flow",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        302: {"description": "Back to the client with code (or error), state and iss"},
        400: {
            "description": "HTML error page (the client cannot be redirected to)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        401: {
            "description": "Wrong credentials (HTML page)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        429: {
            "description": "Too many failed attempts (HTML page, Retry-After)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
def authorize() -> Response:
    """Sign in, verify the second factor and consent, then redirect with a code.

    For the citizen's browser. Requires ``response_type=code``, an exactly
    registered ``redirect_uri``, the ``openid`` scope, a ``nonce`` and a PKCE
    S256 ``code_challenge``; honours ``prompt``, ``max_age`` and ``acr_values``.
    The pages ask for national id and password, the authenticator code if one is
    enrolled, then consent (remembered a year per client). Form POSTs need the
    page's CSRF token. Errors go back to the client as ``error``, ``state`` and
    ``iss``, or as an HTML page when the redirect cannot be verified; never as
    problem JSON. A code works once, for 60 seconds.
    """
    return authorize_flow.handle_authorize()


def _protocol(endpoint_response: Response) -> Response:
    """An OAuth endpoint's answer: never cached."""
    endpoint_response.headers["Cache-Control"] = "no-store"
    return endpoint_response


@blp.route("/token", methods=["POST"])
@blp.doc(
    summary="Exchange a code or refresh token for tokens.",
    requestBody=_FORM,
    responses={**_JSON_OK, **_OAUTH_ERRORS},
)
def token() -> Response:
    """Exchange a code or refresh token for tokens.

    For relying parties, form-encoded. Confidential clients authenticate with
    ``client_secret_basic`` or ``client_secret_post``, public ones send only
    ``client_id``; a code needs its ``code_verifier``. Returns an opaque access
    token (10 minutes), a rotating refresh token (30 days) and, for a code, an ID
    token. A replayed code or reused refresh token is ``invalid_grant`` and
    revokes every token descended from it. Errors keep the RFC 6749 §5.2 JSON
    body (401 ``invalid_client``), not problem JSON; ``no-store``.
    """
    return _protocol(authorization.create_token_response())


@blp.route("/par", methods=["POST"])
@blp.doc(
    summary="Push an authorization request; get a request_uri for it (RFC 9126).",
    requestBody=_FORM,
    responses={
        201: {
            "description": "The request_uri (single use, 60 seconds) and its lifetime",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **_OAUTH_ERRORS,
    },
)
def par() -> Response:
    """Push an authorization request; get a request_uri for it (RFC 9126).

    For relying parties, form-encoded, with the client's own authentication
    (``private_key_jwt``, a secret, or ``client_id`` alone for a public client).
    The parameters are checked as ``/authorize`` would check them (redirect URI,
    ``openid``, ``nonce``, PKCE S256, ``claims``); a DPoP proof (or
    ``dpop_jkt``) binds the code to that key. Answers 201 with a
    ``request_uri`` the browser then opens at ``/authorize`` with only
    ``client_id``; it starts one authorization within 60 seconds, in one
    browser. Errors keep the OAuth 2.0 JSON body; ``no-store``.
    """
    return _protocol(authorization.create_endpoint_response("pushed_authorization"))


@blp.route("/qr/status", methods=["GET"])
@blp.doc(
    summary="Tell the waiting sign-in page whether the phone approved its QR code.",
    responses=_JSON_OK,
)
def qr_status() -> Response:
    """Tell the waiting sign-in page whether the phone approved its QR code.

    For the provider's own QR page, which polls it: the browser's signed session
    names the login it waits for. ``{"status": "pending" | "approved" | "denied" |
    "expired" | "used" | "none"}``; ``no-store``. Approval itself is
    ``POST /api/v1/auth/cross-device/{user_code}/approve``, on the phone.
    """
    waiting = waiting_login()
    found = cross_device.status(waiting).value if waiting is not None else "none"
    return _protocol(jsonify({"status": found}))


@blp.route("/qr/<string:user_code>", methods=["GET"])
@blp.doc(
    summary="Explain a sign-in QR code scanned by a camera, not the CongDan app.",
    responses={
        200: {
            "description": "An HTML page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def qr_scanned_elsewhere(user_code: str) -> Response:
    """Explain a sign-in QR code scanned by a camera, not the CongDan app.

    What a QR sign-in code carries is this address; the CongDan app reads the
    code from it. A phone's camera opening it instead gets a page saying to open
    the app and scan or type the code there. It approves nothing.
    """
    code = cross_device.formatted(cross_device.normalized(user_code)[:8])
    return pages.render_message(
        "vneid.qr.title",
        i18n.translate("vneid.qr.scanned_elsewhere", pages.page_language(), code=code),
        200,
    )


@blp.route("/userinfo", methods=["GET", "POST"])
@blp.doc(
    summary="Read the claims the citizen consented to release.",
    responses={
        **_JSON_OK,
        401: {"description": "Invalid or missing bearer token (RFC 6750)"},
    },
)
def userinfo() -> Response:
    """Read the claims the citizen consented to release.

    For relying parties, with the provider's access token as ``Authorization:
    Bearer`` (GET or POST). Returns the client's pairwise ``sub`` and only the
    claims the citizen consented to for that client (declined or empty ones are
    left out), as JSON. A missing, unknown, expired or revoked token is 401 with
    an RFC 6750 ``WWW-Authenticate`` challenge and an OAuth error body, not
    problem JSON; ``no-store``.
    """
    return _protocol(authorization.create_endpoint_response("userinfo"))


@blp.route("/revoke", methods=["POST"])
@blp.doc(
    summary="Revoke a token and its family (RFC 7009).",
    requestBody=_FORM,
    responses={**_JSON_OK, **_OAUTH_ERRORS},
)
def revoke() -> Response:
    """Revoke a token and its family (RFC 7009).

    For relying parties, form-encoded ``token`` (optional ``token_type_hint``),
    with the client's own authentication (a public client sends ``client_id``).
    Revoking the access or the refresh token revokes every token of that
    authorization's rotation family. An unknown token still answers 200 ``{}``;
    another client's token is 400 ``invalid_grant``. Errors keep the OAuth 2.0
    JSON body, not problem JSON; ``no-store``.
    """
    return _protocol(authorization.create_endpoint_response("revocation"))


@blp.route("/introspect", methods=["POST"])
@blp.doc(
    summary="Describe a token to the client it was issued to (RFC 7662).",
    requestBody=_FORM,
    responses={**_JSON_OK, **_OAUTH_ERRORS},
)
def introspect() -> Response:
    """Describe a token to the client it was issued to (RFC 7662).

    Confidential clients only (``client_secret_basic`` or ``client_secret_post``,
    else 401 ``invalid_client``), form-encoded ``token``. An active token of the
    caller's own gets ``active``, ``client_id``, the pairwise ``sub``, ``scope``,
    ``acr``, ``auth_time`` and its times; an expired, revoked, used, unknown or
    another client's token is just ``{"active": false}``. Errors keep the OAuth
    2.0 JSON body, not problem JSON; ``no-store``.
    """
    return _protocol(authorization.create_endpoint_response("introspection"))


@blp.route("/logout", methods=["GET", "POST"])
@blp.doc(
    summary="End the provider session and revoke its tokens (RP-initiated logout).",
    responses={
        200: {
            "description": "Confirmation or signed-out page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        302: {"description": "Back to the registered post_logout_redirect_uri"},
        400: {
            "description": "Invalid logout request (HTML page)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
def logout() -> Response:
    """End the provider session and revoke its tokens (RP-initiated logout).

    For the citizen's browser, sent by a relying party. A valid ``id_token_hint``
    ends that session at once; without one a confirmation page comes first (POST
    with its CSRF token). Ending revokes every token issued from the session,
    signs this browser out and tells clients by back-channel logout. Then 302 to
    a registered ``post_logout_redirect_uri`` (with ``state``) when a valid hint
    names its client, else a signed-out page. An invalid hint is a 400 HTML page,
    not problem JSON.
    """
    try:
        end_request = authorization.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return pages.error_response(error)
    lang = pages.page_language()
    if end_request.needs_confirmation and not (
        request.method == "POST" and pages.csrf_ok()
    ):
        return pages.render_message(
            "vneid.logout.title",
            i18n.translate("vneid.logout.confirm", lang),
            200,
            form_action=request.full_path,
        )
    current = pages.current_login_session()
    if current is not None:
        end_login_session(current.id)
    pages.state().clear()
    response: Response | None = authorization.create_endpoint_response(
        "end_session", end_request
    )
    if response is not None:
        return response
    return pages.render_message(
        "vneid.logout.title", i18n.translate("vneid.logout.done", lang), 200
    )
