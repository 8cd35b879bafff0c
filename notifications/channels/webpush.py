"""Web Push (RFC 8030) with VAPID (RFC 8292), through pywebpush: the payload is
encrypted to the browser's subscription keys (RFC 8291, aes128gcm), so the push
service relays what it cannot read.

The VAPID key pair is the service's own (``WEBPUSH_VAPID_KEY_FILE``, generated
into ``instance/`` at first run); browsers subscribe with its public half, which
``GET /api/v1/devices/web-push-key`` serves.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import pywebpush
import requests
import urllib3
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from notifications.channels.base import Gone, Message, Rejected, Target, TryLater

#: How long a push service keeps a message for a browser that is offline.
TTL_SECONDS = 24 * 3600
#: What an endpoint may be made of: URL characters, no backslash, space or control
#: character (parsers disagree on those: urlsplit keeps "\\" in the host, urllib3
#: ends the host there).
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9._~:/?#\[\]!$&'()*+,;=%-]+$")


def is_push_service(
    endpoint: str, allowed: Iterable[str], *, insecure: bool = False
) -> bool:
    """Whether ``endpoint`` is an https URL on the default port of an allowed push
    service host (an entry, or a ``.suffix`` entry), read alike by every parser.

    :param insecure: tests' local fakes: http and any port allowed.
    """
    if not _URL_CHARACTERS.match(endpoint):
        return False
    parts = urlsplit(endpoint)
    try:
        port = parts.port
        other = urllib3.util.parse_url(endpoint)
    except (ValueError, urllib3.exceptions.LocationParseError):
        return False
    host = (parts.hostname or "").lower()
    if (
        not host
        or "@" in parts.netloc
        or host.endswith(".")
        or (other.host or "").lower() != host
        or parts.scheme not in (("https", "http") if insecure else ("https",))
        or (not insecure and port not in (None, 443))
    ):
        return False
    return any(
        host == entry or (entry.startswith(".") and host.endswith(entry))
        for entry in allowed
    )


def valid_keys(p256dh: str, auth: str) -> bool:
    """Whether a subscription's keys are a P-256 point and a 16-byte secret."""
    try:
        point = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return len(secret) == 16


class _NoRedirects(requests.Session):
    """A push service answers; it never sends the server elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.max_redirects = 0


class WebPushChannel:
    """Sends to a browser's push subscription."""

    name = "webpush"

    def __init__(
        self,
        vapid: Vapid02,
        contact: str,
        allowed: Iterable[str],
        *,
        insecure: bool = False,
    ) -> None:
        self.vapid = vapid
        self.contact = contact
        self.allowed = tuple(allowed)
        self.insecure = insecure

    def send(self, target: Target, message: Message) -> str:
        # Checked again here: a subscription kept from before a rule changed.
        if not is_push_service(target.address, self.allowed, insecure=self.insecure):
            raise Gone("not an allowed push service")
        payload = json.dumps(
            {"title": message.title, "body": message.body, "data": message.data},
            ensure_ascii=False,
        )
        endpoint = urlsplit(target.address)
        session = _NoRedirects()
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
                requests_session=session,
            )
        except pywebpush.WebPushException as error:
            raise _error(error) from None
        except requests.TooManyRedirects:
            raise Rejected("the push service redirected") from None
        except ValueError:  # keys that encrypt to nothing: the subscription is useless
            raise Gone("unusable subscription keys") from None
        except requests.RequestException as error:  # connection errors and timeouts
            raise TryLater(type(error).__name__) from error
        finally:
            session.close()
        return str(getattr(response, "headers", {}).get("Location", ""))


def _error(error: pywebpush.WebPushException) -> Exception:
    status = error.response.status_code if error.response is not None else 0
    if status in (404, 410):
        return Gone(f"push service answered {status}")
    if status == 429 or status >= 500 or status == 0:
        return TryLater(f"push service answered {status}")
    return Rejected(f"push service answered {status}")
