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
    "vneid.consent.only_identity": (
        "{client} chỉ nhận mã định danh riêng cho ứng dụng này.",
        "{client} receives only an identifier specific to this application.",
    ),
    "vneid.consent.confirm": ("Đồng ý", "Allow"),
    "vneid.consent.deny": ("Từ chối", "Deny"),
    "vneid.error.title": ("Không thể tiếp tục", "Cannot continue"),
    "vneid.error.bad_request": (
        "Yêu cầu đăng nhập không hợp lệ: {detail}",
        "The sign-in request is invalid: {detail}",
    ),
    "vneid.error.csrf": (
        "Phiên làm việc đã hết hạn. Vui lòng thử lại.",
        "Your session expired. Please try again.",
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
