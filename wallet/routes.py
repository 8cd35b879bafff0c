"""HTTP of the wallet protocols: what wallets and generic verifiers call.

The issuer's metadata and type metadata (public, cacheable), the OpenID4VCI
endpoints under ``/oid4vci/`` and the verifier's response endpoint under
``/oid4vp/``. Their errors take the standards' OAuth shape
(:func:`wallet.problems.render`). The app's own calls (offers, presentation
requests) are :mod:`wallet.api_routes`.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, jsonify, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from app.blueprint import Blueprint
from app.errors import NotFound
from app.extensions import limiter
from wallet import authorization, grants, issuance, metadata, offers, proofs, verifier
from wallet.problems import InvalidRequest, UnsupportedGrantType
from wallet.types import TYPES, type_metadata

blp = Blueprint(
    "wallet",
    __name__,
    description="OpenID4VCI issuance and OpenID4VP responses.",
)

_JSON = {"application/json": {"schema": {"type": "object"}}}
#: The standards' error body (``error``, ``error_description``, the RFC 9457
#: members beside them), whatever the status: ``wallet.problems.render``.
_OAUTH_ERRORS = {
    400: {"description": "OAuth 2.0 error (RFC 6749 §5.2)", "content": _JSON},
    401: {"description": "Missing or invalid token or client", "content": _JSON},
    404: {"description": "Unknown, spent or expired", "content": _JSON},
    429: {"description": "Too many requests (Retry-After)", "content": _JSON},
    "default": {"description": "Any other error, in the same shape", "content": _JSON},
}


def _protocol_limit() -> str:
    return str(current_app.config["WALLET_RATE_LIMIT"])


def _form(*names: str) -> dict[str, Any]:
    return {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in names},
                }
            }
        }
    }


def _client_id(form: dict[str, str]) -> str | None:
    """The wallet's name in a pre-authorized token request, if it gave a sane one."""
    named = form.get("client_id")
    if named is None:
        return None
    if not (0 < len(named) <= 100 and named.isprintable()):
        raise InvalidRequest(detail_key="wallet-invalid-request.client-id")
    return named


def _public(document: dict[str, Any], seconds: int = 300) -> Response:
    response = jsonify(document)
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


