"""Words on the provider's pages, in Vietnamese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "vneid.brand": ("VNeID (mô phỏng)", "VNeID (mock)"),
    "vneid.login.title": ("Đăng nhập", "Sign in"),
    "vneid.login.for_client": (
        "Đăng nhập bằng tài khoản định danh điện tử để tiếp tục tới {client}.",
        "Sign in with your electronic identity account to continue to {client}.",
    ),
    "vneid.login.national_id": (
        "Số định danh cá nhân",
        "Personal identification number",
    ),
    "vneid.login.password": ("Mật khẩu", "Password"),
    "vneid.login.submit": ("Đăng nhập", "Sign in"),
    "vneid.login.failed": (
        "Số định danh hoặc mật khẩu không đúng.",
        "The identification number or the password is wrong.",
    ),
    "vneid.login.throttled": (
        "Bạn đã nhập sai nhiều lần. Thử lại sau {seconds} giây.",
        "Too many failed attempts. Retry after {seconds} s.",
    ),
    "vneid.login.tries_left": ("Còn {tries} lần thử.", "{tries} tries left."),
    "vneid.login.retry_after": (
        "Thử lại sau {seconds} giây.",
        "Retry after {seconds} s.",
    ),
    "vneid.login.qr": (
        "Đăng nhập bằng ứng dụng trên điện thoại (mã QR)",
        "Sign in with the app on your phone (QR code)",
    ),
    "vneid.qr.title": ("Đăng nhập bằng mã QR", "Sign in with a QR code"),
    "vneid.qr.prompt": (
        "Mở ứng dụng CongDan trên điện thoại, chọn Quét mã QR và quét mã này để "
        "đăng nhập vào {client}.",
        "Open the CongDan app on your phone, choose Scan QR code and scan this "
        "code to sign in to {client}.",
    ),
    "vneid.qr.image_alt": (
        "Mã QR để đăng nhập, mã nhập tay {code}",
        "QR code to sign in; code to type: {code}",
    ),
    "vneid.qr.or_type": (
        "Hoặc nhập mã trong ứng dụng:",
        "Or type this code in the app:",
    ),
    "vneid.qr.expires": (
        "Mã hết hạn sau {seconds} giây.",
        "The code expires in {seconds} s.",
    ),
    "vneid.qr.waiting": (
        "Đang chờ bạn xác nhận trên điện thoại…",
        "Waiting for you to approve on your phone…",
    ),
    "vneid.qr.approved": (
        "Đã xác nhận trên điện thoại. Đang tiếp tục…",
        "Approved on your phone. Continuing…",
    ),
    "vneid.qr.denied": (
        "Yêu cầu đăng nhập đã bị từ chối trên điện thoại.",
        "The sign-in was declined on your phone.",
    ),
    "vneid.qr.expired": (
        "Mã đã hết hạn. Hãy lấy mã mới.",
        "The code has expired. Get a new code.",
    ),
    "vneid.qr.phishing": (
        "Chỉ quét mã hiện trên màn hình của chính bạn. Không quét mã do người khác "
        "gửi: họ sẽ được đăng nhập thay bạn.",
        "Only scan a code shown on your own screen. Never scan a code someone sent "
        "you: they would be signed in as you.",
    ),
    "vneid.qr.too_old": (
        "Dịch vụ này cần đăng nhập gần đây hơn lần đăng nhập trên điện thoại. "
        "Hãy đăng nhập bằng mật khẩu.",
        "This service needs a more recent sign-in than the one on your phone. "
        "Sign in with your password.",
    ),
    "vneid.qr.continue": ("Tôi đã xác nhận, tiếp tục", "I approved it, continue"),
    "vneid.qr.again": ("Lấy mã mới", "Get a new code"),
    "vneid.qr.password_instead": (
        "Đăng nhập bằng mật khẩu",
        "Sign in with a password",
    ),
    "vneid.qr.scanned_elsewhere": (
        "Mã đăng nhập {code} dành cho ứng dụng CongDan. Mở ứng dụng, chọn Quét mã QR "
        "hoặc nhập mã này.",
        "The sign-in code {code} is for the CongDan app. Open the app and choose "
        "Scan QR code, or type this code.",
    ),
    "vneid.otp.title": ("Xác thực hai bước", "Two-step verification"),
    "vneid.otp.prompt": (
        "Nhập mã 6 số từ ứng dụng xác thực, hoặc một mã khôi phục.",
        "Enter the 6-digit code from your authenticator app, or a recovery code.",
    ),
    "vneid.otp.field": ("Mã xác thực", "Verification code"),
    "vneid.otp.submit": ("Xác nhận", "Verify"),
    "vneid.otp.failed": (
        "Mã xác thực không đúng hoặc đã dùng.",
        "The code is wrong or was already used.",
    ),
    "vneid.consent.title": ("Chia sẻ thông tin", "Share your information"),
    "vneid.consent.prompt": (
        "{client} đề nghị được nhận các thông tin sau của bạn:",
        "{client} asks to receive the following information about you:",
    ),
    "vneid.consent.exclude": ("Không chia sẻ", "Do not share"),
    "vneid.consent.signed_in_as": (
        "Đang đăng nhập: {name}. Nếu không phải bạn, hãy chọn Từ chối.",
        "Signed in as {name}. If this is not you, choose Deny.",
    ),
    "vneid.consent.essential": (
        "Ứng dụng cần thông tin này; nếu không đồng ý, hãy chọn Từ chối.",
        "The application needs this; if you do not agree, choose Deny.",
    ),
    "vneid.consent.only_identity": (
        "{client} chỉ nhận mã định danh riêng cho ứng dụng này.",
        "{client} receives only an identifier specific to this application.",
    ),
    "vneid.consent.confirm": ("Đồng ý", "Allow"),
    "vneid.consent.deny": ("Từ chối", "Deny"),
    "vneid.cancel": ("Hủy", "Cancel"),
    "vneid.return_to_app": ("Quay lại ứng dụng", "Return to the app"),
    "vneid.retry": ("Bắt đầu lại", "Start again"),
    "vneid.error.title": ("Không thể tiếp tục", "Cannot continue"),
    "vneid.error.bad_request": (
        "Ứng dụng đã gửi một yêu cầu đăng nhập mà VNeID không thể xử lý, nên bạn "
        "chưa đăng nhập. Hãy đóng trang này, quay lại ứng dụng và đăng nhập lại; "
        "nếu lỗi vẫn xảy ra, hãy báo cho đơn vị cung cấp ứng dụng.",
        "The app sent a sign-in request VNeID cannot handle, so you are not signed "
        "in. Close this page, return to the app and sign in again; if it happens "
        "again, tell whoever provides the app.",
    ),
    "vneid.error.technical": (
        "Thông tin kỹ thuật (cho đơn vị cung cấp ứng dụng)",
        "Technical details (for whoever provides the app)",
    ),
    "vneid.error.csrf": (
        "Trang đăng nhập đã mở quá lâu hoặc đã mở ở thẻ khác, nên VNeID không nhận "
        "thông tin vừa gửi. Hãy bắt đầu lại.",
        "The sign-in page was open too long or was opened in another tab, so VNeID "
        "did not accept what you sent. Please start again.",
    ),
    "vneid.level2.title": (
        "Cần tài khoản định danh điện tử mức 2",
        "A level 2 electronic identity account is needed",
    ),
    "vneid.level2.message": (
        "{client} chỉ cho phép đăng nhập bằng tài khoản định danh điện tử mức 2. "
        "Bạn chưa được đăng nhập vào {client}.",
        "{client} accepts only a level 2 electronic identity account. You are not "
        "signed in to {client}.",
    ),
    "vneid.level2.verify_in_person": (
        "Tài khoản của bạn đang ở mức 1. Mang căn cước (gắn chíp) đến Công an cấp xã "
        "nơi cư trú hoặc nơi làm thủ tục căn cước để được xác thực trực tiếp và nâng "
        "lên mức 2.",
        "Your account is at level 1. Take your chip-based identity card to the "
        "commune police or the office where identity cards are issued to be "
        "verified in person and raised to level 2.",
    ),
    "vneid.level2.second_factor": (
        "Bật xác thực hai bước (mã từ ứng dụng xác thực) cho tài khoản, rồi đăng "
        "nhập lại: mức 2 cần cả mật khẩu và mã xác thực.",
        "Turn on two-step verification (codes from an authenticator app) for the "
        "account, then sign in again: level 2 needs both the password and a code.",
    ),
    "vneid.level2.then": (
        "Sau đó, quay lại ứng dụng và đăng nhập lại.",
        "Then return to the app and sign in again.",
    ),
    "vneid.logout.title": ("Đăng xuất", "Sign out"),
    "vneid.logout.confirm": (
        "Bạn muốn đăng xuất khỏi VNeID?",
        "Do you want to sign out of VNeID?",
    ),
    "vneid.logout.submit": ("Đăng xuất", "Sign out"),
    "vneid.logout.done": ("Bạn đã đăng xuất.", "You have signed out."),
    "vneid.switch_language": ("English", "Tiếng Việt"),
}

VALIDATION_MESSAGES: dict[str, str] = {}
