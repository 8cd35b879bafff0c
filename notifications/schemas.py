"""The inbox as the API shows it."""

from __future__ import annotations

from datetime import time
from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from app.date_fields import DateTime
from app.fields import Boolean, Code, QueryFlag, Text, WholeNumber
from app.pagination import PageArgsSchema
from notifications.channels.webpush import is_push_service, valid_keys
from notifications.inbox import render_text

PLATFORMS = ("android", "ios", "web")
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


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


class WebPushKeysSchema(ma.Schema):
    """The browser's subscription keys (base64url)."""

    p256dh = Code(
        required=True,
        validate=validate.Length(min=20, max=200),
        metadata={"description": "The browser's P-256 public key (base64url)."},
    )
    auth = Code(
        required=True,
        validate=validate.Length(min=8, max=100),
        metadata={"description": "The browser's authentication secret (base64url)."},
    )


class WebPushSubscriptionSchema(ma.Schema):
    """A browser's ``PushSubscription`` (``subscription.toJSON()``)."""

    endpoint = Code(
        required=True,
        validate=validate.Length(max=2048),
        metadata={"description": "The push service's URL for this browser (https)."},
    )
    keys = fields.Nested(WebPushKeysSchema, required=True)

    @ma.validates_schema
    def _usable_keys(self, data: dict[str, Any], **_: Any) -> None:
        keys = data.get("keys") or {}
        if keys and not valid_keys(keys["p256dh"], keys["auth"]):
            raise ma.ValidationError(
                "Not a P-256 public key and a 16-byte secret.", "keys"
            )

    expirationTime = WholeNumber(  # noqa: N815 - the browser's name for it
        load_default=None,
        allow_none=True,
        metadata={
            "description": "When the subscription ends (ms since 1970), or null."
        },
    )


class DeviceInSchema(ma.Schema):
    """A phone (its FCM registration token) or a browser (its push subscription)."""

    platform = Code(
        required=True,
        validate=validate.OneOf(PLATFORMS),
        metadata={"description": "`android` or `ios` (FCM token) or `web` (Web Push)."},
    )
    token = Code(
        validate=validate.Length(min=20, max=2048),
        metadata={"description": "The FCM registration token (android, ios)."},
    )
    subscription = fields.Nested(WebPushSubscriptionSchema)
    label = Text(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "How the citizen names it ('Pixel 8')."},
    )

    @ma.validates_schema
    def _one_address(self, data: dict[str, Any], **_: Any) -> None:
        web = data.get("platform") == "web"
        if web and "subscription" not in data:
            raise ma.ValidationError(
                "A browser needs its subscription.", "subscription"
            )
        if not web and "token" not in data:
            raise ma.ValidationError("A phone needs its FCM token.", "token")
        if web and "token" in data:
            raise ma.ValidationError(
                "A browser sends a subscription, not a token.", "token"
            )
        if not web and "subscription" in data:
            raise ma.ValidationError(
                "A phone sends a token, not a subscription.", "subscription"
            )
        if web and not is_push_service(
            data["subscription"]["endpoint"],
            current_app.config["WEBPUSH_ALLOWED_HOSTS"],
            insecure=current_app.testing,
        ):
            # The service POSTs to this URL: only the browsers' push services.
            raise ma.ValidationError(
                {"endpoint": ["Not a push service this server sends to."]},
                "subscription",
            )


class DeviceSchema(ma.Schema):
    """A registered device (its token or subscription is never shown again)."""

    id = fields.UUID()
    platform = fields.String(metadata={"description": "`android`, `ios` or `web`."})
    label = fields.String(
        allow_none=True, metadata={"description": "How the citizen named it."}
    )
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(
        metadata={"description": "When the app last registered it (UTC)."}
    )


class DevicePageSchema(ma.Schema):
    """My devices (ten at most: one page, as every list is shaped)."""

    items = fields.List(fields.Nested(DeviceSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class WebPushKeySchema(ma.Schema):
    """The service's VAPID public key, for ``pushManager.subscribe``."""

    public_key = fields.String(
        required=True,
        metadata={
            "description": "applicationServerKey: the uncompressed P-256 "
            "point, base64url without padding."
        },
    )


class QuietHoursSchema(ma.Schema):
    """Local time (Asia/Ho_Chi_Minh) when nothing is sent; may span midnight."""

    start = Code(
        required=True,
        validate=validate.Regexp(CLOCK_TIME, error="A time of day as HH:MM."),
        metadata={"description": "When they begin (HH:MM).", "example": "22:00"},
    )
    end = Code(
        required=True,
        validate=validate.Regexp(CLOCK_TIME, error="A time of day as HH:MM."),
        metadata={"description": "When they end (HH:MM).", "example": "06:30"},
    )

    @ma.validates_schema
    def _a_span(self, data: dict[str, str], **_: Any) -> None:
        if data.get("start") is not None and data.get("start") == data.get("end"):
            raise ma.ValidationError(
                "Quiet hours end at another time than they start.", "end"
            )

    @ma.post_load
    def _times(self, data: dict[str, str], **_: Any) -> dict[str, time]:
        return {key: time.fromisoformat(value) for key, value in data.items()}

    @ma.post_dump
    def _clock(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {key: value[:5] for key, value in data.items()}


class PreferencesSchema(ma.Schema):
    """How I want to be told."""

    push = Boolean(required=True, metadata={"description": "Pushes to my devices."})
    sms = Boolean(
        required=True,
        metadata={
            "description": "Texts to my phone number: when I have no device, and for "
            "what must not be missed (a consent request, an emergency access, a "
            "dossier that needs me or has its result)."
        },
    )
    quiet_hours = fields.Nested(
        QuietHoursSchema,
        required=True,
        allow_none=True,
        metadata={"description": "When nothing is sent (null: never quiet)."},
    )
    language = Code(
        required=True,
        validate=validate.OneOf(("vi", "en")),
        metadata={"description": "The language of pushes and texts."},
    )
