"""The verifier (OpenID4VP 1.0): a school or clinic asks a wallet for
credentials with a DCQL query, and reads the answer.

A member of the organisation creates a request: the wallet gets it by value in
a link or QR code (``client_id`` prefix ``redirect_uri``: the organisation's
response URI, the audience every presentation must name), with a fresh
``nonce`` and ``state``. The wallet posts its ``vp_token`` there
(``direct_post``). Each presentation is checked in full — the issuer is a
registered school of this service or the service itself, with a key in force;
every disclosure is the credential's own; the key-binding JWT is signed by the
credential's holder key, for this verifier and this nonce, over exactly what
was shown; the credential is not revoked, suspended or expired; it is of the
type asked for and shows every claim asked for. A request is answered once.

The outcome keeps only what was disclosed, and the page that shows it opens
with a key only its creator was given.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from joserfc.jwk import ECKey

from app import audit, json_body, qr, sd_jwt, signing
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, NotFound
from app.extensions import db
from consent import policies as consent
from consent.vocabulary import Category
from identity.models import ROLES_BY_KIND, Organisation, OrganisationKind
from identity.policies import has_membership, is_guardian_of
from school_records import token_status, verification
from school_records.claims import SCHOOL_HOLDER
from school_records.resolver import DatabaseResolver, school_of
from wallet import grants, metadata, records
from wallet.models import IssuedCredential, PresentationRequest
from wallet.problems import InvalidRequest, PresentationRejected
from wallet.types import BHYT, HOC_BA, TYPES, CredentialType, by_vct

REQUEST_LIFETIME = timedelta(minutes=10)
VERIFIER_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.CLINIC)
#: Claims of the format, not of the person: never shown as disclosed data.
_TECHNICAL = frozenset(
    {"iss", "iat", "exp", "nbf", "vct", "cnf", "status", "vct#integrity"}
)


class NotAVerifier(Forbidden):
    slug = "not-a-verifier"


class RejectedError(Exception):
    """A presentation that does not verify, with a stable reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RejectedPresentation(PresentationRejected):
    """The request is spent by a response that failed: that outcome is kept."""

    commits_work = True


def response_uri(org_id: uuid.UUID) -> str:
    """Where the organisation's wallets post their answers."""
    return f"{current_app.config['BASE_URL']}/oid4vp/verifiers/{org_id}/response"


def client_id(org_id: uuid.UUID) -> str:
    """The organisation as an OpenID4VP client (``redirect_uri`` prefix): the
    audience its presentations' key-binding JWTs must name."""
    return f"redirect_uri:{response_uri(org_id)}"


def page_url(request_id: uuid.UUID, view_key: str) -> str:
    """The page of a request's outcome, opened with its key."""
    return f"{current_app.config['BASE_URL']}/verifier/requests/{request_id}?key={view_key}"


@dataclass(frozen=True)
class MadeRequest:
    """A new presentation request, as its creator gets it (once: the page key)."""

    id: uuid.UUID
    purpose: str
    dcql_query: dict[str, Any]
    checks: list[dict[str, Any]]
    client_id: str
    request_link: str
    qr_svg: str
    page_url: str
    expires_at: datetime
    outcome: str | None = None
    result: dict[str, Any] | None = None


def _require_verifier(actor: Actor) -> Organisation:
    org = db.session.get(Organisation, actor.org_id) if actor.org_id else None
    if (
        org is None
        or org.kind not in VERIFIER_KINDS
        or not has_membership(actor, roles=ROLES_BY_KIND[org.kind])
    ):
        raise NotAVerifier()
    return org


def authorization_request(found: PresentationRequest) -> dict[str, str]:
    """The OpenID4VP authorization request's parameters (by value)."""
    return {
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "client_id": client_id(found.org_id),
        "response_uri": response_uri(found.org_id),
        "nonce": found.nonce,
        "state": found.state,
        "dcql_query": json.dumps(found.dcql_query, ensure_ascii=False),
        "client_metadata": json.dumps({"vp_formats_supported": metadata.vp_formats()}),
    }


