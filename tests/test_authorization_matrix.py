"""Every route, called by every kind of caller: who gets through, and nothing leaks.

The routes come from the application's URL map, so a new route fails this test
until it is declared below — in ``MATRIX`` with the callers that may use it, or in
``OUTSIDE`` with the reason it is not about anyone's data. Each cell runs in a
savepoint rolled back afterwards, so every caller meets the same world.

A denied call must be 401 (anonymous) or 403/404 (anyone else), an RFC 9457
problem, and must carry none of the subject's data.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from app.auth import Actor
from app.db import utcnow
from app.extensions import db
from consent import answers, artefacts, requests
from consent.models import ConsentArtefact
from consent.vocabulary import AccessMode
from identity.models import Role
from notifications.models import Notification
from school_records.models import Enrolment, StatusList, Transcript
from service_requests import georeport
from service_requests.models import Dossier, DossierStatus
from tests import factories
from tests.demo_ids import (
    AN,
    BINH,
    BUSINESS,
    CLINIC,
    CUC,
    DUNG,
    EM,
    GIANG,
    HAI,
    OPS,
    PHUC,
    POLICE,
    RESIDENCE,
    SCHOOL,
    WARD,
)
from tests.factories import RECORDS
from tests.problems import assert_problem

PERSONAS = (
    "anonymous",
    "subject",  # Bình, whose records these are (a child: no login, but a token proves it)
    "guardian",  # An, her father, and the applicant of the dossiers
    "stranger",  # Hải, a citizen with no tie to anyone
    "clinic",  # a doctor of a clinic with a live consent (store) for Bình's health book
    "clinic_revoked",
    "clinic_expired",
    "clinic_other_category",  # its consent covers allergies only
    "clinic_none",  # no consent at all
    "teacher",  # Bình's school
    "principal",
    "teacher_other",  # another school
    "principal_other",
    "officer",  # the ward handling An's dossiers
    "officer_other",  # the ward's police, another agency
    "analyst",  # the operations centre
)
CLINICS = (
    "clinic",
    "clinic_revoked",
    "clinic_expired",
    "clinic_other_category",
    "clinic_none",
)
SCHOOL_STAFF = ("teacher", "principal")
STAFF = (
    CLINICS
    + SCHOOL_STAFF
    + ("teacher_other", "principal_other", "officer", "officer_other", "analyst")
)
CITIZENS = ("subject", "guardian", "stranger")
SIGNED_IN = frozenset(PERSONAS) - {"anonymous"}
EVERYONE = frozenset(PERSONAS)
#: The format converter of the Open311 routes (``….json`` or ``….xml``).
WIRE = "<any(json, xml):wire>"
HEALTH_CATEGORIES = (
    "allergies",
    "conditions",
    "encounters",
    "immunizations",
    "medications",
    "observations",
)


#: The day the records of the world are dated (tests.factories.RECORDS).
TODAY = "2026-11-20"


@dataclass(frozen=True)
class Rule:
    """Who may make a call, and with what body."""

    allowed: frozenset[str]
    #: The body, from the world and the caller's own citizen id.
    body: Callable[[World, Any], Any] | None = None
    #: Answers other than 2xx that are still a success for an allowed caller: a
    #: state machine's 409, or a 422 for a body that is not right for this caller.
    also_ok: frozenset[int] = frozenset()
    #: Multipart or form body instead of JSON.
    files: bool = False
    #: Allowed callers who may see the subject's personal data in the answer
    #: (``None``: all of them). The others get only their own.
    sees: frozenset[str] | None = None
    #: Receipt codes are public here (Open311's public lists): only the rest of
    #: the personal data counts as seen.
    receipts_public: bool = False


@dataclass
class World:
    """The ids the routes are called with, and each persona's headers."""

    ids: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)


def allow(
    *personas: str, body: Callable[[World], Any] | None = None, **kwargs: Any
) -> Rule:
    return Rule(frozenset(personas), body, **kwargs)


