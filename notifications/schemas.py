"""The inbox as the API shows it."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from app.date_fields import DateTime
from app.fields import QueryFlag, WholeNumber
from app.pagination import PageArgsSchema
from notifications.inbox import render_text


class NotificationSchema(ma.Schema):
    """A notification, its text in the reader's language."""

    id = fields.UUID()
    kind = fields.String()
    text = fields.Function(render_text, metadata={"type": "string"})
    data = fields.Dict()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(ma.Schema):
    """A page of notifications with the inbox's unread count."""

    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
    unread = WholeNumber(required=True)


class UnreadSchema(ma.Schema):
    """How many notifications of the inbox are unread (the app's badge)."""

    unread = WholeNumber(required=True)


class MarkedReadSchema(ma.Schema):
    """What marking the inbox read did."""

    marked = WholeNumber(
        required=True, metadata={"description": "How many it marked read."}
    )
    unread = WholeNumber(
        required=True, metadata={"description": "How many are still unread."}
    )


class MarkAllReadArgsSchema(ma.Schema):
    """Up to which notification, if only those the app has shown."""

    up_to = DateTime(
        load_default=None,
        metadata={
            "description": "Only those created at or before this instant (the "
            "newest one the app showed): one that arrived since stays unread."
        },
    )


class NotificationQueryArgsSchema(PageArgsSchema):
    """Only unread ones, if asked."""

    unread = QueryFlag(load_default=False)
