"""School signing keys: created once and kept, rotated, retired keys only verify what
they signed before retirement (review issue 12, finding 3)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import orm
from sqlalchemy.exc import IntegrityError

from app import crypto
from app.audit import AuditEvent
from app.db import utcnow
from app.extensions import db
from school_records import claims, credentials, keys, verification
from school_records.models import SchoolKey, Transcript
from school_records.report import Report, signed_content
from school_records.resolver import DatabaseResolver
from tests.conftest import LiveServer
from tests.demo_ids import CLINIC, SCHOOL
from tests.problems import assert_problem
from tests.school_records.helpers import demo_transcript
from tests.school_records.test_workflow import publish
from tests.service_requests.test_concurrency import together


def header(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def kid_of(token: str) -> str:
    """The signing key's id: a credential's ``kid`` is its DID URL, ``did#kid``."""
    return str(header(token)["kid"]).rpartition("#")[2]


def jwks_of(client, issuer: str) -> dict[str, Any]:
    """The JWKS of the school ``issuer`` names, as its URL or its did:web."""
    location = claims.issuer_location(issuer)
    return client.get("/" + location.split("/", 1)[1] + "/jwks").get_json()


def payload(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def problems(report: Report) -> set[str | None]:
    return {c.problem for c in report.checks if c.status == "failure"}


def school_keys(school_id: uuid.UUID) -> list[SchoolKey]:
    return list(
        db.session.scalars(
            sa.select(SchoolKey).where(
                SchoolKey.school_id == school_id, SchoolKey.holder_id.is_(None)
            )
        )
    )


def rotate(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["schools", "rotate-keys", *args])
    assert result.exit_code == 0, result.output
    return result.output


def private_key(row: SchoolKey) -> ECKey:
    """The private half of a stored key (as an insider who stole it would have it)."""
    return ECKey.import_key(
        json.loads(crypto.decrypt(row.private_jwk_encrypted, "school-signing-key"))
    )


def minted(school_id: uuid.UUID, row: SchoolKey, **claims: Any) -> str:
    """A credential signed with ``row``'s private key, as whoever stole it would:
    stamped ``iat`` now unless ``claims`` say otherwise (``None`` leaves a member
    out)."""
    transcript = db.session.scalar(
        sa.select(Transcript).where(Transcript.school_id == school_id)
    )
    assert transcript is not None
    credential = credentials.build_credential(transcript, "Lê Văn Dũng")
    credential["iat"] = int(utcnow().timestamp())
    credential.update(claims)
    credential = {k: v for k, v in credential.items() if v is not None}
    return jwt.encode(
        {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt", "cty": "vc"},
        credential,
        private_key(row),
    )


@pytest.mark.slow  # starts gunicorn
@pytest.mark.real_sessions
def test_with_no_active_key_one_key_is_made_saved_and_published(
    live_server: LiveServer,
):
    with live_server.app.app_context():
        transcript = db.session.scalar(sa.select(Transcript))
        assert transcript is not None
        school_id, token = transcript.school_id, transcript.credential
        db.session.execute(
            sa.update(SchoolKey)
            .where(SchoolKey.school_id == school_id)
            .values(retired_at=utcnow())
        )
        db.session.commit()
        db.session.remove()
    lists = [
        e["statusListCredential"].removeprefix(live_server.url)
        for e in payload(token)["credentialStatus"]
    ]
    with httpx.Client(base_url=live_server.url, timeout=60) as api:
        answers = together(8, lambda i: api.get(lists[i % 2]))
        assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
        kids = {kid_of(a.text) for a in answers}
        assert len(kids) == 1
        published = api.get(f"/api/v1/schools/{school_id}/jwks").json()["keys"]
        active = [k for k in published if k["status"] == "active"]
        assert [k["kid"] for k in active if k["holder"] == "school"] == list(kids)
        again = api.get(lists[0])
        assert kid_of(again.text) in kids
        report = api.post("/api/v1/transcripts/verify", json={"credential": token})
        assert report.json()["verified"] is True, report.json()
    with live_server.app.app_context():
        assert [k.kid for k in school_keys(school_id) if k.retired_at is None] == list(
            kids
        )
        db.session.remove()


def test_the_database_admits_one_active_key_per_school_and_teacher(citizen, school):
    teacher = demo_transcript(citizen).homeroom_teacher_id
    for holder in (None, teacher):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(keys._new_row(school.id, holder))


def test_a_request_that_loses_the_race_to_create_a_key_uses_the_winners(
    school, monkeypatch
):
    winner, _ = keys.signing_key(school.id)
    real = keys._active
    seen: list[SchoolKey | None] = []

    def late(school_id, holder_id):
        # The first two looks happen before the winner's commit: they find nothing.
        found = real(school_id, holder_id) if len(seen) >= 2 else None
        seen.append(found)
        return found

    monkeypatch.setattr(keys, "_active", late)
    row, key = keys.signing_key(school.id)
    assert row.kid == winner.kid
    assert key.kid == winner.kid
    assert [k.kid for k in school_keys(school.id) if k.retired_at is None] == [
        winner.kid
    ]


@pytest.mark.usefixtures("binh_in_7a1", "year_over")
def test_rotation_end_to_end(app, client, citizen, school):
    old = demo_transcript(citizen)
    old_token = old.credential
    old_kid = kid_of(old_token)
    issuer = credentials.issuer_id(school.id)

    output = rotate(app, "--school", SCHOOL)

    keys = school_keys(school.id)
    retired = next(k for k in keys if k.kid == old_kid)
    new = next(k for k in keys if k.retired_at is None)
    assert retired.retired_at is not None
    assert new.kid in output
    assert new.kid != old_kid
    teachers = db.session.scalars(
        sa.select(SchoolKey).where(
            SchoolKey.school_id == school.id, SchoolKey.holder_id.is_not(None)
        )
    )
    assert all(k.retired_at is not None for k in teachers)
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "school.keys.rotated")
    )

    # The JWKS keeps the retired key, says so, and names the new active one.
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    by_kid = {k["kid"]: k for k in jwks["keys"]}
    assert by_kid[old_kid]["status"] == "retired"
    assert by_kid[old_kid]["retired_at"] == retired.retired_at.isoformat()
    assert by_kid[new.kid]["status"] == "active"
    assert "retired_at" not in by_kid[new.kid]
    assert all("d" not in k for k in jwks["keys"])

    # What the old key signed before retirement still verifies.
    assert verification.verify(old_token, DatabaseResolver()).verified

    # A transcript published now is signed with the new key, homeroom and school.
    published = publish(client, school, citizen)
    fresh = db.session.get(Transcript, uuid.UUID(published["id"]))
    assert fresh is not None
    assert kid_of(fresh.credential) == new.kid
    assert verification.verify(fresh.credential, DatabaseResolver()).verified

    # The status lists are re-signed with the active key and still resolve offline.
    status = {
        e["statusListCredential"]: client.get(
            e["statusListCredential"].removeprefix("http://localhost")
        ).get_data(as_text=True)
        for e in payload(old_token)["credentialStatus"]
    }
    assert {kid_of(t) for t in status.values()} == {new.kid}
    # (fetched again: the homeroom teacher's new key was made at her signature)
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    offline = verification.CachedResolver(
        jwks={issuer: jwks}, lists=status, registry={issuer}
    )
    assert verification.verify(old_token, offline).verified
    assert verification.verify(fresh.credential, offline).verified

    # Whoever holds the retired key cannot mint a credential dated after retirement,
    # online or offline.
    forged = minted(school.id, retired)
    for resolver in (DatabaseResolver(), offline):
        report = verification.verify(forged, resolver)
        assert problems(report) == {"KEY_RETIRED"}
        assert signed_content(report) is None


