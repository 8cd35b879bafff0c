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

#: Legacy card code: beneficiary group (2 letters), benefit level (1 to 5), province
#: (2 digits), then the 10-digit social-insurance number (mã số BHXH).
_BHYT_15 = re.compile(r"^[A-Z]{2}[1-5][0-9]{2}([0-9]{10})$")
_BHYT_10 = re.compile(r"^([0-9]{10})$")
_ICD10 = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")

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