def _health_rules() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    base = "/api/v1/citizens/<subject:subject>/health-book"
    readers = ("subject", "guardian", "clinic")
    rules[f"GET {base}"] = allow(*readers, "clinic_other_category")
    # The patient summary holds what the caller may export: allergies only, here.
    rules[f"GET {base}/fhir"] = allow(*readers, "clinic_other_category")
    rules[f"GET {base}/emergency-summary"] = allow(*readers)
    rules[f"GET {base}/emergency-summary/fhir"] = allow(*readers)
    rules[f"GET {base}/profile"] = allow(*readers)
    rules[f"POST {base}/profile"] = allow(
        *CLINICS, body=lambda w, me: {"record_date": TODAY, "blood_group": "O+"}
    )
    for category in HEALTH_CATEGORIES:
        path = f"{base}/{category}"
        extra = ("clinic_other_category",) if category == "allergies" else ()
        rules[f"GET {path}"] = allow(*readers, *extra)
        rules[f"POST {path}"] = allow(
            *CLINICS, body=lambda w, me, c=category: RECORDS[c]
        )
        record = f"{path}/<uuid:record_id>"
        rules[f"GET {record}/history"] = allow(*readers, *extra)
        rules[f"POST {record}/corrections"] = allow(
            # Only the clinic that wrote a record corrects it.
            "clinic",
            body=lambda w, me, c=category: {
                **RECORDS[c],
                "correction_reason": "Ghi nhầm",
            },
        )
        rules[f"POST {record}/hide"] = allow("subject", "guardian")
        rules[f"POST {record}/unhide"] = allow("subject", "guardian")
    return rules


def _dossier_rules() -> dict[str, Rule]:
    parties = ("guardian", "officer")
    base = "/api/v1/dossiers/<uuid:dossier_id>"
    return {
        "GET /api/v1/dossiers": allow(*CITIZENS, sees=("guardian",)),  # each their own
        "POST /api/v1/dossiers": allow(
            # Each citizen files with their own identity from the register.
            *CITIZENS,
            body=lambda w, me: {
                "procedure_code": RESIDENCE,
                "form": {"content": ["permanent"], "purpose": "Ma trận"},
                "documents": [
                    {"code": "applicant_identity",
                     "reference": {"kind": "identity", "id": str(me)}}
                ],
            },
        ),
        f"GET {base}": allow(*parties),
        f"GET {base}/receipt": allow(*parties),
        f"GET {base}/documents/<uuid:document_id>": allow(*parties),
        f"POST {base}/transitions": allow(
            "guardian", body=lambda w, me: {"to": 7}
        ),  # the applicant withdraws; the officer is refused that move (403)
        f"POST {base}/payments": allow("guardian", body=lambda w, me: {"amount": 100_000}),
        f"POST {base}/supplements": allow("guardian", body=lambda w, me: {"note": "Đã bổ sung"}),
        f"POST {base}/apology": allow(
            "officer",
            body=lambda w, me: {"reason": "Cần xác minh", "new_due_date": "2027-06-30"},
        ),
        f"POST {base}/rating": allow(
            "guardian",
            body=lambda w, me: {"scores": dict.fromkeys(
                ("total_time", "agency_time", "contacts", "agencies_contacted", "one_stop",
                 "publicity", "staff_attitude", "convenience", "overall"), 2)},
        ),
        "GET /api/v1/agencies/<uuid:agency_id>/dossiers": allow("officer"),
        "GET /api/v1/stats": allow("analyst", sees=()),  # aggregates: nobody's data
        "POST /api/v1/uploads": allow(*CITIZENS, files=True),
        # Anyone the public list (no personal data); citizens their own requests in
        # full, officers their agency's; staff of other organisations the public.
        f"GET /open311/v2/requests.{WIRE}": allow(
            *EVERYONE, sees=("guardian", "officer"), receipts_public=True,
        ),
        f"POST /open311/v2/requests.{WIRE}": allow(
            *CITIZENS,
            body=lambda w, me: {"service_code": RESIDENCE, "attribute[content][]": "permanent",
                                "attribute[purpose]": "Ma trận", "lat": "10.98", "long": "106.65",
                                "api_key": w.ids["api_key"]},
            files=True,
        ),
        f"GET /open311/v2/requests/<string:receipt_code>.{WIRE}": allow(
            *EVERYONE, sees=parties, receipts_public=True,
        ),
    }  # fmt: skip


