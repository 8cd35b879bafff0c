"""The interactive authorization endpoint: sign in, second factor, consent, code.

Every step is served at ``/vneid/authorize`` with the client's original query
string, so each POST re-validates the whole authorization request through Authlib.
Progress lives in the signed session cookie: the provider session id (``sid``), a
password-verified login waiting for its second factor, and which authorization
requests (by a hash of their parameters) already had a fresh login or consent,
so ``prompt=login`` and ``max_age`` are satisfied once and do not loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from flask import (
    Response,
    request,
)

from app import audit, i18n
from app.db import utcnow
from app.extensions import db
from identity import totp
from identity.vneid import (
    claims_request,
    pushed,
    request_params,
    texts,  # noqa: F401 - registers the page texts
)
from identity.vneid.claims import ACR_VALUES, pairwise_subject
from identity.vneid.claims_request import ClaimsRequest
from identity.vneid.login import client_id_of, login_needed, login_step
from identity.vneid.models import ClaimConsent, LoginSession, OAuthClient
from identity.vneid.pages import (
    csrf_ok,
    current_login_session,
    error_redirect,
    error_response,
    flow_key,
    page_language,
    remember,
    render_message,
    render_page,
    state,
)
from identity.vneid.server import authorization

CONSENT_LIFETIME = timedelta(days=365)


class UnmetAuthenticationRequirementsError(OAuth2Error):
    """The account cannot authenticate at any of the requested ``acr_values``."""

    error = "unmet_authentication_requirements"


class RequestNotSupportedError(OAuth2Error):
    error = "request_not_supported"


# --- pages ---------------------------------------------------------------


def latest_consent(citizen_id: uuid.UUID, client_id: str) -> ClaimConsent | None:
    """The citizen's current claim consent for a client, if any is still valid."""
    return db.session.scalar(
        sa.select(ClaimConsent)
        .where(
            ClaimConsent.citizen_id == citizen_id,
            ClaimConsent.client_id == client_id,
            ClaimConsent.revoked_at.is_(None),
            ClaimConsent.expires_at > utcnow(),
        )
        .order_by(ClaimConsent.granted_at.desc())
        .limit(1)
    )


def _consent_page(
    grant: Any, login: LoginSession, requested: list[str], essential: frozenset[str]
) -> Response:
    """The consent step. It names who is signed in: after a QR sign-in, someone
    else's phone may have approved the code this browser showed."""
    index = 0 if page_language() == "vi" else 1
    return render_page(
        "consent.html",
        claims=[
            (claim, claims_request.label(claim, index), claim in essential)
            for claim in requested
        ],
        client_name=grant.request.client.name,
        signed_in_as=login.citizen.full_name,
        action=request.full_path,
    )


def _record_consent(
    login: LoginSession, client_id: str, requested: list[str], essential: frozenset[str]
) -> ClaimConsent:
    # What the client marked essential is released or the request cancelled.
    excluded = set(request.form.getlist("exclude")) - essential
    consent = ClaimConsent(
        citizen_id=login.citizen_id,
        client_id=client_id,
        requested=requested,
        claims=[claim for claim in requested if claim not in excluded],
        expires_at=utcnow() + CONSENT_LIFETIME,
    )
    db.session.add(consent)
    audit.record(
        "vneid.consent",
        "success",
        actor_id=login.citizen_id,
        client_id=client_id,
        details={
            "claims": consent.claims,
            "declined": sorted(excluded & set(requested)),
        },
    )
    return consent


# --- the endpoint ----------------------------------------------------------


@dataclass(frozen=True)
class _Asked:
    """What one authorization request asks of the login, once validated."""

    grant: Any
    prompts: set[str]
    max_age: int | None
    #: The requested ACRs this provider knows, in the client's order.
    acr_values: list[str]
    #: What the ``claims`` parameter asked for (OIDC Core §5.5).
    claims: ClaimsRequest


def _validated(login: LoginSession | None) -> _Asked | Response:
    """The authorization request re-validated through Authlib, or its error."""
    try:
        grant = authorization.get_consent_grant(
            end_user=login.citizen if login else None
        )
    except OAuth2Error as error:
        return error_response(error)
    data = grant.request.payload.data
    if data.get("request") or data.get("request_uri"):
        return error_redirect(grant, RequestNotSupportedError())
    client: OAuthClient = grant.request.client
    try:
        request_params.check(data)
        asked_claims = claims_request.for_client(data.get("claims"), client)
    except OAuth2Error as error:
        return error_redirect(grant, error)
    # An essential acr of the claims parameter is a requirement (OIDC Core
    # §5.5.1.1); acr_values only a wish, honoured the same way when no such claim.
    wanted = asked_claims.acr_values or tuple(data.get("acr_values", "").split())
    acr_values = [acr for acr in wanted if acr in ACR_VALUES]
    if asked_claims.acr_values and not acr_values:
        return error_redirect(grant, UnmetAuthenticationRequirementsError())
    return _Asked(
        grant=grant,
        prompts=set(data.get("prompt", "").split()),
        max_age=request_params.parse_max_age(data.get("max_age")),
        acr_values=acr_values,
        claims=asked_claims,
    )


