"""Vietnamese and English for every message a person reads.

The language comes from ``Accept-Language`` (Vietnamese when absent or unsupported).
Two kinds of text are translated here:

* messages with a key (problem titles and details), looked up in ``MESSAGES``;
* validation messages, written in English where they are raised (marshmallow's own
  and ours), translated to Vietnamese at render time, gettext-style, with the
  English text as the message id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlencode

from flask import has_request_context, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

SUPPORTED_LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"

#: key -> (Vietnamese, English). Details may carry ``{placeholders}``.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "bad-request.title": ("Yêu cầu không hợp lệ", "Bad request"),
    "bad-request.detail": (
        "Máy chủ không hiểu được yêu cầu này.",
        "The server could not understand this request.",
    ),
    "malformed-json.title": ("JSON không hợp lệ", "Malformed JSON"),
    "malformed-json.detail": (
        "Nội dung yêu cầu không phải là JSON hợp lệ.",
        "The request body is not valid JSON.",
    ),
    "malformed-body.title": (
        "Nội dung yêu cầu sai khuôn dạng",
        "Malformed request body",
    ),
    "malformed-body.detail": (
        "Không đọc được nội dung yêu cầu: cách chia khối (chunked) hoặc phần trailer "
        "sai quy cách, hoặc nội dung dừng giữa chừng.",
        "The request body could not be read: its chunked framing or trailer fields "
        "are malformed, or it ended early.",
    ),
    "unauthorized.title": ("Chưa xác thực", "Authentication required"),
    "unauthorized.detail": (
        "Vui lòng đăng nhập để tiếp tục.",
        "Please sign in to continue.",
    ),
    "invalid-token.title": ("Mã truy cập không hợp lệ", "Invalid access token"),
    "invalid-token.detail": (
        "Mã truy cập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.",
        "The access token is invalid or has expired; please sign in again.",
    ),
    "invalid-dpop-proof.title": (
        "Bằng chứng khóa DPoP không hợp lệ",
        "Invalid DPoP proof",
    ),
    "invalid-dpop-proof.detail": (
        "Yêu cầu cần một bằng chứng DPoP mới, ký bằng khóa của thiết bị, cho đúng "
        "phương thức, địa chỉ và mã truy cập này.",
        "The request needs a fresh DPoP proof, signed by the device's key, for this "
        "method, URL and access token.",
    ),
    "dpop-proof-required.title": ("Thiếu bằng chứng DPoP", "DPoP proof required"),
    "dpop-proof-required.detail": (
        "Mã truy cập được gắn với khóa của thiết bị: gửi kèm tiêu đề DPoP (RFC 9449).",
        "Tokens are bound to the device's key: send a DPoP header (RFC 9449).",
    ),
    "insufficient-user-authentication.title": (
        "Cần xác thực mức độ cao hơn",
        "Stronger authentication required",
    ),
    "insufficient-user-authentication.detail": (
        "Thao tác này cần đăng nhập VNeID mức độ 2 trong vòng 5 phút; vui lòng đăng nhập lại.",
        "This action needs a level-2 VNeID login within the last 5 minutes; please sign in again.",
    ),
    "refresh-token-reused.title": ("Mã làm mới đã được dùng", "Refresh token reused"),
    "refresh-token-reused.detail": (
        "Mã làm mới này đã được dùng trước đó; mọi phiên đăng nhập liên quan đã bị thu hồi.",
        "This refresh token was already used; every session descending from it was revoked.",
    ),
    "forbidden.title": ("Không có quyền", "Forbidden"),
    "forbidden.detail": (
        "Bạn không có quyền thực hiện thao tác này.",
        "You are not allowed to do this.",
    ),
    "not-found.title": ("Không tìm thấy", "Not found"),
    "not-found.detail": (
        "Không tìm thấy tài nguyên được yêu cầu.",
        "The requested resource was not found.",
    ),
    "method-not-allowed.title": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "method-not-allowed.detail": (
        "Địa chỉ này không hỗ trợ phương thức {method}.",
        "This address does not support the {method} method.",
    ),
    "not-acceptable.title": ("Không thể đáp ứng định dạng", "Not acceptable"),
    "not-acceptable.detail": (
        "Máy chủ không thể trả về định dạng được yêu cầu.",
        "The server cannot produce the requested format.",
    ),
    "conflict.title": ("Xung đột dữ liệu", "Conflict"),
    "conflict.detail": (
        "Yêu cầu xung đột với trạng thái hiện tại của dữ liệu.",
        "The request conflicts with the current state of the data.",
    ),
    "precondition-failed.title": ("Điều kiện không thỏa mãn", "Precondition failed"),
    "precondition-failed.detail": (
        "Dữ liệu đã thay đổi kể từ lần bạn đọc.",
        "The data changed since you last read it.",
    ),
    "precondition-required.title": ("Cần điều kiện If-Match", "Precondition required"),
    "precondition-required.detail": (
        "Yêu cầu này phải kèm tiêu đề If-Match.",
        "This request must carry an If-Match header.",
    ),
    "request-timeout.detail": (
        "Yêu cầu đến quá chậm nên máy chủ đã ngừng chờ. Vui lòng gửi lại.",
        "The request arrived too slowly, so the server stopped waiting. Please send it again.",
    ),
    "payload-too-large.title": ("Dữ liệu quá lớn", "Payload too large"),
    "payload-too-large.detail": (
        "Nội dung yêu cầu vượt quá giới hạn {limit} byte.",
        "The request body exceeds the limit of {limit} bytes.",
    ),
    "unsupported-media-type.title": (
        "Định dạng không được hỗ trợ",
        "Unsupported media type",
    ),
    "unsupported-media-type.detail": (
        "Định dạng nội dung yêu cầu không được hỗ trợ.",
        "The request body's media type is not supported.",
    ),
    "validation-failed.title": ("Dữ liệu không hợp lệ", "Validation failed"),
    "validation-failed.detail": (
        "Một hoặc nhiều trường không hợp lệ; xem chi tiết trong 'errors'.",
        "One or more fields are invalid; see 'errors' for details.",
    ),
    "rate-limited.title": ("Quá nhiều yêu cầu", "Too many requests"),
    "rate-limited.detail": (
        "Bạn đã gửi quá nhiều yêu cầu; vui lòng thử lại sau.",
        "You have sent too many requests; please try again later.",
    ),
    "internal-error.title": ("Lỗi hệ thống", "Internal server error"),
    "internal-error.detail": (
        "Đã xảy ra lỗi ngoài dự kiến. Mã yêu cầu: {request_id}.",
        "An unexpected error occurred. Request id: {request_id}.",
    ),
    "service-unavailable.title": ("Dịch vụ tạm thời gián đoạn", "Service unavailable"),
    "service-unavailable.detail": (
        "Dịch vụ tạm thời không khả dụng; vui lòng thử lại sau.",
        "The service is temporarily unavailable; please try again later.",
    ),
    "not-ready.title": ("Chưa sẵn sàng", "Not ready"),
    "not-ready.detail": (
        "Một thành phần mà dịch vụ cần chưa trả lời.",
        "A part the service needs does not answer.",
    ),
    "database-unavailable.title": (
        "Cơ sở dữ liệu không khả dụng",
        "Database unavailable",
    ),
    "database-unavailable.detail": (
        "Không kết nối được cơ sở dữ liệu; vui lòng thử lại sau.",
        "The database cannot be reached; please try again later.",
    ),
    "idempotency-key-invalid.title": (
        "Idempotency-Key không hợp lệ",
        "Invalid Idempotency-Key",
    ),
    "idempotency-key-invalid.detail": (
        "Idempotency-Key phải dài từ 1 đến 255 ký tự ASCII in được.",
        "An Idempotency-Key must be 1 to 255 printable ASCII characters.",
    ),
    "idempotency-key-reused.title": (
        "Idempotency-Key đã dùng cho yêu cầu khác",
        "Idempotency-Key reused",
    ),
    "idempotency-key-reused.detail": (
        "Khóa này đã được dùng cho một yêu cầu có nội dung khác trong 24 giờ qua.",
        "This key was used for a request with a different body in the last 24 hours.",
    ),
    "idempotency-key-in-use.title": (
        "Yêu cầu đang được xử lý",
        "Request in progress",
    ),
    "idempotency-key-in-use.detail": (
        "Một yêu cầu với cùng Idempotency-Key đang được xử lý; vui lòng thử lại sau giây lát.",
        "A request with the same Idempotency-Key is being processed; retry in a moment.",
    ),
    "invalid-cursor.title": ("Con trỏ phân trang không hợp lệ", "Invalid cursor"),
}

#: Validation messages: English (as raised) -> Vietnamese.
VALIDATION_VI: Final[dict[str, str]] = {
    "Missing data for required field.": "Trường này là bắt buộc.",
    "Field may not be null.": "Trường này không được để trống.",
    "Unknown field.": "Trường không được hỗ trợ.",
    "Invalid input type.": "Kiểu dữ liệu đầu vào không hợp lệ.",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Not a valid string.": "Không phải chuỗi ký tự hợp lệ.",
    "Not a valid integer.": "Không phải số nguyên hợp lệ.",
    "Not a valid number.": "Không phải số hợp lệ.",
    "Not a valid boolean.": "Không phải giá trị đúng/sai hợp lệ.",
    "Not a valid date.": "Không phải ngày hợp lệ.",
    "Not a valid datetime.": "Không phải thời điểm hợp lệ.",
    "Not a valid UUID.": "Không phải UUID hợp lệ.",
    "Not a valid email address.": "Không phải địa chỉ email hợp lệ.",
    "Not a valid URL.": "Không phải địa chỉ URL hợp lệ.",
    "Not a valid list.": "Không phải danh sách hợp lệ.",
    "Not a valid mapping type.": "Không phải đối tượng hợp lệ.",
    "Shorter than minimum length {min}.": "Ngắn hơn độ dài tối thiểu {min}.",
    "Longer than maximum length {max}.": "Dài hơn độ dài tối đa {max}.",
    "Length must be between {min} and {max}.": "Độ dài phải trong khoảng {min} đến {max}.",
    "Must be greater than or equal to {min}.": "Phải lớn hơn hoặc bằng {min}.",
    "Must be less than or equal to {max}.": "Phải nhỏ hơn hoặc bằng {max}.",
    "Must be greater than or equal to {min} and less than or equal to {max}.": (
        "Phải trong khoảng {min} đến {max}."
    ),
    "Must be one of: {choices}.": "Phải là một trong: {choices}.",
    "Choose one of: {choices}.": "Hãy chọn một trong: {choices}.",
    "Must be equal to {other}.": "Phải bằng {other}.",
    "Length must be {equal}.": "Độ dài phải bằng {equal}.",
    "Not a valid aware datetime.": "Không phải thời điểm có múi giờ hợp lệ.",
    "String does not match expected pattern.": "Chuỗi không đúng định dạng.",
    "The national id must be exactly 12 digits.": (
        "Số định danh cá nhân phải gồm đúng 12 chữ số."
    ),
    "Unknown province code {code}.": "Mã tỉnh {code} không tồn tại.",
    "The century and sex digit does not match the birth date and sex.": (
        "Chữ số thế kỷ và giới tính không khớp với ngày sinh và giới tính."
    ),
    "The birth-year digits do not match the birth date.": (
        "Hai chữ số năm sinh không khớp với ngày sinh."
    ),
    "Not a valid Vietnamese phone number.": "Không phải số điện thoại Việt Nam hợp lệ.",
    "No citizen in the register matches.": (
        "Không có công dân nào trong Cơ sở dữ liệu quốc gia về dân cư khớp."
    ),
    "The cursor is malformed or was not issued by this list.": (
        "Con trỏ phân trang sai định dạng hoặc không thuộc danh sách này."
    ),
}


def _compile_patterns(
    messages: dict[str, str],
) -> list[tuple[re.Pattern[str], str]]:
    """Turn ``{placeholder}`` templates into regexes that capture their values."""
    patterns = []
    for english, vietnamese in messages.items():
        if "{" not in english:
            continue
        regex = re.escape(english)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", regex)
        patterns.append((re.compile(f"^{regex}$"), vietnamese))
    # The longest template first: "at least {min}." would otherwise swallow
    # "at least {min} and at most {max}." with its {min} spanning the rest.
    return sorted(patterns, key=lambda pattern: -len(pattern[0].pattern))


_PATTERNS: Final = _compile_patterns(VALIDATION_VI)


def best_language(accepted: LanguageAccept) -> str:
    """The language of ``accepted`` (a parsed ``Accept-Language``): ``vi`` or ``en``."""
    return (
        accepted.best_match(SUPPORTED_LANGUAGES, DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE
    )


def current_language() -> str:
    """Return the language of the current request: ``vi`` or ``en``."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return best_language(request.accept_languages)


