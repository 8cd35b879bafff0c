"""The wallet protocols' refusals: problems that also carry the OAuth 2.0 /
OpenID4VCI / OpenID4VP ``error`` code their standards define.

Under ``/oid4vci/`` and ``/oid4vp/`` every error, raised anywhere, is answered
in the standards' shape (:func:`render`): ``application/json`` with ``error`` and
an ASCII ``error_description``, the RFC 9457 members kept beside them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, ClassVar

from flask import Response

from app import i18n
from app.errors import Problem

PREFIXES = ("/oid4vci/", "/oid4vp/")


class ProtocolProblem(Problem):
    """A refusal with the standard's ``error`` code."""

    error: ClassVar[str] = "invalid_request"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # RFC 6749 §5.2: the description helps the client's developer: English.
        english = i18n.translate(self.detail_key, "en", **self.params)
        self.extra = {
            "error": self.error,
            "error_description": ascii_description(english),
            **self.extra,
        }


class InvalidRequest(ProtocolProblem):
    code, slug, error = 400, "wallet-invalid-request", "invalid_request"


class InvalidGrant(ProtocolProblem):
    code, slug, error = 400, "wallet-invalid-grant", "invalid_grant"


class InvalidClient(ProtocolProblem):
    code, slug, error = 401, "wallet-invalid-client", "invalid_client"


class UnsupportedGrantType(ProtocolProblem):
    code, slug, error = 400, "wallet-unsupported-grant-type", "unsupported_grant_type"


class InvalidAccessToken(ProtocolProblem):
    code, slug, error = 401, "wallet-invalid-token", "invalid_token"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}, **kwargs
        )


class InvalidDPoPProof(ProtocolProblem):
    """RFC 9449 §7.1: a DPoP-bound token presented without a good proof."""

    code, slug, error = 401, "wallet-invalid-dpop-proof", "invalid_dpop_proof"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            headers={
                "WWW-Authenticate": 'DPoP error="invalid_dpop_proof", algs="ES256 PS256"'
            },
            **kwargs,
        )


class InvalidCredentialRequest(ProtocolProblem):
    code, slug = 400, "wallet-invalid-credential-request"
    error = "invalid_credential_request"


class UnknownConfiguration(ProtocolProblem):
    code, slug = 400, "wallet-unknown-configuration"
    error = "unknown_credential_configuration"


class UnknownIdentifier(ProtocolProblem):
    code, slug = 400, "wallet-unknown-identifier"
    error = "unknown_credential_identifier"


class InvalidProof(ProtocolProblem):
    code, slug, error = 400, "wallet-invalid-proof", "invalid_proof"


class InvalidNonce(ProtocolProblem):
    code, slug, error = 400, "wallet-invalid-nonce", "invalid_nonce"


class CredentialRequestDenied(ProtocolProblem):
    code, slug, error = 400, "wallet-credential-denied", "credential_request_denied"


class PresentationRejected(ProtocolProblem):
    """The wallet's response was read but does not verify (the request is spent)."""

    code, slug, error = 400, "wallet-presentation-rejected", "invalid_request"


_BY_STATUS = {401: "invalid_token", 403: "access_denied", 429: "slow_down"}
#: RFC 6749 §5.2: ``error_description`` is ASCII without '"' and '\\'.
_NOT_ALLOWED = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


def ascii_description(text: str) -> str:
    """``text`` in the characters ``error_description`` allows (Vietnamese
    letters lose their marks: "Mã" becomes "Ma")."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    unmarked = "".join(c for c in folded if not unicodedata.combining(c))
    return _NOT_ALLOWED.sub("", unmarked)


def render(status: int, problem: dict[str, Any]) -> Response:
    """A problem in the OAuth shape: ``error`` and ``error_description`` first.
    A request the API's parsing refuses (422) is OAuth's ``invalid_request``, 400."""
    if status == 422:
        status = problem["status"] = 400
    error = problem.get("error") or _BY_STATUS.get(
        status, "server_error" if status >= 500 else "invalid_request"
    )
    description = problem.get("error_description") or ascii_description(
        str(problem.get("detail") or problem["title"])
    )
    body = {**problem, "error": error, "error_description": description}
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