def _signed_in(
    asked: _Asked, login: LoginSession | None, flow: str
) -> LoginSession | Response:
    """The login this request may use, or the sign-in step (or error) to show."""
    if login is not None and not login.serves(client_id_of(asked.grant)):
        login = None  # a QR sign-in approved for another service
    if (
        login is not None
        and flow not in state().get("fresh", [])
        and login_needed(login, asked.prompts, asked.max_age, asked.acr_values)
    ):
        login = None
    if login is None:
        if "none" in asked.prompts:
            return error_redirect(asked.grant, LoginRequiredError())
        if request.method == "POST" and request.form.get("cancel") == "yes":
            return _cancelled(asked.grant)
        outcome = login_step(asked.grant, flow)
        if isinstance(outcome, Response):
            return outcome
        login = outcome
    if asked.acr_values and login.acr not in asked.acr_values:
        audit.record(
            "vneid.authorize",
            "failure",
            actor_id=login.citizen_id,
            client_id=client_id_of(asked.grant),
            details={"reason": "acr"},
        )
        redirect = error_redirect(asked.grant, UnmetAuthenticationRequirementsError())
        if "none" in asked.prompts:
            return redirect  # prompt=none: no page may be shown, only the answer
        return _unmet_level_page(asked.grant, login, redirect)
    required = asked.claims.subject
    if required is not None and required != pairwise_subject(
        client_id_of(asked.grant), login.citizen
    ):
        # OIDC Core §5.5.1: never a code for another user than the one named.
        return error_redirect(asked.grant, LoginRequiredError())
    return login


def _cancelled(grant: Any) -> Response:
    """The person cancelled the sign-in: the app hears ``access_denied``."""
    state().pop("pending", None)
    audit.record(
        "vneid.authorize",
        "denied",
        client_id=client_id_of(grant),
        details={"reason": "cancelled"},
    )
    return error_redirect(grant, AccessDeniedError())


def _unmet_level_page(grant: Any, login: LoginSession, redirect: Response) -> Response:
    """Why this account cannot sign in to the app, how to get there, and the way back.

    The error still reaches the app (OIDC's ``unmet_authentication_requirements``)
    through the page's "return to the app" link, once the person has read it.
    """
    language = page_language()
    client = grant.request.client.name
    steps = []
    if login.citizen.loa < 2:
        steps.append(i18n.translate("vneid.level2.verify_in_person", language))
    if not totp.has_totp(login.citizen_id):
        steps.append(i18n.translate("vneid.level2.second_factor", language))
    steps.append(i18n.translate("vneid.level2.then", language))
    return render_message(
        "vneid.level2.title",
        i18n.translate("vneid.level2.message", language, client=client),
        403,
        is_error=True,
        steps=steps,
        return_url=redirect.headers["Location"],
    )


def _consented(
    asked: _Asked, login: LoginSession, flow: str, requested: list[str]
) -> ClaimConsent | Response | None:
    """The citizen's consent to release ``requested``, or the consent step to show."""
    client_id = client_id_of(asked.grant)
    consent = latest_consent(login.citizen_id, client_id)
    if flow in state().get("consented", []) or not (
        consent is None
        # An essential claim declined before is asked again, never dropped.
        or not asked.claims.essential <= set(consent.claims)
        or not set(requested) <= set(consent.requested)
        or "consent" in asked.prompts
    ):
        return consent
    if "none" in asked.prompts:
        return error_redirect(asked.grant, ConsentRequiredError())
    essential = asked.claims.essential
    if request.method != "POST" or request.form.get("step") != "consent":
        return _consent_page(asked.grant, login, requested, essential)
    if request.form.get("confirm") != "yes":
        audit.record(
            "vneid.consent", "denied", actor_id=login.citizen_id, client_id=client_id
        )
        return error_redirect(asked.grant, AccessDeniedError())
    consent = _record_consent(login, client_id, requested, essential)
    remember("consented", flow)
    return consent


def handle_authorize() -> Response:
    """Serve every step of ``/vneid/authorize`` for GET and POST."""
    if request.method == "POST" and not csrf_ok():
        return render_message(
            "vneid.error.title",
            i18n.translate("vneid.error.csrf", page_language()),
            400,
            is_error=True,
            retry_url=request.full_path,
        )
    login = current_login_session()
    asked = _validated(login)
    if isinstance(asked, Response):
        return asked
    flow = flow_key()
    signed_in = _signed_in(asked, login, flow)
    if isinstance(signed_in, Response):
        return signed_in
    for_userinfo, requested = claims_request.to_release(
        asked.grant.request.scope, asked.claims
    )
    consent = _consented(asked, signed_in, flow, requested)
    if isinstance(consent, Response):
        return consent
    consented = list(consent.claims) if consent is not None else []
    released = [claim for claim in for_userinfo if claim in consented]
    id_token_claims, userinfo_claims = claims_request.released(asked.claims, consented)
    asked.grant.request.vneid_context = {
        "session": signed_in,
        "claims": released,
        "id_token_claims": id_token_claims,
        "userinfo_claims": userinfo_claims,
    }
    response: Response = authorization.create_authorization_response(
        grant=asked.grant, grant_user=signed_in.citizen
    )
    pushed.complete(asked.grant.request)
    audit.record(
        "vneid.authorize",
        "success",
        actor_id=signed_in.citizen_id,
        client_id=client_id_of(asked.grant),
        details={"claims": released},
    )
    return response
