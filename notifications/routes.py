"""HTTP API of the inbox: list my notifications (or my organisation's), mark one read."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from notifications import inbox
from notifications.schemas import (
    NotificationPageSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
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
        """List my notifications (my organisation's when acting for one)."""
        return inbox.page_for(current_actor(), unread_only=args.pop("unread"), **args)


@blp.route("/notifications/<uuid:notification_id>/read")
class ReadNotification(MethodView):
    @auth_required
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(security=BEARER)
    def post(self, notification_id: uuid.UUID) -> Any:
        """Mark a notification read."""
        return inbox.mark_read(current_actor(), notification_id)
