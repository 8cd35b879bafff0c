"""Vietnamese for the validation messages of the health book (English as raised)."""

from __future__ import annotations

VALIDATION_MESSAGES: dict[str, str] = {
    "Not a health-insurance card number: give the 15-character card code "
    "or the 10-digit social-insurance number.": (
        "Không phải số thẻ BHYT: hãy ghi mã thẻ 15 ký tự hoặc mã số BHXH 10 chữ số."
    ),
    "Not an ICD-10 code (a letter, two digits, optionally a dot and up to 4 more).": (
        "Không phải mã ICD-10 (một chữ cái, hai chữ số, có thể thêm dấu chấm và tối đa 4 ký tự)."
    ),
    "Not a supported UCUM unit.": "Không phải đơn vị UCUM được hỗ trợ.",
    "Not a SNOMED CT concept id (6 to 18 digits ending in a Verhoeff check digit).": (
        "Không phải mã khái niệm SNOMED CT (6 đến 18 chữ số, chữ số cuối là số kiểm tra Verhoeff)."
    ),
    "Not a CVX vaccine code (1 to 3 digits).": "Không phải mã vắc xin CVX (1 đến 3 chữ số).",
    "Discharge cannot come before admission.": "Ngày ra viện không được trước ngày nhập viện.",
    "The reference range is inverted.": "Khoảng tham chiếu bị đảo ngược.",
}

MESSAGES: dict[str, tuple[str, str]] = {}
