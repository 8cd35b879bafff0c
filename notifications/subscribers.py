"""What lands in whose inbox when a domain announces an event.

The domains never call the inboxes: they send their signals (``consent.events``,
``school_records.events``, ``service_requests.events``) and these listeners, in
the same transaction, decide who is told and what.
"""

from __future__ import annotations

from typing import Any

from consent import events as consent_events
from consent.models import ConsentArtefact, ConsentRequest, EmergencyAccess, ShareCode
from identity.models import Citizen, Organisation
from notifications import inbox
from school_records import events as school_events
from school_records.models import Transcript
from service_requests import events as dossier_events
from service_requests.models import Dossier
from service_requests.texts import STATUS_NAMES


def _consent_requested(
    request: ConsentRequest, *, subject: Citizen, organisation: Organisation, **_: Any
) -> None:
    inbox.notify_subject_side(
        subject, "consent_requested", org=organisation.name, request_id=request.id
    )


def _consent_approved(
    request: ConsentRequest, *, artefact: ConsentArtefact, **_: Any
) -> None:
    inbox.notify_org(
        request.requester_org_id,
        "consent_approved",
        request_id=request.id,
        artefact_id=artefact.id,
    )


def _consent_denied(request: ConsentRequest, **_: Any) -> None:
    inbox.notify_org(request.requester_org_id, "consent_denied", request_id=request.id)


def _consent_request_expired(
    request: ConsentRequest, *, subject: Citizen | None, **_: Any
) -> None:
    inbox.notify_org(
        request.requester_org_id, "consent_request_expired", request_id=request.id
    )
    if subject is not None:
        inbox.notify_subject_side(
            subject, "consent_request_expired", request_id=request.id
        )


def _consent_revoked(
    artefact: ConsentArtefact,
    *,
    by_subject_side: bool,
    subject: Citizen | None,
    **_: Any,
) -> None:
    # The other side is told: the organisation when the citizen revokes, and the
    # citizen (or their guardians) when the organisation gives it up.
    if by_subject_side:
        inbox.notify_org(
            artefact.grantee_org_id, "consent_revoked", artefact_id=artefact.id
        )
    elif subject is not None:
        inbox.notify_subject_side(subject, "consent_revoked", artefact_id=artefact.id)


def _consent_expired(artefact: ConsentArtefact, **_: Any) -> None:
    inbox.notify_org(
        artefact.grantee_org_id, "consent_expired", artefact_id=artefact.id
    )


def _share_code_redeemed(
    share_code: ShareCode,
    *,
    artefact: ConsentArtefact,
    organisation: Organisation,
    **_: Any,
) -> None:
    inbox.notify_citizen(
        share_code.created_by,
        "share_code_redeemed",
        org=organisation.name,
        artefact_id=artefact.id,
    )


def _emergency_access_opened(
    access: EmergencyAccess, *, subject: Citizen, organisation: Organisation, **_: Any
) -> None:
    inbox.notify_subject_side(subject, "emergency_access", org=organisation.name)


def _transcript_published(
    transcript: Transcript, *, pupil: Citizen | None, **_: Any
) -> None:
    if pupil is not None:
        inbox.notify_subject_side(
            pupil,
            "transcript_published",
            school=transcript.school.name,
            transcript_id=transcript.id,
        )


def _dossier_status_changed(dossier: Dossier, *, note: str | None, **_: Any) -> None:
    vietnamese, english = STATUS_NAMES[dossier.status]
    inbox.notify_citizen(
        dossier.applicant_id,
        "dossier_status",
        dossier_id=dossier.id,
        receipt_code=dossier.receipt_code,
        procedure=dossier.procedure.name,
        procedure_en=dossier.procedure.name_en,
        status=int(dossier.status),
        status_vi=vietnamese,
        status_en=english,
        note=note or "",
    )


_LISTENERS = (
    (consent_events.consent_requested, _consent_requested),
    (consent_events.consent_approved, _consent_approved),
    (consent_events.consent_denied, _consent_denied),
    (consent_events.consent_request_expired, _consent_request_expired),
    (consent_events.consent_revoked, _consent_revoked),
    (consent_events.consent_expired, _consent_expired),
    (consent_events.share_code_redeemed, _share_code_redeemed),
    (consent_events.emergency_access_opened, _emergency_access_opened),
    (school_events.transcript_published, _transcript_published),
    (dossier_events.dossier_status_changed, _dossier_status_changed),
)


def connect() -> None:
    """Listen to every event that fills an inbox (connecting twice is harmless)."""
    for signal, receiver in _LISTENERS:
        signal.connect(receiver)
