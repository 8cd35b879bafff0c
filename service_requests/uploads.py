"""Files citizens upload for their dossiers: PDF, JPEG or PNG, judged by content.

The name and the declared type of an upload are never trusted: a PDF must parse
as one, every object of it, with no scripts, actions that run code, attached files
or XFA forms (``pdf_check``); an image must open and verify in Pillow as a JPEG or
a PNG. The name keeps only its stem, cleaned, and gets the extension of the type
found. Files are kept in the database, in the same transaction as their metadata,
and are only ever served as attachments of that type, through their dossier, to
its parties.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from app.auth import Actor
from app.db import utcnow
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.unit_of_work import begin_writing
from service_requests import pdf_check
from service_requests.models import Upload

MAX_BYTES: Final = 10 * 1024 * 1024
#: An upload not attached to a dossier within this time is deleted.
UNATTACHED_TTL: Final = timedelta(hours=24)
_IMAGE_TYPES: Final = {"JPEG": "image/jpeg", "PNG": "image/png"}
#: The extension a file of each accepted type is named and served with.
EXTENSIONS: Final = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
#: What a name never keeps: path and reserved characters of common file systems.
_UNSAFE_CHARACTERS: Final = re.compile(r'[\\/:*?"<>|;%]')
_EXTENSION: Final = re.compile(r"\.[A-Za-z0-9]{1,10}$")

NOT_ACCEPTED_ERROR: Final = "Only PDF, JPEG and PNG files are accepted."
TOO_LARGE_ERROR: Final = "A file may be at most 10 MB."
EMPTY_ERROR: Final = "The file is empty."
ACTIVE_PDF_ERROR: Final = "PDF files with scripts, actions or attachments are refused."
MALFORMED_PDF_ERROR: Final = "The PDF file is damaged or cannot be read."
ENCRYPTED_PDF_ERROR: Final = (
    "Password-protected PDF files cannot be checked and are refused."
)
COMPLEX_PDF_ERROR: Final = "The PDF file is too complex to be checked."
_PDF_ERRORS: Final = {
    pdf_check.Refusal.ACTIVE: ACTIVE_PDF_ERROR,
    pdf_check.Refusal.MALFORMED: MALFORMED_PDF_ERROR,
    pdf_check.Refusal.ENCRYPTED: ENCRYPTED_PDF_ERROR,
    pdf_check.Refusal.TOO_COMPLEX: COMPLEX_PDF_ERROR,
}


def _pdf(content: bytes) -> str | None:
    if not content.startswith(b"%PDF-"):
        return None
    if b"%%EOF" not in content[-2048:]:
        return None
    try:
        pdf_check.check(content)
    except pdf_check.PdfRefusedError as refused:
        raise ValidationFailed(
            errors={"file": [_PDF_ERRORS[refused.reason]]}
        ) from refused
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


def display_name(filename: str | None, media_type: str) -> str:
    """A file name safe to show and to offer back, named for the type found.

    Of the uploader's name only the stem is kept: no path, no control or
    invisible formatting characters (a right-to-left override would make
    ``x\u202egpj.exe`` look like ``xexe.jpg``), none a file system reserves; the
    extension is the server's, from ``media_type``.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        char for char in name if unicodedata.category(char) not in ("Cc", "Cf")
    )
    name = _UNSAFE_CHARACTERS.sub("", name).strip()
    stem = _EXTENSION.sub("", name).strip(" .")[:150].strip(" .")
    return (stem or "tai-lieu") + EXTENSIONS[media_type]


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file whose content was checked: what it really is, and its name."""

    filename: str
    media_type: str
    content: bytes


def check(filename: str | None, content: bytes) -> CheckedFile:
    """Check an uploaded file's content (422 if it is not an accepted file).

    Checking a PDF can take a worker seconds; it touches no database, so the upload
    route runs it before its transaction queues for the write lock.
    """
    media_type = sniff(content)
    return CheckedFile(display_name(filename, media_type), media_type, content)


def store(actor: Actor, checked: CheckedFile) -> Upload:
    """Keep one citizen's checked upload."""
    if actor.acts_for_org:
        raise Forbidden()
    begin_writing()
    upload = Upload(
        owner_id=actor.citizen_id,
        filename=checked.filename,
        media_type=checked.media_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        content=checked.content,
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
