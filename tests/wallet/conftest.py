"""Shared moves of the wallet tests: the reference holder over the app, offers
made through the API, verifiers' requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa

from app.date_fields import local_today
from app.extensions import db
from health_book.models import HealthProfile
from identity.models import Role
from school_records.models import Transcript
from tests import factories
from tests.demo_ids import AN, BINH
from tests.school_records.conftest import binh_in_7a1, school  # noqa: F401 - fixtures
from tests.school_records.helpers import demo_transcript
from wallet.holder import Wallet
from wallet.records import identifier
from wallet.types import BHYT, HOC_BA


def admission(grade: int | None = 6, base: str = "http://localhost") -> dict[str, Any]:
    """What a high school asks of an applicant's transcript: the grade (this one,
    unless ``None``), the year's average and conduct "Tốt", with its own check
    that the average is at least 8.0."""
    grade_claim: dict[str, Any] = {"path": ["grade"]}
    if grade is not None:
        grade_claim["values"] = [grade]
    return {
        "purpose": "Tuyển sinh lớp 10: điểm trung bình cả năm và rèn luyện",
        "dcql_query": {
            "credentials": [
                {
                    "id": "hoc_ba",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [f"{base}/vct/hoc-ba/v1"]},
                    "claims": [
                        grade_claim,
                        {"path": ["year_results", "average"]},
                        {"path": ["year_results", "conduct"], "values": ["Tốt"]},
                    ],
                }
            ]
        },
        "checks": [
            {
                "query_id": "hoc_ba",
                "path": ["year_results", "average"],
                "minimum": "8.0",
            }
        ],
    }


@pytest.fixture
def http(app) -> Iterator[httpx.Client]:
    """HTTP to the app in-process, as a phone's wallet reaches the issuer."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://localhost"
    ) as client:
        yield client


@pytest.fixture
def holder(http) -> Wallet:
    """The reference wallet (the IETF sd-jwt library inside), empty."""
    return Wallet(http)


@pytest.fixture
def transcript(citizen) -> Transcript:
    """Bình's published grade-6 transcript (demo data)."""
    return demo_transcript(citizen)


@pytest.fixture
def make_offer(client, citizen, auth_headers) -> Callable[..., Any]:
    """Offer a credential through the API as ``who`` (An, Bình's father, by
    default); the response."""

    def make(credential_identifier: str, who: str = AN, **headers: Any) -> Any:
        return client.post(
            "/api/v1/wallet/offers",
            json={"credential_identifier": credential_identifier},
            headers=auth_headers(citizen(who), **headers),
        )

    return make


@pytest.fixture
def transcript_offer(make_offer, transcript) -> dict[str, Any]:
    """An's offer of his daughter Bình's transcript."""
    response = make_offer(identifier(HOC_BA, transcript.id))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


#: The cards the tests add run 200 days from today (the demo's end with 2026).
CARD_VALID_TO = local_today() + timedelta(days=200)


@pytest.fixture
def cards_in_force(citizen) -> None:
    """An's and Bình's BHYT cards, in force for 200 days whatever today is."""
    for who in (AN, BINH):
        profile = db.session.scalar(
            sa.select(HealthProfile).where(
                HealthProfile.citizen_id == citizen(who).id,
                HealthProfile.superseded_at.is_(None),
            )
        )
        profile.bhyt_valid_to = CARD_VALID_TO
    db.session.flush()


@pytest.fixture
def card_offer(make_offer, citizen, cards_in_force) -> dict[str, Any]:
    """An's offer of his own BHYT card."""
    response = make_offer(identifier(BHYT, citizen(AN).id))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


@pytest.fixture
def verifier_school(citizen) -> tuple[Any, Any]:
    """A high school that admits pupils, and its principal."""
    high_school = factories.school(name="Trường THPT Thủ Dầu Một")
    principal = factories.staff(high_school, Role.PRINCIPAL)
    return high_school, principal


@pytest.fixture
def binh(citizen):
    return citizen(BINH)


#: Each offer's pre-authorized code, fetched once (a spent offer is not served).
_CODES: dict[str, str] = {}


def redeem(http, offer, **form):
    """The token request of a wallet that read ``offer`` and types its PIN."""
    if offer["id"] not in _CODES:
        fetched = http.get(offer["credential_offer_uri"]).json()
        grant = fetched["grants"][
            "urn:ietf:params:oauth:grant-type:pre-authorized_code"
        ]
        _CODES[offer["id"]] = grant["pre-authorized_code"]
    data = {
        "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        "pre-authorized_code": _CODES[offer["id"]],
        "tx_code": offer["tx_code"],
        **form,
    }
    return http.post(
        "/oid4vci/token", data={k: v for k, v in data.items() if v is not None}
    )


@pytest.fixture
def token(http, transcript_offer):
    answer = redeem(http, transcript_offer)
    assert answer.status_code == 200
    body = answer.json()
    [detail] = body["authorization_details"]
    return body["access_token"], detail["credential_identifiers"][0]


@pytest.fixture
def ask(client, auth_headers, verifier_school):
    """Make a presentation request as a verifier school's principal."""

    def make(body=None, where=None, principal=None):
        where = where or verifier_school[0]
        principal = principal or verifier_school[1]
        made = client.post(
            "/api/v1/verifier/requests",
            json=body or admission(),
            headers=auth_headers(principal, org=where, role="principal"),
        )
        assert made.status_code == 201, made.get_json()
        return made.get_json()

    return make


@pytest.fixture
def stored(holder, transcript_offer):
    """Bình's transcript, in her father's wallet."""
    [credential] = holder.accept_offer(
        transcript_offer["deep_link"], transcript_offer["tx_code"]
    )
    return credential


@pytest.fixture
def verifier_headers(auth_headers, verifier_school):
    high_school, principal = verifier_school
    return auth_headers(principal, org=high_school, role="principal")


@pytest.fixture
def clinic_ask(client, auth_headers):
    """Make a presentation request for a BHYT card as a doctor of a clinic."""

    clinic = factories.clinic(name="Phòng khám Đa khoa")
    doctor = factories.staff(clinic, Role.DOCTOR)

    def make(claims):
        body = {
            "purpose": "Khám bệnh",
            "dcql_query": {
                "credentials": [
                    {
                        "id": "card",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": ["http://localhost/vct/bhyt/v1"]},
                        "claims": [{"path": p} for p in claims],
                    }
                ]
            },
        }
        made = client.post(
            "/api/v1/verifier/requests",
            json=body,
            headers=auth_headers(doctor, org=clinic, role="doctor"),
        )
        assert made.status_code == 201, made.get_json()
        return made.get_json()

    return make
