"""Demo data of the one-stop shop: An's dossiers in several states.

Every dossier goes through the real services, as An and as officer Phúc would
move it, so the demo shows what the API really produces.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

import sqlalchemy as sa
from PIL import Image

from app.auth import Actor
from app.extensions import db
from identity.demo import AGENCY_CODE, AN_NATIONAL_ID, BINH_NATIONAL_ID
from identity.models import Citizen, Organisation
from school_records.models import Transcript
from service_requests import moves, submission, uploads
from service_requests.models import Dossier

OFFICER_NATIONAL_ID = "074092000106"


def _scan(actor: Actor, name: str) -> uuid.UUID:
    """A small PNG standing in for a scanned page."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(buffer, "PNG")
    return uploads.store(actor, uploads.check(name, buffer.getvalue())).id


def seed_dossiers(citizens: dict[str, Citizen]) -> None:
    """An's dossiers, once (safe to run again); the deployment holds the catalogue."""
    an = citizens[AN_NATIONAL_ID]
    if db.session.scalar(sa.select(Dossier.id).where(Dossier.applicant_id == an.id)):
        return
    ward = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == AGENCY_CODE)
    )
    if ward is None:
        raise RuntimeError("load the deployment and the identity register first")
    citizen = Actor(citizen_id=an.id)
    officer = Actor(
        citizen_id=citizens[OFFICER_NATIONAL_ID].id, org_id=ward.id, role="officer"
    )
    identity = {
        "code": "applicant_identity",
        "reference": {"kind": "identity", "id": an.id},
    }
    _residence_confirmation(citizen, identity)
    _shop_awaiting_its_fee(citizen, officer, identity)
    _house_awaiting_a_supplement(citizen, officer, identity)
    _school_transfer_returned(citizen, officer, citizens[BINH_NATIONAL_ID])
    db.session.flush()


def _moved(officer: Actor, dossier: Dossier, steps: list[dict[str, Any]]) -> None:
    for step in steps:
        moves.transition(officer, dossier.id, step)


def _residence_confirmation(citizen: Actor, identity: dict[str, Any]) -> None:
    """Just submitted, reusing An's identity from the register."""
    submission.submit(
        citizen,
        {
            "procedure_code": "1.004194",
            "form": {
                "content": ["permanent"],
                "purpose": "Bổ sung hồ sơ vay vốn ngân hàng",
            },
            "documents": [identity],
        },
    )


def _shop_awaiting_its_fee(
    citizen: Actor, officer: Actor, identity: dict[str, Any]
) -> None:
    """A household business registration, received and waiting for its fee."""
    shop = submission.submit(
        citizen,
        {
            "procedure_code": "2.000720",
            "form": {
                "business_name": "Tạp hóa An Bình",
                "address": "Số 12 đường Bạch Đằng, phường Phú Cường",
                "business_lines": "Bán lẻ hàng tạp hóa",
                "capital_vnd": 150_000_000,
            },
            "documents": [
                {**identity, "code": "applicant_identity"},
                {
                    "code": "premises_document",
                    "upload_id": _scan(citizen, "hop-dong-thue.png"),
                },
            ],
        },
    )
    _moved(officer, shop, [{"to": 2}, {"to": 4}, {"to": 6, "fee_vnd": 100_000}])


def _house_awaiting_a_supplement(
    citizen: Actor, officer: Actor, identity: dict[str, Any]
) -> None:
    """A building permit the ward asked to supplement."""
    house = submission.submit(
        citizen,
        {
            "procedure_code": "1.009994",
            "form": {
                "plot_address": "Thửa 215, tờ bản đồ 12, phường Phú Cường",
                "land_certificate_number": "CS 123456",
                "floors": 3,
                "floor_area_m2": 180,
            },
            "documents": [
                identity,
                {
                    "code": "land_use_certificate",
                    "upload_id": _scan(citizen, "so-do.png"),
                },
                {"code": "design_drawings", "upload_id": _scan(citizen, "ban-ve.png")},
            ],
        },
    )
    _moved(
        officer,
        house,
        [
            {"to": 2},
            {
                "to": 5,
                "reason": "Bản vẽ thiếu mặt bằng móng.",
                "checklist": ["Bản vẽ mặt bằng móng, tỷ lệ 1/100"],
            },
        ],
    )


def _school_transfer_returned(citizen: Actor, officer: Actor, binh: Citizen) -> None:
    """Bình's school transfer, reusing her transcript and vaccinations: returned."""
    transcript = db.session.scalar(
        sa.select(Transcript.id).where(Transcript.pupil_id == binh.id)
    )
    transfer = submission.submit(
        citizen,
        {
            "procedure_code": "1.005097",
            "form": {
                "pupil_full_name": binh.full_name,
                "current_school": "Trường THCS Chánh Nghĩa",
                "receiving_school": "Trường THCS Phú Cường",
                "grade": 7,
                "reason": "Gia đình chuyển nơi ở",
            },
            "documents": [
                {
                    "code": "transcript",
                    "reference": {"kind": "transcript", "id": transcript},
                },
                {
                    "code": "transfer_application",
                    "upload_id": _scan(citizen, "don.png"),
                },
                {
                    "code": "immunization_record",
                    "reference": {"kind": "immunizations", "id": binh.id},
                },
            ],
        },
    )
    _moved(
        officer,
        transfer,
        [
            {"to": 2},
            {"to": 4},
            {"to": 9, "result": "Giấy giới thiệu chuyển trường số 15/GTCT"},
            {"to": 10, "delivery": "online"},
        ],
    )
