"""Who sees what of a health book, category by category and date by date."""

from __future__ import annotations

import uuid

import pytest

from app.extensions import db
from consent.models import AccessEvent
from tests.consent.helpers import events, grant
from tests.demo_ids import AN, BINH, HAI
from tests.health_book.helpers import book
from tests.problems import assert_problem

CATEGORIES = [
    "allergies",
    "conditions",
    "immunizations",
    "encounters",
    "medications",
    "observations",
]


@pytest.mark.parametrize(
    "suffix",
    [f"/{c}" for c in CATEGORIES] + ["", "/profile", "/fhir", "/emergency-summary"],
)
def test_clinic_without_artefact_is_refused_everywhere(
    client, parties, citizen, suffix
):
    an = citizen(AN)
    response = client.get(book(an.id, suffix), headers=parties.clinic())
    assert_problem(response, 403, "consent-required")
    denied = [e for e in events(an.id) if e.outcome == "deny"]
    assert denied
    assert all(e.basis.value == "none" for e in denied)


def test_citizen_reads_own_book_via_me(client, parties):
    response = client.get(book("me", "/immunizations"), headers=parties.as_citizen(AN))
    assert response.status_code == 200
    summary = client.get(book("me"), headers=parties.as_citizen(AN)).get_json()
    assert set(summary["sections"]) == set(CATEGORIES)
    assert summary["profile"]["blood_group"] == "O+"
    assert summary["profile"]["bhyt_number"] == "0123456789"
    assert [c["icd10_code"] for c in summary["sections"]["conditions"]["items"]] == [
        "J02.9",
        "I10",
    ]


def test_guardian_reads_the_childs_book(client, parties, citizen):
    binh = citizen(BINH)
    response = client.get(
        book(binh.id, "/immunizations?limit=100"), headers=parties.as_citizen(AN)
    )
    assert response.status_code == 200
    doses = response.get_json()["items"]
    assert len(doses) == 14
    assert doses[0]["record_date"] == "2016-09-05"  # newest first
    assert all(d["programme"] == "expanded" for d in doses)
    assert [(e.basis.value, e.category) for e in events(binh.id)] == [
        ("guardian", "immunizations")
    ]


def test_stranger_reads_nothing(client, parties, citizen):
    response = client.get(
        book(citizen(AN).id, "/allergies"), headers=parties.as_citizen(HAI)
    )
    assert_problem(response, 403, "consent-required")


def test_immunizations_artefact_does_not_open_conditions(client, parties, citizen):
    binh = citizen(BINH)
    grant(
        client, parties, binh.id, categories=["immunizations"], data_from="2010-01-01"
    )
    assert (
        client.get(
            book(binh.id, "/immunizations"), headers=parties.clinic()
        ).status_code
        == 200
    )
    assert_problem(
        client.get(book(binh.id, "/conditions"), headers=parties.clinic()),
        403,
        "consent-required",
    )
    summary = client.get(book(binh.id), headers=parties.clinic()).get_json()
    assert list(summary["sections"]) == ["immunizations"]
    assert summary["profile"] is None


def test_dates_outside_the_period_are_absent(client, parties, citizen):
    binh = citizen(BINH)
    grant(
        client,
        parties,
        binh.id,
        categories=["immunizations"],
        data_from="2015-01-01",
        data_to="2015-12-31",
    )
    page = client.get(
        book(binh.id, "/immunizations?limit=100"), headers=parties.clinic()
    ).get_json()
    days = [d["record_date"] for d in page["items"]]
    assert days == [
        "2015-09-18",
        "2015-09-04",
        "2015-06-03",
        "2015-01-05",
        "2015-01-05",
    ]
    assert page["next_cursor"] is None
    assert "total" not in page
    summary = client.get(book(binh.id), headers=parties.clinic()).get_json()
    assert len(summary["sections"]["immunizations"]["items"]) == 5
    assert summary["sections"]["immunizations"]["more"] is False


def test_asking_for_dates_outside_the_period_is_refused(client, parties, citizen):
    binh = citizen(BINH)
    grant(
        client,
        parties,
        binh.id,
        categories=["immunizations"],
        data_from="2015-01-01",
        data_to="2015-12-31",
    )
    response = client.get(
        book(binh.id, "/immunizations?from=2014-01-01"), headers=parties.clinic()
    )
    assert (
        assert_problem(response, 403, "consent-required")["reason"] == "period-outside"
    )
    inside = client.get(
        book(binh.id, "/immunizations?from=2015-06-01&to=2015-06-30"),
        headers=parties.clinic(),
    )
    assert [d["record_date"] for d in inside.get_json()["items"]] == ["2015-06-03"]


