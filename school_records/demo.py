"""Bình's published grade-6 transcript for 2025-2026 (DESIGN.md, "Demo data").

THCS Chánh Nghĩa teaches grades 6 to 9; its principal Em opened class 6A1 for
2025-2026 with Dũng as homeroom teacher and enrolled Bình in it. The scores are
typed in; every average and result is worked out by the grading engine, then the
transcript goes through the real workflow: drafted and signed by Dũng, signed and
published by Em.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.auth import Actor
from app.extensions import db
from identity.demo import BINH_NATIONAL_ID, SCHOOL_CODE
from identity.models import Citizen, Organisation
from school_records import drafting, enrolment, grading, register, signing
from school_records.content import to_json
from school_records.grading import Comment
from school_records.models import Enrolment, SchoolClass, Transcript

TEACHER_NATIONAL_ID = "074088000104"
PRINCIPAL_NATIONAL_ID = "074180000105"
SCHOOL_YEAR = "2025-2026"
CLASS_NAME = "6A1"
#: A lower secondary school (THCS).
FIRST_GRADE, LAST_GRADE = 6, 9

Semester = tuple[list[str], str, str]

#: (code, name, periods a year, semester 1, semester 2): regular scores, mid-term, final.
SCORED: tuple[tuple[str, str, int, Semester, Semester], ...] = (
    (
        "TOAN",
        "Toán",
        140,
        (["8", "7.5", "9", "8.5"], "8", "8.5"),
        (["9", "8.5", "9", "9"], "8.5", "9"),
    ),
    (
        "VAN",
        "Ngữ văn",
        140,
        (["7", "7.5", "8", "7"], "7.5", "8"),
        (["8", "8", "7.5", "8.5"], "8", "8"),
    ),
    (
        "ANH",
        "Tiếng Anh",
        105,
        (["9", "9.5", "8.5", "9"], "9", "8.5"),
        (["9", "9", "9.5", "10"], "9", "9.5"),
    ),
    (
        "KHTN",
        "Khoa học tự nhiên",
        140,
        (["8", "8", "7.5", "8.5"], "8", "8"),
        (["8.5", "9", "8", "9"], "8.5", "8.5"),
    ),
    (
        "LSDL",
        "Lịch sử và Địa lí",
        105,
        (["7.5", "8", "8", "7"], "7.5", "8"),
        (["8", "8.5", "8", "8"], "8", "8.5"),
    ),
    (
        "GDCD",
        "Giáo dục công dân",
        35,
        (["9", "8.5"], "9", "9"),
        (["9", "9"], "9", "9.5"),
    ),
    ("CN", "Công nghệ", 35, (["8", "8.5"], "8", "8"), (["8.5", "9"], "8.5", "8.5")),
    ("TIN", "Tin học", 35, (["9", "9"], "8.5", "9"), (["9.5", "9"], "9", "9.5")),
)
COMMENTED = (
    ("GDTC", "Giáo dục thể chất"),
    ("NT", "Nghệ thuật (Âm nhạc, Mĩ thuật)"),
    ("HDTN", "Hoạt động trải nghiệm, hướng nghiệp"),
    ("GDDP", "Nội dung giáo dục của địa phương"),
)


def _semester(raw: Semester) -> dict[str, Any]:
    regular = [Decimal(score) for score in raw[0]]
    midterm, final = Decimal(raw[1]), Decimal(raw[2])
    return {
        "regular": regular,
        "midterm": midterm,
        "final": final,
        "average": grading.semester_average(regular, midterm, final),
    }


def demo_content() -> dict[str, Any]:
    """Bình's grade-6 year, with every computed value worked out by the engine."""
    subjects: list[dict[str, Any]] = []
    for code, name, periods, first, second in SCORED:
        s1, s2 = _semester(first), _semester(second)
        subjects.append(
            {
                "code": code, "name": name, "assessment": "scored", "periods_per_year": periods,
                "semester1": s1, "semester2": s2, "year_average": grading.year_average(s1["average"], s2["average"]),
            }
        )  # fmt: skip
    for code, name in COMMENTED:
        passed = {"result": Comment.DAT.value}
        subjects.append(
            {
                "code": code,
                "name": name,
                "assessment": "comment",
                "semester1": passed,
                "semester2": passed,
                "year_result": Comment.DAT.value,
            }
        )
    scored = [s for s in subjects if s["assessment"] == "scored"]
    comments = [Comment.DAT] * len(COMMENTED)
    learning = {
        "semester1": grading.learning_result(
            [s["semester1"]["average"] for s in scored], comments
        ).value,
        "semester2": grading.learning_result(
            [s["semester2"]["average"] for s in scored], comments
        ).value,
        "year": grading.learning_result(
            [s["year_average"] for s in scored], comments
        ).value,
    }
    excellent = sum(s["year_average"] >= 9 for s in scored) >= 6
    award = None
    if learning["year"] == grading.Level.TOT.value:
        award = "Học sinh Xuất sắc" if excellent else "Học sinh Giỏi"
    content: dict[str, Any] = to_json(
        {
            "subjects": subjects,
            "conduct": {"semester1": "Tốt", "semester2": "Tốt", "year": "Tốt"},
            "learning_result": learning,
            "absences": {"excused": 2, "unexcused": 0},
            "promotion": "lên lớp",
            "award": award,
            "homeroom_comment": "Em chăm ngoan, tiếp thu bài tốt, tích cực tham gia hoạt động của lớp.",
        }
    )
    return content


