"""Requests, artefacts, inboxes, access log and signed artefacts, end to end."""

from __future__ import annotations

import uuid

import jwt as pyjwt
import sqlalchemy as sa

from app.audit import AuditEvent
from app.extensions import db
from consent.models import ConsentRequest
from tests.consent.helpers import ask, events, grant, request_body
from tests.demo_ids import AN, BINH, CLINIC, CUC, GIANG, HAI, OPS, PHUC, WARD
from tests.pdf_reading import png_qr_codes
from tests.problems import assert_problem


def test_request_by_national_id_is_looked_up_and_logged(client, parties, citizen):
    body = request_body(None, national_id=AN)
    body.pop("subject_id")
    response = client.post(
        "/api/v1/consent-requests", json=body, headers=parties.clinic()
    )
    assert response.status_code == 201
    # The requester is not told whom it matched (issue 11, finding 7).
    assert response.get_json()["subject_id"] is None
    request = db.session.get(ConsentRequest, uuid.UUID(response.get_json()["id"]))
    assert request.subject_id == citizen(AN).id
    lookup = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.subject_lookup")
    )
    assert lookup.outcome == "success"
    assert AN not in str(lookup.details)


def test_unknown_national_id_is_kept_quietly_and_reaches_no_one(client, parties):
    body = request_body(None, national_id="079201999999")
    body.pop("subject_id")
    response = client.post(
        "/api/v1/consent-requests", json=body, headers=parties.clinic()
    )
    assert response.status_code == 201
    request = db.session.get(ConsentRequest, uuid.UUID(response.get_json()["id"]))
    assert request.subject_id is None
    lookup = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "consent.subject_lookup")
    )
    assert lookup.outcome == "failure"


def test_citizens_and_analysts_cannot_ask(client, parties, citizen):
    as_citizen = client.post(
        "/api/v1/consent-requests",
        json=request_body(citizen(HAI).id),
        headers=parties.as_citizen(AN),
    )
    assert_problem(as_citizen, 403, "forbidden")
    analyst = parties.as_staff(GIANG, OPS, "analyst")
    assert_problem(
        client.post(
            "/api/v1/consent-requests",
            json=request_body(citizen(AN).id),
            headers=analyst,
        ),
        403,
        "forbidden",
    )


def test_access_window_is_at_most_a_year(client, parties, citizen):
    body = request_body(citizen(AN).id, valid_until="2099-01-01T00:00:00+00:00")
    response = client.post(
        "/api/v1/consent-requests", json=body, headers=parties.clinic()
    )
    assert "valid_until" in assert_problem(response, 422, "validation-failed")["errors"]


def test_retried_request_with_the_same_key_creates_one(client, parties, citizen):
    headers = parties.clinic() | {"Idempotency-Key": "clinic-retry-1"}
    body = request_body(citizen(AN).id)
    first = client.post("/api/v1/consent-requests", json=body, headers=headers)
    second = client.post("/api/v1/consent-requests", json=body, headers=headers)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRequest)) == 1
    )


def test_inboxes_show_each_party_only_its_own(client, parties, citizen, organisation):
    for_an = ask(client, parties.clinic(), citizen(AN).id)
    for_binh = ask(client, parties.clinic(), citizen(BINH).id)
    officer = parties.as_staff(PHUC, WARD, "officer")
    for_hai = ask(client, officer, citizen(HAI).id, purpose="GOV")

    def ids(headers, query="status=pending"):
        response = client.get(f"/api/v1/consent-requests?{query}", headers=headers)
        assert response.status_code == 200
        return {item["id"] for item in response.get_json()["items"]}

    assert ids(parties.as_citizen(AN)) == {
        for_an["id"],
        for_binh["id"],
    }  # his and his daughter's
    assert ids(parties.as_citizen(HAI)) == {for_hai["id"]}
    assert ids(parties.clinic()) == {for_an["id"], for_binh["id"]}
    assert ids(officer) == {for_hai["id"]}
    stranger = client.get(
        f"/api/v1/consent-requests/{for_an['id']}", headers=parties.as_citizen(HAI)
    )
    assert_problem(stranger, 404, "not-found")


