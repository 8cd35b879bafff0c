"""What the provider says about a citizen: scopes, claims, the pairwise ``sub``."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Final

from app.crypto import derive_key
from identity.models import Citizen

#: Scope -> the claims it asks for. ``openid`` alone releases only ``sub``.
SCOPE_CLAIMS: Final[dict[str, tuple[str, ...]]] = {
    "profile": ("name", "birthdate", "gender"),
    "phone": ("phone_number",),
    "address": ("address",),
    "national_id": ("national_id",),
}
SCOPES_SUPPORTED: Final = ("openid", *SCOPE_CLAIMS)
CLAIMS_SUPPORTED: Final = (
    "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid",
    *(claim for claims in SCOPE_CLAIMS.values() for claim in claims),
)  # fmt: skip

#: How the consent screen names each claim: (Vietnamese, English).
CLAIM_LABELS: Final[dict[str, tuple[str, str]]] = {
    "name": ("Họ và tên", "Full name"),
    "birthdate": ("Ngày sinh", "Date of birth"),
    "gender": ("Giới tính", "Sex"),
    "phone_number": ("Số điện thoại", "Phone number"),
    "address": ("Nơi cư trú", "Address"),
    "national_id": ("Số định danh cá nhân", "Personal identification number"),
}

LOA1: Final = "urn:vneid:loa:1"
LOA2: Final = "urn:vneid:loa:2"
ACR_VALUES: Final = (LOA1, LOA2)


def claims_for_scope(scope: str) -> list[str]:
    """The claims ``scope`` asks for, in a stable order."""
    requested = scope.split()
    return [
        claim
        for name, claims in SCOPE_CLAIMS.items()
        if name in requested
        for claim in claims
    ]


def pairwise_subject(client_id: str, citizen: Citizen) -> str:
    """A ``sub`` unique to this citizen at this client, unlinkable across clients."""
    mac = hmac.new(
        derive_key("vneid-pairwise-sub"),
        f"{client_id}:{citizen.id}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def claim_values(citizen: Citizen, claims: list[str]) -> dict[str, Any]:
    """The values of ``claims`` for ``citizen`` (absent values are left out)."""
    values: dict[str, Any] = {
        "name": citizen.full_name,
        "birthdate": citizen.birth_date.isoformat(),
        "gender": citizen.sex.value,
        "phone_number": citizen.phone,
        "address": {"formatted": citizen.address, "country": "VN"},
        "national_id": citizen.national_id,
    }
    return {claim: values[claim] for claim in claims if values.get(claim) is not None}


def acr_for(citizen: Citizen, amr: list[str]) -> str:
    """Level 2 needs an account verified in person *and* a second factor."""
    return LOA2 if citizen.loa == 2 and "otp" in amr else LOA1


def can_reach(citizen: Citizen, acr: str, has_second_factor: bool) -> bool:
    """Whether the account could ever authenticate at ``acr``."""
    return acr == LOA1 or (citizen.loa == 2 and has_second_factor)
