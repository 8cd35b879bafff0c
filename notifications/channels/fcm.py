"""Firebase Cloud Messaging, HTTP v1 API: Android phones, and iPhones through FCM's
APNs relay (the app registers an FCM token on either).

Authenticated as a Google service account (the OAuth 2.0 JWT bearer grant, RFC
7523): a short JWT signed with the account's private key is exchanged at its
``token_uri`` for an access token, kept until a minute before it expires. The
service account's JSON file is ``FCM_SERVICE_ACCOUNT_FILE``; ``FCM_API_URL``
points elsewhere than Google for tests.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from notifications.channels.base import Gone, Message, Rejected, Target, TryLater

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: FCM's error codes that mean the token is no longer an app's.
_GONE = {"UNREGISTERED", "SENDER_ID_MISMATCH"}


class FcmChannel:
    """Sends through FCM's HTTP v1 ``messages:send``."""

    name = "fcm"

    def __init__(self, service_account: dict[str, Any], api_url: str) -> None:
        self.project_id: str = service_account["project_id"]
        self.client_email: str = service_account["client_email"]
        self.token_uri: str = service_account["token_uri"]
        self._key = RSAKey.import_key(service_account["private_key"])
        self._kid = service_account.get("private_key_id")
        self.api_url = api_url.rstrip("/")
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str, api_url: str) -> FcmChannel:
        """The channel of the service account saved at ``path``."""
        return cls(json.loads(Path(path).read_text()), api_url)

    def send(self, target: Target, message: Message) -> str:
        body = {
            "message": {
                "token": target.address,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": {"priority": "high", "collapse_key": message.collapse_key},
                "apns": {"headers": {"apns-collapse-id": message.collapse_key[:64]}},
            }
        }
        url = f"{self.api_url}/v1/projects/{self.project_id}/messages:send"
        response = self._post(url, body)
        if response.status_code == 401:  # the access token was revoked early
            self._token = None
            response = self._post(url, body)
        if response.status_code == 200:
            return str(response.json().get("name", ""))
        raise _error(response)

    def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        try:
            return httpx.post(
                url,
                json=body,
                headers={"Authorization": f"Bearer {self._access_token()}"},
                timeout=_TIMEOUT,
            )
        except httpx.TransportError as error:
            raise TryLater(type(error).__name__) from error

    def _access_token(self) -> str:
        with self._lock:
            now = time.time()
            if self._token is not None and self._token[1] - 60 > now:
                return self._token[0]
            header = {"alg": "RS256", "typ": "JWT"}
            if self._kid:
                header["kid"] = self._kid
            assertion = jwt.encode(
                header,
                {
                    "iss": self.client_email,
                    "scope": SCOPE,
                    "aud": self.token_uri,
                    "iat": int(now),
                    "exp": int(now) + 3600,
                },
                self._key,
            )
            try:
                response = httpx.post(
                    self.token_uri,
                    data={
                        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                        "assertion": assertion,
                    },
                    timeout=_TIMEOUT,
                )
            except httpx.TransportError as error:
                raise TryLater(type(error).__name__) from error
            if response.status_code != 200:
                raise TryLater(f"token endpoint answered {response.status_code}")
            answer = response.json()
            self._token = (answer["access_token"], now + float(answer["expires_in"]))
            return self._token[0]


def _error(response: httpx.Response) -> Exception:
    """What an FCM error answer means for the delivery."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    codes = {error.get("status", "")} | {
        detail.get("errorCode", "") for detail in error.get("details", [])
    }
    if codes & _GONE or response.status_code == 404:
        return Gone("UNREGISTERED")
    if response.status_code in (429, 500, 502, 503, 504):
        retry_after = response.headers.get("Retry-After", "")
        return TryLater(
            f"FCM answered {response.status_code}",
            float(retry_after) if retry_after.isdigit() else None,
        )
    if "INVALID_ARGUMENT" in codes and response.status_code == 400:
        # FCM answers a malformed or foreign token so; our own messages are fixed.
        return Gone("INVALID_ARGUMENT")
    return Rejected(f"FCM answered {response.status_code}")
