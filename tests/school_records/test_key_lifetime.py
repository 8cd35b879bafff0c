"""A key signs only within its life: from its creation (less the clock skew) to its
retirement, and not from the instant it is withdrawn; a credential says when it was
issued (review of issue 12's fix, finding 2).

Each attack is sent as the review made it; each verified before the fix.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from joserfc import jwt
from sqlalchemy.exc import IntegrityError

from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from school_records import credentials, verification
from school_records.models import SchoolKey
from school_records.resolver import DatabaseResolver
from tests.demo_ids import SCHOOL
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_school_keys import (
    header,
    jwks_of,
    kid_of,
    minted,
    payload,
    private_key,
    problems,
    rotate,
)
from tests.school_records.test_verifier_input import failures, post

YEAR_ONE = "0001-01-01T00:00+14:00"


def school_key(school_id: uuid.UUID) -> SchoolKey:
    row, _ = credentials.signing_key(school_id)
    return row


def withdraw(app, kid: str, since: datetime | str) -> Any:
    instant = since if isinstance(since, str) else since.isoformat()
    # "--" first: a thumbprint may begin with "-", which would read as an option.
    return app.test_cli_runner().invoke(
        args=["schools", "withdraw-key", "--since", instant, "--", kid]
    )


def offline(client, token: str) -> verification.CachedResolver:
    """What a verifier fetches once and keeps: both lists, the JWKS (after the
    lists: a list may be the first signature of a new key), the registry."""
    issuer = payload(token)["issuer"]["id"]
    lists = {
        e["statusListCredential"]: client.get(
            e["statusListCredential"].removeprefix("http://localhost")
        ).get_data(as_text=True)
        for e in payload(token)["credentialStatus"]
    }
    jwks = jwks_of(client, issuer)
    return verification.CachedResolver(
        jwks={issuer: jwks}, lists=lists, registry={issuer}
    )


# --- Attacks as reported -------------------------------------------------------


def test_the_current_key_does_not_verify_a_credential_of_year_one_without_iat(
    client, citizen, school
):
    demo_transcript(citizen)
    token = minted(school.id, school_key(school.id), validFrom=YEAR_ONE, iat=None)
    assert "iat" not in payload(token)
    report = post(client, token, lang="en")
    assert report["verified"] is False
    assert failures(report) == {("cryptographic", "MALFORMED_VALUE")}
    claims_check = next(
        c for c in report["checks"] if c["id"] == "cryptographic.claims"
    )
    assert claims_check["detail"] == {"iat": ["Missing data for required field."]}
    assert report["signed_content"] is None


def test_the_current_key_does_not_verify_a_credential_dated_before_it_existed(
    client, citizen, school
):
    """With ``iat`` now, ``validFrom`` still claims year one: the key did not exist."""
    demo_transcript(citizen)
    token = minted(
        school.id,
        school_key(school.id),
        validFrom=YEAR_ONE,
        iat=int(utcnow().timestamp()),
    )
    report = post(client, token, lang="en")
    assert failures(report) == {("cryptographic", "KEY_NOT_YET_CREATED")}
    check = next(c for c in report["checks"] if c["id"] == "cryptographic.key_validity")
    assert check["message"] == (
        "The transcript is dated before its signing key was made."
    )
    assert report["signed_content"] is None


def test_a_homeroom_proof_created_in_year_one_fails(client, citizen):
    transcript = demo_transcript(citizen)
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    credential["homeroomProof"]["created"] = "0001-01-01T00:00:00+00:00"
    token = credentials.sign_credential(transcript.school_id, credential)
    report = post(client, token)
    assert failures(report) == {("cryptographic", "KEY_NOT_YET_CREATED")}
    check = next(
        c for c in report["checks"] if c["id"] == "cryptographic.homeroom_proof"
    )
    assert check["problem"] == "KEY_NOT_YET_CREATED"
    assert check["message"] == "Học bạ ghi ngày ký trước khi có khóa ký."


def test_a_retired_key_cannot_sign_at_its_retirement_instant_without_iat(
    app, client, citizen, school
):
    demo_transcript(citizen)
    old = school_key(school.id)
    rotate(app, "--school", SCHOOL)
    assert old.retired_at is not None
    token = minted(school.id, old, validFrom=old.retired_at.isoformat(), iat=None)
    assert "iat" not in payload(token)
    report = post(client, token, lang="en")
    assert failures(report) == {("cryptographic", "MALFORMED_VALUE")}
    # Stamped with an iat within its life, the key's own signature holds: whoever
    # stole a retired key is stopped by withdrawing it (below).
    stamped = minted(
        school.id,
        old,
        validFrom=old.retired_at.isoformat(),
        iat=int(old.retired_at.timestamp()),
    )
    assert post(client, stamped)["verified"] is True
    withdrawn = withdraw(app, old.kid, old.created_at)
    assert withdrawn.exit_code == 0, withdrawn.output
    assert failures(post(client, stamped)) == {("cryptographic", "KEY_WITHDRAWN")}


# --- The rule, at its edges -------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "verified"),
    [
        pytest.param(timedelta(minutes=-5), True, id="five-minutes-before"),
        pytest.param(timedelta(minutes=-5, seconds=-1), False, id="just-before"),
    ],
)
def test_a_key_signs_from_its_creation_less_the_clock_skew(
    citizen, school, offset, verified
):
    demo_transcript(citizen)
    row = school_key(school.id)
    row.created_at = utcnow().replace(microsecond=0)
    instant = row.created_at + offset
    token = minted(
        school.id, row, validFrom=instant.isoformat(), iat=int(instant.timestamp())
    )
    report = verification.verify(token, DatabaseResolver())
    assert report.verified is verified
    if not verified:
        assert problems(report) == {"KEY_NOT_YET_CREATED"}


@pytest.mark.parametrize("member", ["validFrom", "iat", "nbf"])
def test_every_instant_a_credential_states_lies_in_its_keys_life(
    citizen, school, member
):
    demo_transcript(citizen)
    row = school_key(school.id)
    now = utcnow()
    early = now - timedelta(days=400)
    values: dict[str, Any] = {
        "validFrom": early.isoformat() if member == "validFrom" else now.isoformat(),
        "iat": int((early if member == "iat" else now).timestamp()),
    }
    if member == "nbf":
        values["nbf"] = int(early.timestamp())
    report = verification.verify(minted(school.id, row, **values), DatabaseResolver())
    assert problems(report) == {"KEY_NOT_YET_CREATED"}


def test_a_status_list_dated_before_its_key_or_without_iat_fails(client, citizen):
    token = demo_transcript(citizen).credential
    resolver = offline(client, token)
    row = school_key(demo_transcript(citizen).school_id)
    for url, listed in list(resolver.lists.items()):
        listed_claims = payload(listed)
        undated = minted_list(row, {**listed_claims, "iat": None})
        resolver.lists[url] = undated
        assert problems(verification.verify(token, resolver)) == {
            "STATUS_LIST_MALFORMED"
        }
        back_dated = minted_list(row, {**listed_claims, "validFrom": YEAR_ONE})
        resolver.lists[url] = back_dated
        assert problems(verification.verify(token, resolver)) == {
            "STATUS_LIST_SIGNATURE_ERROR"
        }
        resolver.lists[url] = listed
    assert verification.verify(token, resolver).verified


def minted_list(row: SchoolKey, list_claims: dict[str, Any]) -> str:
    """A status list signed with ``row``'s private key (``None`` leaves a member out)."""
    return jwt.encode(
        {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt"},
        {k: v for k, v in list_claims.items() if v is not None},
        private_key(row),
    )


def test_the_jwks_publishes_each_keys_life(app, client, citizen, school):
    demo_transcript(citizen)
    rotate(app, "--school", SCHOOL)
    published = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()["keys"]
    rows = {
        row.kid: row
        for row in db.session.scalars(
            sa.select(SchoolKey).where(SchoolKey.school_id == school.id)
        )
    }
    assert {k["kid"] for k in published} == set(rows)
    for key in published:
        row = rows[key["kid"]]
        assert key["created_at"] == row.created_at.isoformat()
        if row.retired_at is None:
            assert key["status"] == "active"
            assert "retired_at" not in key
        else:
            assert key["status"] == "retired"
            assert key["retired_at"] == row.retired_at.isoformat()
        assert "withdrawn_since" not in key


# --- Withdrawing a compromised key ---------------------------------------------


def test_withdraw_key_end_to_end(app, client, citizen, school, monkeypatch):
    transcript = demo_transcript(citizen)
    compromised = school_key(school.id)
    now = utcnow()
    compromised.created_at = now - timedelta(days=1)  # in use for a day

    def signed_at(instant: datetime) -> str:
        """Published and signed at ``instant``, by the service's own code."""
        transcript.published_at = instant
        monkeypatch.setattr(credentials, "utcnow", lambda: instant)
        token = credentials.sign_credential(
            school.id, credentials.build_credential(transcript, "Lê Văn Dũng")
        )
        monkeypatch.undo()
        return token

    before = signed_at(now - timedelta(minutes=2))
    after = signed_at(now)
    for token in (before, after):
        assert kid_of(token) == compromised.kid
        assert post(client, token)["verified"] is True

    since = now - timedelta(minutes=1)
    # As the README does it: the kid read off the credential's header, a DID URL.
    result = withdraw(app, header(after)["kid"], since)
    assert result.exit_code == 0, result.output
    assert compromised.kid in result.output

    # Signed before --since: still authentic. At or after it: withdrawn.
    assert post(client, before)["verified"] is True
    report = post(client, after, lang="en")
    assert failures(report) == {("cryptographic", "KEY_WITHDRAWN")}
    check = next(c for c in report["checks"] if c["id"] == "cryptographic.key_validity")
    assert check["message"] == (
        "The transcript was signed with a key withdrawn (compromised) before its "
        "issue date."
    )
    assert report["signed_content"] is None
    at_since = minted(
        school.id,
        compromised,
        validFrom=since.isoformat(),
        iat=int(since.timestamp()) + 1,
    )
    assert problems(verification.verify(at_since, DatabaseResolver())) == {
        "KEY_WITHDRAWN"
    }

    # The JWKS says so; a verifier that fetches it afterwards agrees offline.
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    entry = next(k for k in jwks["keys"] if k["kid"] == compromised.kid)
    assert entry["status"] == "withdrawn"
    assert entry["withdrawn_since"] == since.isoformat()
    assert entry["retired_at"] == compromised.retired_at.isoformat()
    assert entry["created_at"] == compromised.created_at.isoformat()
    cached = offline(client, after)
    assert verification.verify(before, cached).verified
    assert problems(verification.verify(after, cached)) == {"KEY_WITHDRAWN"}

    # It signs nothing more: the next credential has a new key, and verifies.
    fresh = credentials.sign_credential(
        school.id, credentials.build_credential(transcript, "Lê Văn Dũng")
    )
    assert kid_of(fresh) != compromised.kid
    assert post(client, fresh)["verified"] is True

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "school.key.withdrawn")
    )
    assert event is not None
    assert event.details == {
        "school": str(school.id),
        "kid": compromised.kid,
        "holder": "school",
        "since": since.isoformat(),
    }


