"""What a citizen may add to a wallet, and the credential each becomes.

A credential is named by ``<configuration>:<record>``: a transcript by its id, a
BHYT card by its holder's citizen id. Whether someone may have it is the domain's
own read rule, asked as an export: the pupil or citizen themself, or their
guardian while the child is under 14 (a guardian's export is logged where the
child sees it). A revoked or suspended transcript, or a card that has run out,
is not issued.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from joserfc.jwk import ECKey

from app import sd_jwt, signing
from app.auth import Actor
from app.date_fields import LOCAL_TIMEZONE
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from health_book import services as health_book
from health_book.models import HealthProfile
from health_book.services import PROFILE_CATEGORY
from identity.models import Citizen, Guardianship
from identity.policies import is_guardian_of
from school_records import credentials, keys, token_status, transcripts
from school_records.content import SUBJECT_CODE, TT22
from school_records.models import Transcript, TranscriptStatus
from wallet.models import IssuedCredential
from wallet.types import BHYT, HOC_BA, TYPES, CredentialType

Hidden = sd_jwt.Hidden
#: A card's credential lives at most a year: the API's keys are published for
#: 400 days after they retire, so whatever they signed stays verifiable.
MAX_CARD_LIFETIME = timedelta(days=365)


class NotInForceError(Exception):
    """The record exists and may be read, but is not in force (revoked,
    suspended, expired, or without a card)."""


@dataclass(frozen=True)
class Offerable:
    """A credential a citizen may add: which, and about whom."""

    identifier: str
    kind: CredentialType
    subject_id: uuid.UUID
    #: What the app shows, e.g. "2025-2026, lớp 6" or the card's holder.
    label: str


def identifier(kind: CredentialType, record_id: uuid.UUID) -> str:
    """The ``credential_identifier`` of a record of ``kind``."""
    return f"{kind.configuration_id}:{record_id}"


def parse(credential_identifier: str) -> tuple[CredentialType, uuid.UUID]:
    """The type and record id of an identifier.

    :raise NotFound: not one of ours.
    """
    configuration, _, record = credential_identifier.partition(":")
    kind = TYPES.get(configuration)
    try:
        record_id = uuid.UUID(record)
    except ValueError:
        raise NotFound() from None
    if kind is None or str(record_id) != record:
        raise NotFound()
    return kind, record_id


def local_date() -> date:
    """Today in Vietnam, by the application's clock."""
    return utcnow().astimezone(LOCAL_TIMEZONE).date()


def _people(actor: Actor) -> list[Citizen]:
    """The actor and the children they act for today."""
    wards = db.session.scalars(
        sa.select(Citizen)
        .join(Guardianship, Guardianship.ward_id == Citizen.id)
        .where(Guardianship.guardian_id == actor.citizen_id)
    )
    me = db.session.get(Citizen, actor.citizen_id)
    today = local_date()
    return [
        person
        for person in [me, *wards]
        if person is not None
        and (person.id == actor.citizen_id or today < person.guardianship_ends_on)
    ]


def available(actor: Actor, kinds: list[CredentialType]) -> list[Offerable]:
    """The credentials of ``kinds`` the actor may add now: theirs and their
    young children's transcripts in force and BHYT cards (listing reads nothing
    of anyone's records but their existence)."""
    people = {person.id: person for person in _people(actor)}
    found: list[Offerable] = []
    if HOC_BA in kinds:
        for transcript in db.session.scalars(
            sa.select(Transcript)
            .where(
                Transcript.pupil_id.in_(people),
                Transcript.status == TranscriptStatus.PUBLISHED,
                Transcript.suspended.is_(False),
            )
            .order_by(Transcript.school_year)
        ):
            found.append(
                Offerable(
                    identifier(HOC_BA, transcript.id),
                    HOC_BA,
                    transcript.pupil_id,
                    f"{people[transcript.pupil_id].full_name}: "
                    f"{transcript.school_year}, {transcript.grade}",
                )
            )
    if BHYT in kinds:
        for citizen_id in db.session.scalars(
            sa.select(HealthProfile.citizen_id).where(
                HealthProfile.citizen_id.in_(people),
                HealthProfile.superseded_at.is_(None),
                HealthProfile.bhyt_number.is_not(None),
                sa.or_(
                    HealthProfile.bhyt_valid_to.is_(None),
                    HealthProfile.bhyt_valid_to >= local_date(),
                ),
            )
        ):
            found.append(
                Offerable(
                    identifier(BHYT, citizen_id),
                    BHYT,
                    citizen_id,
                    people[citizen_id].full_name,
                )
            )
    return found