def page_language() -> str:
    """A page's language: ``?lang=vi|en`` when given, else ``Accept-Language``."""
    requested = request.args.get("lang", "")
    return requested if requested in SUPPORTED_LANGUAGES else current_language()


def switch_query(lang: str, keep: Iterable[str] | None = None) -> str:
    """``?…`` of this page in the other language, keeping the query's other
    parameters (``keep`` names them, else all of them)."""
    args = {
        key: value for key, value in request.args.items() if keep is None or key in keep
    }
    return "?" + urlencode({**args, "lang": "en" if lang == "vi" else "vi"})


def language_for(accept_language: str | None) -> str:
    """The language an ``Accept-Language`` value asks for, where there is no request
    object (the server's own answers)."""
    return best_language(parse_accept_header(accept_language, LanguageAccept))


def add_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add a domain's messages to the catalog (a key may not change its text)."""
    clash = {
        key
        for key in MESSAGES.keys() & messages.keys()
        if MESSAGES[key] != messages[key]
    }
    if clash:
        raise ValueError(f"message keys defined twice: {sorted(clash)}")
    MESSAGES.update(messages)


def add_validation_messages(messages: dict[str, str]) -> None:
    """Add a domain's validation messages, English -> Vietnamese (a key may not
    change its text)."""
    clash = {
        key
        for key in VALIDATION_VI.keys() & messages.keys()
        if VALIDATION_VI[key] != messages[key]
    }
    if clash:
        raise ValueError(f"validation messages defined twice: {sorted(clash)}")
    if messages.keys() - VALIDATION_VI.keys():
        VALIDATION_VI.update(messages)
        _PATTERNS[:] = _compile_patterns(VALIDATION_VI)


def translate(key: str, lang: str | None = None, **params: object) -> str:
    """Return the message ``key`` in ``lang`` (default: the request's language)."""
    vietnamese, english = MESSAGES[key]
    template = english if (lang or current_language()) == "en" else vietnamese
    return template.format(**params) if params else template


def has_message(key: str) -> bool:
    """Tell whether ``key`` is in the catalog."""
    return key in MESSAGES


def translate_validation(message: str, lang: str | None = None) -> str:
    """Translate an English validation message; unknown messages pass through."""
    if (lang or current_language()) == "en":
        return message
    exact = VALIDATION_VI.get(message)
    if exact is not None:
        return exact
    for pattern, vietnamese in _PATTERNS:
        match = pattern.match(message)
        if match:
            return vietnamese.format(**match.groupdict())
    return message
