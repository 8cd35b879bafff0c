"""Problem messages of consent, in Vietnamese and English."""

from __future__ import annotations

from app.i18n import add_messages

add_messages(
    {
        "consent-required.title": ("Chưa được đồng ý", "Consent required"),
        "consent-required.detail": (
            "Không có sự đồng ý còn hiệu lực cho phép đọc dữ liệu này.",
            "No consent in force allows reading this data.",
        ),
        "consent-frequency-exceeded.title": (
            "Vượt số lần truy cập",
            "Access limit reached",
        ),
        "consent-frequency-exceeded.detail": (
            "Đã dùng hết số lần truy cập mà sự đồng ý cho phép; vui lòng thử lại sau.",
            "The consent's access limit is used up; try again later.",
        ),
        "not-your-consent.title": ("Không phải yêu cầu của bạn", "Not yours to answer"),
        "not-your-consent.detail": (
            "Chỉ người được hỏi hoặc người giám hộ mới trả lời được yêu cầu này.",
            "Only the person asked, or their guardian, can answer this request.",
        ),
        "consent-state-conflict.title": (
            "Trạng thái không cho phép",
            "Not allowed in this state",
        ),
        "consent-state-conflict.detail": (
            "Thao tác không thực hiện được ở trạng thái hiện tại; không có gì thay đổi.",
            "This cannot be done in the current state; nothing was changed.",
        ),
        "record-superseded.title": (
            "Bản ghi đã được đính chính",
            "Record already corrected",
        ),
        "record-superseded.detail": (
            "Bản ghi này đã có phiên bản mới hơn; hãy đính chính phiên bản hiện hành.",
            "This record already has a newer version; correct the current one.",
        ),
        "share-code-invalid.title": ("Mã chia sẻ không hợp lệ", "Invalid share code"),
        "share-code-invalid.detail": (
            "Mã chia sẻ không đúng, đã dùng hoặc đã hết hạn.",
            "The share code is wrong, already used or expired.",
        ),
        "share-code-throttled.title": ("Quá nhiều mã sai", "Too many wrong codes"),
        "share-code-throttled.detail": (
            "Đã nhập sai quá nhiều mã; vui lòng thử lại sau.",
            "Too many wrong codes were entered; try again later.",
        ),
        "share-code-not-for-sector.title": (
            "Mã không dùng được cho tổ chức này",
            "Code not usable here",
        ),
        "share-code-not-for-sector.detail": (
            "Dữ liệu trong mã chia sẻ không thuộc lĩnh vực của tổ chức bạn.",
            "The shared data is outside your organisation's sector.",
        ),
    }
)
