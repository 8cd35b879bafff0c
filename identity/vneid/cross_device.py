"""QR login across devices: a browser shows a code, the citizen's phone approves.

The VNeID habit (dịch vụ công: "đăng nhập bằng ứng dụng VNeID"), modelled on the
device authorization grant (RFC 8628) inside the provider's own login page, so
every relying party gets it: the browser asks for a code at the sign-in step and
shows it as a QR code and as eight letters; the phone, logged in to CongDan, reads
the code, sees which service asks, for what, from which address and browser, and
approves with a fresh level-2 login (RFC 9470 step-up). The browser, polling,
then signs in once at level 2.

What RFC 8628 §5 asks of it: the code is short-lived (two minutes), single use,
from an alphabet without vowels or look-alikes, kept only as a digest; wrong codes
are throttled per citizen and address like passwords (``app.throttle``); only the
browser that asked can use the approval (its signed session holds the login's id);
and the phone shows what it approves, since a code shown by someone else's browser
is the way this kind of login is phished (README, "Security").
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import NoReturn

import sqlalchemy as sa
from flask import request

from app import audit, qr, throttle
from app.auth import Actor
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, Problem
from app.extensions import db
from identity.vneid.issuance import issuer
from identity.vneid.models import CrossDeviceLogin, OAuthClient, PushedRequest

#: RFC 8628 §6.1: consonants only (no words, no 0/O or 1/I), 20^8 codes.
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
LOOKUP_ACTION = "vneid.cross_device"


class CrossDeviceLoginNotFound(NotFound):
    slug = "cross-device-login-not-found"
    commits_work = True  # the counted guess and its audit record


class CrossDeviceLoginThrottled(Problem):
    code, slug = 429, "cross-device-login-throttled"
    commits_work = True


class CrossDeviceLoginExpired(Problem):
    code, slug = 410, "cross-device-login-expired"


class CrossDeviceLoginDecided(Conflict):
    slug = "cross-device-login-decided"


class Status(StrEnum):
    """Where a cross-device login is, as the waiting browser polls it."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Started:
    """A new code for the browser to show."""

    login: CrossDeviceLogin
    user_code: str
    link: str
    #: The QR code of ``link`` as a PNG ``data:`` URI (the pages allow ``data:`` images).
    qr_png: str


def _digest(code: str) -> str:
    # Keyed: 20^8 codes are too few for a bare hash to hide them from whoever
    # reads the database.
    return audit.keyed_hash(f"cross-device-code:{code}")


def normalized(user_code: str) -> str:
    """What a person typed or a QR carried, as stored: capitals, no separators."""
    return "".join(ch for ch in user_code.upper() if ch.isalnum())


def formatted(code: str) -> str:
    """``BCDF-GHJK``: easier to read aloud and to compare."""
    return f"{code[:4]}-{code[4:]}"


