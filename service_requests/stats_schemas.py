"""Request and response bodies of the one-stop shop's statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import Code, Uuid, WholeNumber
from service_requests.stats_dashboard import INTERVALS

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
    interval = Code(
        load_default="month",
        validate=validate.OneOf(INTERVALS),
        metadata={
            "description": "Points of ``series``: day, week (from Monday) or month"
        },
    )

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


class StatusCountSchema(ma.Schema):
    """How many dossiers of the period are in one status, named."""

    code = WholeNumber(metadata={"description": "1–10, the national status list"})
    name = fields.String()
    name_en = fields.String()
    dossiers = WholeNumber(allow_none=True)


class AgencyFiguresSchema(ma.Schema):
    """One agency's figures over the period."""

    agency_id = fields.UUID()
    name = fields.String()
    name_en = fields.String()
    dossiers = WholeNumber(allow_none=True)
    finished = WholeNumber(allow_none=True)
    overdue_open = WholeNumber(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)


class SeriesPointSchema(ma.Schema):
    """Dossiers filed in one day, week or month."""

    start = fields.Date(metadata={"description": "First day of the point's interval"})
    dossiers = WholeNumber(allow_none=True)


class ActivitySchema(ma.Schema):
    """Consent and transcript activity of the whole province (null per agency)."""

    requests = WholeNumber(
        allow_none=True, metadata={"description": "Consent requests made"}
    )
    approvals = WholeNumber(
        allow_none=True, metadata={"description": "Consents granted"}
    )
    revocations = WholeNumber(
        allow_none=True, metadata={"description": "Consents revoked"}
    )
    emergency_accesses = WholeNumber(
        allow_none=True, metadata={"description": "Emergency accesses opened"}
    )
    transcripts_issued = WholeNumber(
        allow_none=True,
        metadata={"description": "Transcripts published, corrections included"},
    )


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
    interval = fields.String(metadata={"description": "day, week or month"})
    dossiers = WholeNumber(allow_none=True)
    by_status = fields.Dict(
        keys=fields.String(),
        values=WholeNumber(allow_none=True),
        metadata={"description": "1–10"},
    )
    statuses = fields.List(
        fields.Nested(StatusCountSchema),
        metadata={"description": "``by_status`` with the statuses' national names"},
    )
    by_procedure = fields.List(fields.Nested(ProcedureCountSchema))
    by_agency = fields.List(
        fields.Nested(AgencyFiguresSchema),
        metadata={"description": "Each agency's figures over the period"},
    )
    series = fields.List(
        fields.Nested(SeriesPointSchema),
        metadata={"description": "Dossiers filed per ``interval`` over the period"},
    )
    activity = fields.Nested(ActivitySchema)
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
