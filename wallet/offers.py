"""Pre-authorized credential offers (OpenID4VCI 1.0 §4.1, §6.1).

A citizen logged in at level 2 taps "add to wallet" on a record they may have
(their own, or their young child's): the app gets a credential offer — a link
and QR code naming the offer by reference — and a six-digit transaction code
(PIN) to type into the wallet. The offer lives :data:`OFFER_LIFETIME`; the
wallet redeems its pre-authorized code once, with the PIN, for an access token
to that one credential. Five wrong PINs spend the offer.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from app import audit, crypto, qr
from app.auth import Actor
from app.db import utcnow
from app.errors import NotFound
from app.extensions import db
from wallet import grants, records
from wallet.models import CredentialOffer
from wallet.problems import InvalidGrant, InvalidRequest

OFFER_LIFETIME = timedelta(minutes=10)
PIN_LENGTH = 6
MAX_PIN_ATTEMPTS = 5
PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
_PIN_PURPOSE = "oid4vci-tx-code"
_CODE_PURPOSE = "oid4vci-pre-authorized-code"


class WrongTransactionCode(InvalidGrant):
    """A wrong PIN: the attempt is counted even though the request is refused."""

    commits_work = True


@dataclass(frozen=True)
class MadeOffer:
    """An offer as the app shows it: once, with its PIN."""

    id: uuid.UUID
    configuration_id: str
    credential_offer_uri: str
    deep_link: str
    qr_svg: str
    tx_code: str
    expires_at: datetime


def offer_uri(offer_id: uuid.UUID) -> str:
    """Where the wallet fetches the offer (``credential_offer_uri``)."""
    return f"{current_app.config['BASE_URL']}/oid4vci/offers/{offer_id}"


def make(actor: Actor, credential_identifier: str) -> MadeOffer:
    """Offer the credential ``credential_identifier`` to a wallet.

    :raise NotFound: not a record the actor may add (their own, or a child's
        under 14), or not in force.
    """
    kind, _ = records.parse(credential_identifier)
    offerable = next(
        (
            found
            for found in records.available(actor, [kind])
            if found.identifier == credential_identifier
        ),
        None,
    )
    if offerable is None or not records.may_hold(actor, offerable.subject_id):
        raise NotFound()
    code = grants.secret()
    pin = "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))
    offer = CredentialOffer(
        code_digest=grants.digest(code),
        code_encrypted=crypto.encrypt(code, _CODE_PURPOSE),
        tx_code_digest=grants.keyed_digest(pin, _PIN_PURPOSE),
        configuration_id=kind.configuration_id,
        credential_identifier=credential_identifier,
        created_by=actor.citizen_id,
        expires_at=utcnow() + OFFER_LIFETIME,
    )
    db.session.add(offer)
    db.session.flush()
    audit.record(
        "wallet.offer_made",
        "success",
        actor_id=actor.citizen_id,
        details={"offer": str(offer.id), "credential": kind.configuration_id},
    )
    uri = offer_uri(offer.id)
    link = "openid-credential-offer://?" + urlencode({"credential_offer_uri": uri})
    return MadeOffer(
        offer.id,
        kind.configuration_id,
        uri,
        link,
        qr.svg(link),
        pin,
        offer.expires_at,
    )


def offer_object(offer_id: uuid.UUID) -> dict[str, Any]:
    """The credential offer object a wallet fetches (by reference)."""
    offer = db.session.get(CredentialOffer, offer_id)
    if (
        offer is None
        or offer.redeemed_at is not None
        or utcnow() >= offer.expires_at
        or offer.failed_attempts >= MAX_PIN_ATTEMPTS
    ):
        raise NotFound()
    return {
        "credential_issuer": current_app.config["BASE_URL"],
        "credential_configuration_ids": [offer.configuration_id],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": crypto.decrypt(
                    offer.code_encrypted, _CODE_PURPOSE
                ),
                "tx_code": {
                    "input_mode": "numeric",
                    "length": PIN_LENGTH,
                    "description": "Nhap ma 6 so hien tren ung dung CongDan / "
                    "Enter the 6-digit code shown in the CongDan app",
                },
            }
        },
    }


def redeem(
    code: str,
    tx_code: str | None,
    dpop_jkt: str | None = None,
    client_id: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """Exchange a pre-authorized code and its PIN for an access token (once).

    :return: the access token and the token response's ``authorization_details``.
    :raise InvalidRequest: no PIN given.
    :raise InvalidGrant: unknown, expired or already redeemed code, or an offer
        spent by wrong PINs.
    :raise WrongTransactionCode: the PIN is wrong (the attempt counts).
    :param client_id: the wallet's name, when it gave one (no authentication:
        anonymous access is allowed); its key proofs may then name it.
    """
    if not tx_code:
        raise InvalidRequest(detail_key="wallet-invalid-request.tx-code")
    offer = db.session.scalar(
        sa.select(CredentialOffer)
        .where(CredentialOffer.code_digest == grants.digest(code))
        .with_for_update()
    )
    if (
        offer is None
        or offer.redeemed_at is not None
        or utcnow() >= offer.expires_at
        or offer.failed_attempts >= MAX_PIN_ATTEMPTS
    ):
        raise InvalidGrant(detail_key="wallet-invalid-grant.code")
    if not hmac.compare_digest(
        offer.tx_code_digest, grants.keyed_digest(tx_code, _PIN_PURPOSE)
    ):
        offer.failed_attempts += 1
        audit.record(
            "wallet.offer_wrong_pin",
            "failure",
            actor_id=offer.created_by,
            details={"offer": str(offer.id), "attempts": offer.failed_attempts},
        )
        raise WrongTransactionCode(detail_key="wallet-invalid-grant.tx-code")
    offer.redeemed_at = utcnow()
    token, _ = grants.mint(
        offer.created_by,
        {offer.credential_identifier: offer.configuration_id},
        client_id=client_id,
        dpop_jkt=dpop_jkt,
    )
    details: list[dict[str, Any]] = [
        {
            "type": "openid_credential",
            "credential_configuration_id": offer.configuration_id,
            "credential_identifiers": [offer.credential_identifier],
        }
    ]
    return token, details


def purge_expired() -> int:
    """Delete offers past their life; how many went."""
    deleted = db.session.execute(
        sa.delete(CredentialOffer).where(CredentialOffer.expires_at <= utcnow())
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
