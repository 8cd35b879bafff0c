"""The 12-digit personal identification number (số định danh cá nhân, CCCD).

Structure (Decree 137/2015/NĐ-CP Art. 13; Circular 07/2016/TT-BCA), left to right:
three digits for the province of birth registration, one digit for century and
sex, two for the last digits of the birth year, six random digits. There is no
checksum, so validation means: twelve digits, a known province, and century/sex and
year digits that agree with the person's birth date and sex.

The number reveals birthplace, sex and birth year: it is personal data, never an
identifier in a URL or a token ``sub``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

#: Province codes of the 63 provinces and cities (Circular 07/2016/TT-BCA, annex).
#: The 2025 merger into 34 units kept one of the old codes for each new unit, and
#: numbers already issued keep the code of birth registration, so all 63 stay valid.
PROVINCES: Final[dict[str, str]] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận",
    "062": "Kon Tum", "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông",
    "068": "Lâm Đồng", "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương",
    "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "TP. Hồ Chí Minh",
    "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang",
    "092": "Cần Thơ", "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu",
    "096": "Cà Mau",
}  # fmt: skip

_FORMAT: Final = re.compile(r"^[0-9]{12}$")

FORMAT_ERROR: Final = "The national id must be exactly 12 digits."
PROVINCE_ERROR: Final = "Unknown province code {code}."
CENTURY_ERROR: Final = (
    "The century and sex digit does not match the birth date and sex."
)
YEAR_ERROR: Final = "The birth-year digits do not match the birth date."


def century_sex_digit(birth_date: date, sex: str) -> int:
    """Return the digit that encodes the birth century and sex (0 to 9).

    20th century: male 0, female 1; 21st: 2/3; 22nd: 4/5; 23rd: 6/7; 24th: 8/9.
    """
    century_index = (birth_date.year - 1900) // 100
    if not 0 <= century_index <= 4:
        raise ValueError("birth years outside 1900-2399 have no century digit")
    return century_index * 2 + (1 if sex == "female" else 0)


def format_errors(national_id: str) -> list[str]:
    """Errors in the number on its own: its length, digits and province."""
    if not _FORMAT.match(national_id):
        return [FORMAT_ERROR]
    if national_id[:3] not in PROVINCES:
        return [PROVINCE_ERROR.format(code=national_id[:3])]
    return []


def consistency_errors(national_id: str, birth_date: date, sex: str) -> list[str]:
    """Errors between a well-formed number and the person's birth date and sex."""
    errors = []
    try:
        expected_digit = century_sex_digit(birth_date, sex)
    except ValueError:
        expected_digit = -1
    if int(national_id[3]) != expected_digit:
        errors.append(CENTURY_ERROR)
    if national_id[4:6] != f"{birth_date.year % 100:02d}":
        errors.append(YEAR_ERROR)
    return errors
