"""The attack review of issue 12: a signature not tied to what the signer reviewed.

Any teacher of the school may edit a draft; the homeroom teacher's ``sign`` took no
version, so a colleague could change the grades between her review and her click
and she signed what she never saw. Each test performs that race; before, the
changed draft was signed.
"""

from __future__ import annotations

import pytest

from identity.models import Role
from identity.services import add_membership
from tests.demo_ids import BINH, HAI, SCHOOL
from tests.problems import assert_problem
from tests.school_records.helpers import content, draft_body


@pytest.mark.usefixtures("binh_in_7a1", "year_over")
def test_a_draft_changed_after_it_was_read_is_not_signed(
    client, school, citizen, organisation, auth_headers
):
    hai = citizen(HAI)
    add_membership(hai, organisation(SCHOOL), Role.TEACHER)
    colleague = auth_headers(hai, org=organisation(SCHOOL), role="teacher")
    homeroom = school.teacher()
    drafted = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id),
        headers=homeroom,
    ).get_json()
    url = f"/api/v1/transcripts/{drafted['id']}"
    reviewed = client.get(url, headers=homeroom)

    changed = content(homeroom_comment="Sửa sau khi giáo viên chủ nhiệm đã xem.")
    edited = client.put(url, json={"content": changed}, headers=colleague)
    assert edited.status_code == 200, edited.get_json()
    signed = client.post(
        f"{url}/sign", headers=homeroom | {"If-Match": reviewed.headers["ETag"]}
    )

    assert_problem(signed, 412, "precondition-failed")
    assert signed.headers["ETag"] != reviewed.headers["ETag"]
    assert client.get(url, headers=homeroom).get_json()["status"] == "draft"
    # Read again, the new version is what she signs.
    again = client.get(url, headers=homeroom)
    resigned = client.post(
        f"{url}/sign", headers=homeroom | {"If-Match": again.headers["ETag"]}
    )
    assert resigned.get_json()["status"] == "homeroom_signed"


@pytest.mark.usefixtures("binh_in_7a1", "year_over")
def test_a_signature_names_the_version_it_signs(client, school, citizen):
    drafted = client.post(
        f"/api/v1/schools/{school.id}/transcripts",
        json=draft_body(citizen(BINH).id),
        headers=school.teacher(),
    ).get_json()
    url = f"/api/v1/transcripts/{drafted['id']}/sign"

    unnamed = client.post(url, headers=school.teacher())
    any_version = client.post(url, headers=school.teacher() | {"If-Match": "*"})

    assert_problem(unnamed, 428, "precondition-required")
    assert_problem(any_version, 412, "precondition-failed")