def create(actor: Actor, data: dict[str, Any]) -> MadeRequest:
    """Create a presentation request for the actor's school or clinic.

    :raise NotAVerifier: the actor does not act for a school or clinic they
        belong to.
    """
    org = _require_verifier(actor)
    view_key = grants.secret()
    checks = [{**check, "minimum": float(check["minimum"])} for check in data["checks"]]
    found = PresentationRequest(
        org_id=org.id,
        created_by=actor.citizen_id,
        purpose=data["purpose"],
        dcql_query=data["dcql_query"],
        checks=checks,
        nonce=secrets.token_urlsafe(32),
        state=secrets.token_urlsafe(32),
        view_key_digest=grants.digest(view_key),
        expires_at=utcnow() + REQUEST_LIFETIME,
    )
    db.session.add(found)
    db.session.flush()
    audit.record(
        "verifier.request_made",
        "success",
        actor_id=actor.citizen_id,
        details={"request": str(found.id), "org": str(org.id)},
    )
    link = request_link(found)
    return MadeRequest(
        found.id,
        found.purpose,
        found.dcql_query,
        found.checks,
        client_id(org.id),
        link,
        qr.svg(link),
        page_url(found.id, view_key),
        found.expires_at,
    )


def read(actor: Actor, request_id: uuid.UUID) -> PresentationRequest:
    """A request and its outcome, for the member who made it, acting for the
    organisation: the citizen's access log names that person, and no one else
    reads what the wallet showed."""
    found = db.session.get(PresentationRequest, request_id)
    if (
        found is None
        or found.org_id != actor.org_id
        or found.created_by != actor.citizen_id
    ):
        raise NotFound()
    _require_verifier(actor)
    return found


def for_page(request_id: uuid.UUID, view_key: str) -> PresentationRequest:
    """A request for its page, opened with the key its creator was given."""
    found = db.session.get(PresentationRequest, request_id)
    if found is None or not secrets.compare_digest(
        found.view_key_digest, grants.digest(view_key)
    ):
        raise NotFound()
    return found


def request_link(found: PresentationRequest) -> str:
    """The request as a link a wallet opens (``openid4vp://``)."""
    return "openid4vp://?" + urlencode(authorization_request(found))


# -- trust --------------------------------------------------------------------


def _time(payload: dict[str, Any]) -> datetime | None:
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        return None
    try:
        return datetime.fromtimestamp(iat, UTC)
    except (OverflowError, ValueError, OSError):
        return None


def trusted_key(header: dict[str, Any], payload: dict[str, Any]) -> ECKey | None:
    """The issuer's key for a credential, when the issuer is this service (BHYT
    cards) or one of its registered schools, and the key was in force when the
    credential says it was issued.

    :raise SdJwtError: the school's key, not in force then (``key-withdrawn``,
        ``key-retired``, ``key-not-yet-created``, ``credential-not-yet-valid``).
    """
    issuer, kid, issued = payload.get("iss"), header.get("kid"), _time(payload)
    if not isinstance(issuer, str) or not isinstance(kid, str) or issued is None:
        return None
    if issuer == records.card_issuer():
        keys = signing.store().verification_keys()
        try:
            key = keys.get_by_kid(kid)
        except (ValueError, KeyError):
            return None
        return key if isinstance(key, ECKey) else None
    resolver = DatabaseResolver()
    if not resolver.is_registered(issuer):
        return None
    found = verification.issuing_key(resolver, issuer, kid, SCHOOL_HOLDER)
    if isinstance(found, str):
        return None
    problem = verification.in_force(found, (issued, issued), utcnow())
    if problem is not None:
        # KEY_WITHDRAWN, KEY_RETIRED…: the school's, but not in force then.
        raise sd_jwt.SdJwtError(
            problem.lower().replace("_", "-"),
            "The issuer's key was not in force when it issued this credential.",
        )
    return found.key