def test_withdrawing_a_teachers_key_fails_the_homeroom_proofs_it_made(
    app, client, citizen
):
    transcript = demo_transcript(citizen)
    kid = kid_of(transcript.homeroom_proof)
    teacher_key = db.session.scalar(sa.select(SchoolKey).where(SchoolKey.kid == kid))
    assert teacher_key is not None
    result = withdraw(app, kid, teacher_key.created_at)
    assert result.exit_code == 0, result.output
    report = post(client, transcript.credential)
    assert failures(report) == {("cryptographic", "KEY_WITHDRAWN")}
    check = next(
        c for c in report["checks"] if c["id"] == "cryptographic.homeroom_proof"
    )
    assert check["problem"] == "KEY_WITHDRAWN"


def test_a_withdrawal_only_ever_moves_earlier(app, citizen, school):
    demo_transcript(citizen)
    row = school_key(school.id)
    first = utcnow() - timedelta(hours=1)
    assert withdraw(app, row.kid, first).exit_code == 0
    later = withdraw(app, row.kid, first + timedelta(minutes=30))
    assert later.exit_code == 0, later.output
    assert row.withdrawn_since == first
    assert first.isoformat() in later.output
    earlier = first - timedelta(minutes=30)
    assert withdraw(app, row.kid, earlier).exit_code == 0
    assert row.withdrawn_since == earlier