def start(client_id: str, claims: list[str]) -> Started:
    """Open a cross-device login for the browser of this request."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    agent = request.headers.get("User-Agent", "")[:200] or None
    row = CrossDeviceLogin(
        code_digest=_digest(code),
        client_id=client_id,
        claims=claims,
        browser_address=audit.client_ip(),
        browser_agent=agent,
        expires_at=utcnow() + CrossDeviceLogin.LIFETIME,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "vneid.cross_device.started",
        "success",
        client_id=client_id,
        details={"login": str(row.id)},
    )
    return Started(
        row, formatted(code), link(formatted(code)), qr_image(formatted(code))
    )


def link(user_code: str) -> str:
    """What the QR code carries: the code, at an address the app recognises."""
    return f"{issuer()}/qr/{user_code}"


def qr_image(user_code: str) -> str:
    """The QR code of :func:`link` as a PNG ``data:`` URI."""
    return qr.png_data_uri(link(user_code), box_size=6)


def status(row: CrossDeviceLogin) -> Status:
    """Where the login is now."""
    if row.completed_at is not None:
        return Status.USED
    if row.approved is True:
        return Status.APPROVED
    if row.approved is False:
        return Status.DENIED
    return Status.EXPIRED if row.is_expired() else Status.PENDING


def _refuse(actor: Actor, attempt: throttle.Attempt) -> NoReturn:
    feedback = attempt.failed()
    audit.record(
        LOOKUP_ACTION,
        "failure",
        actor_id=actor.citizen_id,
        details={"reason": "unknown code"},
    )
    if feedback.retry_after is not None:
        raise CrossDeviceLoginThrottled(
            headers={"Retry-After": str(feedback.retry_after)}
        )
    raise CrossDeviceLoginNotFound()


def find_for_phone(actor: Actor, user_code: str) -> CrossDeviceLogin:
    """The login a phone scanned or typed, for its citizen to decide on.

    :raise Forbidden: a token acting for an organisation (a person approves).
    :raise CrossDeviceLoginThrottled: too many wrong codes from this citizen.
    :raise CrossDeviceLoginNotFound: no such code (counted as a guess).
    """
    if actor.acts_for_org:
        raise Forbidden()
    subject = audit.keyed_hash(f"cross-device:{actor.citizen_id}")
    attempt = throttle.attempt(LOOKUP_ACTION, subject, audit.client_ip())
    if attempt.retry_after is not None:
        raise CrossDeviceLoginThrottled(
            headers={"Retry-After": str(attempt.retry_after)}
        )
    code = normalized(user_code)
    row = (
        db.session.scalar(
            sa.select(CrossDeviceLogin).where(
                CrossDeviceLogin.code_digest == _digest(code)
            )
        )
        if len(code) == LENGTH
        else None
    )
    if row is None:
        _refuse(actor, attempt)
    attempt.passed()
    return row


def decide(actor: Actor, user_code: str, *, approve: bool) -> CrossDeviceLogin:
    """Approve or decline a login, once, before it expires.

    An approval carries the approving login's ``auth_time``: the browser's
    sign-in is as old as that, never fresher.

    :raise CrossDeviceLoginExpired: past its two minutes.
    :raise CrossDeviceLoginDecided: already approved or declined.
    """
    row = find_for_phone(actor, user_code)
    if row.is_expired() and row.decided_at is None:
        raise CrossDeviceLoginExpired()
    decided = db.session.execute(
        sa.update(CrossDeviceLogin)
        .where(
            CrossDeviceLogin.id == row.id,
            CrossDeviceLogin.decided_at.is_(None),
            CrossDeviceLogin.expires_at > utcnow(),
        )
        .values(
            decided_at=utcnow(),
            approved=approve,
            citizen_id=actor.citizen_id,
            approver_auth_time=actor.auth_time,
        )
    )
    if not decided.rowcount:  # type: ignore[attr-defined]
        raise CrossDeviceLoginDecided()
    db.session.refresh(row)
    audit.record(
        "vneid.cross_device.approved" if approve else "vneid.cross_device.declined",
        "success",
        actor_id=actor.citizen_id,
        client_id=row.client_id,
        details={"login": str(row.id)},
    )
    return row


def client_name(row: CrossDeviceLogin) -> str:
    """The name of the service that asks, as registered."""
    name = db.session.scalar(
        sa.select(OAuthClient.name).where(OAuthClient.client_id == row.client_id)
    )
    return name or row.client_id


def purge_spent() -> str:
    """Forget logins past their use (a day old), and pushed requests likewise:
    they hold a browser's address and user agent."""
    cutoff = utcnow() - timedelta(days=1)
    logins = db.session.execute(
        sa.delete(CrossDeviceLogin).where(CrossDeviceLogin.created_at < cutoff)
    )
    pushed = db.session.execute(
        sa.delete(PushedRequest).where(PushedRequest.created_at < cutoff)
    )
    return (
        f"{logins.rowcount} QR sign-ins and "  # type: ignore[attr-defined]
        f"{pushed.rowcount} pushed authorization requests"  # type: ignore[attr-defined]
    )


def complete(login_id: uuid.UUID) -> CrossDeviceLogin | None:
    """Spend an approved login for the browser that asked; None if it cannot be."""
    now = utcnow()
    completed = db.session.execute(
        sa.update(CrossDeviceLogin)
        .where(
            CrossDeviceLogin.id == login_id,
            CrossDeviceLogin.approved.is_(True),
            CrossDeviceLogin.completed_at.is_(None),
            # An approval is for the browser waiting now, not for one back later.
            CrossDeviceLogin.decided_at > now - CrossDeviceLogin.LIFETIME,
        )
        .values(completed_at=now)
    )
    if not completed.rowcount:  # type: ignore[attr-defined]
        return None
    return db.session.get(CrossDeviceLogin, login_id)
