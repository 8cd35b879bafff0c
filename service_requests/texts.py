"""Messages of the one-stop shop, in Vietnamese and English."""

from __future__ import annotations

from typing import Final

from service_requests.models import DossierStatus

#: The national names of the statuses (Vietnamese as the portal shows them).
STATUS_NAMES: Final[dict[DossierStatus, tuple[str, str]]] = {
    DossierStatus.SUBMITTED: ("Mới đăng ký", "Submitted"),
    DossierStatus.RECEIVED: ("Được tiếp nhận", "Received"),
    DossierStatus.NOT_RECEIVED: ("Không được tiếp nhận", "Not received"),
    DossierStatus.PROCESSING: ("Đang xử lý", "Processing"),
    DossierStatus.SUPPLEMENT_REQUESTED: (
        "Yêu cầu bổ sung giấy tờ",
        "Supplement requested",
    ),
    DossierStatus.FEE_REQUESTED: (
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Fee requested",
    ),
    DossierStatus.WITHDRAWN: ("Công dân yêu cầu rút hồ sơ", "Withdrawn"),
    DossierStatus.STOPPED: ("Dừng xử lý", "Stopped"),
    DossierStatus.PROCESSED: ("Đã xử lý xong", "Processed"),
    DossierStatus.RESULT_RETURNED: ("Đã trả kết quả", "Result returned"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "dossier-transition-not-allowed.title": (
        "Không chuyển được trạng thái",
        "Transition not allowed",
    ),
    "dossier-transition-not-allowed.detail": (
        "Hồ sơ ở trạng thái hiện tại không chuyển được sang trạng thái này; "
        "không có gì thay đổi.",
        "The dossier cannot move to this status from its current one; "
        "nothing was changed.",
    ),
    "dossier-supplement-not-submitted.title": (
        "Công dân chưa bổ sung hồ sơ",
        "Supplement not yet sent",
    ),
    "dossier-supplement-not-submitted.detail": (
        "Chỉ tiếp tục xử lý sau khi công dân đã gửi giấy tờ bổ sung.",
        "Processing resumes only after the citizen has sent the documents asked for.",
    ),
    "dossier-apology-refused.title": (
        "Không gửi được thư xin lỗi",
        "Apology not possible",
    ),
    "dossier-apology-refused.detail": (
        "Thư xin lỗi và hẹn lại ngày trả kết quả chỉ được gửi một lần, "
        "trước khi hồ sơ quá hạn.",
        "The apology letter with a new date may be sent once, before the dossier "
        "falls due.",
    ),
    "dossier-rating-refused.title": ("Không đánh giá được", "Rating not possible"),
    "dossier-rating-refused.detail": (
        "Chỉ người nộp đánh giá được, một lần, sau khi đã nhận kết quả.",
        "Only the applicant may rate, once, after the result was returned.",
    ),
    "dossier-no-fee-due.title": ("Không có khoản phí cần nộp", "No fee due"),
    "dossier-no-fee-due.detail": (
        "Hồ sơ này hiện không có yêu cầu thực hiện nghĩa vụ tài chính.",
        "This dossier has no fee request outstanding.",
    ),
    "dossier-not-received.title": ("Hồ sơ chưa được tiếp nhận", "Not received yet"),
    "dossier-not-received.detail": (
        "Giấy tiếp nhận và hẹn trả kết quả có sau khi cơ quan tiếp nhận hồ sơ.",
        "The receipt slip exists once the agency has received the dossier.",
    ),
    "open311-api-key.title": ("api_key không hợp lệ", "api_key not valid"),
    "open311-api-key.detail": (
        "Ứng dụng phải gửi api_key mà tỉnh đã cấp cho ứng dụng.",
        "The application must send the api_key the province issued to it.",
    ),
    "open311-jurisdiction.title": (
        "Không có jurisdiction_id này",
        "Unknown jurisdiction_id",
    ),
    "open311-jurisdiction.detail": (
        "jurisdiction_id không thuộc các đơn vị mà máy chủ này phục vụ.",
        "This server serves no jurisdiction with this jurisdiction_id.",
    ),
    "open311-jurisdiction-required.title": (
        "Thiếu jurisdiction_id",
        "jurisdiction_id required",
    ),
    "open311-jurisdiction-required.detail": (
        "Máy chủ phục vụ nhiều đơn vị: hãy ghi jurisdiction_id.",
        "This server serves several jurisdictions: give jurisdiction_id.",
    ),
}

VALIDATION_MESSAGES: dict[str, str] = {
    "A location is required: lat and long, an address_string or an address_id.": (
        "Cần có vị trí: lat và long, address_string hoặc address_id."
    ),
    "Give lat and long together.": "Hãy ghi lat và long cùng nhau.",
    "Name one jurisdiction.": "Chỉ ghi một jurisdiction_id.",
    "Must be open or closed.": "Phải là open hoặc closed.",
    "At most 100 ids.": "Tối đa 100 mã.",
    "No procedure of the catalogue has this code.": (
        "Không có thủ tục nào trong danh mục có mã này."
    ),
    "The amount differs from the fee requested.": (
        "Số tiền khác với khoản phí được yêu cầu."
    ),
    "The new date must come after the current due date.": (
        "Ngày hẹn mới phải sau ngày hẹn trả kết quả hiện tại."
    ),
    "Give the postal tracking number for delivery by post.": (
        "Hãy ghi mã vận đơn khi trả kết quả qua bưu điện."
    ),
    "Unknown document for this procedure.": (
        "Giấy tờ này không thuộc thành phần hồ sơ của thủ tục."
    ),
    "This document was already given.": "Giấy tờ này đã được nộp.",
    "Give exactly one of upload_id and reference.": (
        "Hãy ghi đúng một trong hai: upload_id hoặc reference."
    ),
    "No upload of yours that is not yet attached has this id.": (
        "Không có tệp tải lên nào của bạn, chưa đính kèm hồ sơ, có mã này."
    ),
    "No digitised record of yours or of a child in your care has this id.": (
        "Không có dữ liệu số nào của bạn hoặc của con bạn có mã này."
    ),
    "Required documents missing: {codes}.": "Thiếu giấy tờ bắt buộc: {codes}.",
    "Only PDF, JPEG and PNG files are accepted.": (
        "Chỉ chấp nhận tệp PDF, JPEG và PNG."
    ),
    "A file may be at most 10 MB.": "Mỗi tệp tối đa 10 MB.",
    "The file is empty.": "Tệp rỗng.",
    "PDF files with scripts, actions or attachments are refused.": (
        "Không chấp nhận tệp PDF chứa mã lệnh, hành động tự động hoặc tệp đính kèm."
    ),
    "The PDF file is damaged or cannot be read.": (
        "Tệp PDF bị hỏng hoặc không đọc được."
    ),
    "Password-protected PDF files cannot be checked and are refused.": (
        "Không kiểm tra được tệp PDF có mật khẩu nên không chấp nhận."
    ),
    "The PDF file is too complex to be checked.": (
        "Tệp PDF quá phức tạp, không kiểm tra được."
    ),
    "Each index is scored 0, 1 or 2.": "Mỗi chỉ số được chấm 0, 1 hoặc 2.",
    "Give a date from 2000-01-01 to 2099-12-31.": (
        "Hãy ghi một ngày từ 2000-01-01 đến 2099-12-31."
    ),
    "Every one of the nine indices needs a score.": ("Cần chấm điểm đủ chín chỉ số."),
}
