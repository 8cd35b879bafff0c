"""The ``claims`` request parameter (OIDC Core §5.5) and ``verified_claims``
(OpenID Connect for Identity Assurance 1.0).

A client may ask for single claims in the ID token or from userinfo, mark them
``essential``, and (when it is allowed to) ask for claims the provider verified
against the citizen's chip identity card in person (level 2), with the evidence of
that check. Only claims of the scopes the client is registered for count; the rest,
like claims this provider does not know, are ignored, as the specification says. A
parameter that is not the specified shape is ``invalid_request``.

Two members are requirements, not requests (OIDC Core §5.5.1): a ``sub`` with a
``value`` (no code for anyone else) and an essential ``acr`` with ``values`` (the
login must reach one of them, as with ``acr_values``).

The consent screen lists every claim asked for; essential ones cannot be left out
(the citizen may still cancel). Verified claims are consented as
``verified_claims.<name>``.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Final

from authlib.oauth2.rfc6749 import InvalidRequestError

from identity.models import Citizen
from identity.vneid.claims import CLAIM_LABELS, claim_values, claims_for_scope

VERIFIED_PREFIX: Final = "verified_claims."
#: The national rules the level-2 identity is checked under (our own name: no
#: public VNeID identifier exists; Decree 69/2024/NĐ-CP sets the levels).
TRUST_FRAMEWORK: Final = "vn_eid"
ASSURANCE_LEVEL: Final = "level_2"
EVIDENCE_TYPE: Final = "document"
DOCUMENT_TYPE: Final = "idcard"
#: IDA predefined check methods: the chip's signature checked, fingerprints
#: matched in person, the card validated in person at the police office.
CHECK_METHODS: Final = ("vcrypt", "bvp", "vpip")
#: What may be asked as verified: the identity the in-person check established.
VERIFIABLE_CLAIMS: Final = ("name", "birthdate", "gender", "national_id")
_PURPOSE_LENGTH = range(3, 301)


@dataclass(frozen=True)
class ClaimsRequest:
    """What the ``claims`` parameter asked for, reduced to claims this provider has."""

    userinfo: tuple[str, ...] = ()
    id_token: tuple[str, ...] = ()
    verified_userinfo: tuple[str, ...] = ()
    verified_id_token: tuple[str, ...] = ()
    essential: frozenset[str] = field(default_factory=frozenset)
    #: The ``sub`` the client requires, if it named one.
    subject: str | None = None
    #: The levels an essential ``acr`` must be one of; empty when not asked.
    acr_values: tuple[str, ...] = ()

    @property
    def consent_names(self) -> list[str]:
        """Every name the citizen is asked to release, as consents store them."""
        plain = [*self.userinfo, *self.id_token]
        verified = [
            f"{VERIFIED_PREFIX}{name}"
            for name in (*self.verified_userinfo, *self.verified_id_token)
        ]
        return list(dict.fromkeys([*plain, *verified]))


def _check_spec(name: str, spec: Any) -> bool:
    """Whether one claim's request is essential; refuses a malformed one."""
    if spec is None:
        return False
    if not isinstance(spec, dict):
        raise InvalidRequestError(
            f"The request for claim '{name}' must be null or an object."
        )
    essential = spec.get("essential", False)
    if not isinstance(essential, bool):
        raise InvalidRequestError(
            f"'essential' of claim '{name}' must be true or false."
        )
    purpose = spec.get("purpose")
    if purpose is not None and (
        not isinstance(purpose, str) or len(purpose) not in _PURPOSE_LENGTH
    ):
        raise InvalidRequestError(
            f"'purpose' of claim '{name}' must be 3 to 300 characters."
        )
    return essential


def _plain(
    member: dict[str, Any], essential: set[str], allowed: Collection[str]
) -> list[str]:
    names = []
    for name, spec in member.items():
        if name == "verified_claims":
            continue
        if _check_spec(name, spec) and name in allowed:
            essential.add(name)
        if name in allowed:
            names.append(name)
    return names


def _verified(
    member: dict[str, Any], essential: set[str], allowed: Collection[str]
) -> list[str]:
    request = member.get("verified_claims")
    if request is None:
        return []
    requests = request if isinstance(request, list) else [request]
    names: list[str] = []
    for one in requests:
        if not isinstance(one, dict) or not isinstance(one.get("verification"), dict):
            raise InvalidRequestError(
                "'verified_claims' needs a 'verification' object."
            )
        claims = one.get("claims")
        if not isinstance(claims, dict) or not claims:
            raise InvalidRequestError(
                "'verified_claims' needs a non-empty 'claims' object."
            )
        for name, spec in claims.items():
            usable = name in VERIFIABLE_CLAIMS and name in allowed
            if _check_spec(name, spec) and usable:
                essential.add(f"{VERIFIED_PREFIX}{name}")
            if usable:
                names.append(name)
    return names


