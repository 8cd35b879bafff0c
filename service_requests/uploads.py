"""Files citizens upload for their dossiers: PDF, JPEG or PNG, judged by content.

The name and the declared type of an upload are never trusted: a PDF must parse as
one (header and end-of-file marker, no scripts or launch actions), an image must
open and verify in Pillow as a JPEG or a PNG. Files are kept in the database, in
the same transaction as their metadata, and are only ever served as attachments,
through their dossier, to its parties.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta
from typing import Final

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from service_requests.models import Upload

MAX_BYTES: Final = 10 * 1024 * 1024
#: An upload not attached to a dossier within this time is deleted.
UNATTACHED_TTL: Final = timedelta(hours=24)
#: PDF features that run code or carry other files; a dossier needs none of them.
_ACTIVE_PDF: Final = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/XFA")
_IMAGE_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png"}

NOT_ACCEPTED_ERROR: Final = "Only PDF, JPEG and PNG files are accepted."
TOO_LARGE_ERROR: Final = "A file may be at most 10 MB."
EMPTY_ERROR: Final = "The file is empty."
ACTIVE_PDF_ERROR: Final = "PDF files with scripts, actions or attachments are refused."


def _pdf(content: bytes) -> str | None:
    if not content.startswith(b"%PDF-"):
        return None
    if b"%%EOF" not in content[-2048:]:
        return None
    if any(marker in content for marker in _ACTIVE_PDF):
        raise ValidationFailed(errors={"file": [ACTIVE_PDF_ERROR]})
    return "application/pdf"


def _image(content: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        return None
    return _IMAGE_TYPES.get(kind or "")


def sniff(content: bytes) -> str:
    """The media type ``content`` really is, or 422 naming the field ``file``."""
    if not content:
        raise ValidationFailed(errors={"file": [EMPTY_ERROR]})
    if len(content) > MAX_BYTES:
        raise ValidationFailed(errors={"file": [TOO_LARGE_ERROR]})
    media_type = _pdf(content) or _image(content)
    if media_type is None:
        raise ValidationFailed(errors={"file": [NOT_ACCEPTED_ERROR]})
    return media_type


def display_name(filename: str | None) -> str:
    """A file name safe to show and to offer back: no path, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip()
    return name[:200] or "tai-lieu"


def store(actor: Actor, filename: str | None, content: bytes) -> Upload:
    """Check and keep one citizen's upload (422 if it is not an accepted file)."""
    if actor.acts_for_org:
        raise Forbidden()
    upload = Upload(
        owner_id=actor.citizen_id,
        filename=display_name(filename),
        media_type=sniff(content),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def attachable(actor: Actor, upload_id: uuid.UUID) -> Upload | None:
    """The caller's own upload, not yet attached to any dossier."""
    return db.session.scalar(
        sa.select(Upload).where(
            Upload.id == upload_id,
            Upload.owner_id == actor.citizen_id,
            Upload.attached_at.is_(None),
        )
    )


def purge_unattached() -> int:
    """Delete uploads nobody attached within a day; return how many."""
    result = db.session.execute(
        sa.delete(Upload).where(
            Upload.attached_at.is_(None),
            Upload.created_at < utcnow() - UNATTACHED_TTL,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