@pytest.mark.parametrize(
    ("kid", "since", "says"),
    [
        pytest.param("no-such-key", "2026-01-01T00:00:00+00:00", "no-such-key", id="unknown-kid"),
        pytest.param(None, "2026-01-01T00:00:00", "time zone", id="naive-instant"),
        pytest.param(None, "yesterday", "ISO 8601", id="not-an-instant"),
        pytest.param(None, "2999-01-01T00:00:00+00:00", "future", id="in-the-future"),
    ],
)  # fmt: skip
def test_withdraw_key_refuses_what_it_cannot_mean(
    app, citizen, school, kid, since, says
):
    demo_transcript(citizen)
    row = school_key(school.id)
    result = withdraw(app, kid or row.kid, since)
    assert result.exit_code != 0
    assert says in result.output
    assert row.withdrawn_since is None
    assert row.retired_at is None


def test_a_withdrawn_key_is_always_a_retired_one(citizen, school):
    demo_transcript(citizen)
    row = school_key(school.id)
    row.withdrawn_since = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


def test_a_kid_that_begins_with_a_dash_can_be_named(app):
    """Found by a mutation run: one thumbprint in 64 begins with "-", and
    ``withdraw-key KID --since …`` read it as an unknown option; after "--" it is
    the key's id (here no key has it, and the command says so)."""
    result = withdraw(app, "-Kno-such-key", utcnow())
    assert result.exit_code != 0
    assert "No school key has the kid -Kno-such-key" in result.output