def _in_force_transcript(credential: dict[str, Any]) -> None:
    """A transcript's status, read from its own school's list (the one its
    ``iss`` names, never another's): revoked and suspended are refused, and a
    transcript without a status entry is not one of this service's."""
    school_id = school_of(str(credential.get("iss")))
    status = credential.get("status")
    entry = status.get("status_list") if isinstance(status, dict) else None
    uri = entry.get("uri") if isinstance(entry, dict) else None
    idx = entry.get("idx") if isinstance(entry, dict) else None
    if (
        school_id is None
        or uri != token_status.token_url(school_id)
        or not isinstance(idx, int)
        or isinstance(idx, bool)
    ):
        raise RejectedError("status-unknown")
    try:
        value = token_status.status_of(school_id, idx)
    except ValueError:
        raise RejectedError("status-unknown") from None
    if value == token_status.INVALID:
        raise RejectedError("revoked")
    if value == token_status.SUSPENDED:
        raise RejectedError("suspended")


def _issued_by_its_issuer(kind: CredentialType, credential: dict[str, Any]) -> None:
    """Each type comes from its own issuer: BHYT cards from this service, a
    transcript from a registered school (whose key ``trusted_key`` checked)."""
    issuer = credential.get("iss")
    if kind is BHYT:
        if issuer != records.card_issuer():
            raise RejectedError("wrong-issuer")
        return
    if not isinstance(issuer, str) or school_of(issuer) is None:
        raise RejectedError("wrong-issuer")
    _in_force_transcript(credential)


# -- reading the answer ---------------------------------------------------------


def _at(claims: Any, path: list[Any]) -> list[Any]:
    """What a claims path pointer selects (OpenID4VP 1.0 §7)."""
    selected = [claims]
    for component in path:
        following: list[Any] = []
        for node in selected:
            if (
                isinstance(component, str)
                and isinstance(node, dict)
                and component in node
            ):
                following.append(node[component])
            elif component is None and isinstance(node, list):
                following.extend(node)
            elif (
                isinstance(component, int)
                and isinstance(node, list)
                and component < len(node)
            ):
                following.append(node[component])
        selected = following
    return selected


def _answers(query: dict[str, Any], claims: dict[str, Any]) -> None:
    """Whether the credential shows every claim the query asks for, with the
    values it asks for."""
    for claim in query.get("claims", []):
        found = _at(claims, claim["path"])
        if not found:
            raise RejectedError("claim-missing")
        if "values" in claim and not any(
            type(value) is type(asked) and value == asked
            for value in found
            for asked in claim["values"]
        ):
            raise RejectedError("claim-value")


def _shown(claims: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in claims.items() if name not in _TECHNICAL}


def _verify_one(
    found: PresentationRequest, query: dict[str, Any], presentation: Any
) -> tuple[dict[str, Any], IssuedCredential]:
    """One presentation checked in full: what to keep of it, and its issuance."""
    if not isinstance(presentation, str):
        raise RejectedError("malformed")
    try:
        verified = sd_jwt.verify_presentation(
            presentation,
            trusted_key,
            audience=client_id(found.org_id),
            nonce=found.nonce,
        )
    except sd_jwt.SdJwtError as error:
        raise RejectedError(error.reason) from error
    claims = verified.claims
    kind = by_vct(claims.get("vct", ""))
    if kind is None or claims["vct"] not in query["meta"]["vct_values"]:
        raise RejectedError("wrong-type")
    _issued_by_its_issuer(kind, claims)
    issued = _issued_here(presentation)
    _answers(query, claims)
    shown = {
        "query": query["id"],
        "type": kind.configuration_id,
        "vct": claims["vct"],
        "issuer": claims["iss"],
        "claims": _shown(claims),
        "disclosed": [list(path) for path in verified.disclosed],
    }
    return shown, issued


def _check(check: dict[str, Any], credentials: list[dict[str, Any]]) -> dict[str, Any]:
    credential = next(c for c in credentials if c["query"] == check["query_id"])
    values = _at(credential["claims"], check["path"])
    value = values[0] if values else None
    met = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and Decimal(str(value)) >= Decimal(str(check["minimum"]))
    )
    return {**check, "value": value, "met": met}


