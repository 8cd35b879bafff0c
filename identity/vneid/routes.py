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
from identity.vneid import keys, pages
from identity.vneid.discovery import ProviderMetadata, provider_metadata
from identity.vneid.issuance import end_login_session
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
    return provider_metadata(), 200, {"Cache-Control": "public, max-age=3600"}


@blp.route("/jwks", methods=["GET"])
@blp.doc(summary="Read the public keys that sign ID tokens (JWKS).", responses=_JSON_OK)
def jwks() -> Response:
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
    return _protocol(authorization.create_token_response())


@blp.route("/userinfo", methods=["GET", "POST"])
@blp.doc(
    summary="Read the claims the citizen consented to release.",
    responses={
        **_JSON_OK,
        401: {"description": "Invalid or missing bearer token (RFC 6750)"},
    },
)
def userinfo() -> Response:
    return _protocol(authorization.create_endpoint_response("userinfo"))


@blp.route("/revoke", methods=["POST"])
@blp.doc(
    summary="Revoke a token and its family (RFC 7009).",
    requestBody=_FORM,
    responses={**_JSON_OK, **_OAUTH_ERRORS},
)
def revoke() -> Response:
    return _protocol(authorization.create_endpoint_response("revocation"))


@blp.route("/introspect", methods=["POST"])
@blp.doc(
    summary="Describe a token to the client it was issued to (RFC 7662).",
    requestBody=_FORM,
    responses={**_JSON_OK, **_OAUTH_ERRORS},
)
def introspect() -> Response:
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
