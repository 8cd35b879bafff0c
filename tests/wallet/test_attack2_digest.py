"""Bypasses of the wallet_issued digest lookup: the same credential, its
issuer-signed part spelt differently, still verifies and is read without an
access event for its subject."""

import base64
import dataclasses

import pytest
import sqlalchemy as sa

from app.extensions import db
from consent.models import AccessEvent, Basis
from tests.demo_ids import AN
from tests.wallet.test_attack_presentation import _outcome

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def high_s(token):
    """The same JWS with (r, n - s): ECDSA's other valid signature."""
    head, body, sig = token.split(".")
    raw = _unb64(sig)
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    return f"{head}.{body}.{_b64(r + (N - s).to_bytes(32, 'big'))}"


def trailing_bits(token):
    """The same JWS, the signature's last base64url character carrying
    non-zero unused bits (decodes to the same bytes)."""
    head, body, sig = token.split(".")
    last = ALPHABET.index(sig[-1])
    changed = ALPHABET[last | 0b0101]
    assert _unb64(sig[:-1] + changed) == _unb64(sig)
    return f"{head}.{body}.{sig[:-1] + changed}"


@pytest.mark.parametrize("respell", [high_s])
def test_a_respelt_card_is_still_logged_for_its_citizen(
    http, holder, card_offer, clinic_ask, citizen, respell
):
    [stored] = holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    token, _, rest = stored.sd_jwt.partition("~")
    holder.credentials = [
        dataclasses.replace(stored, sd_jwt=f"{respell(token)}~{rest}")
    ]
    made = clinic_ask([["full_name"], ["birthdate"], ["bhyt_number"]])
    assert holder.present(made["request_link"]) == {}
    found = _outcome(made)
    assert found.outcome == "verified"
    assert found.result["credentials"][0]["claims"]["bhyt_number"]
    logged = db.session.scalars(
        sa.select(AccessEvent).where(
            AccessEvent.subject_id == citizen(AN).id,
            AccessEvent.basis == Basis.PRESENTATION,
        )
    ).all()
    assert logged, "the clinic read An's card number; his access log says nothing"


def test_a_card_unknown_to_wallet_issued_is_refused_not_read_unlogged(
    http, holder, card_offer, clinic_ask, citizen
):
    """A credential the service has no record of (its row purged, say) would
    be read with no access event: it is refused instead (fail closed)."""
    from wallet.holder import WalletError
    from wallet.models import IssuedCredential

    holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    db.session.execute(sa.delete(IssuedCredential))
    db.session.flush()
    made = clinic_ask([["full_name"], ["bhyt_number"]])
    with pytest.raises(WalletError, match="400"):
        holder.present(made["request_link"])
    found = _outcome(made)
    assert found.outcome == "rejected"
    assert found.result == {"reason": "unknown-credential"}
