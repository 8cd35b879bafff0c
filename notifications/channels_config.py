"""The delivery channels this deployment has, built once from its configuration.

FCM needs ``FCM_SERVICE_ACCOUNT_FILE``; SMS needs ``SMS_GATEWAY_URL`` (and its keys);
Web Push needs only the service's VAPID key, generated at first run. A channel
that is not configured is skipped (and counted), never an error.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask
from py_vapid import Vapid02

from notifications.channels.base import Channel
from notifications.channels.fcm import FcmChannel
from notifications.channels.sms import SmsGatewayChannel
from notifications.channels.webpush import WebPushChannel

_CHANNELS = "congdan.notification_channels"


def channel(app: Flask, name: str) -> Channel | None:
    """The channel ``name`` (``fcm``, ``webpush``, ``sms``), or None if not configured."""
    channels: dict[str, Channel] | None = app.extensions.get(_CHANNELS)
    if channels is None:
        channels = _build(app)
        app.extensions[_CHANNELS] = channels
    return channels.get(name)


def _build(app: Flask) -> dict[str, Channel]:
    config = app.config
    channels: dict[str, Channel] = {
        "webpush": WebPushChannel(
            vapid_key(app),
            config["WEBPUSH_CONTACT"],
            config["WEBPUSH_ALLOWED_HOSTS"],
            insecure=app.testing,
        )
    }
    if config.get("FCM_SERVICE_ACCOUNT_FILE"):
        channels["fcm"] = FcmChannel.from_file(
            config["FCM_SERVICE_ACCOUNT_FILE"], config["FCM_API_URL"]
        )
    if config.get("SMS_GATEWAY_URL"):
        channels["sms"] = SmsGatewayChannel(
            config["SMS_GATEWAY_URL"],
            config["SMS_GATEWAY_API_KEY"],
            config["SMS_GATEWAY_SECRET_KEY"],
            config["SMS_BRANDNAME"],
        )
    return channels


def vapid_key(app: Flask) -> Vapid02:
    """The service's VAPID key pair, generated into ``WEBPUSH_VAPID_KEY_FILE`` (mode
    0600) the first time it is needed."""
    path = Path(app.config["WEBPUSH_VAPID_KEY_FILE"])
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Vapid02()
        fresh.generate_keys()
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(fresh.private_pem())
    return Vapid02.from_file(str(path))


def web_push_public_key(app: Flask) -> str:
    """The VAPID public key as browsers take it: the uncompressed point, base64url."""
    point = vapid_key(app).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
