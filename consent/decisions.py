"""What a consent decision is: its effect, what it rests on, and the rows it shows.

A :class:`Decision` is what :mod:`consent.policies` returns for one read; a
:class:`RecordScope` turns it into the SQL conditions every query of a citizen's
records goes through. Nothing here reads the database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from consent.models import Basis, ConsentArtefact

#: The dates a read asks for (an open bound asks nothing).
Period = tuple[date | None, date | None]


class Effect(enum.StrEnum):
    PERMIT = "permit"
    DENY = "deny"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Decision:
    """The outcome of one policy check, with what it rests on."""

    effect: Effect
    basis: Basis = Basis.NONE
    artefact: ConsentArtefact | None = None
    reason: str | None = None
    retry_after: int | None = None

    @property
    def allowed(self) -> bool:
        """True when the read may go ahead."""
        return self.effect == Effect.PERMIT

    @property
    def data_period(self) -> tuple[date, date] | None:
        """The dates the caller may see (``None``: all of them)."""
        if self.artefact is None:
            return None
        return self.artefact.data_from, self.artefact.data_to

    @property
    def include_sensitive(self) -> bool:
        """Whether sensitive records (HIV, mental health…) may be shown.

        The citizen, a guardian and an emergency team see them; an artefact only
        if it names them; data handed over in a dossier never includes them.
        """
        if self.artefact is not None:
            return self.artefact.include_sensitive
        return self.basis in (Basis.SELF, Basis.GUARDIAN, Basis.EMERGENCY)

    @property
    def sees_hidden(self) -> bool:
        """Whether records the citizen hid may be shown (to them and a guardian only)."""
        return self.basis in (Basis.SELF, Basis.GUARDIAN)


NOT_APPLICABLE = Decision(Effect.NOT_APPLICABLE)


@dataclass(frozen=True)
class RecordScope:
    """Which rows of one category a permitted read shows: the decision, per record.

    Every record shown to anyone — a page, a count, a summary, an export, every
    version of a history — is selected through :meth:`where`, so a version the
    decision excludes (outside the data period, sensitive, hidden) is filtered in
    the query and can surface nowhere. A model takes part by having the columns it
    needs: ``record_date`` (always), ``hidden_at`` and ``sensitive`` (if it has them).
    """

    decision: Decision
    date_from: date | None = None
    date_to: date | None = None

    def where(self, model: Any) -> list[sa.ColumnElement[bool]]:
        """The SQL conditions a row of ``model`` must meet to be shown."""
        conditions: list[sa.ColumnElement[bool]] = []
        if not self.decision.sees_hidden and hasattr(model, "hidden_at"):
            conditions.append(model.hidden_at.is_(None))
        if not self.decision.include_sensitive and hasattr(model, "sensitive"):
            conditions.append(model.sensitive.is_(False))
        if self.date_from is not None:
            conditions.append(model.record_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(model.record_date <= self.date_to)
        return conditions


def scope_of(
    decision: Decision, date_from: date | None = None, date_to: date | None = None
) -> RecordScope:
    """The rows a permit shows: the dates asked, narrowed to the artefact's period."""
    period = decision.data_period
    start = max(filter(None, (date_from, period[0] if period else None)), default=None)
    end = min(filter(None, (date_to, period[1] if period else None)), default=None)
    return RecordScope(decision, start, end)


def combine(decisions: Iterable[Decision]) -> Decision:
    """Deny wins over any permit; with neither, deny (no basis)."""
    permit: Decision | None = None
    for decision in decisions:
        if decision.effect == Effect.DENY:
            return decision
        if decision.effect == Effect.PERMIT and permit is None:
            permit = decision
    return permit or Decision(Effect.DENY, reason="no-basis")
