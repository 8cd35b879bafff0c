"""The closed code sets of consent: data categories, purposes, access modes.

A purpose belongs to the sectors that may invoke it and bounds the categories it
can ever reach: a school enrolling a pupil may see immunizations, never
conditions, whatever a request says.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from identity.models import Sector


class Category(enum.StrEnum):
    ALLERGIES = "allergies"
    CONDITIONS = "conditions"
    IMMUNIZATIONS = "immunizations"
    ENCOUNTERS = "encounters"
    MEDICATIONS = "medications"
    OBSERVATIONS = "observations"
    DOCUMENTS = "documents"
    EMERGENCY_SUMMARY = "emergency_summary"
    TRANSCRIPTS = "transcripts"
    IDENTITY_BASIC = "identity_basic"
    IDENTITY_FULL = "identity_full"


HEALTH_CATEGORIES: Final = frozenset(
    {
        Category.ALLERGIES,
        Category.CONDITIONS,
        Category.IMMUNIZATIONS,
        Category.ENCOUNTERS,
        Category.MEDICATIONS,
        Category.OBSERVATIONS,
        Category.DOCUMENTS,
        Category.EMERGENCY_SUMMARY,
    }
)


class AccessMode(enum.StrEnum):
    VIEW = "view"  # read on screen; no export or copy
    STORE = "store"  # a copy may be kept until the artefact expires


class FrequencyUnit(enum.StrEnum):
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True)
class Purpose:
    """A purpose of use: who may invoke it and what it can reach at most."""

    code: str
    sectors: frozenset[Sector]
    categories: frozenset[Category]
    label_vi: str
    label_en: str


PURPOSES: Final[dict[str, Purpose]] = {
    purpose.code: purpose
    for purpose in (
        Purpose(
            "CAREMGT",
            frozenset({Sector.HEALTH}),
            HEALTH_CATEGORIES | {Category.IDENTITY_BASIC},
            "Khám, chữa bệnh",
            "Care and treatment",
        ),
        Purpose(
            "PUBHLTH",
            frozenset({Sector.HEALTH}),
            frozenset(
                {Category.IMMUNIZATIONS, Category.CONDITIONS, Category.IDENTITY_BASIC}
            ),
            "Y tế dự phòng",
            "Public health",
        ),
        Purpose(
            "ENROLL",
            frozenset({Sector.EDUCATION}),
            frozenset(
                {Category.TRANSCRIPTS, Category.IMMUNIZATIONS, Category.IDENTITY_BASIC}
            ),
            "Tuyển sinh, chuyển trường",
            "Enrolment and school transfer",
        ),
        Purpose(
            "SCHOOLHEALTH",
            frozenset({Sector.EDUCATION}),
            frozenset(
                {Category.IMMUNIZATIONS, Category.ALLERGIES, Category.EMERGENCY_SUMMARY}
            ),
            "Y tế học đường",
            "School health",
        ),
        Purpose(
            "GOV",
            frozenset({Sector.PUBLIC_ADMINISTRATION}),
            frozenset(
                {
                    Category.IDENTITY_BASIC,
                    Category.IDENTITY_FULL,
                    Category.TRANSCRIPTS,
                    Category.IMMUNIZATIONS,
                    Category.DOCUMENTS,
                }
            ),
            "Giải quyết thủ tục hành chính",
            "Public service procedure",
        ),
    )
}

#: The purpose a share code implies for an organisation of each sector.
DEFAULT_PURPOSE_BY_SECTOR: Final = {
    Sector.HEALTH: "CAREMGT",
    Sector.EDUCATION: "ENROLL",
    Sector.PUBLIC_ADMINISTRATION: "GOV",
}
