"""The deny-when cases of ../shared/reference/health_consent.md (d), numbered as there.

Each asserts the status, the problem type and the access event the citizen sees.
Reads go through ``GET /api/v1/citizens/{id}`` (identity data under consent); the
health book reuses the same enforcement point.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import unit_of_work
from app.db import utcnow
from app.extensions import db
from consent import decisions, policies
from consent.models import (
    AccessEvent,
    ConsentArtefact,
    ConsentRequest,
    RequestStatus,
)
from consent.vocabulary import Category
from notifications.models import Notification
from tests.consent.helpers import ask, events, grant, request_body
from tests.demo_ids import AN, BINH, CLINIC, CUC, DUNG, EM, HAI, SCHOOL
from tests.problems import assert_problem


def read(client, headers, subject_id, view="basic"):
    return client.get(f"/api/v1/citizens/{subject_id}?view={view}", headers=headers)


def assert_denied(response, subject_id, reason, status=403, slug="consent-required"):
    body = assert_problem(response, status, slug)
    assert body["reason"] == reason
    last = events(subject_id)[-1]
    assert last.outcome == "deny"
    assert last.reason == reason
    return last


def test_01_clinic_without_artefact_is_refused(client, parties, citizen):
    an = citizen(AN)
    response = read(client, parties.clinic(), an.id)
    event = assert_denied(response, an.id, "no-artefact")
    assert event.org_id is not None
    assert event.basis.value == "none"


def test_02_pending_request_gives_no_access(client, parties, citizen):
    an = citizen(AN)
    ask(client, parties.clinic(), an.id)
    assert_denied(read(client, parties.clinic(), an.id), an.id, "no-artefact")


def test_03_another_citizen_cannot_answer(client, parties, citizen):
    request = ask(client, parties.clinic(), citizen(AN).id)
    for action in ("approve", "deny"):
        response = client.post(
            f"/api/v1/consent-requests/{request['id']}/{action}",
            json={},
            headers=parties.stepped_up(HAI),
        )
        assert_problem(response, 403, "not-your-consent")
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.PENDING
    )


def test_04_answering_twice_is_409_and_changes_nothing(client, parties, citizen):
    request = ask(client, parties.clinic(), citizen(AN).id)
    url = f"/api/v1/consent-requests/{request['id']}"
    assert (
        client.post(
            f"{url}/approve", json={}, headers=parties.stepped_up(AN)
        ).status_code
        == 201
    )
    again = client.post(f"{url}/approve", json={}, headers=parties.stepped_up(AN))
    assert (
        assert_problem(again, 409, "consent-state-conflict")["current_status"]
        == "approved"
    )
    denied = client.post(f"{url}/deny", headers=parties.as_citizen(AN))
    assert_problem(denied, 409, "consent-state-conflict")
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(ConsentArtefact)) == 1
    )


def test_05_approving_after_seven_days_expires_the_request(
    client, parties, citizen, organisation
):
    request = ask(client, parties.clinic(), citizen(AN).id)
    db.session.execute(
        sa.update(ConsentRequest).values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json={},
        headers=parties.stepped_up(AN),
    )
    assert_problem(response, 409, "consent-state-conflict")
    db.session.expire_all()
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.EXPIRED
    )
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(
            Notification.org_id == organisation(CLINIC).id
        )
    ).all()
    assert "consent_request_expired" in kinds


@pytest.mark.parametrize(
    ("acr", "age"),
    [("urn:vneid:loa:1", timedelta(0)), ("urn:vneid:loa:2", timedelta(minutes=10))],
)
def test_06_approval_needs_a_fresh_step_up(
    client, parties, citizen, auth_headers, acr, age
):
    request = ask(client, parties.clinic(), citizen(AN).id)
    headers = auth_headers(citizen(AN), acr=acr, auth_time=utcnow() - age)
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve", json={}, headers=headers
    )
    assert_problem(response, 401, "insufficient-user-authentication")
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.PENDING
    )


@pytest.mark.parametrize(
    ("narrowing", "field"),
    [
        ({"categories": ["identity_basic", "identity_full"]}, "categories"),
        ({"data_from": "1999-12-31"}, "data_from"),
        ({"data_to": (utcnow().date() + timedelta(days=1)).isoformat()}, "data_to"),
        ({"valid_until": (utcnow() + timedelta(days=31)).isoformat()}, "valid_until"),
    ],
)
def test_07_approval_wider_than_the_request_is_422(
    client, parties, citizen, narrowing, field
):
    request = ask(
        client,
        parties.clinic(),
        citizen(AN).id,
        categories=["identity_basic", "allergies"],
    )
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json=narrowing,
        headers=parties.stepped_up(AN),
    )
    body = assert_problem(response, 422, "validation-failed")
    assert field in body["errors"]
    assert (
        db.session.get(ConsentRequest, uuid.UUID(request["id"])).status
        == RequestStatus.PENDING
    )


def test_07_narrower_approval_is_granted_as_narrowed(client, parties, citizen):
    request = ask(
        client,
        parties.clinic(),
        citizen(AN).id,
        categories=["identity_basic", "allergies"],
    )
    narrowed = {
        "categories": ["allergies"],
        "data_from": "2020-01-01",
        "valid_until": (utcnow() + timedelta(days=1)).isoformat(),
    }
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json=narrowed,
        headers=parties.stepped_up(AN),
    )
    assert response.status_code == 201
    artefact = response.get_json()
    assert artefact["categories"] == ["allergies"]
    assert artefact["data_from"] == "2020-01-01"
    assert_denied(
        read(client, parties.clinic(), citizen(AN).id),
        citizen(AN).id,
        "category-not-granted",
    )


def test_08_another_organisation_cannot_use_the_artefact(
    client, parties, citizen, organisation
):
    artefact = grant(client, parties, citizen(AN).id)
    school_staff = parties.as_staff(EM, SCHOOL, "principal")
    assert_denied(
        read(client, school_staff, citizen(AN).id), citizen(AN).id, "no-artefact"
    )
    response = client.get(f"/api/v1/consents/{artefact['id']}", headers=school_staff)
    assert_problem(response, 404, "not-found")


def test_09_category_not_granted_is_refused(client, parties, citizen):
    an = citizen(AN)
    grant(client, parties, an.id)
    assert read(client, parties.clinic(), an.id).status_code == 200
    assert_denied(
        read(client, parties.clinic(), an.id, view="full"),
        an.id,
        "category-not-granted",
    )


def test_10_request_period_must_not_end_before_it_starts(client, parties, citizen):
    body = request_body(citizen(AN).id, data_from="2024-01-02", data_to="2024-01-01")
    response = client.post(
        "/api/v1/consent-requests", json=body, headers=parties.clinic()
    )
    assert "data_to" in assert_problem(response, 422, "validation-failed")["errors"]


def test_10_period_is_inclusive_and_nothing_outside_is_allowed(
    app, client, parties, citizen
):
    an = citizen(AN)
    grant(
        client,
        parties,
        an.id,
        categories=["allergies"],
        data_from="2024-01-01",
        data_to="2024-12-31",
    )
    clinic = parties.citizen(CUC)
    from app.auth import Actor

    actor = Actor(
        citizen_id=clinic.id, org_id=parties.organisation(CLINIC).id, role="doctor"
    )
    inside = policies.decide(
        actor,
        an.id,
        Category.ALLERGIES,
        period=(date(2024, 1, 1), date(2024, 12, 31)),
        action="read",
    )
    assert inside.allowed
    assert inside.data_period == (date(2024, 1, 1), date(2024, 12, 31))
    with pytest.raises(policies.ConsentRequired), unit_of_work.transaction():
        policies.authorize_read(
            actor,
            an.id,
            Category.ALLERGIES,
            period=(date(2023, 12, 31), date(2024, 6, 1)),
        )
    assert events(an.id)[-1].reason == "period-outside"


def test_12_expired_artefact_is_refused_before_any_sweeper(client, parties, citizen):
    an = citizen(AN)
    artefact = grant(client, parties, an.id)
    db.session.execute(
        sa.update(ConsentArtefact)
        .where(ConsentArtefact.id == uuid.UUID(artefact["id"]))
        .values(valid_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert_denied(read(client, parties.clinic(), an.id), an.id, "artefact-expired")
    shown = client.get(
        f"/api/v1/consents/{artefact['id']}", headers=parties.as_citizen(AN)
    ).get_json()
    assert shown["status"] == "expired"


def test_13_frequency_limit_is_enforced_and_resets(client, parties, citizen):
    an = citizen(AN)
    grant(client, parties, an.id, frequency_limit=2, frequency_unit="hour")
    for _ in range(2):
        assert read(client, parties.clinic(), an.id).status_code == 200
    response = read(client, parties.clinic(), an.id)
    assert_denied(
        response, an.id, "frequency-exceeded", 429, "consent-frequency-exceeded"
    )
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    db.session.execute(
        sa.update(AccessEvent).values(at=utcnow() - timedelta(minutes=61))
    )
    db.session.commit()
    assert read(client, parties.clinic(), an.id).status_code == 200


def test_14_view_only_artefact_refuses_export(client, parties, citizen):
    an = citizen(AN)
    grant(client, parties, an.id, categories=["allergies"])
    from app.auth import Actor

    actor = Actor(
        citizen_id=citizen(CUC).id,
        org_id=parties.organisation(CLINIC).id,
        role="doctor",
    )
    assert policies.decide(actor, an.id, Category.ALLERGIES, action="read").allowed
    with pytest.raises(policies.ConsentRequired), unit_of_work.transaction():
        policies.authorize_read(actor, an.id, Category.ALLERGIES, action="export")
    assert events(an.id)[-1].reason == "view-only"


def test_14_store_artefact_allows_export(client, parties, citizen):
    an = citizen(AN)
    grant(client, parties, an.id, categories=["allergies"], access_mode="store")
    from app.auth import Actor

    actor = Actor(
        citizen_id=citizen(CUC).id,
        org_id=parties.organisation(CLINIC).id,
        role="doctor",
    )
    with unit_of_work.transaction():
        decision = policies.authorize_read(
            actor, an.id, Category.ALLERGIES, action="export"
        )
    assert decision.allowed
    assert events(an.id)[-1].action == "export"


def test_15_school_cannot_ask_for_conditions_when_enrolling(client, parties, citizen):
    school = parties.as_staff(DUNG, SCHOOL, "teacher")
    refused = client.post(
        "/api/v1/consent-requests",
        json=request_body(
            citizen(BINH).id, purpose="ENROLL", categories=["conditions"]
        ),
        headers=school,
    )
    assert "categories" in assert_problem(refused, 422, "validation-failed")["errors"]
    wrong_sector = client.post(
        "/api/v1/consent-requests",
        json=request_body(citizen(BINH).id, purpose="CAREMGT"),
        headers=school,
    )
    assert "purpose" in assert_problem(wrong_sector, 422, "validation-failed")["errors"]
    allowed = client.post(
        "/api/v1/consent-requests",
        json=request_body(
            citizen(BINH).id, purpose="ENROLL", categories=["immunizations"]
        ),
        headers=school,
    )
    assert allowed.status_code == 201


def test_15_purpose_bounds_categories_even_in_a_forged_artefact(
    client, parties, citizen, organisation
):
    an = citizen(AN)
    now = utcnow()
    db.session.add(
        ConsentArtefact(
            subject_id=an.id, grantor_id=an.id, grantor_kind="self", grantee_org_id=organisation(SCHOOL).id,
            purpose="ENROLL", categories=["conditions"], data_from=date(2000, 1, 1), data_to=date(2030, 1, 1),
            valid_from=now, valid_until=now + timedelta(days=1), access_mode="view",
        )
    )  # fmt: skip
    db.session.commit()
    from app.auth import Actor

    actor = Actor(
        citizen_id=citizen(DUNG).id, org_id=organisation(SCHOOL).id, role="teacher"
    )
    decision = policies.decide(actor, an.id, Category.CONDITIONS, action="read")
    assert not decision.allowed
    assert decision.reason == "purpose-mismatch"


def test_16_revocation_takes_effect_on_the_next_request(client, parties, citizen):
    an = citizen(AN)
    headers = parties.clinic()  # a token issued before the revocation
    artefact = grant(client, parties, an.id)
    assert read(client, headers, an.id).status_code == 200
    revoked = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        json={"reason": "đổi bác sĩ"},
        headers=parties.as_citizen(AN),
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    assert [h["status"] for h in revoked.get_json()["history"]] == [
        "granted",
        "revoked",
    ]
    assert_denied(read(client, headers, an.id), an.id, "artefact-revoked")
    again = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        json={},
        headers=parties.as_citizen(AN),
    )
    assert_problem(again, 409, "consent-state-conflict")


def test_17_revoking_one_artefact_leaves_another_working(client, parties, citizen):
    an = citizen(AN)
    first = grant(client, parties, an.id)
    grant(client, parties, an.id)
    client.post(
        f"/api/v1/consents/{first['id']}/revoke",
        json={},
        headers=parties.as_citizen(AN),
    )
    assert read(client, parties.clinic(), an.id).status_code == 200


def test_ended_membership_vetoes_a_valid_artefact(client, parties, citizen):
    an, cuc = citizen(AN), citizen(CUC)
    headers = parties.clinic()
    grant(client, parties, an.id)
    cuc.memberships[0].ended_at = utcnow()
    db.session.commit()
    # The act-as token itself dies with the membership, before any data is touched.
    assert_problem(read(client, headers, an.id), 403, "membership-ended")
    assert [e for e in events(an.id) if e.outcome == "permit"] == []


def test_23_guardian_grants_for_a_child_under_14(client, parties, citizen):
    binh = citizen(BINH)
    artefact = grant(client, parties, binh.id, approver=AN)
    assert artefact["grantor_kind"] == "guardian"
    assert artefact["grantor_id"] == str(citizen(AN).id)
    assert read(client, parties.clinic(), binh.id).status_code == 200


def test_23_former_guardian_cannot_grant_after_the_14th_birthday(
    client, parties, citizen, monkeypatch
):
    binh = citizen(BINH)
    request = ask(client, parties.clinic(), binh.id)
    after_birthday = utcnow().replace(year=2028, month=9, day=3)
    for module in ("consent.answers", "consent.policies"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: after_birthday)
    response = client.post(
        f"/api/v1/consent-requests/{request['id']}/approve",
        json={},
        headers=parties.stepped_up(AN),
    )
    assert_problem(response, 403, "not-your-consent")


def test_24_citizen_reads_own_data_without_any_artefact(client, parties, citizen):
    an = citizen(AN)
    response = read(client, parties.as_citizen(AN), an.id, view="full")
    assert response.status_code == 200
    assert response.get_json()["national_id"] == AN
    assert events(an.id) == []  # self-reads are not cross-party


def test_25_deny_wins_over_permit():
    permit = decisions.Decision(decisions.Effect.PERMIT, reason=None)
    deny = decisions.Decision(decisions.Effect.DENY, reason="veto")
    assert decisions.combine([permit, deny]) is deny
    assert decisions.combine([deny, permit]) is deny
    assert decisions.combine([decisions.NOT_APPLICABLE, permit]) is permit
    assert decisions.combine([decisions.NOT_APPLICABLE]).effect == decisions.Effect.DENY
