"""Tokens and ids the benchmark loads the API with, from the database in DATABASE_URL.

Run by ``bench/run.py`` as ``python -m bench.fixtures`` after ``flask seed-demo``; prints one JSON
object. Logins are real token families (as the API issues them), a clinic holds a
consent for Bình's immunizations and an open emergency window on An, and the ward's
officer also serves the police counter whose queue the submissions fill.

``python -m bench.fixtures approvals N`` makes N pending consent requests for An to
answer and a fresh level-2 login (approving needs one from the last five minutes),
so it runs just before the approvals are loaded.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from typing import Any
from unittest import mock

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from app import create_app
from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import transaction
from bench import floors
from consent import answers, emergency, requests
from consent.vocabulary import AccessMode
from identity import services as identity_services
from identity.login import tokens
from identity.models import (
    Citizen,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
)
from school_records.models import StatusList, Transcript

#: Refresh-token chains: a fresh one per connection (and spare) for each wrk run
#: (warm-up and measure, at 8 and at 32 connections), and one for the check.
REFRESH_CHAINS = 160


def _citizen(number: str) -> Citizen:
    found = db.session.scalar(sa.select(Citizen).where(Citizen.national_id == number))
    if found is None:
        raise SystemExit(f"run flask seed-demo first: no citizen {number}")
    return found


def _org(code: str) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if found is None:
        raise SystemExit(f"run flask seed-demo first: no organisation {code}")
    return found


def _acting(citizen: Citizen, org: Organisation, role: str, acr: str) -> str:
    """An access token of a fresh login, acting for ``org`` in ``role``."""
    pair = tokens.start_session(citizen, acr=acr, auth_time=utcnow())
    family = tokens.decode_token(pair["access_token"])["fam"]
    return create_access_token(
        identity=str(citizen.id),
        expires_delta=timedelta(hours=2),
        additional_claims={"fam": family, "acr": acr, "org": str(org.id), "role": role},
    )


def _ask(doctor: Actor, subject: Citizen) -> Any:
    """A pending request for the subject's immunizations, as the clinic asks."""
    return requests.create_request(
        doctor,
        {
            "subject_id": subject.id, "purpose": "CAREMGT", "categories": ["immunizations"],
            "data_from": date(2000, 1, 1), "data_to": date(2030, 1, 1),
            "valid_until": utcnow() + timedelta(days=1), "access_mode": AccessMode.VIEW,
        },
    )  # fmt: skip


#: A second clinic, the bench's own: it asks the consents the bench approves, so the
#: thousands of artefacts approving makes never weigh on the demo clinic's reads.
BENCH_CLINIC = "BENCH-74999"


def _bench_clinic(doctor: Citizen) -> Organisation:
    found = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == BENCH_CLINIC)
    )
    if found is None:
        found = Organisation(
            code=BENCH_CLINIC, name="Phòng khám đo tải", kind=OrganisationKind.CLINIC,
            sector=Sector.HEALTH, address="Thủ Dầu Một, Bình Dương",
        )  # fmt: skip
        db.session.add(found)
        db.session.flush()
        identity_services.add_membership(doctor, found, Role.DOCTOR)
    return found


def approvals(count: int) -> dict[str, Any]:
    """``count`` pending requests about Bình, and An's fresh level-2 login to answer them."""
    an, binh, cuc = (
        _citizen("074095000101"),
        _citizen("074314000102"),
        _citizen("074190000103"),
    )
    doctor = Actor(citizen_id=cuc.id, org_id=_bench_clinic(cuc).id, role="doctor")
    # A clinic may ask only so often; the bench needs thousands of questions to answer.
    with mock.patch.object(requests, "_check_request_rate", return_value=None):
        pending = [str(_ask(doctor, binh).id) for _ in range(count)]
    login = tokens.start_session(an, acr="urn:vneid:loa:2", auth_time=utcnow())
    return {"an": login["access_token"], "pending": pending}


def main() -> dict[str, Any]:
    """Create what the benchmark needs and describe it."""
    floors.create_table()
    an, binh, cuc = (
        _citizen("074095000101"),
        _citizen("074314000102"),
        _citizen("074190000103"),
    )
    phuc, giang = _citizen("074092000106"), _citizen("074185000107")
    clinic, police, ops = _org("74012"), _org("000.25.37.H57.CA"), _org("000.00.46.H57")
    doctor = Actor(citizen_id=cuc.id, org_id=clinic.id, role="doctor")
    asked = _ask(doctor, binh)
    answers.approve(
        Actor(citizen_id=an.id, acr="urn:vneid:loa:2", auth_time=utcnow()), asked.id, {}
    )
    serving = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.citizen_id == phuc.id, Membership.organisation_id == police.id
        )
    )
    if serving is None:
        identity_services.add_membership(phuc, police, Role.OFFICER)
    emergency.open_window(
        Actor(
            citizen_id=cuc.id, org_id=clinic.id, role="doctor",
            acr="urn:vneid:loa:2", auth_time=utcnow(),
        ),
        an,
        "Bệnh nhân bất tỉnh (benchmark)",
    )  # fmt: skip
    an_login = tokens.start_session(an, acr="urn:vneid:loa:2", auth_time=utcnow())
    refresh = [
        tokens.start_session(an, acr="urn:vneid:loa:2", auth_time=utcnow())[
            "refresh_token"
        ]
        for _ in range(REFRESH_CHAINS)
    ]
    return {
        "an": an_login["access_token"],
        "an_id": str(an.id),
        # Written to by the write loads, read by none of the read loads.
        "written": str(_citizen("074099000108").id),
        "binh": str(binh.id),
        "clinic": _acting(cuc, clinic, "doctor", "urn:vneid:loa:1"),
        "officer": _acting(phuc, police, "officer", "urn:vneid:loa:2"),
        "police": str(police.id),
        "analyst": _acting(giang, ops, "analyst", "urn:vneid:loa:2"),
        "refresh": refresh,
        "credential": db.session.scalar(
            sa.select(Transcript.credential).where(Transcript.pupil_id == binh.id)
        ),
        "status_list": str(db.session.scalar(sa.select(StatusList.id).limit(1))),
        "school": str(db.session.scalar(sa.select(StatusList.school_id).limit(1))),
    }


if __name__ == "__main__":
    with create_app().app_context():
        with transaction():
            if sys.argv[1:2] == ["approvals"]:
                prepared = approvals(int(sys.argv[2]))
            else:
                prepared = main()
        print(json.dumps(prepared))
