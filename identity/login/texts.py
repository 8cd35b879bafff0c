"""Messages of the API login, in Vietnamese and English."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "membership-ended.title": (
        "Vai trò tại tổ chức đã kết thúc",
        "Role at the organisation has ended",
    ),
    "membership-ended.detail": (
        "Bạn không còn giữ vai trò này tại tổ chức; hãy chọn lại tổ chức để nhận mã mới.",
        "You no longer hold this role at the organisation; choose an organisation "
        "again to get a new token.",
    ),
    "login-state-invalid.title": (
        "Phiên đăng nhập không hợp lệ",
        "Invalid login state",
    ),
    "login-state-invalid.detail": (
        "Phiên đăng nhập không tồn tại, đã dùng hoặc đã hết hạn (10 phút); vui lòng đăng nhập lại.",
        "The login state is unknown, already used or expired (10 minutes); please start again.",
    ),
    "login-failed.title": ("Đăng nhập thất bại", "Login failed"),
    "login-failed.code": (
        "VNeID không chấp nhận mã đăng nhập; vui lòng đăng nhập lại.",
        "VNeID did not accept the authorization code; please start again.",
    ),
    "login-failed.id-token": (
        "Không xác minh được thông tin đăng nhập từ VNeID.",
        "The identity token from VNeID could not be verified.",
    ),
    "identity-provider-unavailable.title": (
        "VNeID không phản hồi",
        "VNeID unavailable",
    ),
    "identity-provider-unavailable.detail": (
        "Không kết nối được VNeID; vui lòng thử lại sau.",
        "VNeID cannot be reached; please try again later.",
    ),
    "account-not-linkable.title": (
        "Không liên kết được tài khoản",
        "Account cannot be linked",
    ),
    "account-not-linkable.detail": (
        "Cần chia sẻ số định danh cá nhân ở lần đăng nhập đầu tiên để liên kết tài khoản.",
        "Share your personal identification number at the first login so the account can be linked.",
    ),
    "membership-required.title": (
        "Không có vai trò tại tổ chức",
        "No role in this organisation",
    ),
    "membership-required.detail": (
        "Bạn không có vai trò đang hiệu lực tại tổ chức này.",
        "You hold no active role in this organisation.",
    ),
    "role-ambiguous.title": ("Cần chọn vai trò", "Choose a role"),
    "role-ambiguous.detail": (
        "Bạn có nhiều vai trò tại tổ chức này; hãy chọn một vai trò.",
        "You hold several roles in this organisation; name the one to act in.",
    ),
    "totp-already-enrolled.title": (
        "Đã bật xác thực hai bước",
        "Two-step verification already on",
    ),
    "totp-already-enrolled.detail": (
        "Tài khoản đã có ứng dụng xác thực.",
        "This account already has an authenticator app.",
    ),
    "cross-device-login-not-found.title": (
        "Không tìm thấy mã đăng nhập",
        "Sign-in code not found",
    ),
    "cross-device-login-not-found.detail": (
        "Mã đăng nhập không đúng. Kiểm tra mã trên màn hình máy tính.",
        "The sign-in code is wrong. Check the code on the computer's screen.",
    ),
    "cross-device-login-throttled.title": ("Quá nhiều mã sai", "Too many wrong codes"),
    "cross-device-login-throttled.detail": (
        "Đã nhập sai quá nhiều mã đăng nhập; vui lòng thử lại sau.",
        "Too many wrong sign-in codes were entered; try again later.",
    ),
    "cross-device-login-expired.title": (
        "Mã đăng nhập đã hết hạn",
        "Sign-in code expired",
    ),
    "cross-device-login-expired.detail": (
        "Mã chỉ dùng được trong 2 phút. Lấy mã mới trên máy tính.",
        "A code works for 2 minutes. Get a new code on the computer.",
    ),
    "cross-device-login-decided.title": (
        "Mã đăng nhập đã được xử lý",
        "Sign-in code already answered",
    ),
    "cross-device-login-decided.detail": (
        "Yêu cầu đăng nhập này đã được chấp thuận hoặc từ chối.",
        "This sign-in was already approved or declined.",
    ),
    "code-verifier-mismatch.title": (
        "Mã xác minh PKCE không khớp",
        "PKCE code verifier does not match",
    ),
    "code-verifier-mismatch.detail": (
        "Mã xác minh không khớp với mã thử thách gửi khi bắt đầu đăng nhập: "
        "chỉ thiết bị đã bắt đầu đăng nhập mới hoàn tất được.",
        "The code verifier does not match the challenge sent when the login "
        "started: only the device that started the login can finish it.",
    ),
    "totp-code-rejected.title": ("Mã xác thực không đúng", "Code rejected"),
    "totp-code-rejected.detail": (
        "Mã không đúng, đã dùng, hoặc chưa bắt đầu đăng ký.",
        "The code is wrong or already used, or no enrolment is pending.",
    ),
    "callback.brand": ("CongDan", "CongDan"),
    "callback.switch": ("English", "Tiếng Việt"),
    "callback.signed_in.title": ("Đã đăng nhập tại VNeID", "Signed in at VNeID"),
    "callback.signed_in.detail": (
        "Ứng dụng CongDan sẽ tự hoàn tất việc đăng nhập. Nếu trang này vẫn mở, hãy "
        "quay lại ứng dụng.",
        "The CongDan app finishes the sign-in by itself. If this page stays open, "
        "return to the app.",
    ),
    "callback.developers": ("Cho nhà phát triển ứng dụng", "For app developers"),
    "callback.redeem": (
        "Gửi mã này cùng state và code_verifier của ứng dụng tới POST "
        "/api/v1/auth/vneid trong 60 giây; mã chỉ dùng được một lần.",
        "POST this code with the state and the app's code_verifier to "
        "/api/v1/auth/vneid within 60 s; the code works once.",
    ),
    "callback.technical": ("Thông tin kỹ thuật", "Technical details"),
    "callback.access_denied.title": ("Bạn chưa đăng nhập", "You did not sign in"),
    "callback.access_denied.detail": (
        "Bạn đã hủy đăng nhập hoặc từ chối chia sẻ thông tin, nên không có thông "
        "tin nào được gửi cho CongDan. Khi muốn dùng CongDan, hãy quay lại ứng dụng "
        "và đăng nhập lại.",
        "You cancelled the sign-in or declined to share your information, so "
        "nothing was sent to CongDan. When you want to use CongDan, return to the "
        "app and sign in again.",
    ),
    "callback.level.title": (
        "Cần tài khoản định danh điện tử mức 2",
        "A level 2 electronic identity account is needed",
    ),
    "callback.level.detail": (
        "Việc này cần tài khoản định danh điện tử mức 2: đã xác thực trực tiếp tại "
        "Công an cấp xã bằng căn cước gắn chíp, và đăng nhập bằng mật khẩu cùng mã "
        "xác thực hai bước. Khi tài khoản đạt mức 2, hãy quay lại ứng dụng và đăng "
        "nhập lại.",
        "This needs a level 2 electronic identity account: verified in person at "
        "the commune police with a chip-based identity card, and signed in with a "
        "password and a two-step verification code. Once the account is at level "
        "2, return to the app and sign in again.",
    ),
    "callback.again.title": ("Cần đăng nhập lại", "Please sign in again"),
    "callback.again.detail": (
        "VNeID cần bạn đăng nhập hoặc xác nhận lại. Hãy quay lại ứng dụng và đăng "
        "nhập lại.",
        "VNeID needs you to sign in or confirm again. Return to the app and sign "
        "in again.",
    ),
    "callback.busy.title": ("VNeID đang bận", "VNeID is busy"),
    "callback.busy.detail": (
        "VNeID tạm thời không xử lý được đăng nhập. Hãy thử lại sau ít phút.",
        "VNeID cannot complete sign-ins at the moment. Try again in a few minutes.",
    ),
    "callback.failed.title": ("Đăng nhập không thành công", "Sign-in failed"),
    "callback.failed.detail": (
        "VNeID không hoàn tất việc đăng nhập. Hãy quay lại ứng dụng và thử lại; nếu "
        "lỗi vẫn xảy ra, hãy báo cho bộ phận hỗ trợ kèm thông tin kỹ thuật dưới đây.",
        "VNeID did not complete the sign-in. Return to the app and try again; if it "
        "happens again, tell the help desk and give them the technical details "
        "below.",
    ),
}

VALIDATION_MESSAGES: dict[str, str] = {
    "This redirect URI is not registered for the CongDan app.": (
        "Địa chỉ chuyển hướng này chưa được đăng ký cho ứng dụng CongDan."
    ),
    "Must be the S256 code challenge: 43 base64url characters (RFC 7636).": (
        "Mã thử thách phải là mã S256: 43 ký tự base64url (RFC 7636)."
    ),
    "Only S256 is accepted.": "Mã thử thách chỉ chấp nhận phương thức S256.",
    "Must be the PKCE code verifier: 43 to 128 characters "
    "of A-Z, a-z, 0-9, '-', '.', '_', '~' (RFC 7636).": (
        "Mã xác minh PKCE phải gồm 43 đến 128 ký tự "
        "A-Z, a-z, 0-9, '-', '.', '_', '~' (RFC 7636)."
    ),
}
