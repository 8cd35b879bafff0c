"""Every route that hands a citizen's data to someone else goes through consent.

Issue 11 asks that no route can read a subject's data beside the one enforcement
point. This walks the whole URL map (the authorization matrix's routes and world)
as every caller who is neither the subject nor her guardian. Whenever an answer
carries the subject's data, the call must have left an access event for her —
which only ``consent.policies`` writes — so a route that reads her data without
asking the policy fails here, whatever the route is. The few routes where the
caller is the author or custodian of what it gets back are declared below, each
with its reason; a new route is not among them unless someone adds it.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from consent.models import AccessEvent
from identity.models import Citizen
from tests.test_authorization_matrix import (  # noqa: F401 - the world fixture
    HEALTH_CATEGORIES,
    MATRIX,
    PERSONAS,
    World,
    _call,
    rolled_back,
    world,
)

#: Callers who are neither the subject herself nor a guardian acting for her.
OTHERS = tuple(p for p in PERSONAS if p not in ("anonymous", "subject", "guardian"))
#: Text that appears in an answer only if it carries the health book's records.
RECORD_MARKERS = ("Penicillin", "Viêm họng cấp", "Paracetamol 250 mg", "Sởi - Quai bị")

_BOOK = "/api/v1/citizens/<subject:subject>/health-book"
_SCHOOL = ("teacher", "principal")
#: (route, callers) -> why the answer is not a read of someone else's data.
AUTHOR_OR_CUSTODIAN: dict[tuple[str, tuple[str, ...]], str] = {
    **{
        (f"POST {_BOOK}/{category}{suffix}", ("clinic",) if suffix else ()): (
            "a clinic gets back the record it has just written"
        )
        for category in HEALTH_CATEGORIES
        for suffix in ("", "/<uuid:record_id>/corrections")
    },
    ("GET /api/v1/schools/<uuid:school_id>/transcripts", _SCHOOL): (
        "the issuing school's own register of the transcripts it wrote"
    ),
    ("POST /api/v1/schools/<uuid:school_id>/transcripts", _SCHOOL): (
        "the school gets back the draft it has just written"
    ),
    ("GET /api/v1/transcripts/<uuid:transcript_id>", _SCHOOL): (
        "staff of the issuing school read the transcript they wrote and sign"
    ),
    ("POST /api/v1/transcripts/<uuid:transcript_id>/corrections", _SCHOOL): (
        "the issuing school corrects its own transcript"
    ),
    ("POST /api/v1/transcripts/<uuid:transcript_id>/revoke", _SCHOOL): (
        "the issuing school revokes its own transcript"
    ),
    ("POST /api/v1/transcripts/<uuid:transcript_id>/suspend", _SCHOOL): (
        "the issuing school suspends its own transcript"
    ),
    (
        "GET /api/v1/schools/<uuid:school_id>/classes/<uuid:class_id>/enrolments",
        _SCHOOL,
    ): ("the school's own register of the pupils it enrolled"),
    (
        "POST /api/v1/schools/<uuid:school_id>/classes/<uuid:class_id>/enrolments",
        _SCHOOL,
    ): (
        "the school gets back the pupil whose national id, name and birth date it gave"
    ),
    (
        "POST /api/v1/schools/<uuid:school_id>/enrolments/<uuid:enrolment_id>/withdraw",
        _SCHOOL,
    ): ("the school withdraws a pupil from its own register"),
    ("GET /openapi.json", ()): (
        "the API's description, a file of the repository read by no query: its "
        "examples are the demo's synthetic records, recorded with every person made "
        "anonymous (tools/record_openapi_examples.py; the authorization matrix "
        "checks no name or national id is in it)"
    ),
    ("POST /api/v1/transcripts/verify", tuple(OTHERS)): (
        "the verifier shows what the presented credential itself says; it reads "
        "no record of the pupil's"
    ),
}


def _declared(route: str, persona: str) -> bool:
    for (declared, callers), _reason in AUTHOR_OR_CUSTODIAN.items():
        if declared == route and (not callers or persona in callers):
            return True
    return False


def _markers(w: World) -> list[str]:
    people = [db.session.get(Citizen, w.ids[key]) for key in ("binh", "an")]
    names = [p.full_name for p in people]
    return [*names, *(p.national_id for p in people), *RECORD_MARKERS]


def _events(w: World) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AccessEvent)
        .where(AccessEvent.subject_id.in_([w.ids["binh"], w.ids["an"]]))
    )


@pytest.mark.slow  # every route as every caller, tracing the policy
def test_no_route_hands_over_a_subjects_data_without_the_policy(app, client, world):  # noqa: F811
    markers = _markers(world)
    unlogged = []
    for route in sorted(MATRIX):
        for persona in OTHERS:
            if _declared(route, persona):
                continue
            with rolled_back(), app.app_context():
                before = _events(world)
                response = _call(client, route, world, persona)
                text = response.get_data().decode("utf-8", "replace")
                carried = [m for m in markers if m in text]
                if response.status_code < 300 and carried and _events(world) == before:
                    unlogged.append(f"{route} as {persona}: {carried}")
    assert unlogged == [], "\n" + "\n".join(unlogged)


def test_every_declared_exception_is_a_real_route():
    assert {route for route, _ in AUTHOR_OR_CUSTODIAN} <= set(MATRIX)
