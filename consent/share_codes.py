"""Share codes: a citizen at a counter shares chosen categories without the clinic
knowing who they are in advance.

The code is 8 characters from an alphabet with no look-alikes, valid 10 minutes,
stored only as a digest, and redeemed at most once — atomically, so two counters
racing with the same code cannot both get an artefact. Wrong or expired codes are
audited and throttled like logins (``app.throttle``): per organisation and address,
mildly per organisation, loosely per address.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NoReturn

import sqlalchemy as sa

from app import audit, qr, throttle
from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, NotFound, Problem
from app.extensions import db
from consent import events, signing
from consent.models import (
    ArtefactStatus,
    ConsentArtefact,
    ConsentStatusChange,
    GrantorKind,
    ShareCode,
)
from consent.vocabulary import DEFAULT_PURPOSE_BY_SECTOR, PURPOSES, AccessMode
from identity import services as identity_services
from identity.models import Citizen
from identity.policies import is_guardian_of

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U
LENGTH = 8
REDEEM_ACTION = "consent.share_code.redeem"
#: A share code opens the whole record history for the chosen categories.
OPEN_PERIOD = (date(1900, 1, 1), date(9999, 12, 31))


class ShareCodeInvalid(NotFound):
    slug = "share-code-invalid"
    commits_work = True  # the counted guess and its audit record


class ShareCodeThrottled(Problem):
    code, slug = 429, "share-code-throttled"
    commits_work = True


class ShareCodeNotForSector(Forbidden):
    slug = "share-code-not-for-sector"


@dataclass(frozen=True)
class IssuedCode:
    """A new code, shown once with its QR image."""

    code: str
    share_code: ShareCode
    qr_svg: str
    qr_png: str


def _digest(code: str) -> str:
    return hashlib.sha256(code.upper().encode()).hexdigest()


def _grantor_kind(actor: Actor, subject_id: uuid.UUID) -> GrantorKind:
    if actor.org_id is None and subject_id == actor.citizen_id:
        return GrantorKind.SELF
    if actor.org_id is None and is_guardian_of(
        actor.citizen_id, subject_id, utcnow().date()
    ):
        return GrantorKind.GUARDIAN
    raise Forbidden()


def create(
    actor: Actor, subject_id: uuid.UUID | None, categories: list[str], access_hours: int
) -> IssuedCode:
    """Issue a code for the citizen (or a child they act for)."""
    subject = subject_id or actor.citizen_id
    kind = _grantor_kind(actor, subject)
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    share_code = ShareCode(
        code_digest=_digest(code),
        subject_id=subject,
        created_by=actor.citizen_id,
        grantor_kind=kind,
        categories=sorted(set(categories)),
        access_hours=access_hours,
        expires_at=utcnow() + ShareCode.LIFETIME,
    )
    db.session.add(share_code)
    db.session.flush()
    audit.record(
        "consent.share_code.created",
        "success",
        actor_id=actor.citizen_id,
        details={"share_code": str(share_code.id)},
    )
    return IssuedCode(
        code=code,
        share_code=share_code,
        qr_svg=qr.svg(code),
        qr_png=qr.png_data_uri(code),
    )


def _refuse(
    actor: Actor, org_key: str, attempt: throttle.Attempt, reason: str
) -> NoReturn:
    feedback = attempt.failed()
    audit.record(
        REDEEM_ACTION,
        "failure",
        actor_id=actor.citizen_id,
        subject_key=org_key,
        details={"reason": reason},
    )
    headers = (
        {"Retry-After": str(feedback.retry_after)} if feedback.retry_after else None
    )
    raise ShareCodeInvalid(headers=headers)


def _attempt(actor: Actor, org_key: str) -> throttle.Attempt:
    """Count one redemption attempt by the organisation (429 once it guesses too often)."""
    attempt = throttle.attempt(REDEEM_ACTION, org_key, audit.client_ip())
    if attempt.retry_after is not None:
        audit.record(
            REDEEM_ACTION, "throttled", actor_id=actor.citizen_id, subject_key=org_key
        )
        raise ShareCodeThrottled(headers={"Retry-After": str(attempt.retry_after)})
    return attempt


def _live_code(
    actor: Actor, org_key: str, attempt: throttle.Attempt, code: str, now: datetime
) -> ShareCode:
    """The unused, unexpired code the caller typed, or the refusal of a guess."""
    share_code = db.session.scalar(
        sa.select(ShareCode).where(ShareCode.code_digest == _digest(code))
    )
    if share_code is None:
        _refuse(actor, org_key, attempt, "unknown")
    if share_code.redeemed_at is not None or now >= share_code.expires_at:
        _refuse(actor, org_key, attempt, "used-or-expired")
    return share_code


def _granted(
    share_code: ShareCode,
    org_id: uuid.UUID,
    purpose_code: str | None,
    categories: list[str],
    now: datetime,
) -> ConsentArtefact:
    """The signed, view-only artefact a redeemed code gives the organisation."""
    artefact = ConsentArtefact(
        share_code_id=share_code.id,
        subject_id=share_code.subject_id,
        grantor_id=share_code.created_by,
        grantor_kind=share_code.grantor_kind,
        grantee_org_id=org_id,
        purpose=purpose_code,
        categories=categories,
        data_from=OPEN_PERIOD[0],
        data_to=OPEN_PERIOD[1],
        valid_from=now,
        valid_until=now + timedelta(hours=share_code.access_hours),
        access_mode=AccessMode.VIEW,
    )
    db.session.add(artefact)
    db.session.flush()
    artefact.history.append(
        ConsentStatusChange(
            status=ArtefactStatus.GRANTED,
            actor_id=share_code.created_by,
            reason="share code",
        )
    )
    artefact.jws = signing.sign_artefact(artefact)
    return artefact


def redeem(actor: Actor, code: str) -> ConsentArtefact:
    """Turn a valid code into an artefact for the caller's organisation, once."""
    if actor.org_id is None:
        raise Forbidden()
    org_key = audit.keyed_hash(f"org:{actor.org_id}")
    attempt = _attempt(actor, org_key)
    now = utcnow()
    share_code = _live_code(actor, org_key, attempt, code, now)
    organisation = identity_services.get_organisation(actor.org_id)
    purpose_code = DEFAULT_PURPOSE_BY_SECTOR.get(organisation.sector)
    reachable = (
        {c.value for c in PURPOSES[purpose_code].categories} if purpose_code else set()
    )
    categories = sorted(set(share_code.categories) & reachable)
    if not categories:
        attempt.passed()  # a real code: not a guess
        raise ShareCodeNotForSector()
    claimed = db.session.execute(
        sa.update(ShareCode)
        .where(ShareCode.id == share_code.id, ShareCode.redeemed_at.is_(None))
        .values(redeemed_at=now, redeemed_by_org_id=organisation.id)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        _refuse(actor, org_key, attempt, "raced")
    attempt.succeeded()
    artefact = _granted(share_code, organisation.id, purpose_code, categories, now)
    subject = db.session.get(Citizen, share_code.subject_id)
    events.share_code_redeemed.send(
        share_code, artefact=artefact, organisation=organisation
    )
    audit.record(
        REDEEM_ACTION,
        "success",
        actor_id=actor.citizen_id,
        subject_key=org_key,
        details={
            "artefact": str(artefact.id),
            "subject": str(subject.id) if subject else None,
        },
    )
    return artefact
