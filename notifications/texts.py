"""What the inbox says, in Vietnamese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "notification.consent_requested": (
        "{org} đề nghị truy cập dữ liệu của {subject}.",
        "{org} asks to access {subject}'s data.",
    ),
    "notification.consent_approved": (
        "Yêu cầu truy cập dữ liệu đã được chấp thuận.",
        "Your consent request was approved.",
    ),
    "notification.consent_denied": (
        "Yêu cầu truy cập dữ liệu đã bị từ chối.",
        "Your consent request was denied.",
    ),
    "notification.consent_revoked": (
        "Một sự đồng ý chia sẻ dữ liệu đã bị thu hồi.",
        "A data-sharing consent was revoked.",
    ),
    "notification.consent_request_expired": (
        "Một yêu cầu truy cập dữ liệu đã hết hạn mà không được trả lời.",
        "A consent request expired unanswered.",
    ),
    "notification.consent_expired": (
        "Một sự đồng ý chia sẻ dữ liệu đã hết hạn.",
        "A data-sharing consent expired.",
    ),
    "notification.share_code_redeemed": (
        "{org} đã dùng mã chia sẻ của bạn.",
        "{org} used your share code.",
    ),
    "notification.transcript_published": (
        "{school} đã cấp học bạ số mới cho {subject}.",
        "{school} issued a new digital transcript for {subject}.",
    ),
    "notification.emergency_access": (
        "{org} đã truy cập khẩn cấp dữ liệu sức khỏe của {subject}.",
        "{org} used emergency access to {subject}'s health data.",
    ),
    "notification.dossier_status": (
        "Hồ sơ {receipt_code} ({procedure}): {status_vi}. {note}",
        "Dossier {receipt_code} ({procedure_en}): {status_en}. {note}",
    ),
}
