"""Who may move a dossier from which status to which: the national transition table.

Pure: the table of ``reference/records_services.md`` (C2) as data. Anything not
in it is a 409 for the caller; a move in it made by the wrong party is a 403.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from service_requests.models import DossierStatus as S


class Party(enum.StrEnum):
    OFFICER = "officer"  # an officer of the handling agency, acting for it
    APPLICANT = "applicant"  # the citizen who filed the dossier


@dataclass(frozen=True)
class Move:
    """One allowed transition: its name in the history, and what it needs."""

    action: str
    party: Party
    needs_reason: bool = False


#: (from, to) -> the move. The fee payment (6 -> 4) arrives as a payment, not here.
TRANSITIONS: Final[dict[tuple[S, S], Move]] = {
    (S.SUBMITTED, S.RECEIVED): Move("receive", Party.OFFICER),
    (S.SUBMITTED, S.NOT_RECEIVED): Move("refuse", Party.OFFICER, needs_reason=True),
    (S.SUBMITTED, S.SUPPLEMENT_REQUESTED): Move(
        "request_supplement", Party.OFFICER, needs_reason=True
    ),
    (S.RECEIVED, S.PROCESSING): Move("start_processing", Party.OFFICER),
    (S.RECEIVED, S.SUPPLEMENT_REQUESTED): Move(
        "request_supplement", Party.OFFICER, needs_reason=True
    ),
    (S.PROCESSING, S.SUPPLEMENT_REQUESTED): Move(
        "request_supplement", Party.OFFICER, needs_reason=True
    ),
    (S.SUPPLEMENT_REQUESTED, S.RECEIVED): Move("accept_supplement", Party.OFFICER),
    (S.SUPPLEMENT_REQUESTED, S.PROCESSING): Move("accept_supplement", Party.OFFICER),
    (S.SUPPLEMENT_REQUESTED, S.STOPPED): Move("stop", Party.OFFICER, needs_reason=True),
    (S.PROCESSING, S.FEE_REQUESTED): Move("request_fee", Party.OFFICER),
    (S.PROCESSING, S.STOPPED): Move("stop", Party.OFFICER, needs_reason=True),
    (S.PROCESSING, S.PROCESSED): Move("complete", Party.OFFICER),
    (S.PROCESSED, S.RESULT_RETURNED): Move("return_result", Party.OFFICER),
    **{
        (source, S.WITHDRAWN): Move("withdraw", Party.APPLICANT)
        for source in (
            S.SUBMITTED,
            S.RECEIVED,
            S.PROCESSING,
            S.SUPPLEMENT_REQUESTED,
            S.FEE_REQUESTED,
        )
    },
}

#: Statuses an apology letter with a new date may be sent in: any not final.
APOLOGY_STATUSES: Final = frozenset(
    {
        S.SUBMITTED,
        S.RECEIVED,
        S.PROCESSING,
        S.SUPPLEMENT_REQUESTED,
        S.FEE_REQUESTED,
        S.PROCESSED,
    }
)


def move(source: S, target: S) -> Move | None:
    """The move from ``source`` to ``target``, if the table has one."""
    return TRANSITIONS.get((source, target))


def next_statuses(source: S, party: Party) -> list[int]:
    """Where ``party`` may take a dossier in ``source`` (for problem bodies and UIs)."""
    return sorted(
        int(target)
        for (start, target), allowed in TRANSITIONS.items()
        if start == source and allowed.party == party
    )
