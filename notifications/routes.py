"""HTTP API of the inbox: list my notifications (or my organisation's), mark one read."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app
from flask.views import MethodView

from app.auth import BEARER, auth_required, current_actor
from app.blueprint import Blueprint
from notifications import devices, inbox
from notifications.channels_config import web_push_public_key
from notifications.models import Device
from notifications.schemas import (
    DeviceInSchema,
    DevicePageSchema,
    DeviceSchema,
    MarkAllReadArgsSchema,
    MarkedReadSchema,
    NotificationPageSchema,
    NotificationQueryArgsSchema,
    NotificationSchema,
    PreferencesSchema,
    UnreadSchema,
    WebPushKeySchema,
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


@blp.route("/devices")
class Devices(MethodView):
    @auth_required
    @blp.response(200, DevicePageSchema)
    @blp.doc(security=BEARER)
    def get(self) -> dict[str, Any]:
        """List my devices that receive pushes.

        Most recently seen first, on one page (ten at most). Their tokens and
        subscriptions are never shown.
        """
        return {"items": devices.list_for(current_actor()), "next_cursor": None}

    @auth_required
    @blp.arguments(DeviceInSchema)
    @blp.response(201, DeviceSchema)
    @blp.alt_response(
        200, schema=DeviceSchema, description="Already registered: renewed"
    )
    @blp.doc(security=BEARER)
    def post(self, body: dict[str, Any]) -> tuple[Device, int]:
        """Register this phone or browser for pushes.

        A phone sends its FCM registration token (``android``, or ``ios`` through
        FCM's APNs relay); a browser its Web Push subscription, made with the key
        of ``GET /api/v1/devices/web-push-key``. The app registers at every start:
        a known token answers 200 and is renewed; one another citizen registered
        moves to me (a phone that changed hands). At most ten devices: the one seen
        longest ago makes room. Pushes say only that something happened, never
        whose data or what (the app shows the detail after login).
        """
        subscription = body.get("subscription")
        device, created = devices.register(
            current_actor(),
            platform=body["platform"],
            address=subscription["endpoint"] if subscription else body["token"],
            keys=dict(subscription["keys"]) if subscription else None,
            label=body.get("label"),
        )
        return device, 201 if created else 200


@blp.route("/devices/<uuid:device_id>")
class OneDevice(MethodView):
    @auth_required
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, device_id: uuid.UUID) -> None:
        """Stop pushes to one of my devices.

        The app calls it at logout; a citizen may also remove a lost phone from
        another device. Someone else's device is 404, as if it did not exist.
        """
        devices.remove(current_actor(), device_id)


@blp.route("/devices/web-push-key")
class WebPushKey(MethodView):
    @blp.response(200, WebPushKeySchema)
    def get(self) -> dict[str, str]:
        """Get the service's Web Push key (VAPID), for a browser to subscribe.

        Public: pass it as ``applicationServerKey`` to
        ``registration.pushManager.subscribe``.
        """
        return {"public_key": web_push_public_key(current_app)}


@blp.route("/notifications/preferences")
class NotificationPreferences(MethodView):
    @auth_required
    @blp.response(200, PreferencesSchema)
    @blp.doc(security=BEARER)
    def get(self) -> dict[str, Any]:
        """Get how I am told: pushes, texts, quiet hours and their language.

        Until I change them: pushes and texts on, no quiet hours, Vietnamese.
        """
        return devices.as_json(devices.preferences(current_actor()))

    @auth_required
    @blp.arguments(PreferencesSchema)
    @blp.response(200, PreferencesSchema)
    @blp.doc(security=BEARER)
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set how I am told.

        In quiet hours nothing is pushed or texted; what arrives then is sent
        when they end. Texts go to the phone number of the population register.
        """
        return devices.as_json(devices.set_preferences(current_actor(), **body))