def test_revocation_mid_way_through_paging(client, parties, citizen):
    binh = citizen(BINH)
    artefact = grant(
        client, parties, binh.id, categories=["immunizations"], data_from="2010-01-01"
    )
    first = client.get(
        book(binh.id, "/immunizations?limit=5"), headers=parties.clinic()
    ).get_json()
    assert first["next_cursor"]
    client.post(
        f"/api/v1/consents/{artefact['id']}/revoke",
        json={},
        headers=parties.as_citizen(AN),
    )
    second = client.get(
        book(binh.id, f"/immunizations?limit=5&cursor={first['next_cursor']}"),
        headers=parties.clinic(),
    )
    assert (
        assert_problem(second, 403, "consent-required")["reason"] == "artefact-revoked"
    )


def test_hidden_record_is_invisible_to_the_clinic_but_not_to_the_citizen(
    client, parties, citizen
):
    an = citizen(AN)
    grant(client, parties, an.id, categories=["allergies"], data_from="2000-01-01")
    allergy = client.get(
        book("me", "/allergies"), headers=parties.as_citizen(AN)
    ).get_json()["items"][0]
    hidden = client.post(
        book("me", f"/allergies/{allergy['id']}/hide"), headers=parties.as_citizen(AN)
    )
    assert hidden.status_code == 200
    assert hidden.get_json()["hidden"] is True
    assert (
        client.get(book(an.id, "/allergies"), headers=parties.clinic()).get_json()[
            "items"
        ]
        == []
    )
    history = client.get(
        book(an.id, f"/allergies/{allergy['id']}/history"), headers=parties.clinic()
    )
    assert_problem(history, 404, "not-found")
    mine = client.get(
        book("me", "/allergies"), headers=parties.as_citizen(AN)
    ).get_json()["items"]
    assert [a["id"] for a in mine] == [allergy["id"]]
    refused = client.post(
        book(an.id, f"/allergies/{allergy['id']}/unhide"), headers=parties.clinic()
    )
    assert_problem(refused, 403, "forbidden")
    client.post(
        book("me", f"/allergies/{allergy['id']}/unhide"), headers=parties.as_citizen(AN)
    )
    assert (
        len(
            client.get(book(an.id, "/allergies"), headers=parties.clinic()).get_json()[
                "items"
            ]
        )
        == 1
    )


def test_sensitive_conditions_need_a_consent_that_names_them(client, parties, citizen):
    an = citizen(AN)
    written = client.post(
        book(an.id, "/conditions"),
        json={
            "record_date": "2026-11-01",
            "icd10_code": "F32.1",
            "description": "Trầm cảm vừa",
            "clinical_status": "active",
        },
        headers=parties.clinic(),
    )
    assert written.status_code == 201
    assert written.get_json()["sensitive"] is True
    grant(client, parties, an.id, categories=["conditions"], data_from="2000-01-01")
    codes = [
        c["icd10_code"]
        for c in client.get(
            book(an.id, "/conditions"), headers=parties.clinic()
        ).get_json()["items"]
    ]
    assert "F32.1" not in codes
    assert "I10" in codes
    grant(
        client,
        parties,
        an.id,
        categories=["conditions"],
        data_from="2000-01-01",
        include_sensitive=True,
    )
    # The newest artefact decides first: it names sensitive records.
    codes = [
        c["icd10_code"]
        for c in client.get(
            book(an.id, "/conditions"), headers=parties.clinic()
        ).get_json()["items"]
    ]
    assert "F32.1" in codes
    mine = [
        c["icd10_code"]
        for c in client.get(
            book("me", "/conditions"), headers=parties.as_citizen(AN)
        ).get_json()["items"]
    ]
    assert "F32.1" in mine


def test_every_read_is_one_access_event(client, parties, citizen):
    an = citizen(AN)
    grant(
        client,
        parties,
        an.id,
        categories=["allergies", "medications"],
        data_from="2000-01-01",
    )
    before = db.session.query(AccessEvent).count()
    client.get(book(an.id, "/allergies"), headers=parties.clinic())
    client.get(book(an.id, "/medications"), headers=parties.clinic())
    assert db.session.query(AccessEvent).count() == before + 2


def test_unknown_citizen_is_404(client, parties):
    assert_problem(
        client.get(book(uuid.uuid4(), "/allergies"), headers=parties.clinic()),
        404,
        "not-found",
    )
