"""Messages of school records in Vietnamese and English (validation: English as raised)."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "transcript-state-conflict.title": (
        "Trạng thái học bạ không cho phép",
        "Not allowed in the transcript's state",
    ),
    "transcript-state-conflict.detail": (
        "Thao tác không thực hiện được ở trạng thái hiện tại của học bạ; "
        "không có gì thay đổi.",
        "This cannot be done in the transcript's current state; nothing was changed.",
    ),
    "transcript-exists.title": ("Học bạ đã có", "Transcript already exists"),
    "transcript-exists.detail": (
        "Học sinh đã có học bạ của năm học này tại trường; hãy đính chính học bạ đó.",
        "The pupil already has this school year's transcript here; correct that one.",
    ),
    "enrolment-mismatch.title": (
        "Học sinh không còn thuộc lớp này",
        "The pupil is not enrolled in this class",
    ),
    "enrolment-mismatch.detail": (
        "Học sinh không (còn) có tên trong lớp và khối của học bạ ở năm học này; "
        "không thể ký.",
        "The pupil is not (or no longer) enrolled in the transcript's class and "
        "grade for its school year; it cannot be signed.",
    ),
    "not-homeroom-teacher.title": (
        "Không phải giáo viên chủ nhiệm",
        "Not the homeroom teacher",
    ),
    "not-homeroom-teacher.detail": (
        "Chỉ giáo viên chủ nhiệm của lớp được ký học bạ này.",
        "Only the class's homeroom teacher signs this transcript.",
    ),
    "signer-not-distinct.title": (
        "Người ký phải khác nhau",
        "The signers must be different people",
    ),
    "signer-not-distinct.detail": (
        "Hiệu trưởng ký sau giáo viên chủ nhiệm và phải là người khác.",
        "The principal signs after the homeroom teacher and must be someone else.",
    ),
    "class-exists.title": ("Lớp đã có", "Class already exists"),
    "class-exists.detail": (
        "Trường đã có lớp cùng tên trong năm học này.",
        "The school already has a class of this name this school year.",
    ),
    "pupil-already-enrolled.title": (
        "Học sinh đã có lớp",
        "Pupil already enrolled",
    ),
    "pupil-already-enrolled.detail": (
        "Học sinh đã có tên trong một lớp của năm học này; trường cũ cần rút "
        "tên trước khi chuyển trường hoặc chuyển lớp.",
        "The pupil is already enrolled in a class this school year; the school "
        "must withdraw the enrolment before a transfer.",
    ),
    "school-year-not-over.title": (
        "Năm học chưa kết thúc",
        "The school year is not over",
    ),
    "school-year-not-over.detail": (
        "Kết quả cả năm chỉ được ký khi năm học đã kết thúc (từ ngày 1 tháng 5 của "
        "năm cuối năm học); xem signable_from.",
        "Whole-year results are signed once the school year is over (from 1 May of "
        "its last year); see signable_from.",
    ),
    "enrolment-throttled.title": (
        "Thử quá nhiều lần",
        "Too many tries",
    ),
    "enrolment-throttled.detail": (
        "Đã có quá nhiều lần nhập giấy tờ không khớp cho số định danh này; vui lòng "
        "đợi rồi kiểm tra lại giấy tờ với gia đình học sinh.",
        "Too many papers for this national id did not match; wait, then check the "
        "papers again with the pupil's family.",
    ),
    "enrolment-withdrawn.title": ("Đã rút tên", "Already withdrawn"),
    "enrolment-withdrawn.detail": (
        "Học sinh đã được rút tên khỏi lớp này; không có gì thay đổi.",
        "The pupil was already withdrawn from this class; nothing was changed.",
    ),
}

#: What each check of the verifier looks at, named for a reader (``name``).
MESSAGES |= {
    "verification.name.cryptographic.parse": ("Đọc học bạ", "Reading the transcript"),
    "verification.name.cryptographic.signature": (
        "Chữ ký của nhà trường",
        "The school's signature",
    ),
    "verification.name.cryptographic.claims": (
        "Nội dung học bạ",
        "The transcript's content",
    ),
    "verification.name.cryptographic.key_validity": (
        "Khóa ký của nhà trường",
        "The school's signing key",
    ),
    "verification.name.cryptographic.homeroom_proof": (
        "Chữ ký của giáo viên chủ nhiệm",
        "The homeroom teacher's signature",
    ),
    "verification.name.status.revocation": ("Thu hồi", "Revocation"),
    "verification.name.status.suspension": ("Tạm đình chỉ", "Suspension"),
    "verification.name.trust.issuer_registered": ("Nơi cấp", "Issuer"),
    "verification.name.semantic.grades": ("Điểm số và kết quả", "Grades and results"),
}

#: What each check of the verifier says: ``verification.<check id>`` when it passed,
#: ``verification.<PROBLEM>`` when it failed.
MESSAGES |= {
    "verification.skipped": (
        "Chưa kiểm tra: một bước trước đó không đạt.",
        "Not checked: an earlier check failed.",
    ),
    "verification.cryptographic.parse": (
        "Đọc được học bạ số.",
        "The credential can be read.",
    ),
    "verification.cryptographic.signature": (
        "Chữ ký của nhà trường hợp lệ.",
        "The school's signature holds.",
    ),
    "verification.cryptographic.claims": (
        "Dữ liệu của học bạ đúng định dạng.",
        "The credential's data is in the expected form.",
    ),
    "verification.cryptographic.key_validity": (
        "Khóa ký còn hiệu lực khi học bạ được cấp.",
        "The signing key was in force when the transcript was issued.",
    ),
    "verification.cryptographic.homeroom_proof": (
        "Chữ ký của giáo viên chủ nhiệm hợp lệ.",
        "The homeroom teacher's signature holds.",
    ),
    "verification.status.revocation": (
        "Học bạ chưa bị thu hồi.",
        "The transcript has not been revoked.",
    ),
    "verification.status.suspension": (
        "Học bạ không bị tạm đình chỉ.",
        "The transcript is not suspended.",
    ),
    "verification.trust.issuer_registered": (
        "Nơi cấp là trường học có trong danh mục.",
        "The issuer is a registered school.",
    ),
    "verification.semantic.grades": (
        "Điểm số và kết quả khớp nhau.",
        "The grades and results add up.",
    ),
    "verification.MALFORMED": (
        "Đây không phải là học bạ số đọc được.",
        "This is not a readable digital transcript.",
    ),
    "verification.INVALID_SIGNATURE": (
        "Chữ ký không hợp lệ: học bạ đã bị sửa hoặc không do trường này ký.",
        "The signature does not hold: the transcript was altered or not signed by this school.",
    ),
    "verification.KEY_MALFORMED": (
        "Khóa công khai mà học bạ chỉ tới không đúng định dạng nên chưa kiểm tra "
        "được chữ ký (điều này không cho biết học bạ thật hay giả).",
        "The published key the transcript names is not in the expected form, so "
        "the signature could not be checked (this says nothing either way about "
        "the transcript).",
    ),
    "verification.MALFORMED_VALUE": (
        "Dữ liệu của học bạ không đúng định dạng.",
        "The credential's data is not in the expected form.",
    ),
    "verification.CREDENTIAL_NOT_YET_VALID": (
        "Học bạ ghi ngày cấp ở tương lai.",
        "The transcript is dated in the future.",
    ),
    "verification.KEY_RETIRED": (
        "Học bạ được ký bằng khóa đã ngừng sử dụng trước ngày cấp.",
        "The transcript was signed with a key retired before its issue date.",
    ),
    "verification.KEY_NOT_YET_CREATED": (
        "Học bạ ghi ngày ký trước khi có khóa ký.",
        "The transcript is dated before its signing key was made.",
    ),
    "verification.KEY_WITHDRAWN": (
        "Học bạ được ký bằng khóa đã bị thu hồi (bị lộ) trước ngày cấp.",
        "The transcript was signed with a key withdrawn (compromised) before its "
        "issue date.",
    ),
    "verification.STATUS_LIST_NOT_FOUND": (
        "Không tìm thấy danh sách trạng thái; chưa rõ học bạ còn hiệu lực hay không.",
        "The status list cannot be found; whether the transcript is in force is unknown.",
    ),
    "verification.STATUS_LIST_SIGNATURE_ERROR": (
        "Chữ ký của danh sách trạng thái không hợp lệ.",
        "The status list's signature does not hold.",
    ),
    "verification.STATUS_LIST_MALFORMED": (
        "Danh sách trạng thái không đúng định dạng.",
        "The status list is not in the expected form.",
    ),
    "verification.STATUS_LIST_ISSUER_MISMATCH": (
        "Danh sách trạng thái do nơi khác cấp.",
        "The status list was issued by someone else.",
    ),
    "verification.STATUS_PURPOSE_MISMATCH": (
        "Danh sách trạng thái dùng cho mục đích khác.",
        "The status list serves another purpose.",
    ),
    "verification.STATUS_INDEX_OUT_OF_RANGE": (
        "Vị trí trạng thái nằm ngoài danh sách.",
        "The status position is outside the list.",
    ),
    "verification.CREDENTIAL_REVOKED": (
        "Học bạ đã bị thu hồi.",
        "The transcript has been revoked.",
    ),
    "verification.CREDENTIAL_SUSPENDED": (
        "Học bạ đang bị tạm đình chỉ.",
        "The transcript is suspended.",
    ),
    "verification.ISSUER_NOT_REGISTERED": (
        "Nơi cấp không phải trường học có trong danh mục.",
        "The issuer is not a registered school.",
    ),
    "verification.GRADES_INCONSISTENT": (
        "Điểm số và kết quả không khớp nhau.",
        "The grades and results do not add up.",
    ),
}

VALIDATION_MESSAGES: dict[str, str] = {
    "A subject code is 1 to 20 letters, digits, '_' or '-', starting with a letter or digit.": (
        "Mã môn học gồm 1 đến 20 chữ cái, chữ số, '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số."
    ),
    "Each subject appears once (its code is repeated).": (
        "Mỗi môn học chỉ có một lần (mã môn bị lặp)."
    ),
    "Scores have at most one decimal place (10-point scale).": (
        "Điểm có nhiều nhất một chữ số thập phân (thang điểm 10)."
    ),
    "Scored subjects give their periods per year.": (
        "Môn đánh giá bằng điểm số phải ghi số tiết trong năm."
    ),
    "Scored subjects give their year average.": (
        "Môn đánh giá bằng điểm số phải ghi điểm trung bình cả năm."
    ),
    "Comment-only subjects give their year result.": (
        "Môn đánh giá bằng nhận xét phải ghi kết quả cả năm."
    ),
    "Circular 27/2020 (primary) vocabulary is not used for grades 6 to 12.": (
        "Không dùng mức đánh giá của Thông tư 27/2020 (tiểu học) cho lớp 6 đến 12."
    ),
    "Circular 22/2021 (secondary) vocabulary is not used for grades 1 to 5.": (
        "Không dùng mức đánh giá của Thông tư 22/2021 (trung học) cho lớp 1 đến 5."
    ),
    "A subject of {periods} periods a year needs {count} regular scores.": (
        "Môn học {periods} tiết/năm cần {count} điểm đánh giá thường xuyên."
    ),
    "The scores give {value}.": "Theo các điểm thành phần, điểm trung bình là {value}.",
    "The semester averages give {value}.": (
        "Theo điểm trung bình hai học kỳ, điểm trung bình cả năm là {value}."
    ),
    "The year result of a comment-only subject is its semester 2 result.": (
        "Kết quả cả năm của môn đánh giá bằng nhận xét là kết quả học kỳ II."
    ),
    "The averages give {level}.": "Theo các điểm trung bình, kết quả học tập là {level}.",
    "The year's conduct, learning result and absences contradict this decision.": (
        "Kết quả rèn luyện, học tập và số buổi nghỉ cả năm không phù hợp với quyết định này."
    ),
    "Học sinh Xuất sắc needs Tốt learning and conduct and 6 subjects at 9.0 or more.": (
        "Học sinh Xuất sắc cần học tập và rèn luyện mức Tốt và 6 môn từ 9,0 trở lên."
    ),
    "Học sinh Giỏi needs Tốt learning and conduct.": (
        "Học sinh Giỏi cần học tập và rèn luyện mức Tốt."
    ),
    "Give either credential, or transcript_id with digest.": (
        "Hãy gửi credential, hoặc transcript_id cùng digest."
    ),
    "A school year spans two consecutive years, e.g. 2025-2026.": (
        "Năm học gồm hai năm liên tiếp, ví dụ 2025-2026."
    ),
    "School years run from {first} to {last}.": ("Năm học phải từ {first} đến {last}."),
    "No pupil enrolled in this class and grade for this school year matches.": (
        "Không có học sinh nào có tên trong lớp và khối này ở năm học này khớp."
    ),
    "The pupil is not enrolled in this class for this school year.": (
        "Học sinh không có tên trong lớp này ở năm học này."
    ),
    "This school is registered for no grade.": (
        "Trường chưa được đăng ký dạy khối lớp nào."
    ),
    "This school teaches grades {first} to {last}.": (
        "Trường chỉ dạy từ lớp {first} đến lớp {last}."
    ),
    "Not a teacher of this school.": "Không phải giáo viên của trường.",
    "Only these are assessed: {names}.": "Chỉ đánh giá các mục: {names}.",
    "No pupil in the register matches this national id, name and birth date.": (
        "Không có học sinh nào trong Cơ sở dữ liệu quốc gia về dân cư khớp "
        "số định danh, họ tên và ngày sinh này."
    ),
    "A pupil born then is not of an age for grade {grade} in {year}.": (
        "Học sinh sinh năm này không ở độ tuổi học lớp {grade} năm học {year}."
    ),
    "Not an http(s) URL without query or fragment.": (
        "Không phải địa chỉ http(s) không kèm truy vấn hay phân đoạn."
    ),
    "Must be on the issuer's own site.": "Phải thuộc trang của chính nơi cấp.",
    "Must be the issuer.": "Phải là chính nơi cấp.",
    "Not an http(s) URL or a did:web identifier.": (
        "Không phải địa chỉ http(s) hay định danh did:web."
    ),
    "Must name the entry's list and index.": (
        "Phải ghi đúng danh sách và vị trí của mục này."
    ),
    "Needs one revocation and one suspension entry.": (
        "Cần đúng một mục thu hồi và một mục tạm đình chỉ."
    ),
    "Must name a key in the issuer's JWKS.": (
        "Phải chỉ tới một khóa trong JWKS của nơi cấp."
    ),
    "Must be the regulation of the grade.": "Phải là quy định áp dụng cho khối lớp.",
    "Must start with {value}.": "Phải bắt đầu bằng {value}.",
    "A retired or withdrawn key gives its retired_at, an active one none.": (
        "Khóa đã ngừng dùng hoặc đã bị thu hồi phải ghi retired_at, "
        "khóa đang dùng thì không."
    ),
    "A withdrawn key gives its withdrawn_since, no other key does.": (
        "Chỉ khóa đã bị thu hồi mới ghi withdrawn_since, và phải ghi."
    ),
}
