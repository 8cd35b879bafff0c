"""The demo population's natural keys, named once for every test.

Who these people are is in ../shared/DESIGN.md ("Demo data"). Their national ids
are the demo seeder's (``identity.demo.CITIZENS``), looked up here by full name; the
clinic's and the school's codes are the seeder's too. The ward's People's Committee,
its police and the province's operations centre belong to the deployment
(deployments/binh-duong/organisations.json), as do the procedures of its catalogue.

Only ``tests/identity/test_seed_demo.py`` spells the numbers out: it checks the
seeder against DESIGN.md's table. Use these names where a test is about the demo;
for "a stranger", "a second clinic" and the like, build them with
:mod:`tests.factories`.
"""

from __future__ import annotations

import json
from typing import Final

from app.deployment import DEFAULT_DIR
from identity.demo import CITIZENS, CLINIC_CODE, SCHOOL_CODE


def _national_id(full_name: str) -> str:
    return next(number for number, name, *_ in CITIZENS if name == full_name)


def _deployment_code(file: str, name_en: str) -> str:
    entries = json.loads((DEFAULT_DIR / file).read_text(encoding="utf-8"))
    return str(next(e["code"] for e in entries if e["name_en"] == name_en))


AN: Final = _national_id("Nguyễn Văn An")
"""A citizen (level 2, with an authenticator), Bình's father and guardian."""
BINH: Final = _national_id("Nguyễn Thị Bình")
"""An's daughter, born 2014: under 14, no login; a pupil of the demo school."""
CUC: Final = _national_id("Trần Thị Cúc")
"""Doctor at the demo clinic."""
DUNG: Final = _national_id("Lê Văn Dũng")
"""Teacher at the demo school, Bình's homeroom teacher."""
EM: Final = _national_id("Phạm Thị Em")
"""Principal of the demo school."""
PHUC: Final = _national_id("Võ Văn Phúc")
"""Officer at the ward's People's Committee."""
GIANG: Final = _national_id("Đặng Thị Giang")
"""Analyst at the operations centre."""
HAI: Final = _national_id("Huỳnh Văn Hải")
"""A level-1 citizen with no memberships and no ties: the demo's stranger."""

CLINIC: Final = CLINIC_CODE
"""Phòng khám Đa khoa Thủ Dầu Một, Cúc's clinic."""
SCHOOL: Final = SCHOOL_CODE
"""Trường THCS Chánh Nghĩa (grades 6 to 9), Dũng's and Em's school."""
WARD: Final = _deployment_code(
    "organisations.json", "Phu Cuong Ward People's Committee"
)
"""UBND phường Phú Cường, Phúc's agency: An's dossiers are filed there."""
POLICE: Final = _deployment_code("organisations.json", "Phu Cuong Ward Police")
"""Công an phường Phú Cường, another agency of the ward (residence procedures)."""
OPS: Final = _deployment_code(
    "organisations.json", "Binh Duong Intelligent Operations Centre"
)
"""The province's operations centre, Giang's."""

BUSINESS: Final = _deployment_code(
    "procedures.json", "Registration of a household business"
)
"""At the ward: a form, the applicant's identity and a premises document."""
RESIDENCE: Final = _deployment_code(
    "procedures.json", "Confirmation of residence information"
)
"""At the police: the applicant's identity only."""
TRANSFER: Final = _deployment_code(
    "procedures.json", "School transfer of a lower-secondary pupil"
)
"""At the ward: a transcript and immunizations, by reference."""
