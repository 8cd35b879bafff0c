"""Issue 11's findings on consent, performed exactly as the outside review did.

Each test is the attack; it failed on main before the fix and asserts the refusal.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from notifications.models import Notification
from tests.consent.helpers import events, grant, request_body
from tests.demo_ids import AN, DUNG, HAI, SCHOOL
from tests.health_book.helpers import book
from tests.problems import assert_problem

FORGED = {"X-Request-ID": "replay-me-1234567890"}
CONDITION = {
    "record_date": "2019-06-01",
    "icd10_code": "B20",
    "description": "HIV disease",
    "clinical_status": "active",
}


# Finding 1: the frequency limit counts uses by the server's id for the request.


@pytest.mark.parametrize("suffix", ["/encounters", "", "/fhir"])
def test_a_resent_request_id_does_not_buy_extra_uses(client, parties, citizen, suffix):
    an = citizen(AN)
    categories = ["encounters", "allergies", "conditions", "immunizations"]
    grant(
        client,
        parties,
        an.id,
        categories=categories,
        access_mode="store",
        frequency_limit=1,
        frequency_unit="day",
    )
    headers = parties.clinic() | FORGED
    first = client.get(book(an.id, suffix), headers=headers)
    assert first.status_code == 200, first.get_json()
    for _ in range(10):
        again = client.get(book(an.id, suffix), headers=headers)
        assert_problem(again, 429, "consent-frequency-exceeded")
        assert int(again.headers["Retry-After"]) > 0
    permits = [e for e in events(an.id) if e.outcome == "permit"]
    assert len({e.request_id for e in permits}) == 1
    assert all(e.request_id != FORGED["X-Request-ID"] for e in events(an.id))


def test_the_client_request_id_is_still_echoed_for_tracing(client, parties):
    response = client.get(
        "/api/v1/citizens/me", headers=parties.as_citizen(AN) | FORGED
    )
    assert response.headers["X-Request-ID"] == FORGED["X-Request-ID"]


# Finding 2: every version shown to someone else passes the checks of a current record.


def _superseded_hiv_diagnosis(client, parties, an) -> tuple[str, str]:
    """A 2019 B20 diagnosis corrected in 2024 into a non-sensitive one."""
    old = client.post(
        book(an.id, "/conditions"), json=CONDITION, headers=parties.clinic()
    )
    assert old.status_code == 201, old.get_json()
    new = client.post(
        book(an.id, f"/conditions/{old.get_json()['id']}/corrections"),
        json={
            "record_date": "2024-03-01",
            "icd10_code": "J06.9",
            "description": "Nhiễm trùng hô hấp trên cấp",
            "clinical_status": "resolved",
            "correction_reason": "Chẩn đoán lại",
        },
        headers=parties.clinic(),
    )
    assert new.status_code == 201, new.get_json()
    return old.get_json()["id"], new.get_json()["id"]


@pytest.mark.parametrize("which", ["current", "old"])
def test_history_hides_versions_outside_the_period_and_sensitive(
    client, parties, citizen, which
):
    an = citizen(AN)
    old_id, new_id = _superseded_hiv_diagnosis(client, parties, an)
    grant(
        client,
        parties,
        an.id,
        categories=["conditions"],
        data_from="2024-01-01",
    )
    asked = new_id if which == "current" else old_id
    response = client.get(
        book(an.id, f"/conditions/{asked}/history"), headers=parties.clinic()
    )
    if which == "old":
        # The excluded version itself is not shown, not even as a starting point.
        assert_problem(response, 404, "not-found")
        return
    assert response.status_code == 200, response.get_json()
    body = response.get_data(as_text=True)
    for leaked in ("B20", "HIV", "2019"):
        assert leaked not in body
    assert [v["id"] for v in response.get_json()] == [new_id]


def test_the_citizen_still_sees_every_version(client, parties, citizen):
    an = citizen(AN)
    old_id, new_id = _superseded_hiv_diagnosis(client, parties, an)
    response = client.get(
        book("me", f"/conditions/{new_id}/history"), headers=parties.as_citizen(AN)
    )
    assert [v["id"] for v in response.get_json()] == [old_id, new_id]


def test_history_shows_sensitive_versions_only_when_the_consent_names_them(
    client, parties, citizen
):
    an = citizen(AN)
    old_id, new_id = _superseded_hiv_diagnosis(client, parties, an)
    grant(client, parties, an.id, categories=["conditions"], include_sensitive=True)
    response = client.get(
        book(an.id, f"/conditions/{new_id}/history"), headers=parties.clinic()
    )
    assert [v["id"] for v in response.get_json()] == [old_id, new_id]


# Finding 6: an act-as token dies with the membership it was issued for.


def test_an_ended_membership_kills_the_act_as_token(client, parties, citizen):
    hai, dung = citizen(HAI), citizen(DUNG)
    school_token = parties.as_staff(DUNG, SCHOOL, "teacher")
    share = client.post(
        "/api/v1/share-codes",
        json={"categories": ["identity_basic"]},
        headers=parties.stepped_up(AN),
    )
    assert share.status_code == 201, share.get_json()
    for membership in dung.memberships:
        membership.ended_at = utcnow()
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))

    asked = client.post(
        "/api/v1/consent-requests",
        json=request_body(hai.id, purpose="ENROLL", categories=["transcripts"]),
        headers=school_token,
    )
    assert_problem(asked, 403, "membership-ended")
    assert_problem(
        client.get("/api/v1/consents", headers=school_token), 403, "membership-ended"
    )
    redeemed = client.post(
        f"/api/v1/share-codes/{share.get_json()['code']}/redeem", headers=school_token
    )
    assert_problem(redeemed, 403, "membership-ended")
    # Nobody was told anything in the school's name.
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    assert after == before
    # His own citizen token still works.
    assert (
        client.get("/api/v1/citizens/me", headers=parties.as_citizen(DUNG)).status_code
        == 200
    )


# Finding 7: a consent request tells the requester nothing about the register.


def _ask_by_national_id(client, headers, national_id):
    body = request_body(None, national_id=national_id)
    body.pop("subject_id")
    return client.post("/api/v1/consent-requests", json=body, headers=headers)


def test_a_consent_request_does_not_say_whether_a_national_id_exists(
    client, parties, citizen
):
    an = citizen(AN)
    known = _ask_by_national_id(client, parties.clinic(), AN)
    unknown = _ask_by_national_id(client, parties.clinic(), "074095999999")
    assert known.status_code == unknown.status_code == 201
    assert set(known.get_json()) == set(unknown.get_json())
    for response in (known, unknown):
        assert response.get_json()["subject_id"] is None
        assert response.get_json()["status"] == "pending"
        assert str(an.id) not in response.get_data(as_text=True)
    for request in (known, unknown):
        shown = client.get(
            f"/api/v1/consent-requests/{request.get_json()['id']}",
            headers=parties.clinic(),
        )
        assert shown.status_code == 200
        assert shown.get_json()["subject_id"] is None
    sent = client.get("/api/v1/consent-requests", headers=parties.clinic()).get_json()
    assert all(item["subject_id"] is None for item in sent["items"])
    # The citizen sees the real one in her inbox, with her id.
    inbox = client.get(
        "/api/v1/consent-requests?status=pending", headers=parties.as_citizen(AN)
    ).get_json()
    mine = [r for r in inbox["items"] if r["id"] == known.get_json()["id"]]
    assert [r["subject_id"] for r in mine] == [str(an.id)]
    # Nobody can answer the unmatched one.
    answer = client.post(
        f"/api/v1/consent-requests/{unknown.get_json()['id']}/approve",
        json={},
        headers=parties.stepped_up(AN),
    )
    assert_problem(answer, 404, "not-found")


def test_consent_requests_are_limited_per_organisation(
    app, client, parties, monkeypatch
):
    monkeypatch.setitem(app.config, "CONSENT_REQUESTS_PER_ORG_HOUR", 3)
    for number in (AN, "074095999998", "074095999997"):
        assert _ask_by_national_id(client, parties.clinic(), number).status_code == 201
    refused = _ask_by_national_id(client, parties.clinic(), "074095999996")
    assert_problem(refused, 429, "too-many-consent-requests")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # Another organisation is not held back by this one.
    school = parties.as_staff(DUNG, SCHOOL, "teacher")
    body = request_body(
        None, national_id=AN, purpose="ENROLL", categories=["transcripts"]
    )
    body.pop("subject_id")
    assert (
        client.post("/api/v1/consent-requests", json=body, headers=school).status_code
        == 201
    )
