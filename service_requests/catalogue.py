"""The procedure catalogue this province offers online, and the agencies handling it.

Six procedures across civil status, residence, education, health insurance,
business and construction. Codes follow the format of the national database of
administrative procedures (CSDL quốc gia về TTHC); check them against it before
production. Deadlines are statutory working days; fees are in đồng.

Each form field is an Open311 GeoReport v2 attribute (``string``, ``number``,
``datetime``, ``text``, ``singlevaluelist``, ``multivaluelist``). Each document
lists the sources that may supply it: ``upload``, or digitised data the citizen
already holds — ``identity`` (the population register), ``transcript`` (a
published học bạ), ``immunizations`` (the health book's vaccination history) —
reused instead of a copy.
"""

from __future__ import annotations

from typing import Any, Final

import sqlalchemy as sa

from app.extensions import db
from identity.demo import AGENCY_CODE
from identity.models import Organisation, OrganisationKind, Sector
from service_requests.models import OnlineLevel, Procedure

POLICE_CODE: Final = "000.25.37.H57.CA"
SOCIAL_INSURANCE_CODE: Final = "000.40.37.H57"

AGENCIES: Final = (
    {
        "code": POLICE_CODE,
        "name": "Công an phường Phú Cường",
        "name_en": "Phu Cuong Ward Police",
        "address": "Số 3 đường Quang Trung, phường Phú Cường, TP. Thủ Dầu Một, Bình Dương",
    },
    {
        "code": SOCIAL_INSURANCE_CODE,
        "name": "Bảo hiểm xã hội TP. Thủ Dầu Một",
        "name_en": "Thu Dau Mot Social Insurance",
        "address": "Số 26 đường Đoàn Thị Liên, phường Phú Lợi, TP. Thủ Dầu Một, Bình Dương",
    },
)


def _field(
    code: str,
    datatype: str,
    name: str,
    name_en: str,
    *,
    required: bool = True,
    values: list[dict[str, str]] | None = None,
    past: bool = False,
) -> dict[str, Any]:
    field: dict[str, Any] = {
        "code": code,
        "datatype": datatype,
        "name": name,
        "name_en": name_en,
        "required": required,
        "values": values or [],
    }
    if past:  # a datetime that has happened: today at the latest
        field["past"] = True
    return field


def _document(
    code: str, name: str, name_en: str, sources: list[str], *, required: bool = True
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "sources": sources,
        "required": required,
    }


def _identity(name: str = "Thông tin định danh của người nộp") -> dict[str, Any]:
    return _document(
        "applicant_identity",
        name,
        "The applicant's identity data",
        ["identity"],
    )


