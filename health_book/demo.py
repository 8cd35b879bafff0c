"""A realistic health book for An and his daughter Bình (DESIGN.md, "Demo data").

Bình has the vaccinations of the expanded programme (TCMR) of a child born in
September 2014; An has a profile, a food allergy, hypertension under treatment,
and a sore-throat visit with its prescription and laboratory results. Created once:
a second run finds the records and adds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from health_book.models import (
    Allergy,
    Condition,
    Encounter,
    HealthProfile,
    Immunization,
    MedicationRequest,
    Observation,
)
from identity.demo import (
    AN_NATIONAL_ID,
    BINH_NATIONAL_ID,
    CLINIC_CODE,
    DOCTOR_NATIONAL_ID,
)
from identity.models import Citizen, Organisation

#: (CVX code, name, dose, date): the TCMR schedule of a child born 2014-09-02.
BINH_VACCINATIONS = (
    ("19", "BCG (lao)", 1, date(2014, 9, 3)),
    ("08", "Viêm gan B sơ sinh", 1, date(2014, 9, 3)),
    ("198", "DPT-VGB-Hib (5 trong 1)", 1, date(2014, 11, 3)),
    ("02", "Bại liệt uống (OPV)", 1, date(2014, 11, 3)),
    ("198", "DPT-VGB-Hib (5 trong 1)", 2, date(2014, 12, 3)),
    ("02", "Bại liệt uống (OPV)", 2, date(2014, 12, 3)),
    ("198", "DPT-VGB-Hib (5 trong 1)", 3, date(2015, 1, 5)),
    ("02", "Bại liệt uống (OPV)", 3, date(2015, 1, 5)),
    ("05", "Sởi", 1, date(2015, 6, 3)),
    ("39", "Viêm não Nhật Bản", 1, date(2015, 9, 4)),
    ("39", "Viêm não Nhật Bản", 2, date(2015, 9, 18)),
    ("04", "Sởi - Rubella (MR)", 1, date(2016, 3, 3)),
    ("01", "DPT nhắc lại", 4, date(2016, 3, 3)),
    ("39", "Viêm não Nhật Bản", 3, date(2016, 9, 5)),
)


#: An's vital signs and blood tests at the visit: category, LOINC, name, value, unit, range.
AN_RESULTS = (
    ("vital-signs", "8480-6", "Huyết áp tâm thu", "135", "mm[Hg]", "90", "139"),
    ("vital-signs", "8462-4", "Huyết áp tâm trương", "85", "mm[Hg]", "60", "89"),
    ("vital-signs", "8867-4", "Nhịp tim", "88", "/min", "60", "100"),
    ("vital-signs", "8310-5", "Nhiệt độ cơ thể", "38.2", "Cel", "36.1", "37.2"),
    ("laboratory", "6690-2", "Bạch cầu", "11.2", "10*9/L", "4", "10"),
    ("laboratory", "1988-5", "CRP", "18", "mg/L", "0", "5"),
    ("laboratory", "15074-8", "Glucose máu", "5.4", "mmol/L", "3.9", "6.4"),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    # Vietnam is UTC+7: 09:00 local is 02:00 UTC.
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _exists(model: type[Any], citizen: Citizen) -> bool:
    return (
        db.session.scalar(
            sa.select(model.id).where(model.citizen_id == citizen.id).limit(1)
        )
        is not None
    )


def _binh(binh: Citizen, clinic: Organisation, doctor: Citizen) -> None:
    if _exists(Immunization, binh):
        return
    common = {"citizen_id": binh.id, "clinic_id": clinic.id, "author_id": doctor.id}
    for code, name, dose, day in BINH_VACCINATIONS:
        db.session.add(
            Immunization(
                **common, record_date=day, vaccine_code=code, vaccine_name=name, dose_number=dose,
                lot_number=f"TCMR-{day:%y%m}-{code}", programme="expanded",
            )
        )  # fmt: skip
    db.session.add(
        HealthProfile(
            **common, record_date=date(2026, 9, 15), blood_group="A+", height_cm=Decimal("146.0"),
            weight_kg=Decimal("38.5"), bhyt_number="7400314102", bhyt_valid_from=date(2026, 1, 1),
            bhyt_valid_to=date(2026, 12, 31), primary_care_facility=clinic.name,
        )
    )  # fmt: skip


def _an(an: Citizen, clinic: Organisation, doctor: Citizen) -> None:
    if _exists(Encounter, an):
        return
    common = {"citizen_id": an.id, "clinic_id": clinic.id, "author_id": doctor.id}
    _an_standing_records(common, clinic)
    _an_sore_throat_visit(common, date(2026, 10, 12))


def _an_standing_records(common: dict[str, Any], clinic: Organisation) -> None:
    """Profile, allergy and the hypertension An is treated for."""
    db.session.add_all(
        [
            HealthProfile(
                **common, record_date=date(2026, 3, 2), blood_group="O+", height_cm=Decimal("170.0"),
                weight_kg=Decimal("66.0"), bhyt_number="0123456789", bhyt_valid_from=date(2026, 1, 1),
                bhyt_valid_to=date(2026, 12, 31), primary_care_facility=clinic.name,
            ),
            Allergy(
                **common, record_date=date(2020, 6, 1), substance="Hải sản (tôm, cua)", category="food",
                criticality="high", reaction="Nổi mề đay, khó thở nhẹ",
                substance_code="44027008", reaction_code="126485001",  # seafood; urticaria
            ),
            Condition(
                **common, record_date=date(2024, 5, 10), icd10_code="I10",
                description="Tăng huyết áp vô căn (nguyên phát)", clinical_status="active",
            ),
            MedicationRequest(
                **common, record_date=date(2024, 5, 10), medication="Amlodipine 5 mg", atc_code="C08CA01",
                dosage="Uống 1 viên mỗi sáng", quantity="30 viên", duration_days=30, status="active",
            ),
        ]
    )  # fmt: skip


def _an_sore_throat_visit(common: dict[str, Any], visit: date) -> None:
    """One outpatient visit: the encounter, its diagnosis, prescriptions and results."""
    db.session.add_all(
        [
            Encounter(
                **common, record_date=visit, encounter_class="outpatient",
                admitted_at=_at(visit, 2), discharged_at=_at(visit, 3),
                reason="Sốt, đau họng 2 ngày", diagnosis_code="J02.9", diagnosis_text="Viêm họng cấp",
                treatment_summary="Khám họng đỏ, amidan sưng. Kê kháng sinh 7 ngày, hạ sốt khi cần.",
                follow_up="Tái khám sau 5 ngày nếu còn sốt",
            ),
            Condition(
                **common, record_date=visit, icd10_code="J02.9", description="Viêm họng cấp",
                clinical_status="resolved",
            ),
            MedicationRequest(
                **common, record_date=visit, medication="Amoxicillin 500 mg", atc_code="J01CA04",
                dosage="Uống 1 viên x 3 lần/ngày sau ăn", quantity="21 viên", duration_days=7, status="completed",
            ),
            MedicationRequest(
                **common, record_date=visit, medication="Paracetamol 500 mg", atc_code="N02BE01",
                dosage="Uống 1 viên khi sốt trên 38,5 °C, cách nhau ít nhất 6 giờ", quantity="10 viên",
                duration_days=5, status="completed",
            ),
        ]
    )  # fmt: skip
    for category, loinc, name, value, unit, low, high in AN_RESULTS:
        db.session.add(
            Observation(
                **common, record_date=visit, category=category, loinc_code=loinc, name=name,
                value=Decimal(value), unit=unit, reference_low=Decimal(low), reference_high=Decimal(high),
                effective_at=_at(visit, 2, 30),
            )
        )  # fmt: skip


def seed_health_book(citizens: dict[str, Citizen]) -> None:
    """Write the demo books (once)."""
    clinic = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == CLINIC_CODE)
    )
    doctor = citizens[DOCTOR_NATIONAL_ID]
    if clinic is None:
        raise RuntimeError("seed the identity register first")
    _binh(citizens[BINH_NATIONAL_ID], clinic, doctor)
    _an(citizens[AN_NATIONAL_ID], clinic, doctor)
    db.session.flush()
