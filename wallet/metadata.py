"""What wallets and verifiers discover: the credential issuer's metadata
(OpenID4VCI 1.0 §12.2), its authorization server's (RFC 8414, with the
OpenID4VCI and PAR parameters), and the JWT VC Issuer Metadata of the BHYT
cards' issuer (SD-JWT VC §5). The schools' own issuer metadata is
:mod:`school_records.routes`'s."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app import dpop, sd_jwt, signing
from wallet import offers, records
from wallet.types import TYPES, configuration


def _base() -> str:
    return str(current_app.config["BASE_URL"])


def credential_issuer_metadata() -> dict[str, Any]:
    """The Credential Issuer Metadata: endpoints, display and configurations."""
    base = _base()
    return {
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [
            {"name": "CongDan — Cổng dịch vụ số của tỉnh", "locale": "vi-VN"},
            {"name": "CongDan — the province's digital services", "locale": "en-US"},
        ],
        "credential_configurations_supported": {
            configuration_id: configuration(kind)
            for configuration_id, kind in TYPES.items()
        },
    }


def authorization_server_metadata() -> dict[str, Any]:
    """The issuer's authorization server metadata (RFC 8414): PAR required,
    PKCE S256, the pre-authorized code grant without client authentication."""
    base = _base()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oid4vci/authorize",
        "token_endpoint": f"{base}/oid4vci/token",
        "pushed_authorization_request_endpoint": f"{base}/oid4vci/par",
        "require_pushed_authorization_requests": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", offers.PRE_AUTHORIZED_GRANT],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": [kind.scope for kind in TYPES.values()],
        "authorization_details_types_supported": ["openid_credential"],
        "authorization_response_iss_parameter_supported": True,
        "dpop_signing_alg_values_supported": list(dpop.PROOF_ALGORITHMS),
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def card_issuer_metadata() -> dict[str, Any]:
    """JWT VC Issuer Metadata of the BHYT cards' ``iss``: the API's keys."""
    return {"issuer": records.card_issuer(), "jwks": signing.store().published_jwks()}


def vp_formats() -> dict[str, Any]:
    """What this service's verifier accepts (``vp_formats_supported``)."""
    return {
        sd_jwt.CREDENTIAL_TYPE: {
            "sd-jwt_alg_values": [sd_jwt.ALGORITHM],
            "kb-jwt_alg_values": [sd_jwt.ALGORITHM],
        }
    }