def _verify(
    found: PresentationRequest, vp_token: Any
) -> tuple[dict[str, Any], list[IssuedCredential]]:
    """The outcome of a whole answer, and the issuances of what it showed."""
    if not isinstance(vp_token, dict):
        raise RejectedError("malformed")
    queries = found.dcql_query["credentials"]
    if set(vp_token) != {query["id"] for query in queries}:
        raise RejectedError("credential-missing")
    credentials, issuances = [], []
    for query in queries:
        presented = vp_token[query["id"]]
        if not isinstance(presented, list) or len(presented) != 1:
            raise RejectedError("malformed")
        shown, issued = _verify_one(found, query, presented[0])
        credentials.append(shown)
        issuances.append(issued)
    result = {
        "credentials": credentials,
        "checks": [_check(check, credentials) for check in found.checks],
    }
    return result, issuances


_CATEGORIES = {HOC_BA: Category.TRANSCRIPTS, BHYT: Category.OBSERVATIONS}


def _issued_here(presentation: str) -> IssuedCredential:
    """The issuance of a credential: whom it is about and who received it.

    Every credential this verifier trusts was issued by this service, which
    remembers each one: an unknown one is refused, not read unlogged. A
    guardian's copy is refused once the register no longer records the
    guardianship (before the 14th birthday its ``exp`` already marks).
    """
    issued = db.session.get(IssuedCredential, records.credential_digest(presentation))
    if issued is None:
        raise RejectedError("unknown-credential")
    if issued.holder_id != issued.subject_id and not is_guardian_of(
        issued.holder_id, issued.subject_id, records.local_date()
    ):
        raise RejectedError("guardianship-ended")
    return issued


def _log_for_the_citizen(
    found: PresentationRequest, issuances: list[IssuedCredential]
) -> None:
    """Tell each citizen the organisation read what the wallet showed of them."""
    actor = Actor(citizen_id=found.created_by, org_id=found.org_id)
    for issued in issuances:
        kind = TYPES[issued.configuration_id]
        consent.record_presentation(actor, issued.subject_id, _CATEGORIES[kind])


def respond(org_id: uuid.UUID, form: dict[str, str]) -> dict[str, Any]:
    """Take a wallet's answer (``direct_post``) to one of the organisation's
    requests; answer ``{}`` once it is verified and kept.

    :raise InvalidRequest: no open request of this organisation has this state.
    :raise RejectedPresentation: the answer does not verify (the request is
        spent all the same: a replay finds it answered).
    """
    found = db.session.scalar(
        sa.select(PresentationRequest)
        .where(
            PresentationRequest.state == form.get("state", ""),
            PresentationRequest.org_id == org_id,
        )
        .with_for_update()
    )
    if found is None or found.responded_at is not None or utcnow() >= found.expires_at:
        raise InvalidRequest(detail_key="wallet-invalid-request.presentation-state")
    found.responded_at = utcnow()
    if "error" in form:
        found.outcome, found.result = "refused", {"error": form["error"][:100]}
        return {}
    try:
        result, issuances = _verify(found, json_body.loads(form.get("vp_token", "")))
    except (RejectedError, ValueError) as error:
        reason = error.reason if isinstance(error, RejectedError) else "malformed"
        found.outcome, found.result = "rejected", {"reason": reason}
        audit.record(
            "verifier.presentation_rejected",
            "failure",
            details={"request": str(found.id), "reason": reason},
        )
        raise RejectedPresentation(extra={"reason": reason}) from error
    _log_for_the_citizen(found, issuances)
    found.outcome, found.result = "verified", result
    audit.record(
        "verifier.presentation_verified",
        "success",
        details={"request": str(found.id), "org": str(org_id)},
    )
    return {}


def expired(found: PresentationRequest) -> bool:
    """Whether the request can no longer be answered."""
    return found.responded_at is None and utcnow() >= found.expires_at
