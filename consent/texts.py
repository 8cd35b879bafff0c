"""Problem messages of consent, in Vietnamese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
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
    "too-many-consent-requests.title": (
        "Quá nhiều yêu cầu đồng ý",
        "Too many consent requests",
    ),
    "too-many-consent-requests.detail": (
        "Tổ chức của bạn đã gửi quá nhiều yêu cầu đồng ý trong một giờ; vui lòng thử lại sau.",
        "Your organisation has sent too many consent requests this hour; try again later.",
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
    "emergency-access-reviewed.title": (
        "Đã được xem xét",
        "Already reviewed",
    ),
    "emergency-access-reviewed.detail": (
        "Lần truy cập khẩn cấp này đã được xem xét; kết luận không thay đổi.",
        "This emergency access has been reviewed already; the review stands.",
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

VALIDATION_MESSAGES: dict[str, str] = {
    "Access cannot last longer than requested.": (
        "Thời hạn truy cập không được dài hơn thời hạn đã yêu cầu."
    ),
    "Access may last at most one year.": "Thời hạn truy cập tối đa là một năm.",
    "Access must end in the future.": "Thời hạn truy cập phải kết thúc trong tương lai.",
    "Choose at least one category.": "Hãy chọn ít nhất một loại dữ liệu.",
    "Give both a limit and its unit, or neither.": (
        "Hãy ghi cả số lần và đơn vị thời gian, hoặc bỏ trống cả hai."
    ),
    "Give exactly one of subject_id and national_id.": (
        "Hãy ghi đúng một trong hai: subject_id hoặc national_id."
    ),
    "Not reachable under this purpose: {categories}.": (
        "Không thể truy cập với mục đích này: {categories}."
    ),
    "Only categories that were requested can be granted.": (
        "Chỉ có thể đồng ý cho các loại dữ liệu đã được yêu cầu."
    ),
    "The period cannot end later than requested.": (
        "Khoảng thời gian dữ liệu không được kết thúc muộn hơn yêu cầu."
    ),
    "The period cannot start earlier than requested.": (
        "Khoảng thời gian dữ liệu không được bắt đầu sớm hơn yêu cầu."
    ),
    "The period must not end before it starts.": (
        "Khoảng thời gian không được kết thúc trước khi bắt đầu."
    ),
    "This purpose is not open to your organisation's sector.": (
        "Mục đích này không dành cho lĩnh vực của tổ chức bạn."
    ),
}
