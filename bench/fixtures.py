"""Tokens and ids the benchmark loads the API with, from the database in DATABASE_URL.

Run by ``bench/run.py`` as ``python -m bench.fixtures`` after ``flask seed-demo``; prints one JSON
object. Logins are real token families (as the API issues them), a clinic holds a
consent for Bình's immunizations, and the ward's officer also serves the police
counter whose queue the submissions fill.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from app import create_app
from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from app.unit_of_work import transaction
from consent import answers, requests
from consent.vocabulary import AccessMode
from identity import services as identity_services
from identity.login import tokens
from identity.models import Citizen, Membership, Organisation, Role
from school_records.models import Transcript

REFRESH_CHAINS = 32  # per wrk run (warm-up, measure): one per connection, and spare


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


def main() -> dict[str, Any]:
    """Create what the benchmark needs and describe it."""
    an, binh, cuc = (
        _citizen("074095000101"),
        _citizen("074314000102"),
        _citizen("074190000103"),
    )
    phuc, giang = _citizen("074092000106"), _citizen("074185000107")
    clinic, police, ops = _org("74012"), _org("000.25.37.H57.CA"), _org("000.00.46.H57")
    doctor = Actor(citizen_id=cuc.id, org_id=clinic.id, role="doctor")
    asked = requests.create_request(
        doctor,
        {
            "subject_id": binh.id, "purpose": "CAREMGT", "categories": ["immunizations"],
            "data_from": date(2000, 1, 1), "data_to": date(2030, 1, 1),
            "valid_until": utcnow() + timedelta(days=1), "access_mode": AccessMode.VIEW,
        },
    )  # fmt: skip
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
        "binh": str(binh.id),
        "clinic": _acting(cuc, clinic, "doctor", "urn:vneid:loa:1"),
        "officer": _acting(phuc, police, "officer", "urn:vneid:loa:2"),
        "police": str(police.id),
        "analyst": _acting(giang, ops, "analyst", "urn:vneid:loa:2"),
        "refresh": refresh,
        "credential": db.session.scalar(
            sa.select(Transcript.credential).where(Transcript.pupil_id == binh.id)
        ),
    }


if __name__ == "__main__":
    with create_app().app_context():
        with transaction():
            prepared = main()
        print(json.dumps(prepared))
