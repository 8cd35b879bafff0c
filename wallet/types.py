"""The two credential types CongDan issues as SD-JWT VCs, described once.

Each :class:`CredentialType` gives its OpenID4VCI configuration (in the credential
issuer's metadata), its SD-JWT VC type metadata (served at its ``vct`` URL) and
the display names of its claims in Vietnamese and English. What goes into a
credential of each type is :mod:`wallet.claims`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from flask import current_app

from app import sd_jwt

Path = tuple[str | None, ...]


@dataclass(frozen=True)
class Claim:
    """One claim of a type: where it is, whether it may be withheld, its labels."""

    path: Path
    vi: str
    en: str
    #: ``always``: selectively disclosable; ``never``: always shown.
    sd: str = "always"


@dataclass(frozen=True)
class CredentialType:
    """A credential configuration of the issuer and its SD-JWT VC type."""

    configuration_id: str
    #: The path of the ``vct`` URL under the deployment's base URL.
    vct_path: str
    name_vi: str
    name_en: str
    description_vi: str
    description_en: str
    background_color: str
    claims: tuple[Claim, ...]

    @property
    def vct(self) -> str:
        """The type's ``vct``: a URL of this deployment serving its type metadata."""
        return f"{current_app.config['BASE_URL']}{self.vct_path}"

    @property
    def scope(self) -> str:
        """The OAuth scope that asks for this credential (authorization code flow)."""
        return self.configuration_id

    def labels(self, path: Path, language: str) -> str | None:
        """The label of the claim at ``path`` in ``language`` (``vi`` or ``en``)."""
        for claim in self.claims:
            if _matches(claim.path, path):
                return claim.vi if language == "vi" else claim.en
        return None


def _matches(pattern: Path, path: Path) -> bool:
    return len(pattern) == len(path) and all(
        p is None or p == q for p, q in zip(pattern, path, strict=True)
    )


_VI, _EN = "vi-VN", "en-US"

HOC_BA: Final = CredentialType(
    configuration_id="hoc_ba_sd_jwt",
    vct_path="/vct/hoc-ba/v1",
    name_vi="Học bạ số",
    name_en="Digital school transcript",
    description_vi="Kết quả học tập và rèn luyện một năm học, do nhà trường ký.",
    description_en="One school year's results and conduct, signed by the school.",
    background_color="#0b5394",
    claims=(
        Claim(("school",), "Trường", "School", sd="never"),
        Claim(("school", "name"), "Tên trường", "School name", sd="never"),
        Claim(("school", "code"), "Mã trường", "School code", sd="never"),
        Claim(("school_year",), "Năm học", "School year", sd="never"),
        Claim(("grade",), "Lớp (khối)", "Grade", sd="never"),
        Claim(("regulation",), "Quy chế đánh giá", "Assessment rules", sd="never"),
        Claim(("full_name",), "Họ và tên", "Full name"),
        Claim(("birthdate",), "Ngày sinh", "Date of birth"),
        Claim(("class_name",), "Lớp", "Class"),
        Claim(("year_results",), "Kết quả cả năm", "Year results"),
        Claim(
            ("year_results", "average"),
            "Điểm trung bình các môn cả năm",
            "Year average of all subjects",
        ),
        Claim(("year_results", "learning"), "Kết quả học tập", "Learning result"),
        Claim(("year_results", "conduct"), "Kết quả rèn luyện", "Conduct"),
        Claim(("year_results", "overall"), "Đánh giá tổng hợp", "Overall assessment"),
        Claim(("year_results", "qualities"), "Phẩm chất", "Qualities"),
        Claim(("year_results", "competences"), "Năng lực", "Competences"),
        Claim(("year_results", "promotion"), "Lên lớp", "Promotion"),
        Claim(("year_results", "award"), "Khen thưởng", "Award"),
        Claim(("year_results", "absences"), "Số buổi nghỉ", "Days absent"),
        # Each subject is a member named by its code (TOAN, VAN…), hidden until
        # disclosed, its semesters hidden within it: a verifier asks for
        # ["subjects", "TOAN"]. A claims path has no "any member" for objects,
        # so the members are not described one by one here.
        Claim(("subjects",), "Các môn học", "Subjects", sd="never"),
        Claim(("homeroom_comment",), "Nhận xét của GVCN", "Homeroom comment"),
    ),
)

BHYT: Final = CredentialType(
    configuration_id="bhyt_sd_jwt",
    vct_path="/vct/bhyt/v1",
    name_vi="Thẻ bảo hiểm y tế",
    name_en="Health insurance card (BHYT)",
    description_vi="Thẻ BHYT theo sổ sức khỏe điện tử của tỉnh.",
    description_en="The BHYT card as the province's electronic health book holds it.",
    background_color="#1c7a3f",
    claims=(
        Claim(("full_name",), "Họ và tên", "Full name"),
        Claim(("birthdate",), "Ngày sinh", "Date of birth"),
        Claim(("bhyt_number",), "Mã số BHXH", "Social insurance number"),
        Claim(("valid_from",), "Giá trị sử dụng từ", "Valid from"),
        Claim(("valid_to",), "Giá trị sử dụng đến", "Valid until"),
        Claim(
            ("primary_care_facility",),
            "Nơi đăng ký KCB ban đầu",
            "Registered primary-care facility",
        ),
    ),
)

TYPES: Final = {t.configuration_id: t for t in (HOC_BA, BHYT)}


def by_vct(vct: str) -> CredentialType | None:
    """The type whose ``vct`` is ``vct`` on this deployment."""
    return next((t for t in TYPES.values() if t.vct == vct), None)


def _claims_metadata(kind: CredentialType, label: str) -> list[dict[str, Any]]:
    return [
        {
            "path": list(claim.path),
            "display": [
                {"locale": _VI, label: claim.vi},
                {"locale": _EN, label: claim.en},
            ],
            **({"sd": claim.sd} if label == "label" else {}),
        }
        for claim in kind.claims
    ]


def _display(kind: CredentialType) -> list[dict[str, Any]]:
    return [
        {
            "locale": locale,
            "name": name,
            "description": description,
            "background_color": kind.background_color,
            "text_color": "#FFFFFF",
        }
        for locale, name, description in (
            (_VI, kind.name_vi, kind.description_vi),
            (_EN, kind.name_en, kind.description_en),
        )
    ]


def configuration(kind: CredentialType) -> dict[str, Any]:
    """The type's entry in ``credential_configurations_supported`` (OpenID4VCI
    1.0 §12.2.4 and Appendix A.3): format, vct, scope, key binding and proofs."""
    return {
        "format": sd_jwt.CREDENTIAL_TYPE,
        "vct": kind.vct,
        "scope": kind.scope,
        "credential_signing_alg_values_supported": [sd_jwt.ALGORITHM],
        "cryptographic_binding_methods_supported": ["jwk"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": [sd_jwt.ALGORITHM]}
        },
        "credential_metadata": {
            "display": _display(kind),
            "claims": _claims_metadata(kind, "name"),
        },
    }


def type_metadata(kind: CredentialType) -> dict[str, Any]:
    """The type's SD-JWT VC Type Metadata (SD-JWT VC draft, §6)."""
    return {
        "vct": kind.vct,
        "name": kind.name_en,
        "description": kind.description_en,
        "display": [
            {
                "locale": entry["locale"],
                "name": entry["name"],
                "description": entry["description"],
                "rendering": {
                    "simple": {
                        "background_color": entry["background_color"],
                        "text_color": entry["text_color"],
                    }
                },
            }
            for entry in _display(kind)
        ],
        "claims": _claims_metadata(kind, "label"),
    }