def _school_rules() -> dict[str, Rule]:
    transcript = "/api/v1/transcripts/<uuid:transcript_id>"
    reason = {"reason": "Kiểm tra ma trận quyền"}
    return {
        "GET /api/v1/schools/<uuid:school_id>/transcripts": allow(*SCHOOL_STAFF),
        "POST /api/v1/schools/<uuid:school_id>/transcripts": allow(
            *SCHOOL_STAFF, body=lambda w, me: w.ids["draft_body"]
        ),
        f"GET {transcript}": allow(*SCHOOL_STAFF, "subject", "guardian"),
        f"PUT {transcript}": allow(
            # Published transcripts are frozen: staff get 409, everyone else a denial.
            *SCHOOL_STAFF,
            body=lambda w, me: {"content": w.ids["draft_body"]["content"]},
            also_ok=(409,),
        ),
        # Without If-Match (the version read) staff get 428 after passing the check.
        f"POST {transcript}/sign": allow(*SCHOOL_STAFF, also_ok=(409, 428)),
        f"POST {transcript}/corrections": allow(*SCHOOL_STAFF),
        f"GET {transcript}/credential": allow("subject", "guardian", *SCHOOL_STAFF),
        f"GET {transcript}/pdf": allow("subject", "guardian", *SCHOOL_STAFF),
        f"POST {transcript}/revoke": allow("principal", body=lambda w, me: reason),
        f"POST {transcript}/suspend": allow("principal", body=lambda w, me: reason),
        f"POST {transcript}/unsuspend": allow(
            "principal", body=lambda w, me: reason, also_ok=(409,)
        ),
        "GET /api/v1/citizens/<subject:subject>/transcripts": allow(
            "subject", "guardian"
        ),
        **_register_rules(),
    }


def _register_rules() -> dict[str, Rule]:
    classes = "/api/v1/schools/<uuid:school_id>/classes"
    return {
        f"GET {classes}": allow(*SCHOOL_STAFF),
        f"POST {classes}": allow(
            "principal",
            body=lambda w, me: {
                "school_year": "2026-2027",
                "name": "7A2",
                "grade": 7,
                "homeroom_teacher_id": str(w.ids["me"]["teacher"]),
            },
        ),
        f"PUT {classes}/<uuid:class_id>": allow(
            "principal",
            body=lambda w, me: {"homeroom_teacher_id": str(w.ids["me"]["teacher"])},
        ),
        f"GET {classes}/<uuid:class_id>/enrolments": allow(*SCHOOL_STAFF),
        # The principal or the class's homeroom teacher (Dũng); Bình is in it already.
        f"POST {classes}/<uuid:class_id>/enrolments": allow(
            *SCHOOL_STAFF, body=lambda w, me: w.ids["enrolment_body"], also_ok=(409,)
        ),
        "POST /api/v1/schools/<uuid:school_id>/enrolments/<uuid:enrolment_id>/withdraw": (
            allow("principal", body=lambda w, me: {"reason": "Chuyển trường"})
        ),
    }


def _consent_rules() -> dict[str, Rule]:
    request = "/api/v1/consent-requests/<uuid:request_id>"
    artefact = "/api/v1/consents/<uuid:artefact_id>"
    return {
        "GET /api/v1/consent-requests": allow(  # each its own inbox or outbox
            *SIGNED_IN, sees=("subject", "guardian", *CLINICS)
        ),
        # Any organisation but the operations centre may ask; a clinic's purpose
        # is refused (422) to a school or an agency.
        "POST /api/v1/consent-requests": allow(
            *CLINICS, *SCHOOL_STAFF, "teacher_other", "principal_other", "officer",
            "officer_other", also_ok=(422,),
            body=lambda w, me: {
                "subject_id": str(w.ids["binh"]), "purpose": "CAREMGT",
                "categories": ["allergies"], "data_from": "2020-01-01", "data_to": TODAY,
                "valid_until": (utcnow() + timedelta(days=7)).isoformat(), "access_mode": "view",
            },
        ),
        f"GET {request}": allow("subject", "guardian", "clinic_none"),
        f"POST {request}/approve": allow("subject", "guardian", body=lambda w, me: {}),
        f"POST {request}/deny": allow("subject", "guardian"),
        "GET /api/v1/consents": allow(  # each its own
            *SIGNED_IN, sees=("subject", "guardian", *CLINICS[:4])
        ),
        f"GET {artefact}": allow("subject", "guardian", "clinic"),
        f"GET {artefact}/jws": allow("subject", "guardian", "clinic"),
        # The grantor, or the grantee giving its access up.
        f"POST {artefact}/revoke": allow(
            "subject", "guardian", "clinic", body=lambda w, me: {"reason": "Thôi"}
        ),
        # Each citizen shares their own data.
        "POST /api/v1/share-codes": allow(
            *CITIZENS, body=lambda w, me: {"categories": ["immunizations"]}
        ),
        # Whoever the citizen hands the code to, if its sector may read the data
        # (immunizations: clinics, schools, agencies; never the operations centre).
        "POST /api/v1/share-codes/<string:code>/redeem": allow(
            *CLINICS, *SCHOOL_STAFF, "teacher_other", "principal_other", "officer",
            "officer_other",
        ),
        "GET /api/v1/citizens/<uuid:citizen_id>/access-log": allow("subject", "guardian"),
        "GET /api/v1/citizens/me/access-log": allow(*CITIZENS, sees=("subject", "guardian")),
        "POST /api/v1/citizens/<uuid:citizen_id>/emergency-access": allow(
            *CLINICS, body=lambda w, me: {"reason": "Bệnh nhân bất tỉnh, cần biết dị ứng thuốc"}
        ),
        "GET /api/v1/emergency-accesses": allow(*CLINICS, sees=("clinic",)),  # its own
        # Four eyes: another doctor of the clinic reviews; the one who opened it
        # (every clinic persona here is that doctor) may not.
        "POST /api/v1/emergency-accesses/<uuid:access_id>/review": allow(
            body=lambda w, me: {"note": "Đã xem xét, hợp lệ"}
        ),
        "GET /api/v1/notifications": allow(*SIGNED_IN, sees=("guardian", *CLINICS)),
        "POST /api/v1/notifications/<uuid:notification_id>/read": allow("guardian"),
    }  # fmt: skip