def may_hold(actor: Actor, subject_id: uuid.UUID) -> bool:
    """Whether the actor may add a credential about ``subject_id``."""
    return actor.citizen_id == subject_id or is_guardian_of(
        actor.citizen_id, subject_id, local_date()
    )


# -- the credentials ---------------------------------------------------------


def _year_average(subjects: list[dict[str, Any]]) -> float | None:
    """The mean of the scored subjects' year averages, to one decimal (half up)."""
    scores = [
        Decimal(str(s["year_average"]))
        for s in subjects
        if s.get("assessment") == "scored" and s.get("year_average") is not None
    ]
    if not scores:
        return None
    mean = (sum(scores, Decimal(0)) / len(scores)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    return float(mean)


def _subject(subject: dict[str, Any]) -> dict[str, Any]:
    shown = {
        key: subject[key]
        for key in ("name", "assessment", "year_average", "year_result", "comment")
        if subject.get(key) is not None
    }
    for semester in ("semester1", "semester2"):
        shown[semester] = Hidden(subject[semester])
    return shown


def _year_results(transcript: Transcript) -> dict[str, Any]:
    content = transcript.content
    common = {
        "promotion": content.get("promotion"),
        "award": content.get("award"),
        "absences": content.get("absences"),
    }
    if transcript.regulation == TT22:
        results = {
            "average": _year_average(content["subjects"]),
            "learning": content["learning_result"]["year"],
            "conduct": content["conduct"]["year"],
            **common,
        }
    else:
        results = {
            "overall": content.get("overall"),
            "qualities": content.get("qualities"),
            "competences": content.get("competences"),
            **common,
        }
    return {key: Hidden(value) for key, value in results.items() if value is not None}


def _subjects(subjects: list[dict[str, Any]]) -> dict[str, Any]:
    """Each subject as a hidden member named by its code. A code the content
    rules now refuse (repeated, or a name SD-JWT reserves), in a transcript
    published before them, is told apart by its position: no subject is lost."""
    named: dict[str, Any] = {}
    for position, subject in enumerate(subjects, start=1):
        code = str(subject["code"])
        if code in named or not re.fullmatch(SUBJECT_CODE, code):
            code = f"#{position}"  # never a code the rules allow
        named[code] = Hidden(_subject(subject))
    return named


def transcript_claims(transcript: Transcript) -> dict[str, Any]:
    """What a transcript's SD-JWT VC says: the school, year and grade always
    shown; the pupil, the year's results and every subject each withheld unless
    the holder discloses them."""
    content = transcript.content
    claims: dict[str, Any] = {
        "school": {"name": transcript.school.name, "code": transcript.school.code},
        "school_year": transcript.school_year,
        "grade": transcript.grade,
        "regulation": transcript.regulation,
        "full_name": Hidden(transcript.pupil.full_name),
        "birthdate": Hidden(transcript.pupil.birth_date.isoformat()),
        "class_name": Hidden(transcript.class_name),
        "year_results": Hidden(_year_results(transcript)),
        "subjects": _subjects(content["subjects"]),
    }
    if content.get("homeroom_comment"):
        claims["homeroom_comment"] = Hidden(content["homeroom_comment"])
    return claims


def card_claims(citizen: Citizen, profile: HealthProfile) -> dict[str, Any]:
    """What a BHYT card's SD-JWT VC says, every claim withheld unless disclosed."""
    claims: dict[str, Any] = {
        "full_name": Hidden(citizen.full_name),
        "birthdate": Hidden(citizen.birth_date.isoformat()),
        "bhyt_number": Hidden(profile.bhyt_number),
    }
    for name, value in (
        ("valid_from", profile.bhyt_valid_from),
        ("valid_to", profile.bhyt_valid_to),
    ):
        if value is not None:
            claims[name] = Hidden(value.isoformat())
    if profile.primary_care_facility:
        claims["primary_care_facility"] = Hidden(profile.primary_care_facility)
    return claims


def _midnight_before(day: date) -> int:
    """The first instant of ``day`` in Vietnam, as a NumericDate."""
    return int(datetime.combine(day, time(), LOCAL_TIMEZONE).timestamp())


def _lifetime(actor: Actor, subject: Citizen, ends: int | None) -> dict[str, int]:
    """``iat``, and ``exp`` when the credential must end: at ``ends``, and for a
    guardian's copy no later than the child's 14th birthday — from then on the
    child acts for themself, and a verifier cannot tell who presents it."""
    iat = int(utcnow().timestamp())
    limits = [ends] if ends is not None else []
    if actor.citizen_id != subject.id:
        limits.append(_midnight_before(subject.guardianship_ends_on))
    return {"iat": iat, **({"exp": min(limits)} if limits else {})}


def _bound(kind: CredentialType, holder_jwk: dict[str, Any]) -> dict[str, Any]:
    return {"vct": kind.vct, "cnf": {"jwk": holder_jwk}}


def _signed(
    claims: dict[str, Any],
    key: ECKey,
    kid: str,
    holder: Actor,
    subject_id: uuid.UUID,
    kind: CredentialType,
) -> str:
    """Sign, and keep whom the credential is about and who received it (by the
    digest of what was signed): a verifier of this service logs each read for
    the citizen, and refuses a guardian's copy once the guardianship ended."""
    issued, _ = sd_jwt.issue(claims, key, {"typ": sd_jwt.CREDENTIAL_TYPE, "kid": kid})
    expires = claims.get("exp")
    db.session.add(
        IssuedCredential(
            credential_digest=credential_digest(issued),
            subject_id=subject_id,
            holder_id=holder.citizen_id,
            configuration_id=kind.configuration_id,
            expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,
        )
    )
    return issued


def credential_digest(credential: str) -> str:
    """The SHA-256 of what the issuer signed in an SD-JWT (its JWS signing
    input: every presentation carries it, whatever it discloses). Not of the
    signature: an ECDSA signature has a second valid spelling, (r, n - s)."""
    signing_input = credential.split("~", 1)[0].rsplit(".", 1)[0]
    return hashlib.sha256(signing_input.encode()).hexdigest()


def _issue_transcript(
    actor: Actor, transcript_id: uuid.UUID, jwk: dict[str, Any]
) -> str:
    transcript = transcripts.readable(actor, transcript_id, action="export")
    if (
        transcripts.published(transcript.id) is None
        or transcript.status_list_index is None
    ):
        raise NotInForceError()
    row, key = keys.signing_key(transcript.school_id)
    claims = {
        "iss": credentials.issuer_id(transcript.school_id),
        **_bound(HOC_BA, jwk),
        **_lifetime(actor, transcript.pupil, None),
        "status": {
            "status_list": {
                "idx": transcript.status_list_index,
                "uri": token_status.token_url(transcript.school_id),
            }
        },
        **transcript_claims(transcript),
    }
    return _signed(claims, key, row.kid, actor, transcript.pupil_id, HOC_BA)


def card_issuer() -> str:
    """The ``iss`` of BHYT cards: this deployment, whose ``/.well-known/
    jwt-vc-issuer`` names the API's keys."""
    return str(current_app.config["BASE_URL"])


def _issue_card(actor: Actor, citizen_id: uuid.UUID, jwk: dict[str, Any]) -> str:
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound()
    # Handed out, as a transcript's credential is: an export in the access log.
    seen = health_book.window(actor, citizen, PROFILE_CATEGORY, action="export")
    profile = db.session.scalar(health_book.visible(HealthProfile, citizen.id, seen))
    today = local_date()
    if (
        profile is None
        or profile.bhyt_number is None
        or (profile.bhyt_valid_to is not None and profile.bhyt_valid_to < today)
    ):
        raise NotInForceError()
    # A year at most: the API's keys are published 400 days after they retire.
    longest = int(utcnow().timestamp()) + int(MAX_CARD_LIFETIME.total_seconds())
    ends = (
        min(_midnight_before(profile.bhyt_valid_to + timedelta(days=1)), longest)
        if profile.bhyt_valid_to
        else longest
    )
    key = signing.store().active_key(signing.ALGORITHM)
    if not isinstance(key, ECKey):  # pragma: no cover - the store makes ES256 keys
        raise TypeError("the API's signing key is not an EC key")
    claims = {
        "iss": card_issuer(),
        **_bound(BHYT, jwk),
        **_lifetime(actor, citizen, ends),
        **card_claims(citizen, profile),
    }
    return _signed(claims, key, str(key.kid), actor, citizen.id, BHYT)


def issue(actor: Actor, credential_identifier: str, holder_jwk: dict[str, Any]) -> str:
    """The SD-JWT VC of ``credential_identifier``, bound to ``holder_jwk``, for
    the actor (the citizen whose login or offer authorised the wallet).

    :raise NotFound: unknown, or not the actor's to have (as the domain's read
        rules say; a guardian's read is logged for the child).
    :raise NotInForceError: known and readable, but not in force.
    """
    kind, record_id = parse(credential_identifier)
    if kind is HOC_BA:
        return _issue_transcript(actor, record_id, holder_jwk)
    return _issue_card(actor, record_id, holder_jwk)
