"""The applicant's rating of a returned dossier on the nine indices, once."""

from __future__ import annotations

import uuid
from typing import Any, Final

from app.auth import Actor
from app.errors import Conflict, Forbidden
from app.extensions import db
from service_requests.dossiers import get_for
from service_requests.models import DossierRating, DossierStatus
from service_requests.workflow import Party

#: The nine indices of Decree 61/2018 (as amended by Decree 107/2021), each 0–2:
#: 2 very satisfied, 1 satisfied, 0 not satisfied.
RATING_INDICES: Final = (
    "total_time",
    "agency_time",
    "contacts",
    "agencies_contacted",
    "one_stop",
    "publicity",
    "staff_attitude",
    "convenience",
    "overall",
)


class RatingRefused(Conflict):
    slug = "dossier-rating-refused"


def rate(actor: Actor, dossier_id: uuid.UUID, data: dict[str, Any]) -> DossierRating:
    """The applicant rates a returned dossier, once."""
    dossier, party = get_for(actor, dossier_id, lock=True)
    if party != Party.APPLICANT:
        raise Forbidden()
    if dossier.status != DossierStatus.RESULT_RETURNED or dossier.rating is not None:
        raise RatingRefused(
            extra={
                "current_status": int(dossier.status),
                "rated": dossier.rating is not None,
            }
        )
    rating = DossierRating(scores=dict(data["scores"]), comment=data.get("comment"))
    dossier.rating = rating
    db.session.flush()
    return rating
