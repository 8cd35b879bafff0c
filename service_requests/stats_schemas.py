"""Request and response bodies of the one-stop shop's statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import Uuid, WholeNumber

PERIOD_ERROR = "The period must not end before it starts."
#: Bounds of the statistics period: wide enough for any dossier, narrow enough that
#: widening to whole months never leaves the calendar.
FIRST_STATS_DAY, LAST_STATS_DAY = date(2000, 1, 1), date(2099, 12, 31)
STATS_DATE_ERROR = "Give a date from 2000-01-01 to 2099-12-31."


class StatsArgsSchema(ma.Schema):
    """The period (dates of submission, in Vietnam) and the agency."""

    date_from = fields.Date(
        data_key="from",
        load_default=None,
        validate=validate.Range(
            FIRST_STATS_DAY, LAST_STATS_DAY, error=STATS_DATE_ERROR
        ),
        metadata={"description": "Widened to the first day of its month"},
    )
    date_to = fields.Date(
        data_key="to",
        load_default=None,
        validate=validate.Range(
            FIRST_STATS_DAY, LAST_STATS_DAY, error=STATS_DATE_ERROR
        ),
        metadata={"description": "Widened to the last day of its month"},
    )
    agency_id = Uuid(load_default=None)

    @ma.validates_schema
    def _ordered(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (
            data["date_from"]
            and data["date_to"]
            and data["date_from"] > data["date_to"]
        ):
            raise ma.ValidationError(PERIOD_ERROR, field_name="to")


class ProcedureCountSchema(ma.Schema):
    """How many dossiers one procedure received in the period."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    dossiers = WholeNumber(allow_none=True)


class PeriodSchema(ma.Schema):
    """The days the figures cover."""

    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)


class StatsSchema(ma.Schema):
    """Aggregates only: counts, rates and averages; never a person or a dossier.

    Each month is published once it has closed, as it stood at its close, and
    never changes afterwards; ``published_to`` is the last day covered. A figure
    about fewer than ``min_cell`` people is ``null`` and listed in ``suppressed``; a
    figure over several agencies or months that leaves out a hidden part is listed
    in ``partial``.
    """

    period = fields.Nested(PeriodSchema)
    published_to = fields.Date(
        metadata={
            "description": "Last day of the last closed month: the figures stop "
            "there, and every figure is null if the period starts after it"
        }
    )
    agency_id = fields.UUID(allow_none=True)
    min_cell = WholeNumber()
    dossiers = WholeNumber(allow_none=True)
    by_status = fields.Dict(
        keys=fields.String(),
        values=WholeNumber(allow_none=True),
        metadata={"description": "1–10"},
    )
    by_procedure = fields.List(fields.Nested(ProcedureCountSchema))
    finished = WholeNumber(allow_none=True)
    on_time = WholeNumber(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)
    overdue_open = WholeNumber(allow_none=True)
    average_processing_working_days = fields.Float(allow_none=True)
    reused_digitised_data_share = fields.Float(allow_none=True)
    fully_online_share = fields.Float(allow_none=True)
    ratings = WholeNumber(allow_none=True)
    average_scores = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True), allow_none=True
    )
    suppressed = fields.List(
        fields.String(), metadata={"description": "Paths of the hidden figures"}
    )
    # Named apart: ``partial`` is a Schema attribute of its own.
    partial_figures = fields.List(
        fields.String(),
        data_key="partial",
        attribute="partial",
        metadata={"description": "Paths of figures that leave hidden parts out"},
    )
