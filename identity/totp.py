"""TOTP second factor (RFC 6238, pyotp) and single-use recovery codes.

* Secrets are 160 bits, kept encrypted (:mod:`app.crypto`), never logged.
* A code is accepted one step either side of now, and a time step once accepted is
  never accepted again for that account: the step is recorded with a conditional
  UPDATE, so two requests racing with the same code cannot both win.
* Ten recovery codes are shown once at enrolment and stored as keyed hashes; each
  works once.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app import crypto, qr
from app.audit import keyed_hash
from app.db import Base, utcnow
from app.extensions import db

ISSUER = "VNeID"
SECRET_BITS = 160
RECOVERY_CODE_COUNT = 10
_PURPOSE = "totp-secret"
_TOTP_FORMAT = re.compile(r"^[0-9]{6}$")
_RECOVERY_FORMAT = re.compile(r"^[0-9a-f]{5}-?[0-9a-f]{5}$")


class TotpCredential(Base):
    """A citizen's TOTP secret; usable once ``confirmed_at`` is set."""

    __tablename__ = "totp_credentials"

    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE"), primary_key=True
    )
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    #: The last accepted time step; only later steps are accepted.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(Base):
    """One single-use recovery code, stored as a keyed hash."""

    __tablename__ = "recovery_codes"
    __table_args__ = (sa.UniqueConstraint("citizen_id", "code_hash"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    citizen_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("citizens.id", ondelete="CASCADE")
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


@dataclass(frozen=True)
class Enrolment:
    """What the phone shows to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_svg: str
    qr_png: str


class AlreadyEnrolledError(Exception):
    """The citizen already has a confirmed TOTP credential."""


def _credential(citizen_id: uuid.UUID) -> TotpCredential | None:
    return db.session.get(TotpCredential, citizen_id)


def has_totp(citizen_id: uuid.UUID) -> bool:
    """Tell whether the citizen has a confirmed TOTP credential."""
    credential = _credential(citizen_id)
    return credential is not None and credential.confirmed_at is not None


def _totp(credential: TotpCredential) -> pyotp.TOTP:
    return pyotp.TOTP(crypto.decrypt(credential.secret_encrypted, _PURPOSE))


def install_secret(citizen_id: uuid.UUID, secret: str, *, confirmed: bool) -> None:
    """Store ``secret`` (base32) for the citizen, replacing an unconfirmed one."""
    credential = _credential(citizen_id) or TotpCredential(citizen_id=citizen_id)
    credential.secret_encrypted = crypto.encrypt(secret, _PURPOSE)
    credential.confirmed_at = utcnow() if confirmed else None
    credential.last_used_step = None
    db.session.add(credential)
    db.session.flush()


def begin_enrolment(citizen_id: uuid.UUID, account_name: str) -> Enrolment:
    """Create a new, unconfirmed secret and the URI and QR code to scan.

    :raise AlreadyEnrolledError: a confirmed credential exists.
    """
    if has_totp(citizen_id):
        raise AlreadyEnrolledError()
    secret = base64.b32encode(secrets.token_bytes(SECRET_BITS // 8)).decode()
    install_secret(citizen_id, secret, confirmed=False)
    uri = pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)
    return Enrolment(
        secret=secret,
        otpauth_uri=uri,
        qr_svg=qr.svg(uri),
        qr_png=qr.png_data_uri(uri),
    )


@dataclass(frozen=True)
class RecoveryCodes:
    """Fresh single-use recovery codes, shown to their owner this once."""

    recovery_codes: list[str]


def confirm_enrolment(citizen_id: uuid.UUID, code: str) -> RecoveryCodes | None:
    """Confirm the pending secret with a first code; return fresh recovery codes.

    :return: the ten recovery codes (shown once), or ``None`` if the code is wrong
        or nothing is pending.
    """
    credential = _credential(citizen_id)
    if credential is None or credential.confirmed_at is not None:
        return None
    if not _accept_totp(credential, code):
        return None
    credential.confirmed_at = utcnow()
    return RecoveryCodes(issue_recovery_codes(citizen_id))


def issue_recovery_codes(citizen_id: uuid.UUID) -> list[str]:
    """Replace the citizen's recovery codes with ten new ones and return them."""
    db.session.execute(
        sa.delete(RecoveryCode).where(RecoveryCode.citizen_id == citizen_id)
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(citizen_id=citizen_id, code_hash=_recovery_hash(code))
        for code in codes
    )
    db.session.flush()
    return codes


def _new_recovery_code() -> str:
    digits = secrets.token_hex(5)  # 40 bits, single use, behind login throttling
    return f"{digits[:5]}-{digits[5:]}"


def _recovery_hash(code: str) -> str:
    return keyed_hash("recovery:" + code.replace("-", "").lower())


def _accept_totp(
    credential: TotpCredential, code: str, at: datetime | None = None
) -> bool:
    if not _TOTP_FORMAT.match(code):
        return False
    totp = _totp(credential)
    current = totp.timecode(at or utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = db.session.execute(
                sa.update(TotpCredential)
                .where(
                    TotpCredential.citizen_id == credential.citizen_id,
                    sa.or_(
                        TotpCredential.last_used_step.is_(None),
                        TotpCredential.last_used_step < step,
                    ),
                )
                .values(last_used_step=step)
                .execution_options(synchronize_session="fetch")
            )
            return bool(claimed.rowcount)  # type: ignore[attr-defined]
    return False


def verify_second_factor(
    citizen_id: uuid.UUID, code: str, at: datetime | None = None
) -> bool:
    """Accept a current TOTP code or an unused recovery code, once."""
    code = code.strip()
    credential = _credential(citizen_id)
    if credential is None or credential.confirmed_at is None:
        return False
    if _TOTP_FORMAT.match(code):
        return _accept_totp(credential, code, at)
    if _RECOVERY_FORMAT.match(code.lower()):
        used = db.session.execute(
            sa.update(RecoveryCode)
            .where(
                RecoveryCode.citizen_id == citizen_id,
                RecoveryCode.code_hash == _recovery_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
        return bool(used.rowcount)  # type: ignore[attr-defined]
    return False
