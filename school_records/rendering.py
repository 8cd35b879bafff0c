"""What the worker renders ahead of time for school records (app/rendered.py): a
published transcript's PDF, and each status list signed after its bits change."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from flask import Flask, current_app

from app import jobs, rendered
from app.extensions import db
from school_records import credentials, keys, pdf
from school_records.models import StatusList, Transcript, TranscriptStatus

TRANSCRIPT_PDF, STATUS_LIST = "transcript-pdf", "status-list"
RENDER_PDF_JOB = "school_records.render_transcript_pdf"
PUBLISH_LIST_JOB = "school_records.publish_status_list"


def pdf_version(transcript: Transcript) -> str:
    """What a transcript's PDF is drawn from: its signed credential and the
    service's address (printed in the QR code)."""
    if transcript.credential is None:
        raise ValueError("only published transcripts have a PDF")
    source = f"{current_app.config['BASE_URL']}|{pdf.digest(transcript.credential)}"
    return hashlib.sha256(source.encode()).hexdigest()


def transcript_pdf(transcript: Transcript) -> bytes:
    """The transcript's PDF: as the worker rendered it, or drawn now."""
    kept = rendered.stored(TRANSCRIPT_PDF, str(transcript.id), pdf_version(transcript))
    return kept if kept is not None else pdf.render(transcript)


def list_version(status_list: StatusList) -> str | None:
    """What a status list's signature is of: its bits and the school's key."""
    active = keys.current_school_key(status_list.school_id)
    if active is None:
        return None
    return f"{active.kid}|{hashlib.sha256(status_list.bits).hexdigest()}"


def signed_status_list(status_list: StatusList) -> str:
    """The signed list: as the worker published it, or signed now."""
    version = list_version(status_list)
    kept = (
        rendered.stored(STATUS_LIST, str(status_list.id), version) if version else None
    )
    if kept is not None:
        return kept.decode()
    return credentials.status_list_credential(status_list)


def after_publication(transcript: Transcript) -> None:
    """Have the worker draw a newly published transcript's PDF."""
    if not rendered.ahead():
        return
    jobs.enqueue(
        RENDER_PDF_JOB,
        {"transcript_id": str(transcript.id)},
        dedupe_key=f"{TRANSCRIPT_PDF}:{transcript.id}",
    )


def after_status_change(status_list: StatusList) -> None:
    """Have the worker sign a status list whose bits just changed."""
    if not rendered.ahead():
        return
    digest = hashlib.sha256(status_list.bits).hexdigest()[:32]
    jobs.enqueue(
        PUBLISH_LIST_JOB,
        {"list_id": str(status_list.id)},
        dedupe_key=f"{STATUS_LIST}:{status_list.id}:{digest}",
    )


def _render_pdf(payload: dict[str, Any]) -> None:
    transcript = db.session.get(Transcript, uuid.UUID(payload["transcript_id"]))
    if transcript is None or transcript.status != TranscriptStatus.PUBLISHED:
        return
    rendered.keep(
        TRANSCRIPT_PDF,
        str(transcript.id),
        pdf_version(transcript),
        pdf.render(transcript),
    )


def _publish_list(payload: dict[str, Any]) -> None:
    status_list = db.session.get(StatusList, uuid.UUID(payload["list_id"]))
    if status_list is None:
        return
    version = list_version(status_list)
    if version is None:  # the school has no key: nothing to sign with
        return
    signed = credentials.status_list_credential(status_list)
    rendered.keep(STATUS_LIST, str(status_list.id), version, signed.encode())


def register(app: Flask) -> None:
    """Register the rendering jobs."""
    jobs.add_job(app, RENDER_PDF_JOB, _render_pdf)
    jobs.add_job(app, PUBLISH_LIST_JOB, _publish_list)