def test_a_key_retired_yesterday_does_not_verify_a_credential_signed_today(
    citizen, school
):
    demo = demo_transcript(citizen)
    row, _ = credentials.signing_key(school.id)
    row.retired_at = utcnow() - timedelta(days=1)
    token = minted(school.id, row)
    report = verification.verify(token, DatabaseResolver())
    assert problems(report) == {"KEY_RETIRED"}
    assert {c.status for c in report.checks if c.phase != "cryptographic"} == {
        "skipped"
    }
    # Signed before, it still verifies (the demo transcript was issued at seeding).
    row.retired_at = utcnow() + timedelta(seconds=1)
    assert verification.verify(demo.credential, DatabaseResolver()).verified


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(lambda now: {"iat": int((now + timedelta(days=1)).timestamp())}, id="iat"),
        pytest.param(lambda now: {"nbf": int((now + timedelta(days=1)).timestamp())}, id="nbf"),
        pytest.param(lambda now: {"validFrom": (now + timedelta(days=1)).isoformat()}, id="validFrom"),
    ],
)  # fmt: skip
def test_a_credential_issued_in_the_future_fails(school, claims):
    row, _ = credentials.signing_key(school.id)
    report = verification.verify(
        minted(school.id, row, **claims(utcnow())), DatabaseResolver()
    )
    assert problems(report) == {"CREDENTIAL_NOT_YET_VALID"}


