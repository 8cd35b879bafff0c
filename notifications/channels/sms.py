"""SMS through a Vietnamese brandname gateway's HTTP API.

Brandname ("SMS thương hiệu") gateways take one JSON POST per message. The shape
this adapter speaks, modelled on the common one of Vietnam's gateways (eSMS,
VNPT and Viettel resellers):

``POST {SMS_GATEWAY_URL}`` with ``Content-Type: application/json``::

    {
        "ApiKey": "…",
        "SecretKey": "…",
        "Brandname": "CONGDAN",
        "SmsType": "2",  # customer care: sent at any hour, no advertising
        "Phone": "0912345678",
        "Content": "…",
        "IsUnicode": "0",
        "RequestId": "…",
    }  # the gateway drops a request id it has already taken

answered ``200`` with ``{"CodeResult": "100", "SMSID": "…"}`` when taken, or
another ``CodeResult`` with ``ErrorMessage``: ``99`` (the gateway's own failure:
try later), ``101`` (wrong keys), ``104`` (brandname not registered), ``118``
(wrong SMS type), ``145`` (phone number invalid) and other refusals.

``RequestId`` is what makes a retried delivery harmless: a worker killed after the
gateway took a message but before it recorded so sends the same id again, and
the gateway does not send a second SMS. Customer-care texts go without
diacritics (``IsUnicode`` 0), as Vietnamese carriers bill and deliver best:
one 160-character segment instead of 70.
"""

from __future__ import annotations

import unicodedata

import httpx2 as httpx

from notifications.channels.base import Gone, Message, Rejected, Target, TryLater

_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ACCEPTED = "100"
#: The gateway's own trouble: the message may go later.
_TRY_LATER = {"99"}
#: The number cannot receive texts: as a device that is gone.
_NO_SUCH_NUMBER = {"145"}
SEGMENT = 160


def without_diacritics(text: str) -> str:
    """Vietnamese as customer-care SMS writes it: ``Hồ sơ đã có kết quả`` →
    ``Ho so da co ket qua`` (đ/Đ become d/D, which Unicode does not decompose)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


class SmsGatewayChannel:
    """Sends a text through the brandname gateway."""

    name = "sms"

    def __init__(self, url: str, api_key: str, secret_key: str, brandname: str) -> None:
        self.url = url
        self.api_key = api_key
        self.secret_key = secret_key
        self.brandname = brandname

    def send(self, target: Target, message: Message) -> str:
        content = without_diacritics(f"{message.title}. {message.body}")[:SEGMENT]
        try:
            response = httpx.post(
                self.url,
                json={
                    "ApiKey": self.api_key,
                    "SecretKey": self.secret_key,
                    "Brandname": self.brandname,
                    "SmsType": "2",
                    "Phone": target.address,
                    "Content": content,
                    "IsUnicode": "0",
                    "RequestId": message.reference,
                },
                timeout=_TIMEOUT,
            )
        except httpx.TransportError as error:
            raise TryLater(type(error).__name__) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise TryLater(f"gateway answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise TryLater("gateway answered no JSON") from None
        code = str(answer.get("CodeResult", ""))
        if code == ACCEPTED:
            return str(answer.get("SMSID", ""))
        if code in _TRY_LATER:
            raise TryLater(f"gateway code {code}")
        if code in _NO_SUCH_NUMBER:
            raise Gone(f"gateway code {code}")
        raise Rejected(f"gateway code {code}")
