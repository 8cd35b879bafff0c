"""The provider's metadata (OIDC Discovery 1.0, RFC 8414): only what it really does."""

from __future__ import annotations

from dataclasses import dataclass

from app import dpop
from identity.vneid import claims_request, keys
from identity.vneid.claims import ACR_VALUES, CLAIMS_SUPPORTED, SCOPES_SUPPORTED
from identity.vneid.client_auth import ASSERTION_ALGORITHMS, PRIVATE_KEY_JWT
from identity.vneid.issuance import issuer

_CLIENT_AUTH = ("client_secret_basic", "client_secret_post", PRIVATE_KEY_JWT)


@dataclass(frozen=True)
class ProviderMetadata:
    """The discovery document: where each endpoint is and what it supports."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    end_session_endpoint: str
    pushed_authorization_request_endpoint: str
    backchannel_logout_supported: bool = True
    backchannel_logout_session_supported: bool = True
    scopes_supported: tuple[str, ...] = SCOPES_SUPPORTED
    response_types_supported: tuple[str, ...] = ("code",)
    response_modes_supported: tuple[str, ...] = ("query",)
    grant_types_supported: tuple[str, ...] = ("authorization_code", "refresh_token")
    subject_types_supported: tuple[str, ...] = ("pairwise",)
    id_token_signing_alg_values_supported: tuple[str, ...] = keys.SUPPORTED_ALGORITHMS
    token_endpoint_auth_methods_supported: tuple[str, ...] = (*_CLIENT_AUTH, "none")
    revocation_endpoint_auth_methods_supported: tuple[str, ...] = (
        *_CLIENT_AUTH,
        "none",
    )
    introspection_endpoint_auth_methods_supported: tuple[str, ...] = _CLIENT_AUTH
    code_challenge_methods_supported: tuple[str, ...] = ("S256",)
    claims_supported: tuple[str, ...] = CLAIMS_SUPPORTED
    acr_values_supported: tuple[str, ...] = ACR_VALUES
    prompt_values_supported: tuple[str, ...] = ("none", "login", "consent")
    ui_locales_supported: tuple[str, ...] = ("vi", "en")
    claims_parameter_supported: bool = True
    request_parameter_supported: bool = False
    # Only the request URIs of pushed requests (RFC 9126 §4), not fetched ones.
    request_uri_parameter_supported: bool = False
    authorization_response_iss_parameter_supported: bool = True
    #: Per client (FAPI clients must push); not for every client.
    require_pushed_authorization_requests: bool = False
    dpop_signing_alg_values_supported: tuple[str, ...] = dpop.PROOF_ALGORITHMS
    token_endpoint_auth_signing_alg_values_supported: tuple[str, ...] = (
        ASSERTION_ALGORITHMS
    )
    verified_claims_supported: bool = True
    trust_frameworks_supported: tuple[str, ...] = (claims_request.TRUST_FRAMEWORK,)
    evidence_supported: tuple[str, ...] = (claims_request.EVIDENCE_TYPE,)
    documents_supported: tuple[str, ...] = (claims_request.DOCUMENT_TYPE,)
    documents_check_methods_supported: tuple[str, ...] = claims_request.CHECK_METHODS
    claims_in_verified_claims_supported: tuple[str, ...] = (
        claims_request.VERIFIABLE_CLAIMS
    )


def provider_metadata() -> ProviderMetadata:
    """This provider's metadata, its endpoints under the configured issuer."""
    base = issuer()
    return ProviderMetadata(
        issuer=base,
        authorization_endpoint=f"{base}/authorize",
        token_endpoint=f"{base}/token",
        userinfo_endpoint=f"{base}/userinfo",
        jwks_uri=f"{base}/jwks",
        revocation_endpoint=f"{base}/revoke",
        introspection_endpoint=f"{base}/introspect",
        end_session_endpoint=f"{base}/logout",
        pushed_authorization_request_endpoint=f"{base}/par",
    )