def test_a_retired_key_cannot_sign_a_status_list_after_retirement(
    app, client, citizen, school
):
    token = demo_transcript(citizen).credential
    issuer = credentials.issuer_id(school.id)
    old_row, _ = credentials.signing_key(school.id)
    rotate(app, "--school", SCHOOL)
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    lists = {}
    for entry in payload(token)["credentialStatus"]:
        fetched = client.get(
            entry["statusListCredential"].removeprefix("http://localhost")
        ).get_data(as_text=True)
        claims = payload(fetched)
        lists[entry["statusListCredential"]] = jwt.encode(
            {"alg": "ES256", "kid": old_row.kid, "typ": "vc+jwt"},
            claims,
            private_key(old_row),
        )
    offline = verification.CachedResolver(
        jwks={issuer: jwks}, lists=lists, registry={issuer}
    )
    assert problems(verification.verify(token, offline)) == {
        "STATUS_LIST_SIGNATURE_ERROR"
    }


def test_rotate_keys_for_every_school_and_refuses_an_unknown_code(app, school):
    before = {k.kid for k in school_keys(school.id) if k.retired_at is None}
    output = rotate(app)
    after = {k.kid for k in school_keys(school.id) if k.retired_at is None}
    assert len(after) == 1
    assert after.isdisjoint(before)
    assert SCHOOL in output
    unknown = app.test_cli_runner().invoke(
        args=["schools", "rotate-keys", "--school", "00000000"]
    )
    assert unknown.exit_code != 0
    assert "00000000" in unknown.output


def test_only_a_school_has_keys_to_publish(client, organisation):
    """Found by a reviewer: any id answered an empty JWKS (200, cached five
    minutes), where the DID document of the same id is 404."""
    for not_a_school in (uuid.uuid4(), organisation(CLINIC).id):
        for document in ("jwks", "did.json"):
            response = client.get(f"/api/v1/schools/{not_a_school}/{document}")
            assert_problem(response, 404, "not-found")
    school = organisation(SCHOOL).id
    assert client.get(f"/api/v1/schools/{school}/jwks").get_json()["keys"]


