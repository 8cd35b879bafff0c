"""Forgetting what the wallet protocols no longer need."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from wallet import authorization, grants, offers
from wallet.models import IssuedCredential, PresentationRequest

#: A verifier's outcome (the claims a citizen disclosed) is kept a week after
#: the request closed: long enough to look at again, not a second register.
KEEP_OUTCOMES = timedelta(days=7)


def purge_spent() -> str:
    """Delete offers, authorizations and tokens past their life, and verifier
    requests a week after they closed; say how many went."""
    spent = {
        "credential offers": offers.purge_expired(),
        "wallet authorizations": authorization.purge_expired(),
        "wallet access tokens": grants.purge_expired(),
    }
    # Whom a credential is about, once it can no longer be presented.
    expired = db.session.execute(
        sa.delete(IssuedCredential).where(IssuedCredential.expires_at <= utcnow())
    )
    spent["issued credentials' subjects"] = int(expired.rowcount)  # type: ignore[attr-defined]
    deleted = db.session.execute(
        sa.delete(PresentationRequest).where(
            PresentationRequest.expires_at <= utcnow() - KEEP_OUTCOMES
        )
    )
    spent["presentation requests"] = int(deleted.rowcount)  # type: ignore[attr-defined]
    return " and ".join(f"{count} {what}" for what, count in spent.items())