def _no_store(document: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/.well-known/openid-credential-issuer")
@blp.doc(
    summary="Read the credential issuer's metadata (OpenID4VCI 1.0 §12.2).",
    responses={200: {"description": "Credential Issuer Metadata", "content": _JSON}},
)
def credential_issuer_metadata() -> Response:
    """Read the credential issuer's metadata (OpenID4VCI 1.0 §12.2).

    Public. The credential endpoint, the nonce endpoint, this deployment as its
    own authorization server, and the two credentials it issues as SD-JWT VCs
    (``dc+sd-jwt``): the transcript (``hoc_ba_sd_jwt``) and the BHYT card
    (``bhyt_sd_jwt``), each with its ``vct``, scope, ES256 signatures, ``jwk``
    key binding with ``jwt`` proofs (ES256), and display names of the credential
    and its claims in Vietnamese and English. ``Cache-Control: public,
    max-age=300``.
    """
    return _public(metadata.credential_issuer_metadata())


@blp.route("/.well-known/oauth-authorization-server")
@blp.doc(
    summary="Read the credential issuer's authorization server metadata (RFC 8414).",
    responses={200: {"description": "Authorization Server Metadata", "content": _JSON}},
)
def authorization_server_metadata() -> Response:
    """Read the credential issuer's authorization server metadata (RFC 8414).

    Public. Pushed authorization requests required (RFC 9126), PKCE S256, the
    ``authorization_code`` and pre-authorized code grants, the latter without a
    client id (``pre-authorized_grant_anonymous_access_supported``).
    ``Cache-Control: public, max-age=300``.
    """
    return _public(metadata.authorization_server_metadata())


@blp.route("/.well-known/jwt-vc-issuer")
@blp.doc(
    summary="Read the JWT VC Issuer Metadata of the BHYT cards' issuer.",
    responses={200: {"description": "JWT VC Issuer Metadata", "content": _JSON}},
)
def card_issuer_metadata() -> Response:
    """Read the JWT VC Issuer Metadata of the BHYT cards' issuer.

    Public. ``issuer`` is this deployment's base URL, the ``iss`` of BHYT cards
    in SD-JWT VC format; ``jwks`` the API's signing keys (those of
    ``/.well-known/jwks.json``). A school's transcripts name the school as
    issuer: its metadata is at ``/.well-known/jwt-vc-issuer/api/v1/schools/{id}``.
    """
    return _public(metadata.card_issuer_metadata())


@blp.route("/vct/<string:name>/v1")
@blp.doc(
    summary="Read a credential type's SD-JWT VC Type Metadata (its vct URL).",
    responses={
        200: {"description": "Type Metadata", "content": _JSON},
        404: {"$ref": "#/components/responses/NOT_FOUND"},
    },
)
def vct(name: str) -> Response:
    """Read a credential type's SD-JWT VC Type Metadata (its vct URL).

    Public. ``/vct/hoc-ba/v1`` (the transcript) and ``/vct/bhyt/v1`` (the BHYT
    card): display names and colours in Vietnamese and English, and each
    claim's path, labels and whether it is selectively disclosable (``sd``:
    ``always`` or ``never``). 404 for any other name.
    """
    kind = next((t for t in TYPES.values() if t.vct_path == f"/vct/{name}/v1"), None)
    if kind is None:
        raise NotFound()
    return _public(type_metadata(kind), seconds=3600)


@blp.route("/oid4vci/offers/<uuid:offer_id>")
@blp.doc(
    summary="Fetch a credential offer by reference (OpenID4VCI 1.0 §4.1.3).",
    responses={
        200: {"description": "Credential Offer", "content": _JSON},
        **_OAUTH_ERRORS,
    },
)
def credential_offer(offer_id: uuid.UUID) -> Response:
    """Fetch a credential offer by reference (OpenID4VCI 1.0 §4.1.3).

    For the wallet that scanned the offer's QR code or opened its link: the
    issuer, the offered configuration and the pre-authorized code grant, which
    needs the six-digit transaction code (``tx_code``) the app showed. 404 once
    redeemed or expired (ten minutes). ``no-store``.
    """
    return _no_store(offers.offer_object(offer_id))


@blp.route("/oid4vci/nonce", methods=["POST"])
@limiter.limit(_protocol_limit)
@blp.doc(
    summary="Get a fresh c_nonce for a key proof (OpenID4VCI 1.0 §7).",
    responses={200: {"description": "The nonce", "content": _JSON}},
)
def nonce() -> Response:
    """Get a fresh c_nonce for a key proof (OpenID4VCI 1.0 §7).

    No token. The nonce is good for five minutes and for one accepted proof.
    ``no-store``.
    """
    return _no_store({"c_nonce": proofs.new_nonce()})


@blp.route("/oid4vci/par", methods=["POST"])
@limiter.limit(_protocol_limit)
@blp.doc(
    summary="Push a wallet's authorization request; get its request_uri (RFC 9126).",
    requestBody=_form(
        "client_id",
        "response_type",
        "redirect_uri",
        "code_challenge",
        "code_challenge_method",
        "scope",
        "authorization_details",
        "state",
    ),
    responses={
        201: {"description": "request_uri and expires_in", "content": _JSON},
        **_OAUTH_ERRORS,
    },
)
def push_authorization_request() -> Response:
    """Push a wallet's authorization request; get its request_uri (RFC 9126).

    Form-encoded, from a registered wallet (``client_id``, a public client):
    ``response_type=code``, a registered ``redirect_uri`` (a loopback one on any
    port), PKCE ``S256``, and the credentials wanted as ``scope`` values or
    ``authorization_details`` of type ``openid_credential``. Answers 201 with a
    ``request_uri`` for ``/oid4vci/authorize``, single use, 60 seconds.
    Unrecognised parameters are ignored, as RFC 6749 says.
    """
    return _no_store(authorization.push(request.form.to_dict()), status=201)


@blp.route("/oid4vci/authorize")
@blp.doc(
    summary="Open a pushed authorization request: log in with VNeID.",
    parameters=[
        {
            "in": "query",
            "name": "client_id",
            "required": True,
            "schema": {"type": "string"},
        },
        {
            "in": "query",
            "name": "request_uri",
            "required": True,
            "schema": {"type": "string"},
        },
    ],
    responses={302: {"description": "To VNeID's sign-in"}, **_OAUTH_ERRORS},
)
def authorize() -> BaseResponse:
    """Open a pushed authorization request: log in with VNeID.

    For the citizen's browser, with the wallet's ``client_id`` and the
    ``request_uri`` from ``/oid4vci/par`` (nothing else is read: the request was
    pushed). Redirects to VNeID, asking for a level-2 login.
    """
    args = request.args
    if set(args) - {"client_id", "request_uri"}:
        raise InvalidRequest(detail_key="wallet-invalid-request.pushed-only")
    return redirect(
        authorization.start_login(
            args.get("client_id", ""), args.get("request_uri", "")
        )
    )


@blp.route("/oid4vci/callback")
@blp.doc(
    summary="Where VNeID returns the browser; on to the wallet with a code.",
    responses={302: {"description": "To the wallet's redirect URI"}, **_OAUTH_ERRORS},
)
def callback() -> BaseResponse:
    """Where VNeID returns the browser; on to the wallet with a code.

    The VNeID login is verified in full and must be level 2; the browser goes on
    to the wallet's redirect URI with ``code`` (single use, 60 seconds),
    ``state`` and ``iss``, or with ``error=access_denied``.
    """
    return redirect(authorization.finish_login(request.args.to_dict()))


@blp.route("/oid4vci/token", methods=["POST"])
@limiter.limit(_protocol_limit)
@blp.doc(
    summary="Exchange a code or a pre-authorized code for an access token.",
    requestBody=_form(
        "grant_type",
        "pre-authorized_code",
        "tx_code",
        "code",
        "code_verifier",
        "redirect_uri",
        "client_id",
    ),
    responses={
        200: {"description": "Token response", "content": _JSON},
        **_OAUTH_ERRORS,
    },
)
def token() -> Response:
    """Exchange a code or a pre-authorized code for an access token.

    Form-encoded. ``grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code``
    with ``pre-authorized_code`` and ``tx_code`` (the PIN; a wrong one is
    ``invalid_grant`` and five spend the offer), or ``authorization_code`` with
    ``code``, ``code_verifier``, ``redirect_uri`` and ``client_id``. Either is
    single use. The Bearer token lasts five minutes; ``authorization_details``
    lists the ``credential_identifiers`` it may fetch, each once. ``no-store``.
    """
    form = request.form.to_dict()
    grant_type = form.get("grant_type")
    key = grants.token_request_key()
    if grant_type == offers.PRE_AUTHORIZED_GRANT:
        access_token, details = offers.redeem(
            form.get("pre-authorized_code", ""),
            form.get("tx_code"),
            key,
            _client_id(form),
        )
    elif grant_type == "authorization_code":
        access_token, details = authorization.redeem(form, key)
    else:
        raise UnsupportedGrantType()
    return _no_store(
        {
            "access_token": access_token,
            "token_type": "DPoP" if key else "Bearer",
            "expires_in": int(grants.TOKEN_LIFETIME.total_seconds()),
            "authorization_details": details,
        }
    )


@blp.route("/oid4vci/credential", methods=["POST"])
@blp.doc(
    summary="Get a credential bound to the wallet's key (OpenID4VCI 1.0 §8).",
    security=[{"bearerAuth": []}],
    requestBody={"content": _JSON},
    responses={
        200: {"description": "Credential Response", "content": _JSON},
        **_OAUTH_ERRORS,
    },
)
def credential() -> Response:
    """Get a credential bound to the wallet's key (OpenID4VCI 1.0 §8).

    ``Authorization: Bearer`` the token from ``/oid4vci/token``; a JSON body
    naming one ``credential_identifier`` of the token (or its one
    ``credential_configuration_id``) and ``proofs.jwt`` with one key proof
    (``openid4vci-proof+jwt``, ES256, its public key in ``jwk``, ``aud`` this
    issuer, a fresh ``nonce`` from ``/oid4vci/nonce``). Answers
    ``{"credentials": [{"credential": "<SD-JWT VC>"}]}``: the credential's
    ``cnf`` is that key. Errors are OpenID4VCI's (``invalid_proof``,
    ``invalid_nonce``, ``credential_request_denied`` for a record no longer in
    force or no longer the citizen's…). ``no-store``.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequest(detail_key="wallet-invalid-request.json")
    return _no_store(issuance.issue(body))


@blp.route("/oid4vp/verifiers/<uuid:org_id>/response", methods=["POST"])
@limiter.limit(_protocol_limit)
@blp.doc(
    summary="Receive a wallet's answer to a presentation request (direct_post).",
    requestBody=_form("vp_token", "state", "error", "error_description"),
    responses={200: {"description": "Received", "content": _JSON}, **_OAUTH_ERRORS},
)
def presentation_response(org_id: uuid.UUID) -> Response:
    """Receive a wallet's answer to a presentation request (direct_post).

    Form-encoded ``vp_token`` (a JSON object: the DCQL credential query's id →
    one SD-JWT+KB presentation) and the request's ``state``, or an ``error``.
    Verified at once; 200 ``{}`` when kept, 400 with the reason when it does not
    verify. A request takes one answer: a replay finds it answered.
    """
    return _no_store(verifier.respond(org_id, request.form.to_dict()))
