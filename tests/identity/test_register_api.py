"""The citizen's own register entry, the children they act for, the org registry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from identity.models import (
    Organisation,
    OrganisationKind,
    Sector,
)
from tests import factories
from tests.demo_ids import AN, BINH, CLINIC, CUC, HAI, SCHOOL
from tests.problems import assert_problem


def test_me_returns_my_entry_and_active_roles(client, citizen, auth_headers):
    response = client.get("/api/v1/citizens/me", headers=auth_headers(citizen(CUC)))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == str(citizen(CUC).id)
    assert body["national_id"] == CUC
    assert body["full_name"] == "Trần Thị Cúc"
    assert body["loa"] == 2
    assert body["memberships"] == [
        {
            "organisation_id": str(citizen(CUC).memberships[0].organisation_id),
            "organisation_name": "Phòng khám Đa khoa Thủ Dầu Một",
            "organisation_kind": "clinic",
            "role": "doctor",
        }
    ]
    assert "password_hash" not in body


def test_ended_membership_is_not_listed(client, citizen, auth_headers):
    cuc = citizen(CUC)
    cuc.memberships[0].ended_at = utcnow()
    db.session.commit()
    response = client.get("/api/v1/citizens/me", headers=auth_headers(cuc))
    assert response.get_json()["memberships"] == []


def test_me_sends_etag_and_answers_304(client, citizen, auth_headers):
    headers = auth_headers(citizen(AN))
    first = client.get("/api/v1/citizens/me", headers=headers)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"

    again = client.get("/api/v1/citizens/me", headers=headers | {"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag

    citizen(AN).address = "Số 1 đường Mới, phường Phú Cường"
    db.session.commit()
    changed = client.get(
        "/api/v1/citizens/me", headers=headers | {"If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_token_of_a_citizen_removed_from_the_register_stops_working(
    client, citizen, auth_headers
):
    hai = citizen(HAI)
    headers = auth_headers(hai)
    db.session.delete(hai)
    db.session.commit()
    response = client.get("/api/v1/citizens/me", headers=headers)
    assert_problem(response, 401, "invalid-token")


def test_parent_lists_child_under_14(client, citizen, auth_headers):
    response = client.get(
        "/api/v1/citizens/me/dependants", headers=auth_headers(citizen(AN))
    )
    assert response.status_code == 200
    body = response.get_json()
    assert [ward["id"] for ward in body["items"]] == [str(citizen(BINH).id)]
    assert body["items"][0]["guardianship_ends_on"] == "2028-09-02"
    assert body["next_cursor"] is None


def test_stranger_and_child_over_14_are_not_dependants(client, auth_headers):
    parent = factories.citizen(birth_date=date(1960, 1, 1))
    factories.guardianship(parent, factories.citizen(birth_date=date(1990, 6, 21)))
    response = client.get(
        "/api/v1/citizens/me/dependants", headers=auth_headers(parent)
    )
    assert response.get_json() == {"items": [], "next_cursor": None}
    stranger = client.get(
        "/api/v1/citizens/me/dependants", headers=auth_headers(factories.citizen())
    )
    assert stranger.get_json() == {"items": [], "next_cursor": None}


def test_dependants_need_a_token(client):
    assert_problem(client.get("/api/v1/citizens/me/dependants"), 401, "unauthorized")


def _add_organisations(count: int, start: int = 0) -> list[Organisation]:
    now = utcnow()
    organisations = [
        Organisation(
            code=f"TEST-{start + n:03d}",
            name=f"Trạm y tế thử {start + n}",
            kind=OrganisationKind.CLINIC,
            sector=Sector.HEALTH,
            address="Bình Dương",
            created_at=now + timedelta(seconds=start + n),
        )
        for n in range(count)
    ]
    db.session.add_all(organisations)
    db.session.commit()
    return organisations


def test_organisations_are_public_filterable_and_newest_first(client):
    _add_organisations(3)
    response = client.get("/api/v1/organisations?kind=clinic&limit=10")
    assert response.status_code == 200
    codes = [item["code"] for item in response.get_json()["items"]]
    assert codes == ["TEST-002", "TEST-001", "TEST-000", CLINIC]

    schools = client.get("/api/v1/organisations?sector=education").get_json()["items"]
    assert [s["code"] for s in schools] == [SCHOOL]


def test_cursor_pages_are_stable_under_inserts(client):
    _add_organisations(5)
    seen: list[str] = []
    page = client.get("/api/v1/organisations?kind=clinic&limit=2").get_json()
    seen += [item["code"] for item in page["items"]]
    _add_organisations(2, start=100)  # newer rows arrive while the client pages
    while page["next_cursor"]:
        page = client.get(
            f"/api/v1/organisations?kind=clinic&limit=2&cursor={page['next_cursor']}"
        ).get_json()
        seen += [item["code"] for item in page["items"]]
    assert seen == ["TEST-004", "TEST-003", "TEST-002", "TEST-001", "TEST-000", CLINIC]


@pytest.mark.parametrize("cursor", ["garbage", "WyIyMDI2Il0"])
def test_forged_cursor_is_422(client, cursor):
    response = client.get(f"/api/v1/organisations?cursor={cursor}")
    body = assert_problem(response, 422, "validation-failed")
    assert list(body["errors"]) == ["query.cursor"]


def test_cursor_of_another_list_is_refused(client, citizen, auth_headers):
    _add_organisations(3)
    cursor = client.get("/api/v1/organisations?limit=1").get_json()["next_cursor"]
    response = client.get(
        f"/api/v1/citizens/me/dependants?cursor={cursor}",
        headers=auth_headers(citizen(AN)),
    )
    assert_problem(response, 422, "validation-failed")


def test_organisation_by_id_with_etag(client, organisation):
    school = organisation(SCHOOL)
    response = client.get(f"/api/v1/organisations/{school.id}")
    assert response.status_code == 200
    assert response.get_json()["name"] == "Trường THCS Chánh Nghĩa"
    cached = client.get(
        f"/api/v1/organisations/{school.id}",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert cached.status_code == 304


def test_unknown_organisation_is_404(client):
    response = client.get("/api/v1/organisations/7d3c0d4e-0000-4000-8000-000000000000")
    assert_problem(response, 404, "not-found")


def test_organisation_count_is_unchanged_by_reads(client):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
    client.get("/api/v1/organisations")
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Organisation))
        == before
    )