def _identity_rules() -> dict[str, Rule]:
    return {
        "GET /api/v1/me": allow(*SIGNED_IN, sees=("subject", "guardian")),
        "GET /api/v1/citizens/me": allow(*SIGNED_IN, sees=("subject", "guardian")),
        "GET /api/v1/citizens/me/dependants": allow(
            *SIGNED_IN, sees=("subject", "guardian")
        ),
        "GET /api/v1/citizens/<uuid:citizen_id>": allow(
            "subject", "guardian", "clinic"
        ),
        "GET /api/v1/organisations": allow(*EVERYONE),
        "GET /api/v1/organisations/<uuid:org_id>": allow(*EVERYONE),
    }


def _wallet_rules() -> dict[str, Rule]:
    admission = {
        "purpose": "Ma trận quyền",
        "dcql_query": {"credentials": [{
            "id": "hoc_ba", "format": "dc+sd-jwt",
            "meta": {"vct_values": ["http://localhost/vct/hoc-ba/v1"]},
            "claims": [{"path": ["year_results", "conduct"]}],
        }]},
    }  # fmt: skip
    return {
        # Citizens for themselves: their own and their young children's records
        # (Bình's transcript is hers and her father's to add; no one else's).
        "GET /api/v1/wallet/credentials": allow(*CITIZENS, sees=("subject", "guardian")),
        "POST /api/v1/wallet/offers": allow(
            "subject", "guardian",
            body=lambda w, me: {"credential_identifier": f"hoc_ba_sd_jwt:{w.ids['transcript_id']}"},
        ),
        # Members of a school or clinic ask; the request is their organisation's.
        "POST /api/v1/verifier/requests": allow(
            *CLINICS, *SCHOOL_STAFF, "teacher_other", "principal_other",
            body=lambda w, me: admission,
        ),
        # Only the member who asked (the principal, here): the citizen's access
        # log names that person.
        "GET /api/v1/verifier/requests/<uuid:presentation_id>": allow("principal"),
    }  # fmt: skip


#: Public by design: catalogue, keys, verification, documentation, probes.
PUBLIC = (
    "GET /.well-known/jwks.json",
    "GET /api/v1/procedures",
    "GET /api/v1/procedures/<string:code>",
    "GET /api/v1/schools/<uuid:school_id>/jwks",
    "GET /api/v1/schools/<uuid:school_id>/did.json",
    "GET /api/v1/schools/<uuid:school_id>/levels",
    "GET /api/v1/status-lists/<uuid:list_id>",
    "GET /contexts/hocba/v1",
    "GET /verify",
    f"GET /open311/v2/services.{WIRE}",
    f"GET /open311/v2/services/<string:code>.{WIRE}",
    "GET /healthz",
    "GET /livez",
    "GET /readyz",
    "GET /api/v1/devices/web-push-key",
    "GET /openapi.json",
    "GET /docs",
    "GET /api/v1/schools/<uuid:school_id>/token-status-list",
    "GET /.well-known/jwt-vc-issuer/api/v1/schools/<uuid:school_id>",
    "GET /.well-known/jwt-vc-issuer",
    "GET /.well-known/openid-credential-issuer",
    "GET /.well-known/oauth-authorization-server",
)