def _required_subject(members: dict[str, dict[str, Any]]) -> str | None:
    """The ``sub`` value the ID token or userinfo request requires, if any."""
    found = None
    for member in members.values():
        spec = member.get("sub")
        if isinstance(spec, dict) and "value" in spec:
            value = spec["value"]
            if not isinstance(value, str) or (found is not None and value != found):
                raise InvalidRequestError("'sub' values must be one string.")
            found = value
    return found


def _essential_acr(member: dict[str, Any]) -> tuple[str, ...]:
    spec = member.get("acr")
    if not isinstance(spec, dict) or spec.get("essential") is not True:
        return ()
    values = spec.get("values", [spec["value"]] if "value" in spec else [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidRequestError("'acr' values must be strings.")
    return tuple(values)


def parse(
    raw: str | None, allowed: Collection[str], *, may_verify: bool
) -> ClaimsRequest:
    """Read the ``claims`` parameter of an authorization request.

    :param allowed: the claims of the scopes the client is registered for.
    :param may_verify: whether the client may ask for ``verified_claims``.
    :raise InvalidRequestError: not JSON, or not the shape OIDC Core §5.5 gives it.
    """
    if raw is None or raw == "":
        return ClaimsRequest()
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise InvalidRequestError("The 'claims' parameter is not JSON.") from error
    if not isinstance(document, dict):
        raise InvalidRequestError("The 'claims' parameter must be a JSON object.")
    essential: set[str] = set()
    members = {}
    for target in ("userinfo", "id_token"):
        member = document.get(target, {})
        if not isinstance(member, dict):
            raise InvalidRequestError(f"'claims.{target}' must be an object.")
        members[target] = member
    # A client not allowed verified claims is not asked about them at all (its
    # request is still checked for shape), so no consent to them is ever stored.
    verifiable = allowed if may_verify else ()
    verified_userinfo = _verified(members["userinfo"], essential, verifiable)
    verified_id_token = _verified(members["id_token"], essential, verifiable)
    return ClaimsRequest(
        userinfo=tuple(_plain(members["userinfo"], essential, allowed)),
        id_token=tuple(_plain(members["id_token"], essential, allowed)),
        verified_userinfo=tuple(verified_userinfo),
        verified_id_token=tuple(verified_id_token),
        essential=frozenset(essential),
        subject=_required_subject(members),
        acr_values=_essential_acr(members["id_token"]),
    )


def to_release(scope: str, asked: ClaimsRequest) -> tuple[list[str], list[str]]:
    """What a request asks the citizen to release: for userinfo (its scope's
    claims and the ``claims`` parameter's), and everything to consent to."""
    for_userinfo = list(dict.fromkeys([*claims_for_scope(scope), *asked.userinfo]))
    return for_userinfo, list(dict.fromkeys([*for_userinfo, *asked.consent_names]))


def for_client(raw: str | None, client: Any) -> ClaimsRequest:
    """:func:`parse` within what ``client`` is registered for."""
    return parse(
        raw,
        claims_for_scope(client.scope),
        may_verify=client.verified_claims_allowed,
    )


def released(
    asked: ClaimsRequest, consented: list[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """What goes into the ID token and to userinfo, of what the citizen consented to.

    Verified claims are asked only by clients allowed them (:func:`parse`) and
    given only for a citizen verified in person (:func:`verified_claims`).
    """

    def plain(names: tuple[str, ...]) -> list[str]:
        return [name for name in names if name in consented]

    def verified(names: tuple[str, ...]) -> list[str]:
        return [name for name in names if f"{VERIFIED_PREFIX}{name}" in consented]

    id_token = {
        "claims": plain(asked.id_token),
        "verified_claims": verified(asked.verified_id_token),
    }
    userinfo = {"verified_claims": verified(asked.verified_userinfo)}
    return id_token, userinfo


def verified_claims(citizen: Citizen, names: list[str]) -> dict[str, Any] | None:
    """The ``verified_claims`` object for ``names``, if the citizen is verified."""
    if citizen.loa < 2 or not names:
        return None
    return {
        "verification": {
            "trust_framework": TRUST_FRAMEWORK,
            "assurance_level": ASSURANCE_LEVEL,
            "evidence": [
                {
                    "type": EVIDENCE_TYPE,
                    "check_details": [
                        {"check_method": method} for method in CHECK_METHODS
                    ],
                    "document_details": {
                        "type": DOCUMENT_TYPE,
                        "issuer": {
                            "name": "Bộ Công an",
                            "country_code": "VNM",
                        },
                    },
                }
            ],
        },
        "claims": claim_values(citizen, names),
    }


def known(name: str) -> bool:
    """Whether ``name`` is a claim (or a verified claim) this provider releases."""
    return name.removeprefix(VERIFIED_PREFIX) in CLAIM_LABELS


def label(name: str, index: int) -> str:
    """How the consent screen names a claim (index 0 Vietnamese, 1 English)."""
    if name.startswith(VERIFIED_PREFIX):
        base = CLAIM_LABELS[name.removeprefix(VERIFIED_PREFIX)][index]
        return f"{base} ({'đã xác thực với CCCD' if index == 0 else 'verified against the CCCD'})"
    return CLAIM_LABELS[name][index]
