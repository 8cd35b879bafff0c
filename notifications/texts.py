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

#: What a phone's lock screen shows: who asks or what changed, never whose data,
#: no names, codes or health details (read in the app after login).
PUSH_MESSAGES: dict[str, tuple[str, str]] = {
    "push.details": (
        "Mở ứng dụng CongDan để xem chi tiết.",
        "Open the CongDan app for details.",
    ),
    "push.consent_requested": (
        "{org} đề nghị truy cập dữ liệu",
        "{org} asks to access data",
    ),
    "push.consent_approved": (
        "Yêu cầu truy cập dữ liệu đã được chấp thuận",
        "A consent request was approved",
    ),
    "push.consent_denied": (
        "Yêu cầu truy cập dữ liệu đã bị từ chối",
        "A consent request was denied",
    ),
    "push.consent_revoked": (
        "Một sự đồng ý chia sẻ dữ liệu đã bị thu hồi",
        "A data-sharing consent was revoked",
    ),
    "push.consent_request_expired": (
        "Một yêu cầu truy cập dữ liệu đã hết hạn",
        "A consent request expired",
    ),
    "push.consent_expired": (
        "Một sự đồng ý chia sẻ dữ liệu đã hết hạn",
        "A data-sharing consent expired",
    ),
    "push.share_code_redeemed": (
        "{org} đã dùng mã chia sẻ của bạn",
        "{org} used your share code",
    ),
    "push.transcript_published": (
        "{school} đã cấp học bạ số mới",
        "{school} issued a new digital transcript",
    ),
    "push.emergency_access": (
        "Có truy cập khẩn cấp vào dữ liệu sức khỏe",
        "Emergency access to health data",
    ),
    "push.dossier_status": (
        "Hồ sơ dịch vụ công có cập nhật",
        "A public-service dossier was updated",
    ),
}

VALIDATION: dict[str, str] = {
    "A browser needs its subscription.": "Trình duyệt cần gửi đăng ký nhận thông báo.",
    "A phone needs its FCM token.": "Điện thoại cần gửi mã FCM.",
    "A browser sends a subscription, not a token.": (
        "Trình duyệt gửi đăng ký nhận thông báo, không gửi mã."
    ),
    "A phone sends a token, not a subscription.": (
        "Điện thoại gửi mã FCM, không gửi đăng ký của trình duyệt."
    ),
    "A time of day as HH:MM.": "Giờ trong ngày, dạng HH:MM.",
    "Quiet hours end at another time than they start.": (
        "Giờ yên lặng phải kết thúc vào lúc khác giờ bắt đầu."
    ),
    "Not a P-256 public key and a 16-byte secret.": (
        "Không phải khóa công khai P-256 và bí mật 16 byte."
    ),
    "Not a push service this server sends to.": (
        "Không phải dịch vụ thông báo đẩy mà máy chủ này gửi tới."
    ),
}