MATRIX: dict[str, Rule] = {
    **_health_rules(),
    **_dossier_rules(),
    **_school_rules(),
    **_consent_rules(),
    **_identity_rules(),
    **{route: allow(*EVERYONE, sees=()) for route in PUBLIC},
    **_wallet_rules(),
    # The verifier answers about the credential it is given.
    "POST /api/v1/transcripts/verify": allow(
        *EVERYONE, body=lambda w, me: {"credential": w.ids["credential"]}
    ),
}

#: Not about anyone's data; covered where they are built.
OUTSIDE = {
    "GET /static/<path:filename>": "Flask's static files (none are served)",
    "GET /docs/assets/<string:filename>": "Swagger UI's own script and style (a package)",
    "GET /favicon.ico": "the site's icon, drawn by the app",
    "GET /metrics": "the operators' scraper, behind its token; counts, no one's "
    "data (tests/test_observability.py)",
    "GET /callback": "the app's OAuth callback page: echoes code and state (tests/identity)",
    "GET /ioc": "the dashboard's page: no data of its own; /api/v1/stats is in MATRIX",
    "GET /vct/<string:name>/v1": "a credential type's metadata: public, no one's "
    "data (tests/wallet/test_metadata.py)",
    **dict.fromkeys(
        (
            "GET /verifier/requests/<uuid:presentation_id>",
            "GET /verifier/requests/<uuid:presentation_id>/outcome",
        ),
        "a verifier's page and whether it is answered, opened with the key only "
        "its creator got (tests/wallet/test_presentation.py)",
    ),
    "GET /oid4vci/offers/<uuid:offer_id>": "a credential offer, fetched by the "
    "wallet holding its link; redeemed only with its PIN (tests/wallet)",
    **dict.fromkeys(
        (
            "POST /oid4vci/nonce",
            "POST /oid4vci/par",
            "GET /oid4vci/authorize",
            "GET /oid4vci/callback",
            "POST /oid4vci/token",
            "POST /oid4vci/credential",
            "POST /oid4vp/verifiers/<uuid:org_id>/response",
        ),
        "the wallet protocols' endpoints, authorised by their own codes, tokens "
        "and proofs; OAuth errors (tests/wallet)",
    ),
    "GET /track": "a dossier's status for whoever holds its receipt's key, nothing "
    "personal (tests/service_requests/test_receipt_and_tracking.py)",
    **dict.fromkeys(
        (
            "POST /api/v1/auth/act-as",
            "GET /api/v1/auth/cross-device/<string:user_code>",
            "POST /api/v1/auth/cross-device/<string:user_code>/approve",
            "POST /api/v1/auth/cross-device/<string:user_code>/deny",
            "POST /api/v1/auth/logout",
            "POST /api/v1/auth/refresh",
            "POST /api/v1/auth/totp/enrolment",
            "POST /api/v1/auth/totp/enrolment/confirm",
            "POST /api/v1/auth/vneid",
            "POST /api/v1/auth/vneid/start",
        ),
        "the caller's own login session (tests/identity)",
    ),
    "POST /api/v1/auth/vneid/backchannel-logout": (
        "VNeID's signed logout token, not a caller (tests/identity/test_logout.py)"
    ),
    **dict.fromkeys(
        ("GET /api/v1/notifications/unread", "POST /api/v1/notifications/read"),
        "the caller's own inbox, a count and its read marks (tests/test_inbox.py)",
    ),
    **dict.fromkeys(
        (
            "GET /api/v1/devices",
            "POST /api/v1/devices",
            "DELETE /api/v1/devices/<uuid:device_id>",
            "GET /api/v1/notifications/preferences",
            "PUT /api/v1/notifications/preferences",
        ),
        "the caller's own devices and preferences; another's device is 404, an "
        "organisation's token 403 (tests/test_push_and_sms.py)",
    ),
    **dict.fromkeys(
        (
            "GET /vneid/.well-known/openid-configuration",
            "GET /.well-known/oauth-authorization-server/vneid",
            "GET /vneid/authorize",
            "POST /vneid/authorize",
            "POST /vneid/introspect",
            "GET /vneid/jwks",
            "GET /vneid/logout",
            "POST /vneid/logout",
            "POST /vneid/par",
            "GET /vneid/qr/status",
            "GET /vneid/qr/<string:user_code>",
            "POST /vneid/revoke",
            "POST /vneid/token",
            "GET /vneid/userinfo",
            "POST /vneid/userinfo",
        ),
        "the OpenID provider's protocol endpoints, with client authentication "
        "(tests/identity/vneid, test_pushed_requests, test_dpop_provider)",
    ),
}