PROCEDURES: Final[tuple[dict[str, Any], ...]] = (
    {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "name_en": "Birth registration",
        "description": "Đăng ký khai sinh cho trẻ em sinh ra tại Việt Nam.",
        "description_en": "Register the birth of a child born in Viet Nam.",
        "sector": "Hộ tịch",
        "sector_en": "Civil status",
        "agency": AGENCY_CODE,
        "deadline_working_days": 1,
        "fee_vnd": 0,
        "online_level": OnlineLevel.FULL,
        "keywords": ["khai sinh", "birth", "hộ tịch"],
        "fields": [
            _field("child_full_name", "string", "Họ, chữ đệm và tên của trẻ", "Child's full name"),
            _field("child_birth_date", "datetime", "Ngày sinh của trẻ", "Child's date of birth", past=True),
            _field(
                "child_sex", "singlevaluelist", "Giới tính", "Sex",
                values=[{"key": "male", "name": "Nam", "name_en": "Male"}, {"key": "female", "name": "Nữ", "name_en": "Female"}],
            ),
            _field("birth_place", "string", "Nơi sinh", "Place of birth"),
            _field("ethnicity", "string", "Dân tộc", "Ethnicity"),
            _field(
                "relationship", "singlevaluelist", "Quan hệ với trẻ", "Relationship to the child",
                values=[
                    {"key": "mother", "name": "Mẹ", "name_en": "Mother"},
                    {"key": "father", "name": "Cha", "name_en": "Father"},
                    {"key": "relative", "name": "Người thân thích khác", "name_en": "Other relative"},
                ],
            ),
        ],
        "documents": [
            _document("birth_certificate", "Giấy chứng sinh", "Medical birth certificate", ["upload"]),
            _identity("Thông tin định danh của người đi khai sinh"),
            _document(
                "marriage_certificate", "Giấy chứng nhận kết hôn của cha mẹ",
                "The parents' marriage certificate", ["upload"], required=False,
            ),
        ],
    },
    {
        "code": "1.004194",
        "name": "Xác nhận thông tin về cư trú",
        "name_en": "Confirmation of residence information",
        "description": "Xác nhận thông tin về cư trú của công dân theo Luật Cư trú 2020.",
        "description_en": "Confirm a citizen's residence information under the 2020 Law on Residence.",
        "sector": "Đăng ký, quản lý cư trú",
        "sector_en": "Residence",
        "agency": POLICE_CODE,
        "deadline_working_days": 3,
        "fee_vnd": 0,
        "online_level": OnlineLevel.FULL,
        "keywords": ["cư trú", "residence", "xác nhận"],
        "fields": [
            _field(
                "content", "multivaluelist", "Nội dung đề nghị xác nhận", "What to confirm",
                values=[
                    {"key": "permanent", "name": "Nơi thường trú", "name_en": "Permanent residence"},
                    {"key": "temporary", "name": "Nơi tạm trú", "name_en": "Temporary residence"},
                    {"key": "history", "name": "Quá trình cư trú", "name_en": "Residence history"},
                ],
            ),
            _field("purpose", "text", "Mục đích sử dụng", "What it is for"),
        ],
        "documents": [_identity()],
    },
    {
        "code": "1.005097",
        "name": "Chuyển trường đối với học sinh trung học cơ sở",
        "name_en": "School transfer of a lower-secondary pupil",
        "description": "Chuyển trường trong tỉnh cho học sinh lớp 6 đến lớp 9.",
        "description_en": "Move a grade 6 to 9 pupil to another school in the province.",
        "sector": "Giáo dục và Đào tạo",
        "sector_en": "Education",
        "agency": AGENCY_CODE,
        "deadline_working_days": 3,
        "fee_vnd": 0,
        "online_level": OnlineLevel.PARTIAL,
        "keywords": ["chuyển trường", "school transfer", "học bạ"],
        "fields": [
            _field("pupil_full_name", "string", "Họ và tên học sinh", "Pupil's full name"),
            _field("current_school", "string", "Trường đang học", "Current school"),
            _field("receiving_school", "string", "Trường xin chuyển đến", "Receiving school"),
            _field("grade", "number", "Lớp", "Grade"),
            _field("reason", "text", "Lý do chuyển trường", "Reason for the transfer"),
        ],
        "documents": [
            _document(
                "transcript", "Học bạ", "School transcript (học bạ)", ["transcript", "upload"]
            ),
            _document(
                "transfer_application", "Đơn xin chuyển trường",
                "Transfer application signed by the parent", ["upload"],
            ),
            _document(
                "immunization_record", "Phiếu tiêm chủng", "Vaccination record",
                ["immunizations", "upload"], required=False,
            ),
        ],
    },
    {
        "code": "1.011929",
        "name": "Cấp lại thẻ bảo hiểm y tế do bị mất, hỏng",
        "name_en": "Reissue of a lost or damaged health-insurance card",
        "description": "Cấp lại thẻ BHYT khi thẻ bị mất hoặc hỏng.",
        "description_en": "Reissue a BHYT card that was lost or damaged.",
        "sector": "Bảo hiểm y tế",
        "sector_en": "Health insurance",
        "agency": SOCIAL_INSURANCE_CODE,
        "deadline_working_days": 7,
        "fee_vnd": 0,
        "online_level": OnlineLevel.FULL,
        "keywords": ["BHYT", "health insurance", "thẻ"],
        "fields": [
            _field("card_number", "string", "Mã số BHXH hoặc số thẻ BHYT", "Social-insurance or card number"),
            _field(
                "reason", "singlevaluelist", "Lý do cấp lại", "Why",
                values=[{"key": "lost", "name": "Mất thẻ", "name_en": "Lost"}, {"key": "damaged", "name": "Thẻ hỏng", "name_en": "Damaged"}],
            ),
            _field(
                "delivery", "singlevaluelist", "Hình thức nhận thẻ", "How to receive the card",
                values=[{"key": "counter", "name": "Tại bộ phận một cửa", "name_en": "At the one-stop counter"}, {"key": "post", "name": "Qua bưu điện", "name_en": "By post"}],
            ),
        ],
        "documents": [_identity()],
    },
    {
        "code": "2.000720",
        "name": "Đăng ký thành lập hộ kinh doanh",
        "name_en": "Registration of a household business",
        "description": "Cấp Giấy chứng nhận đăng ký hộ kinh doanh.",
        "description_en": "Issue a household business registration certificate.",
        "sector": "Thành lập và hoạt động của hộ kinh doanh",
        "sector_en": "Household businesses",
        "agency": AGENCY_CODE,
        "deadline_working_days": 3,
        "fee_vnd": 100_000,
        "online_level": OnlineLevel.FULL,
        "keywords": ["hộ kinh doanh", "business", "đăng ký"],
        "fields": [
            _field("business_name", "string", "Tên hộ kinh doanh", "Business name"),
            _field("address", "string", "Địa chỉ trụ sở", "Business address"),
            _field("business_lines", "text", "Ngành, nghề kinh doanh", "Lines of business"),
            _field("capital_vnd", "number", "Vốn kinh doanh (đồng)", "Capital (VND)"),
            _field("employees", "number", "Số lao động", "Employees", required=False),
        ],
        "documents": [
            _identity("Thông tin định danh của chủ hộ kinh doanh"),
            _document(
                "premises_document", "Giấy tờ về quyền sử dụng địa điểm kinh doanh",
                "Proof of the right to use the premises", ["upload"],
            ),
        ],
    },
    {
        "code": "1.009994",
        "name": "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "name_en": "Construction permit for a detached house",
        "description": "Cấp giấy phép xây dựng mới nhà ở riêng lẻ.",
        "description_en": "Permit the construction of a new detached house.",
        "sector": "Hoạt động xây dựng",
        "sector_en": "Construction",
        "agency": AGENCY_CODE,
        "deadline_working_days": 15,
        "fee_vnd": 75_000,
        "online_level": OnlineLevel.PARTIAL,
        "keywords": ["giấy phép xây dựng", "construction permit", "nhà ở"],
        "fields": [
            _field("plot_address", "string", "Địa chỉ thửa đất", "Plot address"),
            _field("land_certificate_number", "string", "Số Giấy chứng nhận quyền sử dụng đất", "Land-use certificate number"),
            _field("floors", "number", "Số tầng", "Floors"),
            _field("floor_area_m2", "number", "Tổng diện tích sàn (m²)", "Total floor area (m²)"),
            _field("start_date", "datetime", "Ngày dự kiến khởi công", "Planned start", required=False),
        ],
        "documents": [
            _identity("Thông tin định danh của chủ đầu tư"),
            _document(
                "land_use_certificate", "Giấy chứng nhận quyền sử dụng đất",
                "Land-use right certificate", ["upload"],
            ),
            _document("design_drawings", "Bản vẽ thiết kế", "Design drawings", ["upload"]),
        ],
    },
)  # fmt: skip


def _agency(code: str) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if found is None:
        raise RuntimeError(f"agency {code} is not in the register; seed it first")
    return found


def seed_agencies() -> None:
    """Register the agencies of the catalogue that the register lacks."""
    for fields in AGENCIES:
        exists = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.code == fields["code"])
        )
        if exists is None:
            db.session.add(
                Organisation(
                    **fields,
                    kind=OrganisationKind.AGENCY,
                    sector=Sector.PUBLIC_ADMINISTRATION,
                )
            )
    db.session.flush()


def seed_catalogue() -> list[Procedure]:
    """Create or update every procedure of the catalogue (safe to run again)."""
    seed_agencies()
    procedures = []
    for spec in PROCEDURES:
        values = {key: value for key, value in spec.items() if key != "agency"}
        values["agency_id"] = _agency(spec["agency"]).id
        procedure = db.session.scalar(
            sa.select(Procedure).where(Procedure.code == spec["code"])
        )
        if procedure is None:
            procedure = Procedure(**values)
            db.session.add(procedure)
        else:
            for key, value in values.items():
                if getattr(procedure, key) != value:
                    setattr(procedure, key, value)
        procedures.append(procedure)
    db.session.flush()
    return procedures
