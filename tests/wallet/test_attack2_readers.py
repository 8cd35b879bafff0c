"""Who reads a presentation's outcome, and whether the citizen is told."""

import sqlalchemy as sa

from app.extensions import db
from consent.models import AccessEvent
from identity.models import Role
from tests import factories
from tests.demo_ids import AN

BHYT_VCT = "http://localhost/vct/bhyt/v1"


def test_only_the_member_who_asked_reads_the_outcome(
    client, auth_headers, holder, card_offer, citizen
):
    clinic = factories.clinic(name="Phòng khám X")
    doctor = factories.staff(clinic, Role.DOCTOR)
    nurse = factories.staff(clinic, Role.NURSE)
    made = client.post(
        "/api/v1/verifier/requests",
        json={
            "purpose": "Khám bệnh",
            "dcql_query": {
                "credentials": [
                    {
                        "id": "card",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [BHYT_VCT]},
                        "claims": [{"path": ["full_name"]}, {"path": ["bhyt_number"]}],
                    }
                ]
            },
        },
        headers=auth_headers(doctor, org=clinic, role="doctor"),
    ).get_json()
    holder.accept_offer(card_offer["deep_link"], card_offer["tx_code"])
    assert holder.present(made["request_link"]) == {}
    # The citizen's access log names the doctor who asked: only she reads it.
    by_nurse = client.get(
        f"/api/v1/verifier/requests/{made['id']}",
        headers=auth_headers(nurse, org=clinic, role="nurse"),
    )
    assert by_nurse.status_code == 404
    by_doctor = client.get(
        f"/api/v1/verifier/requests/{made['id']}",
        headers=auth_headers(doctor, org=clinic, role="doctor"),
    )
    assert by_doctor.get_json()["result"]["credentials"][0]["claims"]["bhyt_number"]
    [logged] = db.session.scalars(
        sa.select(AccessEvent).where(AccessEvent.subject_id == citizen(AN).id)
    ).all()
    assert logged.actor_id == doctor.id
