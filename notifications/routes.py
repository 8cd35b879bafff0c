"""HTTP API of the inbox: list my notifications (or my organisation's), mark one read."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from notifications import inbox
from notifications.schemas import (
    MarkAllReadArgsSchema,
    MarkedReadSchema,
    NotificationPageSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
    UnreadSchema,
)

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1",
    description="Notifications: what happened to my data and my requests.",
)


@blp.route("/notifications")
class Notifications(MethodView):
    @auth_required
    @blp.arguments(NotificationQueryArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any]) -> inbox.InboxPage:
        """List my notifications (my organisation's when acting for one).

        A citizen's token reads their own inbox, which also gets the notices about
        their children under 14; a token acting for an organisation reads the
        organisation's inbox, shared by all its staff. ``unread=true`` keeps only
        unread ones; ``unread`` in the answer counts the whole inbox. ``text`` is in
        the request's language (``Accept-Language``: Vietnamese by default, or
        English). Newest first, paged with ``cursor``/``limit``.
        """
        return inbox.page_for(current_actor(), unread_only=args.pop("unread"), **args)


@blp.route("/notifications/unread")
class UnreadNotifications(MethodView):
    @auth_required
    @blp.response(200, UnreadSchema)
    @blp.doc(security=BEARER)
    def get(self) -> dict[str, int]:
        """Count my unread notifications (my organisation's when acting for one).

        For the app's badge: one number, nothing else read.
        """
        return {"unread": inbox.unread_count(current_actor())}


@blp.route("/notifications/read")
class ReadAllNotifications(MethodView):
    @auth_required
    @blp.arguments(MarkAllReadArgsSchema, location="query")
    @blp.response(200, MarkedReadSchema)
    @blp.doc(security=BEARER)
    def post(self, args: dict[str, Any]) -> dict[str, int]:
        """Mark all my notifications read (my organisation's when acting for one).

        With ``up_to`` (the creation time of the newest one the app showed), only
        those created up to then: a notification that arrived meanwhile stays
        unread. Already read ones keep their ``read_at``. Answers how many it
        marked and how many are still unread.
        """
        actor = current_actor()
        marked = inbox.mark_all_read(actor, args["up_to"])
        return {"marked": marked, "unread": inbox.unread_count(actor)}


@blp.route("/notifications/<uuid:notification_id>/read")
class ReadNotification(MethodView):
    @auth_required
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def post(self, notification_id: uuid.UUID) -> Any:
        """Mark a notification read.

        Only a notification in the caller's inbox (the organisation's when acting for
        one); any other id is 404. Marking it again keeps the first ``read_at``. An
        organisation's notification is marked read for all its staff at once.
        """
        return inbox.mark_read(current_actor(), notification_id)
