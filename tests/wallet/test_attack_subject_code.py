"""Subject codes name a transcript's subjects in its credential: a code SD-JWT
reserves (``_sd``, ``...``) made every issuance of that transcript a 500, and a
repeated code dropped a subject from the credential (issue 19's attacker review)."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from app.extensions import db
from identity.models import Role
from school_records.demo import demo_content
from school_records.models import Transcript
from tests import factories
from tests.problems import assert_problem
from tests.school_records.helpers import draft_body
from wallet.holder import Wallet
from wallet.records import identifier
from wallet.types import HOC_BA


@pytest.mark.parametrize("code", ["_sd", "...", "TOÁN", " TOAN", "A" * 21])
def test_a_draft_with_a_code_no_credential_can_name_is_refused(
    client, school, binh_in_7a1, citizen, code
):
    from tests.demo_ids import BINH

    body = draft_body(citizen(BINH).id)
    body["content"]["subjects"][0]["code"] = code
    refused = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    )
    assert_problem(refused, 422, "validation-failed")


def test_a_draft_with_a_subject_twice_is_refused(client, school, binh_in_7a1, citizen):
    from tests.demo_ids import BINH

    body = draft_body(citizen(BINH).id)
    body["content"]["subjects"][1]["code"] = body["content"]["subjects"][0]["code"]
    refused = client.post(
        f"/api/v1/schools/{school.id}/transcripts", json=body, headers=school.teacher()
    )
    problem = assert_problem(refused, 422, "validation-failed")
    assert "content.subjects" in problem["errors"]


@pytest.mark.parametrize("codes", [["_sd"], ["..."], ["TOAN", "TOAN"], ["#2", "TOAN"]])
def test_a_transcript_published_before_the_rule_keeps_every_subject(
    http, client, auth_headers, codes
):
    """Stored content from before the codes were checked: issued, no subject lost."""
    school = factories.school(name="Trường THCS Thử")
    teacher = factories.staff(school, Role.TEACHER)
    principal = factories.staff(school, Role.PRINCIPAL)
    pupil = factories.pupil(grade=7)
    transcript = factories.published_transcript(
        pupil, school, teacher=teacher, principal=principal
    )
    content = copy.deepcopy(transcript.content)
    for position, code in enumerate(codes):
        content["subjects"][position]["code"] = code
    db.session.execute(
        sa.update(Transcript)
        .where(Transcript.id == transcript.id)
        .values(content=content)
    )
    db.session.expire_all()
    offer = client.post(
        "/api/v1/wallet/offers",
        json={"credential_identifier": identifier(HOC_BA, transcript.id)},
        headers=auth_headers(pupil),
    ).get_json()
    [added] = Wallet(http).accept_offer(offer["deep_link"], offer["tx_code"])
    names = [s["name"] for s in added.claims["subjects"].values()]
    assert sorted(names) == sorted(s["name"] for s in demo_content()["subjects"])
