"""Codes and identifiers of the health book: BHYT cards, ICD-10, UCUM, blood groups."""

from __future__ import annotations

import re
from typing import Final

BHYT_ERROR: Final = (
    "Not a health-insurance card number: give the 15-character card code "
    "or the 10-digit social-insurance number."
)
ICD10_ERROR: Final = (
    "Not an ICD-10 code (a letter, two digits, optionally a dot and up to 4 more)."
)
UCUM_ERROR: Final = "Not a supported UCUM unit."
SNOMED_ERROR: Final = (
    "Not a SNOMED CT concept id (6 to 18 digits ending in a Verhoeff check digit)."
)
CVX_ERROR: Final = "Not a CVX vaccine code (1 to 3 digits)."

#: Legacy card code: beneficiary group (2 letters), benefit level (1 to 5), province
#: (2 digits), then the 10-digit social-insurance number (mã số BHXH).
_BHYT_15 = re.compile(r"^[A-Z]{2}[1-5][0-9]{2}([0-9]{10})$")
_BHYT_10 = re.compile(r"^([0-9]{10})$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
_SNOMED_ID = re.compile(r"^[1-9][0-9]{5,17}$")
_CVX = re.compile(r"^[0-9]{1,3}$")

BLOOD_GROUPS: Final = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")

#: UCUM codes accepted for vital signs and laboratory results.
UCUM_UNITS: Final = frozenset(
    {
        "%", "/min", "mm[Hg]", "Cel", "kg", "g", "cm", "m", "kg/m2",
        "mmol/L", "umol/L", "mg/dL", "g/dL", "g/L", "mg/L", "U/L", "[IU]/L",
        "10*9/L", "10*12/L", "fL", "pg", "mL/min", "mL/min/{1.73_m2}", "s", "{ratio}",
    }
)  # fmt: skip

#: ICD-10 blocks whose records are sensitive: HIV (B20 to B24, Z21), mental and
#: behavioural disorders including substance use (F00 to F99), and chromosomal
#: abnormalities (Q90 to Q99, genetics).
_SENSITIVE = re.compile(r"^(B2[0-4]|Z21|F[0-9]{2}|Q9[0-9])")


def normalise_bhyt(raw: str) -> str:
    """Return the 10-digit social-insurance number of either card format.

    :raise ValueError: neither format.
    """
    cleaned = re.sub(r"[\s-]", "", raw).upper()
    match = _BHYT_15.match(cleaned) or _BHYT_10.match(cleaned)
    if not match:
        raise ValueError(BHYT_ERROR)
    return match.group(1)


def is_icd10(code: str) -> bool:
    """Tell whether ``code`` has the shape of an ICD-10 code."""
    return bool(_ICD10.match(code))


def is_sensitive(icd10_code: str | None) -> bool:
    """Tell whether a diagnosis code falls in a sensitive block."""
    return bool(icd10_code and _SENSITIVE.match(icd10_code))


# The Verhoeff scheme's multiplication (dihedral group D5) and permutation tables.
_VERHOEFF_D: Final = tuple(
    tuple(int(digit) for digit in row)
    for row in (
        "0123456789", "1234067895", "2340178956", "3401289567", "4012395678",
        "5987604321", "6598710432", "7659821043", "8765932104", "9876543210",
    )
)  # fmt: skip
_VERHOEFF_P: Final = tuple(
    tuple(int(digit) for digit in row)
    for row in (
        "0123456789", "1576283094", "5803796142", "8916043527",
        "9453126870", "4286573901", "2793806415", "7046913258",
    )
)  # fmt: skip


def is_snomed_id(concept_id: str) -> bool:
    """Tell whether ``concept_id`` is a well-formed SNOMED CT concept id.

    6 to 18 digits, a partition identifier of a concept ("00" or "10": the
    second and third digits from the right) and a valid Verhoeff check digit.
    Whether the concept exists is the terminology server's to say.
    """
    if not _SNOMED_ID.match(concept_id) or concept_id[-3:-1] not in ("00", "10"):
        return False
    check = 0
    for position, digit in enumerate(reversed(concept_id)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def is_cvx(code: str) -> bool:
    """Tell whether ``code`` has the shape of a CVX vaccine code."""
    return bool(_CVX.match(code))
