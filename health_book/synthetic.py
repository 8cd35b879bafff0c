"""A province-scale synthetic population for load and scale tests (``flask seed-bulk``).

Deterministic: the same ``seed`` gives the same citizens, households, guardianships,
clinics and health records, with the same ids. Rows are built as plain dicts and
written with bulk ``INSERT``s in batches, so 100 000 citizens and a million records
take minutes, not hours. Nobody here can log in (no password hashes).

The distributions are plausible for Bình Dương, not census figures: a young,
partly migrant population (about four in ten born elsewhere), the common family
names in their usual shares, and health records whose kinds follow age (children
get vaccinations; older people conditions and prescriptions).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final

import sqlalchemy as sa

from app.extensions import db
from health_book.models import (
    Allergy,
    Condition,
    Encounter,
    Immunization,
    MedicationRequest,
    Observation,
)
from identity.models import (
    Citizen,
    Guardianship,
    Household,
    HouseholdMember,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Sector,
)
from identity.national_id import century_sex_digit

#: The day the synthetic world is generated "on" (ages and record dates count back
#: from it), fixed so that a seed always gives the same rows.
REFERENCE_DAY: Final = date(2026, 11, 1)
GENERATED_AT: Final = datetime(2026, 11, 1, tzinfo=UTC)
BATCH: Final = 5_000
MAX_CITIZENS: Final = 790_000  # six-digit serials from 200000 stay unique

FAMILY_NAMES: Final = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Huỳnh", 5), ("Hoàng", 2),
    ("Phan", 4.5), ("Võ", 3.9), ("Vũ", 2), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
    ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Trương", 1), ("Đinh", 0.8),
)  # fmt: skip
MIDDLE: Final = {
    "male": ("Văn", "Minh", "Đức", "Quốc", "Hữu", "Thành", "Công", "Gia"),
    "female": ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bảo", "Hồng"),
}
GIVEN: Final = {
    "male": ("An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khang", "Khoa", "Long",
             "Minh", "Nam", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Trí", "Tuấn", "Việt"),
    "female": ("Anh", "Châu", "Chi", "Diễm", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan",
               "Linh", "Mai", "My", "Ngân", "Nhung", "Phương", "Quỳnh", "Thảo", "Trang", "Vy"),
}  # fmt: skip
#: Province of birth registration: Bình Dương, else where its workers come from.
BIRTH_PROVINCES: Final = (
    ("074", 60), ("038", 6), ("040", 5), ("089", 4), ("087", 4), ("094", 3),
    ("036", 3), ("091", 3), ("052", 3), ("079", 3), ("083", 3), ("066", 3),
)  # fmt: skip
WARDS: Final = (
    "Phú Cường", "Hiệp Thành", "Chánh Nghĩa", "Phú Hòa", "Phú Lợi", "Định Hòa",
    "Tân An", "Dĩ An", "Thuận An", "Lái Thiêu", "Bến Cát", "Tân Uyên", "Thới Hòa",
)  # fmt: skip
STREETS: Final = (
    "Bạch Đằng", "Yersin", "Cách Mạng Tháng Tám", "Đại lộ Bình Dương", "Nguyễn Văn Tiết",
    "Phú Lợi", "Lê Hồng Phong", "Huỳnh Văn Lũy", "Trần Văn Ơn", "Ngô Quyền",
)  # fmt: skip
#: CVX codes: BCG, hepatitis B, DTaP-IPV-Hib-HepB, measles-rubella, Japanese
#: encephalitis, oral polio.
VACCINES: Final = (
    ("19", "Vắc xin phòng lao"), ("08", "Vắc xin viêm gan B"),
    ("146", "Vắc xin 6 trong 1"), ("04", "Vắc xin sởi - rubella"),
    ("39", "Vắc xin viêm não Nhật Bản"), ("02", "Vắc xin bại liệt uống"),
)  # fmt: skip
CONDITIONS: Final = (
    ("I10", "Tăng huyết áp vô căn"), ("E11.9", "Đái tháo đường típ 2"),
    ("J02.9", "Viêm họng cấp"), ("K29.7", "Viêm dạ dày"), ("J45.9", "Hen phế quản"),
    ("M54.5", "Đau thắt lưng"), ("E78.5", "Rối loạn lipid máu"),
)  # fmt: skip
MEDICATIONS: Final = (
    ("Amlodipine 5 mg", "C08CA01"), ("Metformin 500 mg", "A10BA02"),
    ("Amoxicillin 500 mg", "J01CA04"), ("Paracetamol 500 mg", "N02BE01"),
    ("Omeprazole 20 mg", "A02BC01"), ("Atorvastatin 10 mg", "C10AA05"),
)  # fmt: skip
OBSERVATIONS: Final = (
    ("vital-signs", "8480-6", "Huyết áp tâm thu", "mm[Hg]", 95, 160, 90, 139),
    ("vital-signs", "8462-4", "Huyết áp tâm trương", "mm[Hg]", 55, 100, 60, 89),
    ("vital-signs", "8867-4", "Nhịp tim", "/min", 55, 120, 60, 100),
    ("vital-signs", "8310-5", "Nhiệt độ cơ thể", "Cel", 36, 39.5, 36.1, 37.2),
    ("laboratory", "15074-8", "Glucose máu", "mmol/L", 3.5, 12, 3.9, 6.4),
    ("laboratory", "6690-2", "Bạch cầu", "10*9/L", 3, 15, 4, 10),
)  # fmt: skip


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([item for item, _ in table], [weight for _, weight in table])[0]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _age(rng: random.Random) -> int:
    """A young province: many in their twenties and thirties, few past seventy."""
    band = rng.choices(
        [(0, 14), (15, 19), (20, 39), (40, 59), (60, 74), (75, 95)],
        [20, 6, 38, 24, 9, 3],
    )[0]
    return rng.randint(*band)


@dataclass
class Population:
    """What one run generates, table by table, before it is written."""

    citizens: list[dict[str, Any]] = field(default_factory=list)
    households: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    guardianships: list[dict[str, Any]] = field(default_factory=list)
    clinics: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)


def _citizen(rng: random.Random, serial: int) -> dict[str, Any]:
    sex = rng.choice(("male", "female"))
    age = _age(rng)
    born = REFERENCE_DAY - timedelta(days=age * 365 + rng.randint(0, 364))
    province = _weighted(rng, BIRTH_PROVINCES)
    national_id = (
        f"{province}{century_sex_digit(born, sex)}{born.year % 100:02d}{serial:06d}"
    )
    name = f"{_weighted(rng, FAMILY_NAMES)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    adult = age >= 18
    return {
        "id": _uuid(rng),
        "national_id": national_id,
        "full_name": name,
        "birth_date": born,
        "sex": sex,
        "address": f"Số {rng.randint(1, 400)} đường {rng.choice(STREETS)}, "
        f"phường {rng.choice(WARDS)}, Bình Dương",
        "phone": f"09{rng.randint(0, 99_999_999):08d}"
        if adult and rng.random() < 0.9
        else None,
        "loa": 2 if adult and rng.random() < 0.75 else 1,
        "password_hash": None,
        "created_at": GENERATED_AT,
        "updated_at": GENERATED_AT,
    }


def _families(rng: random.Random, population: Population) -> None:
    """Households, and parents as guardians of their children under 18 (act for <14)."""
    people = population.citizens
    adults = [c for c in people if (REFERENCE_DAY - c["birth_date"]).days >= 22 * 365]
    children = [c for c in people if (REFERENCE_DAY - c["birth_date"]).days < 18 * 365]
    parents_by_year: dict[int, list[dict[str, Any]]] = {}
    for adult in adults:
        parents_by_year.setdefault(adult["birth_date"].year, []).append(adult)
    households: dict[uuid.UUID, dict[str, Any]] = {}
    housed: set[uuid.UUID] = set()

    def household_of(head: dict[str, Any]) -> dict[str, Any]:
        if head["id"] not in households:
            households[head["id"]] = {
                "id": _uuid(rng),
                "code": f"74-SY-{len(households) + 1:06d}",
                "address": head["address"],
                "created_at": GENERATED_AT,
                "updated_at": GENERATED_AT,
            }
            population.members.append(
                {"id": _uuid(rng), "household_id": households[head["id"]]["id"],
                 "citizen_id": head["id"], "role": "head"}
            )  # fmt: skip
            housed.add(head["id"])
        return households[head["id"]]

    for child in children:
        years = [
            y
            for y in range(child["birth_date"].year - 45, child["birth_date"].year - 19)
            if parents_by_year.get(y)
        ]
        if not years:
            continue
        parent = rng.choice(parents_by_year[rng.choice(years)])
        if parent["id"] == child["id"]:
            continue
        home = household_of(parent)
        child["address"] = parent["address"]
        population.members.append(
            {"id": _uuid(rng), "household_id": home["id"], "citizen_id": child["id"],
             "role": "child"}
        )  # fmt: skip
        housed.add(child["id"])
        population.guardianships.append(
            {"id": _uuid(rng), "guardian_id": parent["id"], "ward_id": child["id"],
             "relation": "parent", "created_at": GENERATED_AT}
        )  # fmt: skip
    for person in people:
        if person["id"] not in housed:
            household_of(person)
    population.households = list(households.values())


def _clinics(rng: random.Random, population: Population, count: int) -> None:
    doctors = [
        c for c in population.citizens if (REFERENCE_DAY - c["birth_date"]).days >= 28 * 365
        and (REFERENCE_DAY - c["birth_date"]).days <= 60 * 365
    ][: count * 4]  # fmt: skip
    for number in range(count):
        clinic_id = _uuid(rng)
        population.clinics.append(
            {
                "id": clinic_id,
                "code": f"74S{number + 1:03d}",
                "name": f"Trạm y tế phường {WARDS[number % len(WARDS)]} số {number + 1}",
                "kind": OrganisationKind.CLINIC.value,
                "sector": Sector.HEALTH.value,
                "address": f"Phường {WARDS[number % len(WARDS)]}, Bình Dương",
                "created_at": GENERATED_AT,
                "updated_at": GENERATED_AT,
            }
        )
        for doctor in doctors[number * 4 : number * 4 + 4]:
            population.memberships.append(
                {"id": _uuid(rng), "citizen_id": doctor["id"], "organisation_id": clinic_id,
                 "role": Role.DOCTOR.value, "created_at": GENERATED_AT}
            )  # fmt: skip


def generate_population(citizens: int, seed: int, clinics: int = 30) -> Population:
    """Citizens, households, guardianships and clinics with their doctors."""
    if not 1 <= citizens <= MAX_CITIZENS:
        raise ValueError(f"citizens must be between 1 and {MAX_CITIZENS}")
    rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
    serials = rng.sample(range(200_000, 1_000_000), citizens)
    population = Population(citizens=[_citizen(rng, serial) for serial in serials])
    _families(rng, population)
    _clinics(rng, population, clinics)
    return population


def _record_kind(rng: random.Random, age: int) -> str:
    if age < 6:
        weights = [2, 2, 10, 50, 6, 30]
    elif age < 40:
        weights = [3, 8, 22, 5, 20, 42]
    else:
        weights = [3, 16, 18, 2, 24, 37]
    kinds = [
        "allergies",
        "conditions",
        "encounters",
        "immunizations",
        "medications",
        "observations",
    ]
    return rng.choices(kinds, weights)[0]


def _record(rng: random.Random, kind: str, person: dict[str, Any], clinic: dict[str, Any],
            author: uuid.UUID) -> dict[str, Any]:  # fmt: skip
    lived = max((REFERENCE_DAY - person["birth_date"]).days, 1)
    day = REFERENCE_DAY - timedelta(
        days=int(lived * rng.random() ** 2)
    )  # mostly recent
    at = datetime.combine(
        day, time(1 + rng.randint(0, 9), rng.randint(0, 59)), tzinfo=UTC
    )
    row: dict[str, Any] = {
        "id": _uuid(rng), "citizen_id": person["id"], "clinic_id": clinic["id"],
        "author_id": author, "record_date": day, "created_at": at, "sensitive": False,
        "superseded_at": None, "hidden_at": None, "supersedes_id": None,
        "correction_reason": None,
    }  # fmt: skip
    if kind == "immunizations":
        code, name = rng.choice(VACCINES)
        row.update(vaccine_code=code, vaccine_name=name, dose_number=rng.randint(1, 3),
                   lot_number=f"TC-{day:%y%m}", programme="expanded")  # fmt: skip
    elif kind == "conditions":
        code, name = rng.choice(CONDITIONS)
        row.update(icd10_code=code, description=name,
                   clinical_status=rng.choice(("active", "resolved", "inactive")))  # fmt: skip
    elif kind == "medications":
        name, atc = rng.choice(MEDICATIONS)
        row.update(medication=name, atc_code=atc, dosage="Uống theo chỉ định",
                   quantity=f"{rng.randint(10, 60)} viên", duration_days=rng.randint(5, 30),
                   status=rng.choice(("active", "completed")))  # fmt: skip
    elif kind == "allergies":
        row.update(substance=rng.choice(("Penicillin", "Tôm", "Phấn hoa", "Aspirin")),
                   category=rng.choice(("medication", "food", "environment")),
                   criticality=rng.choice(("low", "high")), reaction="Nổi mẩn")  # fmt: skip
    elif kind == "encounters":
        code, name = rng.choice(CONDITIONS)
        row.update(encounter_class="outpatient", admitted_at=at,
                   discharged_at=at + timedelta(hours=1), reason="Khám bệnh",
                   diagnosis_code=code, diagnosis_text=name, treatment_summary=None,
                   follow_up=None)  # fmt: skip
    else:
        category, loinc, name, unit, low, high, ref_low, ref_high = rng.choice(
            OBSERVATIONS
        )
        value = Decimal(str(round(rng.uniform(low, high), 1)))
        row.update(category=category, loinc_code=loinc, name=name, value=value, unit=unit,
                   reference_low=Decimal(str(ref_low)), reference_high=Decimal(str(ref_high)),
                   effective_at=at)  # fmt: skip
    return row


def generate_records(
    population: Population, per_citizen: int, seed: int
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(kind, row)`` for about ``per_citizen`` records a citizen, older people more."""
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible, not secret
    doctors: dict[uuid.UUID, list[uuid.UUID]] = {}
    for membership in population.memberships:
        doctors.setdefault(membership["organisation_id"], []).append(
            membership["citizen_id"]
        )
    clinics = [c for c in population.clinics if doctors.get(c["id"])]

    def need(age: int) -> float:  # young adults see doctors least, the old most
        return 0.6 if 5 < age < 40 else 1.4 if age >= 60 else 1.0

    ages = [(REFERENCE_DAY - c["birth_date"]).days // 365 for c in population.citizens]
    scale = per_citizen * len(ages) / max(sum(need(age) for age in ages), 1)
    for person, age in zip(population.citizens, ages, strict=True):
        mean = scale * need(age)
        count = max(0, round(rng.gauss(mean, mean / 3))) if per_citizen else 0
        clinic = rng.choice(clinics)
        for _ in range(count):
            kind = _record_kind(rng, age)
            yield (
                kind,
                _record(rng, kind, person, clinic, rng.choice(doctors[clinic["id"]])),
            )


TABLES: Final = {
    "allergies": Allergy, "conditions": Condition, "encounters": Encounter,
    "immunizations": Immunization, "medications": MedicationRequest,
    "observations": Observation,
}  # fmt: skip


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start : start + BATCH])


def seed_bulk(citizens: int, per_citizen: int, seed: int) -> dict[str, int]:
    """Write a synthetic population and its health records; return the row counts."""
    population = generate_population(citizens, seed)
    first = population.citizens[0]["national_id"]
    if db.session.scalar(sa.select(Citizen.id).where(Citizen.national_id == first)):
        raise ValueError(f"the population of seed {seed} is already in this database")
    _insert(Citizen, population.citizens)
    _insert(Household, population.households)
    _insert(HouseholdMember, population.members)
    _insert(Guardianship, population.guardianships)
    _insert(Organisation, population.clinics)
    _insert(Membership, population.memberships)
    counts = {
        "citizens": len(population.citizens),
        "households": len(population.households),
        "guardianships": len(population.guardianships),
        "clinics": len(population.clinics),
    }
    pending: dict[str, list[dict[str, Any]]] = {kind: [] for kind in TABLES}
    records = 0
    for kind, row in generate_records(population, per_citizen, seed):
        pending[kind].append(row)
        records += 1
        if len(pending[kind]) >= BATCH:
            _insert(TABLES[kind], pending[kind])
            pending[kind] = []
    for kind, rows in pending.items():
        _insert(TABLES[kind], rows)
    counts["health_records"] = records
    return counts
