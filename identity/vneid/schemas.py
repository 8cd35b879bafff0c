"""What the provider's JSON documents hold (those that are not Authlib's own)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


def _strings() -> fields.List[str]:
    return fields.List(fields.String(), required=True)


class ProviderMetadataSchema(ma.Schema):
    """OpenID Provider Metadata (OIDC Discovery 1.0 §3, RFC 8414 §2)."""

    issuer = fields.String(required=True)
    authorization_endpoint = fields.String(required=True)
    token_endpoint = fields.String(required=True)
    userinfo_endpoint = fields.String(required=True)
    jwks_uri = fields.String(required=True)
    revocation_endpoint = fields.String(required=True)
    introspection_endpoint = fields.String(required=True)
    end_session_endpoint = fields.String(required=True)
    backchannel_logout_supported = fields.Boolean(required=True)
    backchannel_logout_session_supported = fields.Boolean(required=True)
    scopes_supported = _strings()
    response_types_supported = _strings()
    response_modes_supported = _strings()
    grant_types_supported = _strings()
    subject_types_supported = _strings()
    id_token_signing_alg_values_supported = _strings()
    token_endpoint_auth_methods_supported = _strings()
    revocation_endpoint_auth_methods_supported = _strings()
    introspection_endpoint_auth_methods_supported = _strings()
    code_challenge_methods_supported = _strings()
    claims_supported = _strings()
    acr_values_supported = _strings()
    prompt_values_supported = _strings()
    ui_locales_supported = _strings()
    claims_parameter_supported = fields.Boolean(required=True)
    request_parameter_supported = fields.Boolean(required=True)
    request_uri_parameter_supported = fields.Boolean(required=True)
    authorization_response_iss_parameter_supported = fields.Boolean(required=True)
    pushed_authorization_request_endpoint = fields.String(required=True)
    require_pushed_authorization_requests = fields.Boolean(required=True)
    dpop_signing_alg_values_supported = _strings()
    token_endpoint_auth_signing_alg_values_supported = _strings()
    verified_claims_supported = fields.Boolean(required=True)
    trust_frameworks_supported = _strings()
    evidence_supported = _strings()
    documents_supported = _strings()
    documents_check_methods_supported = _strings()
    claims_in_verified_claims_supported = _strings()