def test_serving_a_signed_status_list_again_holds_no_key(client, citizen):
    """Holding the key (FOR SHARE) made every read of a status list a writing
    transaction on PostgreSQL, whose commit waits for the log's flush: 0.08 of the
    framework floor under load. Only a signature needs to hold the key."""
    url = payload(demo_transcript(citizen).credential)["credentialStatus"][0][
        "statusListCredential"
    ].removeprefix("http://localhost")
    first = client.get(url)
    assert first.status_code == 200
    locking: list[str] = []

    def note(state: orm.ORMExecuteState) -> None:
        if state.is_select and state.statement._for_update_arg is not None:
            locking.append(str(state.statement))

    sa.event.listen(db.session, "do_orm_execute", note)
    try:
        again = client.get(url)
    finally:
        sa.event.remove(db.session, "do_orm_execute", note)
    assert again.get_data() == first.get_data()
    assert locking == []


def _with_status_lists(client, school, token, forge) -> set[str | None]:
    """Verify ``token`` offline with each of its status lists replaced by
    ``forge(fetched list, its claims)`` (None: not found): the problems found."""
    return {problem for _, problem in _failed_checks(client, school, token, forge)}


def _failed_checks(client, school, token, forge) -> set[tuple[str, str | None]]:
    """As :func:`_with_status_lists`, naming each failed check."""
    issuer = credentials.issuer_id(school.id)
    jwks = client.get(f"/api/v1/schools/{school.id}/jwks").get_json()
    lists = {}
    for entry in payload(token)["credentialStatus"]:
        url = entry["statusListCredential"]
        fetched = client.get(url.removeprefix("http://localhost")).get_data(True)
        forged = forge(fetched, payload(fetched))
        if forged is not None:
            lists[url] = forged
    offline = verification.CachedResolver(
        jwks={issuer: jwks}, lists=lists, registry={issuer}
    )
    report = verification.verify(token, offline)
    return {(c.id, c.problem) for c in report.checks if c.status == "failure"}


def test_a_status_list_is_judged_by_its_own_signature_and_address(
    client, citizen, school
):
    """Mutation testing found these untested: a list whose signature fails under the
    key its header names, one that is not a JWT, and one moved to another address."""
    token = demo_transcript(citizen).credential
    row, school_key = credentials.signing_key(school.id)
    stranger = ECKey.generate_key("P-256")
    header = {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt"}

    def under_the_schools_kid(_: str, listed: dict[str, Any]) -> str:
        return jwt.encode(header, listed, stranger)

    def not_a_jwt(_: str, __: dict[str, Any]) -> str:
        return "not-a-jwt"

    def moved(_: str, listed: dict[str, Any]) -> str:
        return jwt.encode(header, {**listed, "id": f"{listed['id']}-x"}, school_key)

    assert _with_status_lists(client, school, token, under_the_schools_kid) == {
        "STATUS_LIST_SIGNATURE_ERROR"
    }
    assert _with_status_lists(client, school, token, not_a_jwt) == {
        "STATUS_LIST_MALFORMED"
    }
    assert _with_status_lists(client, school, token, moved) == {"STATUS_LIST_MALFORMED"}
    as_fetched = _with_status_lists(client, school, token, lambda fetched, _: fetched)
    assert as_fetched == set()


def test_a_status_list_not_found_or_of_another_issuer_fails_its_own_check(
    client, citizen, school
):
    token = demo_transcript(citizen).credential
    row, school_key = credentials.signing_key(school.id)
    header = {"alg": "ES256", "kid": row.kid, "typ": "vc+jwt"}

    def of_another_issuer(_: str, listed: dict[str, Any]) -> str:
        another = credentials.issuer_did(uuid.uuid4())  # another school's DID
        forged = {**listed, "issuer": another, "iss": another}
        return jwt.encode(header, forged, school_key)

    purposes = ("status.revocation", "status.suspension")
    assert _failed_checks(client, school, token, lambda _, __: None) == {
        (check, "STATUS_LIST_NOT_FOUND") for check in purposes
    }
    assert _failed_checks(client, school, token, of_another_issuer) == {
        (check, "STATUS_LIST_ISSUER_MISMATCH") for check in purposes
    }
