"""Who handles a dossier, and who reads the one-stop shop's statistics.

A dossier is its applicant's and its agency's officers'; to anyone else it does not
exist. Reads of data a citizen attached to a dossier go through
:mod:`consent.policies` (basis ``dossier``).
"""

from __future__ import annotations

import uuid

from app.auth import Actor
from app.errors import Forbidden
from identity.models import OrganisationKind, Role
from identity.policies import has_membership
from service_requests.models import Dossier
from service_requests.workflow import Party

OFFICERS = frozenset({Role.OFFICER})
ANALYSTS = frozenset({Role.ANALYST})


def is_officer_of(actor: Actor, agency_id: uuid.UUID) -> bool:
    """Whether ``actor`` acts for the agency as one of its officers."""
    return has_membership(
        actor, roles=OFFICERS, org_kind=OrganisationKind.AGENCY, org_id=agency_id
    )


def require_officer(actor: Actor, agency_id: uuid.UUID) -> None:
    """403 unless the caller is an officer of the agency, acting for it."""
    if not is_officer_of(actor, agency_id):
        raise Forbidden()


def party_of(actor: Actor, dossier: Dossier) -> Party | None:
    """The caller's part in the dossier: its applicant, a handling officer, or none."""
    if actor.org_id is None and dossier.applicant_id == actor.citizen_id:
        return Party.APPLICANT
    if is_officer_of(actor, dossier.agency_id):
        return Party.OFFICER
    return None


def can_read_stats(actor: Actor, agency_id: uuid.UUID | None) -> bool:
    """Analysts of the operations centre; an agency's officers, for its own figures."""
    if actor.role == Role.OFFICER:
        return agency_id is not None and is_officer_of(actor, agency_id)
    return has_membership(
        actor, roles=ANALYSTS, org_kind=OrganisationKind.OPERATIONS_CENTRE
    )
