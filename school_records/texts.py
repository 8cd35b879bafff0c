"""Messages of school records in Vietnamese and English (validation: English as raised)."""

from __future__ import annotations

from app.i18n import add_messages, add_validation_messages

add_messages(
    {
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
    }
)

add_validation_messages(
    {
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
    }
)