def test_subject_and_guardian_are_notified_and_org_hears_the_answer(
    client, parties, citizen
):
    before = client.get(
        "/api/v1/notifications", headers=parties.as_citizen(AN)
    ).get_json()["unread"]
    request = ask(client, parties.clinic(), citizen(BINH).id)
    inbox = client.get(
        "/api/v1/notifications", headers=parties.as_citizen(AN)
    ).get_json()
    assert inbox["unread"] == before + 1
    note = inbox["items"][0]
    assert note["kind"] == "consent_requested"
    assert "Phòng khám Đa khoa Thủ Dầu Một" in note["text"]
    assert "Nguyễn Thị Bình" in note["text"]
    english = client.get(
        "/api/v1/notifications",
        headers=parties.as_citizen(AN) | {"Accept-Language": "en"},
    )
    assert english.get_json()["items"][0]["text"].endswith(
        "asks to access Nguyễn Thị Bình's data."
    )

    read = client.post(
        f"/api/v1/notifications/{note['id']}/read", headers=parties.as_citizen(AN)
    )
    assert read.status_code == 200
    assert read.get_json()["read_at"]
    after = client.get("/api/v1/notifications", headers=parties.as_citizen(AN))
    assert after.get_json()["unread"] == before
    stolen = client.post(
        f"/api/v1/notifications/{note['id']}/read", headers=parties.as_citizen(HAI)
    )
    assert_problem(stolen, 404, "not-found")

    client.post(
        f"/api/v1/consent-requests/{request['id']}/deny", headers=parties.as_citizen(AN)
    )
    org_inbox = client.get(
        "/api/v1/notifications?unread=true", headers=parties.clinic()
    ).get_json()
    assert [n["kind"] for n in org_inbox["items"]] == ["consent_denied"]


def test_both_sides_list_artefacts_and_the_org_only_its_own(
    client, parties, citizen, organisation
):
    artefact = grant(client, parties, citizen(AN).id)
    mine = client.get(
        "/api/v1/consents?status=granted", headers=parties.as_citizen(AN)
    ).get_json()
    assert [a["id"] for a in mine["items"]] == [artefact["id"]]
    theirs = client.get("/api/v1/consents", headers=parties.clinic()).get_json()
    assert [a["id"] for a in theirs["items"]] == [artefact["id"]]
    officer = parties.as_staff(PHUC, WARD, "officer")
    assert client.get("/api/v1/consents", headers=officer).get_json()["items"] == []
    assert (
        client.get("/api/v1/consents", headers=parties.as_citizen(HAI)).get_json()[
            "items"
        ]
        == []
    )


def test_grantee_may_give_up_its_artefact_and_the_citizen_hears(
    client, parties, citizen
):
    artefact = grant(client, parties, citizen(AN).id)
    response = client.post(
        f"/api/v1/consents/{artefact['id']}/revoke", json={}, headers=parties.clinic()
    )
    assert response.status_code == 200
    kinds = [
        n["kind"]
        for n in client.get(
            "/api/v1/notifications", headers=parties.as_citizen(AN)
        ).get_json()["items"]
    ]
    assert "consent_revoked" in kinds


def test_artefact_jws_verifies_against_the_published_jwks(client, parties, citizen):
    artefact = grant(client, parties, citizen(AN).id)
    signed = client.get(
        f"/api/v1/consents/{artefact['id']}/jws", headers=parties.as_citizen(AN)
    ).get_json()
    assert signed["jwks_uri"].endswith("/.well-known/jwks.json")
    jwks = client.get("/.well-known/jwks.json").get_json()
    header = pyjwt.get_unverified_header(signed["jws"])
    assert header["typ"] == "consent+jwt"
    key = pyjwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = pyjwt.decode(signed["jws"], key=key, algorithms=["ES256"])
    assert claims["jti"] == artefact["id"]
    assert claims["sub"] == str(citizen(AN).id)
    assert claims["consent"]["grantee"]["code"] == CLINIC
    assert claims["consent"]["categories"] == ["identity_basic"]
    tampered = signed["jws"][:-4] + (
        "AAAA" if not signed["jws"].endswith("AAAA") else "BBBB"
    )
    try:
        pyjwt.decode(tampered, key=key, algorithms=["ES256"])
    except pyjwt.InvalidSignatureError:
        pass
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("a tampered artefact verified")


def test_share_code_is_redeemed_once_into_an_artefact(client, parties, citizen):
    created = client.post(
        "/api/v1/share-codes",
        json={"categories": ["identity_basic", "transcripts"]},
        headers=parties.stepped_up(AN),
    )
    assert created.status_code == 201
    code = created.get_json()["code"]
    assert len(code) == 8
    assert created.get_json()["qr_svg"].startswith("<svg")
    assert png_qr_codes(created.get_json()["qr_png"]) == [code]

    redeemed = client.post(
        f"/api/v1/share-codes/{code}/redeem", headers=parties.clinic()
    )
    assert redeemed.status_code == 201
    artefact = redeemed.get_json()
    assert artefact["categories"] == [
        "identity_basic"
    ]  # transcripts are not a clinic's
    assert artefact["purpose"] == "CAREMGT"
    assert (
        client.get(
            f"/api/v1/citizens/{citizen(AN).id}", headers=parties.clinic()
        ).status_code
        == 200
    )

    again = client.post(f"/api/v1/share-codes/{code}/redeem", headers=parties.clinic())
    assert_problem(again, 404, "share-code-invalid")
    kinds = [
        n["kind"]
        for n in client.get(
            "/api/v1/notifications", headers=parties.as_citizen(AN)
        ).get_json()["items"]
    ]
    assert "share_code_redeemed" in kinds


