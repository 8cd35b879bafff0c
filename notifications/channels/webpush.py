"""Web Push (RFC 8030) with VAPID (RFC 8292), through pywebpush: the payload is
encrypted to the browser's subscription keys (RFC 8291, aes128gcm), so the push
service relays what it cannot read.

The VAPID key pair is the service's own (``WEBPUSH_VAPID_KEY_FILE``, generated
into ``instance/`` at first run); browsers subscribe with its public half, which
``GET /api/v1/devices/web-push-key`` serves.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pywebpush
from py_vapid import Vapid02

from notifications.channels.base import Gone, Message, Rejected, Target, TryLater

#: How long a push service keeps a message for a browser that is offline.
TTL_SECONDS = 24 * 3600


class WebPushChannel:
    """Sends to a browser's push subscription."""

    name = "webpush"

    def __init__(self, vapid: Vapid02, contact: str) -> None:
        self.vapid = vapid
        self.contact = contact

    def send(self, target: Target, message: Message) -> str:
        payload = json.dumps(
            {"title": message.title, "body": message.body, "data": message.data},
            ensure_ascii=False,
        )
        endpoint = urlsplit(target.address)
        try:
            response = pywebpush.webpush(
                subscription_info={"endpoint": target.address, "keys": target.keys},
                data=payload,
                vapid_private_key=self.vapid,
                vapid_claims={
                    "sub": self.contact,
                    "aud": f"{endpoint.scheme}://{endpoint.netloc}",
                },
                ttl=TTL_SECONDS,
                headers={"Topic": message.collapse_key[:32], "Urgency": "high"},
                timeout=10,
            )
        except pywebpush.WebPushException as error:
            raise _error(error) from None
        except Exception as error:  # requests' connection errors and timeouts
            raise TryLater(type(error).__name__) from error
        return str(getattr(response, "headers", {}).get("Location", ""))


def _error(error: pywebpush.WebPushException) -> Exception:
    status = error.response.status_code if error.response is not None else 0
    if status in (404, 410):
        return Gone(f"push service answered {status}")
    if status == 429 or status >= 500 or status == 0:
        return TryLater(f"push service answered {status}")
    return Rejected(f"push service answered {status}")
