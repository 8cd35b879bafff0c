"""Local stand-ins for the providers a notification leaves through, on a real port
(for the tests, `make cluster` and `make soak`).

* FCM's HTTP v1 API and Google's OAuth token endpoint: the service account's JWT
  is checked against its public key, the access token on every send;
* a browser's push service: the VAPID signature is checked against the key the
  server publishes, and the payload decrypted with the subscription's private key
  (RFC 8291), so a test reads what the phone would show;
* a brandname SMS gateway speaking the shape ``notifications.channels.sms``
  documents, which drops a ``RequestId`` it has already taken.

Each records what it accepted; tests script failures per address.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

PROJECT = "congdan-test"
SMS_KEYS = ("test-api-key", "test-secret-key")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: its keys, and the pushes it decrypted."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    received: list[dict[str, Any]] = field(default_factory=list)

    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": _b64(public), "auth": _b64(self.auth_secret)},
        }


@dataclass
class Providers:
    """The fakes' shared state; ``url`` is where they listen."""

    url: str = ""
    service_account_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(65537, 2048)
    )
    #: The VAPID public key the server publishes (set by the test), base64url.
    vapid_public_key: str = ""
    access_tokens: set[str] = field(default_factory=set)
    fcm_messages: list[dict[str, Any]] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)
    browsers: dict[str, Browser] = field(default_factory=dict)
    #: Addresses (FCM token, browser id, phone) the provider says are gone.
    gone: set[str] = field(default_factory=set)
    #: How many more times an address gets "busy, try later".
    busy: Counter[str] = field(default_factory=Counter)
    #: SMS gateway codes to answer, in turn, before accepting.
    sms_codes: list[str] = field(default_factory=list)
    #: SMS requests held this many seconds before the gateway answers.
    sms_delay: float = 0.0
    seen_request_ids: set[str] = field(default_factory=set)
    #: Every arrival per RequestId, repeats included (a retried send is seen here).
    sms_arrivals: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def service_account(self) -> dict[str, Any]:
        """A service account JSON file's content, as Google's console gives it."""
        pem = self.service_account_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "test-key-1",
            "private_key": pem,
            "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
            "token_uri": f"{self.url}/token",
        }

    def new_browser(self) -> Browser:
        """A browser that subscribed at this push service."""
        number = next(self._ids)
        browser = Browser(
            f"{self.url}/push/{number}",
            ec.generate_private_key(ec.SECP256R1()),
            bytes(range(16)),
        )
        self.browsers[str(number)] = browser
        return browser

    def texts_to(self, phone: str) -> list[str]:
        return [text["Content"] for text in self.texts if text["Phone"] == phone]


class _Handler(BaseHTTPRequestHandler):
    providers: Providers

    def log_message(self, *_: Any) -> None:
        """Quiet."""

    def _answer(
        self, status: int, body: dict[str, Any] | list[Any] | None = None
    ) -> None:
        raw = json.dumps(body or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/token":
            self._token(body)
        elif self.path.startswith(f"/v1/projects/{PROJECT}/messages:send"):
            self._fcm(body)
        elif self.path.startswith("/push/"):
            self._push(self.path.removeprefix("/push/"), body)
        elif self.path == "/sms":
            self._sms(body)
        else:
            self._answer(404)

    def _token(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        public = RSAKey.import_key(
            self.providers.service_account_key.public_key().public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        )
        try:
            claims = jwt.decode(form["assertion"], public).claims
        except Exception:
            self._answer(400, {"error": "invalid_grant"})
            return
        if (
            form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer"
            or claims.get("aud") != f"{self.providers.url}/token"
            or "firebase.messaging" not in claims.get("scope", "")
            or claims["exp"] < time.time()
        ):
            self._answer(400, {"error": "invalid_grant"})
            return
        token = f"ya29.fake-{next(self.providers._ids)}"
        self.providers.access_tokens.add(token)
        self._answer(
            200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    def _fcm(self, body: bytes) -> None:
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.providers.access_tokens:
            self._answer(401, {"error": {"status": "UNAUTHENTICATED"}})
            return
        message = json.loads(body)["message"]
        token = message["token"]
        with self.providers.lock:
            if token in self.providers.gone:
                self._answer(
                    404,
                    {
                        "error": {
                            "status": "NOT_FOUND",
                            "details": [
                                {
                                    "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                    "errorCode": "UNREGISTERED",
                                }
                            ],
                        }
                    },
                )
                return
            if self.providers.busy[token] > 0:
                self.providers.busy[token] -= 1
                self._answer(503, {"error": {"status": "UNAVAILABLE"}})
                return
            self.providers.fcm_messages.append(message)
        self._answer(
            200, {"name": f"projects/{PROJECT}/messages/{next(self.providers._ids)}"}
        )

    def _push(self, number: str, body: bytes) -> None:
        browser = self.providers.browsers.get(number)
        if browser is None or number in self.providers.gone:
            self._answer(410)
            return
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        parts = dict(part.strip().split("=", 1) for part in credentials.split(","))
        if scheme != "vapid" or parts.get("k") != self.providers.vapid_public_key:
            self._answer(403)
            return
        point = _unb64(parts["k"])
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        claims = jwt.decode(
            parts["t"],
            ECKey.import_key(
                key.public_bytes(
                    serialization.Encoding.PEM,
                    serialization.PublicFormat.SubjectPublicKeyInfo,
                )
            ),
        ).claims
        if claims.get("aud") != self.providers.url or claims["exp"] < time.time():
            self._answer(403)
            return
        if self.headers.get("Content-Encoding") != "aes128gcm":
            self._answer(400)
            return
        plain = http_ece.decrypt(
            body,
            private_key=browser.private_key,
            auth_secret=browser.auth_secret,
            version="aes128gcm",
        )
        browser.received.append(
            {"payload": json.loads(plain), "topic": self.headers.get("Topic")}
        )
        self.send_response(201)
        self.send_header("Location", f"{self.providers.url}/push/message/{number}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _sms(self, body: bytes) -> None:
        request = json.loads(body)
        if (request.get("ApiKey"), request.get("SecretKey")) != SMS_KEYS:
            self._answer(200, {"CodeResult": "101", "ErrorMessage": "Wrong keys"})
            return
        with self.providers.lock:
            self.providers.sms_arrivals[str(request.get("RequestId"))] += 1
        if self.providers.sms_delay:
            time.sleep(self.providers.sms_delay)
        with self.providers.lock:
            if self.providers.sms_codes:
                code = self.providers.sms_codes.pop(0)
                self._answer(200, {"CodeResult": code, "ErrorMessage": "scripted"})
                return
            if request["Phone"] in self.providers.gone:
                self._answer(
                    200, {"CodeResult": "145", "ErrorMessage": "Invalid phone"}
                )
                return
            if request["RequestId"] not in self.providers.seen_request_ids:
                self.providers.seen_request_ids.add(request["RequestId"])
                self.providers.texts.append(request)
        self._answer(200, {"CodeResult": "100", "SMSID": request["RequestId"]})


class FakeProviders:
    """The fakes, serving on a free loopback port until ``close``."""

    def __init__(self) -> None:
        self.state = Providers()
        handler = type("Handler", (_Handler,), {"providers": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.state.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
