"""The credential endpoint (OpenID4VCI 1.0 §8): one credential per request,
bound to the key the wallet proved it holds.

The access token names the credentials it may fetch, each once; the request
names one (``credential_identifier``, or ``credential_configuration_id`` when the
token holds just one of that configuration) and carries one ``jwt`` key proof.
The record is read again, as the citizen who authorised the wallet, when the
credential is made: a guardianship that ended, a transcript revoked or a card
expired since the offer refuses it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app import audit
from app.auth import Actor
from app.errors import Problem
from wallet import grants, proofs, records
from wallet.models import WalletGrant
from wallet.problems import (
    CredentialRequestDenied,
    InvalidCredentialRequest,
    InvalidProof,
    UnknownConfiguration,
    UnknownIdentifier,
)
from wallet.types import TYPES

LOA2 = "urn:vneid:loa:2"


def credential_issuer() -> str:
    """The Credential Issuer Identifier: this deployment's base URL."""
    return str(current_app.config["BASE_URL"])


def _chosen(grant: WalletGrant, request: dict[str, Any]) -> str:
    identifier = request.get("credential_identifier")
    configuration = request.get("credential_configuration_id")
    if (identifier is None) == (configuration is None):
        raise InvalidCredentialRequest(
            detail_key="wallet-invalid-credential-request.which"
        )
    if identifier is not None:
        if not isinstance(identifier, str) or identifier not in grant.credentials:
            raise UnknownIdentifier()
        return identifier
    if not isinstance(configuration, str) or configuration not in TYPES:
        raise UnknownConfiguration()
    # By configuration only when the token holds exactly one of it: otherwise
    # the token response gave identifiers, and the wallet must use them.
    matching = [i for i, c in grant.credentials.items() if c == configuration]
    if len(matching) != 1:
        raise UnknownConfiguration()
    return matching[0]


def _one_proof(request: dict[str, Any]) -> str:
    given = request.get("proofs")
    if not isinstance(given, dict) or set(given) != {"jwt"}:
        raise InvalidProof(detail_key="wallet-invalid-proof.missing")
    jwts = given["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
        raise InvalidProof(detail_key="wallet-invalid-proof.one")
    return jwts[0]


def issue(request: dict[str, Any]) -> dict[str, Any]:
    """Answer a credential request: ``{"credentials": [{"credential": …}]}``.

    :raise InvalidAccessToken: no valid token.
    :raise InvalidCredentialRequest, UnknownIdentifier, UnknownConfiguration:
        the request does not name one credential of the token.
    :raise InvalidProof, InvalidNonce: the key proof fails.
    :raise CredentialRequestDenied: already issued with this token, or no longer
        the citizen's to have, or not in force.
    """
    grant = grants.holding()
    chosen = _chosen(grant, request)
    proof = proofs.check(
        _one_proof(request), audience=credential_issuer(), client_id=grant.client_id
    )
    if chosen in grant.issued:
        raise CredentialRequestDenied(detail_key="wallet-credential-denied.issued")
    actor = Actor(citizen_id=grant.citizen_id, acr=LOA2)
    try:
        credential = records.issue(actor, chosen, proof.jwk)
    except records.NotInForceError as error:
        raise CredentialRequestDenied(
            detail_key="wallet-credential-denied.not-in-force"
        ) from error
    except Problem as error:
        raise CredentialRequestDenied() from error
    grant.issued = [*grant.issued, chosen]
    audit.record(
        "wallet.credential_issued",
        "success",
        actor_id=grant.citizen_id,
        details={"credential": chosen.partition(":")[0], "grant": str(grant.id)},
    )
    return {"credentials": [{"credential": credential}]}