def _seed_register(
    binh: Citizen, homeroom: Citizen, school: Organisation, principal: Actor
) -> None:
    """The school's grades, class 6A1 of 2025-2026 and Bình in it, each once."""
    if register.levels_of(school.id) is None:
        register.set_levels(school.id, FIRST_GRADE, LAST_GRADE)
    school_class = db.session.scalar(
        sa.select(SchoolClass).where(
            SchoolClass.school_id == school.id,
            SchoolClass.school_year == SCHOOL_YEAR,
            SchoolClass.name == CLASS_NAME,
        )
    )
    if school_class is None:
        school_class = register.create_class(
            principal,
            school.id,
            {
                "school_year": SCHOOL_YEAR,
                "name": CLASS_NAME,
                "grade": FIRST_GRADE,
                "homeroom_teacher_id": homeroom.id,
            },
        )
    enrolled = db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.pupil_id == binh.id, Enrolment.school_year == SCHOOL_YEAR
        )
    )
    if enrolled is None:
        enrolment.enrol(
            principal,
            school.id,
            school_class.id,
            {
                "national_id": binh.national_id,
                "full_name": binh.full_name,
                "birth_date": binh.birth_date,
            },
        )


def seed_transcripts(citizens: dict[str, Citizen]) -> None:
    """Register Bình in her class and issue her transcript once, through the real
    workflow."""
    binh = citizens[BINH_NATIONAL_ID]
    school = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == SCHOOL_CODE)
    )
    if school is None:
        raise RuntimeError("seed the identity register first")
    teacher = Actor(
        citizen_id=citizens[TEACHER_NATIONAL_ID].id, org_id=school.id, role="teacher"
    )
    principal = Actor(
        citizen_id=citizens[PRINCIPAL_NATIONAL_ID].id,
        org_id=school.id,
        role="principal",
    )
    _seed_register(binh, citizens[TEACHER_NATIONAL_ID], school, principal)
    exists = db.session.scalar(
        sa.select(Transcript.id).where(
            Transcript.pupil_id == binh.id, Transcript.school_year == SCHOOL_YEAR
        )
    )
    if exists is not None:
        return
    draft = drafting.create_draft(
        teacher,
        school.id,
        {
            "pupil_id": binh.id,
            "school_year": SCHOOL_YEAR,
            "grade": 6,
            "class_name": CLASS_NAME,
            "content": demo_content(),
        },
    )
    # The demo's signers read what they seed: each signs the version it just made.
    signing.sign(teacher, draft.id, read=_as_read)
    signing.sign(principal, draft.id, read=_as_read)
    db.session.flush()


def _as_read(_version: str) -> None:
    """The demo's signers have read every version (no request, no If-Match)."""