def test_share_code_needs_step_up_and_a_subject_i_act_for(
    client, parties, citizen, auth_headers
):
    weak = auth_headers(citizen(AN), acr="urn:vneid:loa:1")
    assert_problem(
        client.post(
            "/api/v1/share-codes", json={"categories": ["allergies"]}, headers=weak
        ),
        401,
        "insufficient-user-authentication",
    )
    for_child = client.post(
        "/api/v1/share-codes",
        json={"categories": ["allergies"], "subject_id": str(citizen(BINH).id)},
        headers=parties.stepped_up(AN),
    )
    assert for_child.status_code == 201
    for_stranger = client.post(
        "/api/v1/share-codes",
        json={"categories": ["allergies"], "subject_id": str(citizen(AN).id)},
        headers=parties.stepped_up(HAI),
    )
    assert_problem(for_stranger, 403, "forbidden")


def test_wrong_share_codes_are_throttled(client, parties):
    for _ in range(5):
        assert_problem(
            client.post(
                "/api/v1/share-codes/WRONG234/redeem", headers=parties.clinic()
            ),
            404,
            "share-code-invalid",
        )
    throttled = client.post(
        "/api/v1/share-codes/WRONG234/redeem", headers=parties.clinic()
    )
    assert_problem(throttled, 429, "share-code-throttled")
    assert int(throttled.headers["Retry-After"]) > 0


def test_access_log_is_newest_first_paged_and_private(client, parties, citizen):
    an = citizen(AN)
    grant(client, parties, an.id)
    for view in ("basic", "full", "basic"):
        client.get(f"/api/v1/citizens/{an.id}?view={view}", headers=parties.clinic())
    first = client.get(
        "/api/v1/citizens/me/access-log?limit=2", headers=parties.as_citizen(AN)
    )
    assert first.status_code == 200
    page = first.get_json()
    assert [e["outcome"] for e in page["items"]] == ["permit", "deny"]
    assert page["items"][0]["org_name"] == "Phòng khám Đa khoa Thủ Dầu Một"
    assert page["items"][1]["category"] == "identity_full"
    rest = client.get(
        f"/api/v1/citizens/me/access-log?cursor={page['next_cursor']}",
        headers=parties.as_citizen(AN),
    ).get_json()
    assert [e["outcome"] for e in rest["items"]] == ["permit"]
    assert rest["next_cursor"] is None
    assert len(events(an.id)) == 3  # exactly one event per decision

    for method in ("put", "delete", "patch"):
        assert (
            getattr(client, method)(
                "/api/v1/citizens/me/access-log", headers=parties.as_citizen(AN)
            ).status_code
            == 405
        )
    assert_problem(
        client.get(
            f"/api/v1/citizens/{an.id}/access-log", headers=parties.as_citizen(HAI)
        ),
        404,
        "not-found",
    )
    assert_problem(
        client.get(f"/api/v1/citizens/{an.id}/access-log", headers=parties.clinic()),
        404,
        "not-found",
    )


def test_guardian_reads_the_child_access_log(client, parties, citizen):
    binh = citizen(BINH)
    grant(client, parties, binh.id)
    client.get(f"/api/v1/citizens/{binh.id}", headers=parties.clinic())
    log = client.get(
        f"/api/v1/citizens/{binh.id}/access-log", headers=parties.as_citizen(AN)
    ).get_json()
    assert [e["basis"] for e in log["items"]] == ["artefact"]


def test_guardian_reads_are_logged_for_the_child(client, parties, citizen):
    binh = citizen(BINH)
    response = client.get(f"/api/v1/citizens/{binh.id}", headers=parties.as_citizen(AN))
    assert response.status_code == 200
    assert [(e.basis.value, e.outcome) for e in events(binh.id)] == [
        ("guardian", "permit")
    ]


def test_unknown_citizen_is_404_without_an_event(client, parties):
    response = client.get(f"/api/v1/citizens/{uuid.uuid4()}", headers=parties.clinic())
    assert_problem(response, 404, "not-found")


def test_staff_of_the_clinic_reading_with_their_own_token_is_still_a_clinic_read(
    client, parties, citizen
):
    cuc = citizen(CUC)
    response = client.get(f"/api/v1/citizens/{cuc.id}", headers=parties.clinic())
    assert_problem(response, 403, "consent-required")