def routes_of(app) -> list[str]:
    """Every ``METHOD /rule`` the application answers."""
    return sorted(
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_is_declared(app):
    declared = MATRIX.keys() | OUTSIDE.keys()
    routes = set(routes_of(app))
    assert sorted(routes - declared) == [], "add the new routes to MATRIX or OUTSIDE"
    assert sorted(declared - routes) == [], "routes that no longer exist"


# The world ----------------------------------------------------------------------


def _grant(
    doctor: Actor, an: Actor, binh_id: Any, categories: list[str]
) -> ConsentArtefact:
    asked = requests.create_request(
        doctor,
        {
            "subject_id": binh_id, "purpose": "CAREMGT", "categories": categories,
            "data_from": utcnow().date() - timedelta(days=365 * 15),
            "data_to": utcnow().date() + timedelta(days=1),
            "valid_until": utcnow() + timedelta(days=30), "access_mode": AccessMode.STORE,
        },
    )  # fmt: skip
    return answers.approve(an, asked.id, {})


@pytest.fixture
def world(client, citizen, organisation, auth_headers) -> World:
    an, binh, cuc, dung, em, phuc, giang, hai = (
        citizen(n) for n in (AN, BINH, CUC, DUNG, EM, PHUC, GIANG, HAI)
    )
    clinic, school, ward, police, ops = (
        organisation(code) for code in (CLINIC, SCHOOL, WARD, POLICE, OPS)
    )
    clinics = {"clinic": clinic}
    for persona in CLINICS[1:]:
        clinics[persona] = factories.clinic(name=f"Phòng khám {persona}")
        factories.membership(cuc, clinics[persona], Role.DOCTOR)
    other_school = factories.school()
    teacher_other = factories.staff(other_school, Role.TEACHER)
    principal_other = factories.staff(other_school, Role.PRINCIPAL)
    officer_other = factories.staff(police, Role.OFFICER)

    stepped_an = Actor(citizen_id=an.id, acr="urn:vneid:loa:2", auth_time=utcnow())
    doctors = {
        p: Actor(citizen_id=cuc.id, org_id=o.id, role="doctor")
        for p, o in clinics.items()
    }
    health = [*list(HEALTH_CATEGORIES), "identity_basic"]
    live = _grant(doctors["clinic"], stepped_an, binh.id, health)
    revoked = _grant(doctors["clinic_revoked"], stepped_an, binh.id, health)
    artefacts.revoke(stepped_an, revoked.id, "Không còn khám ở đây")
    expired = _grant(doctors["clinic_expired"], stepped_an, binh.id, health)
    expired.valid_until = utcnow() - timedelta(minutes=1)
    _grant(doctors["clinic_other_category"], stepped_an, binh.id, ["allergies"])
    pending = requests.create_request(
        doctors["clinic_none"],
        {
            "subject_id": binh.id, "purpose": "CAREMGT", "categories": ["allergies"],
            "data_from": utcnow().date() - timedelta(days=30), "data_to": utcnow().date(),
            "valid_until": utcnow() + timedelta(days=7), "access_mode": AccessMode.VIEW,
        },
    )  # fmt: skip
    db.session.flush()

    w = World()
    w.headers = {
        "anonymous": {},
        "subject": auth_headers(binh),
        "guardian": auth_headers(an),
        "stranger": auth_headers(hai),
        **{p: auth_headers(cuc, org=o, role="doctor") for p, o in clinics.items()},
        "teacher": auth_headers(dung, org=school, role="teacher"),
        "principal": auth_headers(em, org=school, role="principal"),
        "teacher_other": auth_headers(teacher_other, org=other_school, role="teacher"),
        "principal_other": auth_headers(
            principal_other, org=other_school, role="principal"
        ),
        "officer": auth_headers(phuc, org=ward, role="officer"),
        "officer_other": auth_headers(officer_other, org=police, role="officer"),
        "analyst": auth_headers(giang, org=ops, role="analyst"),
    }
    # One record per category of Bình's, written by the consented clinic.
    records = {}
    for category, body in RECORDS.items():
        written = client.post(
            f"/api/v1/citizens/{binh.id}/health-book/{category}",
            json=body,
            headers=w.headers["clinic"],
        )
        assert written.status_code == 201, written.get_json()
        records[category] = written.get_json()["id"]
    emergency = client.post(
        f"/api/v1/citizens/{binh.id}/emergency-access",
        json={"reason": "Cấp cứu: cần biết dị ứng thuốc"},
        headers=w.headers["clinic"],
    )
    assert emergency.status_code == 201, emergency.get_json()
    share = client.post(
        "/api/v1/share-codes",
        json={"subject_id": str(binh.id), "categories": ["immunizations"]},
        headers=auth_headers(an, acr="urn:vneid:loa:2", auth_time=utcnow()),
    )
    transcript = db.session.scalar(
        sa.select(Transcript).where(Transcript.pupil_id == binh.id)
    )
    dossiers = {
        d.status: d
        for d in db.session.scalars(
            sa.select(Dossier).where(Dossier.applicant_id == an.id)
        )
    }
    from tests.school_records.helpers import draft_body

    this_year = factories.enrolment(
        binh, school, homeroom=dung, principal=em, school_year="2026-2027"
    )

    w.ids = {
        "an": an.id,
        "binh": binh.id,
        "subject": binh.id,
        "citizen_id": binh.id,
        "records": records,
        "request_id": pending.id,
        "artefact_id": live.id,
        "access_id": emergency.get_json()["id"],
        "code": share.get_json()["code"],
        "notification_id": db.session.scalar(
            sa.select(Notification.id).where(Notification.citizen_id == an.id).limit(1)
        ),
        "transcript_id": transcript.id,
        "school_id": school.id,
        "list_id": db.session.scalar(
            sa.select(StatusList.id).where(StatusList.school_id == school.id)
        ),
        "org_id": clinic.id,
        "agency_id": ward.id,
        "procedure": BUSINESS,
        "dossiers": dossiers,
        "draft_body": draft_body(binh.id, year="2026-2027", grade=7),
        "class_id": this_year.id,
        "enrolment_id": db.session.scalar(
            sa.select(Enrolment.id).where(Enrolment.class_id == this_year.id)
        ),
        "enrolment_body": {
            "national_id": binh.national_id,
            "full_name": binh.full_name,
            "birth_date": binh.birth_date.isoformat(),
        },
    }
    w.ids["me"] = {
        "subject": binh.id, "guardian": an.id, "stranger": hai.id,
        **dict.fromkeys(CLINICS, cuc.id), "teacher": dung.id, "principal": em.id,
        "teacher_other": teacher_other.id, "principal_other": principal_other.id,
        "officer": phuc.id, "officer_other": officer_other.id, "analyst": giang.id,
    }  # fmt: skip
    w.ids["credential"] = transcript.credential
    asked = client.post(
        "/api/v1/verifier/requests",
        json=_wallet_rules()["POST /api/v1/verifier/requests"].body(w, em.id),
        headers=w.headers["principal"],
    )
    assert asked.status_code == 201, asked.get_json()
    w.ids["presentation_id"] = asked.get_json()["id"]
    w.receipts = [d.receipt_code for d in dossiers.values() if d.agency_id == ward.id]
    w.secrets = [
        binh.full_name, binh.national_id, an.full_name, an.national_id, *w.receipts,
    ]  # fmt: skip
    w.ids["api_key"] = georeport.issue_key("Ma trận quyền")
    return w


def _dossier_for(route: str, w: World) -> Dossier:
    if "/rating" in route or "/documents/" in route:
        return w.ids["dossiers"][DossierStatus.RESULT_RETURNED]
    if "/supplements" in route:
        return w.ids["dossiers"][DossierStatus.SUPPLEMENT_REQUESTED]
    return w.ids["dossiers"][DossierStatus.FEE_REQUESTED]


def _path(route: str, w: World) -> str:
    """The rule with real ids in place of its converters."""
    _method, rule = route.split(" ", 1)
    dossier = _dossier_for(route, w) if "<uuid:dossier_id>" in rule else None
    category = next((c for c in HEALTH_CATEGORIES if f"/{c}/" in rule), None)
    values = {
        "<subject:subject>": w.ids["subject"],
        "<uuid:citizen_id>": w.ids["citizen_id"],
        "<uuid:record_id>": w.ids["records"].get(category or "", ""),
        "<uuid:request_id>": w.ids["request_id"],
        "<uuid:presentation_id>": w.ids["presentation_id"],
        "<uuid:artefact_id>": w.ids["artefact_id"],
        "<uuid:access_id>": w.ids["access_id"],
        "<string:code>": w.ids["code"] if "share-codes" in rule else w.ids["procedure"],
        "<uuid:notification_id>": w.ids["notification_id"],
        "<uuid:transcript_id>": w.ids["transcript_id"],
        "<uuid:school_id>": w.ids["school_id"],
        "<uuid:class_id>": w.ids["class_id"],
        "<uuid:enrolment_id>": w.ids["enrolment_id"],
        "<uuid:list_id>": w.ids["list_id"],
        "<uuid:org_id>": w.ids["org_id"],
        "<uuid:agency_id>": w.ids["agency_id"],
        "<uuid:dossier_id>": dossier.id if dossier else "",
        "<uuid:document_id>": dossier.documents[-1].id
        if dossier and dossier.documents
        else "",
        "<string:receipt_code>": w.ids["dossiers"][
            DossierStatus.FEE_REQUESTED
        ].receipt_code,
        WIRE: "json",
    }
    for converter, value in values.items():
        rule = rule.replace(converter, str(value))
    return rule


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Undo whatever one call writes, so every caller meets the same world."""
    savepoint = db.session.connection().begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        db.session.expire_all()


def _call(client, route: str, w: World, persona: str) -> Any:
    method, _rule = route.split(" ", 1)
    rule = MATRIX[route]
    path = _path(route, w)
    headers = w.headers[persona]
    if method == "GET":
        return client.get(path, headers=headers)
    body = rule.body(w, w.ids["me"].get(persona)) if rule.body else None
    if rule.files and "uploads" in path:
        image = io.BytesIO()
        Image.new("RGB", (8, 8), "white").save(image, "PNG")
        image.seek(0)
        return client.post(path, data={"file": (image, "scan.png")}, headers=headers)
    if rule.files:
        return client.post(path, data=body, headers=headers)
    return client.open(path, method=method, json=body, headers=headers)


def _verdict(route: str, persona: str, response: Any, w: World) -> str | None:
    """What is wrong with one cell, or ``None``."""
    rule = MATRIX[route]
    status = response.status_code
    if status >= 500:
        return f"{status} (server error)"
    text = response.get_data().decode("utf-8", "replace")
    leaked = [
        secret
        for secret in w.secrets
        if secret in text and not (rule.receipts_public and secret in w.receipts)
    ]
    if persona in rule.allowed:
        if status >= 400 and status not in rule.also_ok:
            return f"{status}, expected success: {text[:200]}"
        if leaked and rule.sees is not None and persona not in rule.sees:
            return f"sees another's data {leaked}: {text[:200]}"
        return None
    expected = {401} if persona == "anonymous" else {403, 404}
    if status not in expected:
        return f"{status}, expected {sorted(expected)}"
    if route.split(" ", 1)[1].startswith("/open311/v2/"):
        # Open311's own error shape (tests/service_requests/test_open311.py).
        errors = response.get_json(silent=True)
        if not errors or any(
            set(e) != {"code", "description"}
            or e["code"] != status
            or not e["description"]
            for e in errors
        ):
            return f"denial is not GeoReport's: {text[:200]}"
        return None
    try:
        assert_problem(response, status, None)
    except AssertionError as error:
        return f"denial is not a problem ({response.mimetype}): {error}"
    problem = json.loads(text)
    problem.pop("instance", None)  # the path the caller sent, echoed
    leaked = [
        secret
        for secret in w.secrets
        if secret in json.dumps(problem, ensure_ascii=False)
    ]
    if leaked or set(json.loads(text)) - PROBLEM_MEMBERS:
        return f"denial carries data: {text[:200]}"
    return None


PROBLEM_MEMBERS = {
    "type", "title", "status", "detail", "instance", "request_id", "errors", "reason",
    "current_status", "acr_values", "max_age",
}  # fmt: skip


@pytest.mark.slow  # every route as sixteen callers: some two thousand requests
def test_every_cell_of_the_matrix(app, client, world):
    failures = []
    for route in sorted(MATRIX):
        for persona in PERSONAS:
            # A fresh app context gives the call its own session (and savepoint).
            with rolled_back(), app.app_context():
                response = _call(client, route, world, persona)
                verdict = _verdict(route, persona, response, world)
            if verdict:
                failures.append(f"{route} as {persona}: {verdict}")
    assert failures == [], "\n" + "\n".join(failures)
