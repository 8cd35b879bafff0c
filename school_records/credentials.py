"""Transcripts as W3C Verifiable Credentials 2.0 secured as JWT (``vc+jwt``).

Each school signs with its own ES256 key (:mod:`school_records.keys`) and
publishes its JWKS at ``/api/v1/schools/{id}/jwks``; the school's URL there is the
credential's ``issuer``. The homeroom teacher signs first, with their own key, over
the canonical ``credentialSubject``; that signature travels inside the credential as
``homeroomProof``, which the school's signature then covers. Revocation and
suspension are bits in the school's two Bitstring Status Lists (16 KB each,
gzip + base64url, themselves signed credentials).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import time
import uuid
import zlib
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from joserfc import jws, jwt

from app.db import utcnow
from app.extensions import db
from identity.models import Citizen
from school_records import keys
from school_records.claims import VC_CONTEXT
from school_records.keys import ALGORITHM, signing_key
from school_records.models import (
    STATUS_LIST_BITS,
    StatusList,
    StatusPurpose,
    Transcript,
)

STATUS_TTL_MS = 300_000
#: The largest decoded status list a verifier accepts (a gzip bomb stops here).
MAX_STATUS_LIST_BYTES = 1 << 20


def canonical(value: Any) -> bytes:
    """Deterministic JSON (sorted keys, no spaces, UTF-8): what signatures cover."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def issuer_id(school_id: uuid.UUID) -> str:
    """The school's URL in this API: its identifier as an issuer before did:web
    (credentials issued then still name it), and its JWKS's base."""
    return f"{current_app.config['BASE_URL']}/api/v1/schools/{school_id}"


def did_web(path: str) -> str:
    """The ``did:web`` identifier of ``path`` on this service (did:web 1.0: the
    host, its port encoded as ``%3A``, then the path's segments after colons);
    its DID document is served at that path plus ``/did.json``."""
    base = urlsplit(current_app.config["BASE_URL"])
    segments = [*base.path.split("/"), *path.split("/")]
    return ":".join(
        ["did:web", base.netloc.replace(":", "%3A"), *filter(None, segments)]
    )


def issuer_did(school_id: uuid.UUID) -> str:
    """The school's identifier as an issuer: ``did:web:host:api:v1:schools:<id>``,
    which generic verifiers resolve to the school's DID document and keys."""
    return did_web(f"/api/v1/schools/{school_id}")


def key_reference(issuer: str, kid: str) -> str:
    """The DID URL of the issuer's key ``kid``: what a JOSE header's ``kid`` and a
    proof's ``verificationMethod`` name."""
    return f"{issuer}#{kid}"


def status_list_url(list_id: uuid.UUID) -> str:
    """Where a status list credential is published."""
    return f"{current_app.config['BASE_URL']}/api/v1/status-lists/{list_id}"


def credential_subject(transcript: Transcript) -> dict[str, Any]:
    """What the credential says about the pupil and the school year."""
    return {
        "id": f"urn:uuid:{transcript.pupil_id}",
        "type": "HocBaSo",
        "name": transcript.pupil.full_name,
        "birthDate": transcript.pupil.birth_date.isoformat(),
        "schoolYear": transcript.school_year,
        "grade": transcript.grade,
        "className": transcript.class_name,
        "regulation": transcript.regulation,
        **transcript.content,
    }


def homeroom_proof(transcript: Transcript, teacher_id: uuid.UUID) -> str:
    """The homeroom teacher's signature over the canonical subject (compact JWS)."""
    row, key = signing_key(transcript.school_id, teacher_id)
    header = {"alg": ALGORITHM, "kid": row.kid, "typ": "hocba-homeroom+jws"}
    return jws.serialize_compact(header, canonical(credential_subject(transcript)), key)


def status_lists(school_id: uuid.UUID) -> dict[StatusPurpose, StatusList]:
    """The school's revocation and suspension lists, created on first use."""
    lists = {
        s.purpose: s
        for s in db.session.scalars(
            sa.select(StatusList).where(StatusList.school_id == school_id)
        )
    }
    for purpose in StatusPurpose:
        if purpose not in lists:
            lists[purpose] = StatusList(
                school_id=school_id, purpose=purpose, bits=bytes(STATUS_LIST_BITS // 8)
            )
            db.session.add(lists[purpose])
    db.session.flush()
    return lists


def build_credential(transcript: Transcript, teacher_name: str) -> dict[str, Any]:
    """The credential of a transcript being published.

    Both signers are named in it (the school's signature covers them) so that a
    verifier can show who signed, and when, next to the grades.
    """
    principal = (
        db.session.get(Citizen, transcript.principal_id)
        if transcript.principal_id
        else None
    )
    issuer = issuer_did(transcript.school_id)
    lists = status_lists(transcript.school_id)
    index = str(transcript.status_list_index)
    # The key that made the homeroom signature, not whichever the teacher has now.
    teacher_key = (
        jws.extract_compact(transcript.homeroom_proof.encode()).headers().get("kid")
        if transcript.homeroom_proof
        else None
    )
    return {
        "@context": [VC_CONTEXT, f"{current_app.config['BASE_URL']}/contexts/hocba/v1"],
        "id": f"urn:uuid:{transcript.id}",
        "type": ["VerifiableCredential", "HocBaSoCredential"],
        "issuer": {
            "id": issuer,
            "name": transcript.school.name,
            "code": transcript.school.code,
        },
        "validFrom": utcnow().isoformat(),
        "credentialSubject": credential_subject(transcript),
        "credentialStatus": [
            {
                "id": f"{status_list_url(lists[purpose].id)}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose.value,
                "statusListIndex": index,
                "statusListCredential": status_list_url(lists[purpose].id),
            }
            for purpose in StatusPurpose
        ],
        "homeroomProof": {
            "type": "JsonWebSignature",
            "proofPurpose": "assertionMethod",
            # The teacher's key is the school's JWKS's, not its DID document's:
            # only keys that may issue are there.
            "verificationMethod": f"{issuer_id(transcript.school_id)}/jwks#{teacher_key}",
            "signer": teacher_name,
            "created": transcript.homeroom_signed_at.isoformat()
            if transcript.homeroom_signed_at
            else None,
            "jws": transcript.homeroom_proof,
        },
        "principalSignature": {
            "signer": principal.full_name if principal else None,
            "created": transcript.published_at.isoformat()
            if transcript.published_at
            else None,
        },
    }


def sign_credential(school_id: uuid.UUID, credential: dict[str, Any]) -> str:
    """Secure a credential as a JWT with the school's key, stamped ``iat``, its
    ``kid`` the key's DID URL and ``iss`` the school's DID (what generic JWT
    verifiers resolve).

    ``iat`` is taken once the key is held, so it is earlier than any retirement of
    that key (see :func:`school_records.keys.rotate`).
    """
    row, key = signing_key(school_id)
    issuer = issuer_did(school_id)
    header = {
        "alg": ALGORITHM,
        "kid": key_reference(issuer, row.kid),
        "typ": "vc+jwt",
        "cty": "vc",
    }
    payload = {**credential, "iss": issuer, "iat": int(utcnow().timestamp())}
    return jwt.encode(header, payload, key)


def encode_bits(bits: bytes) -> str:
    """``encodedList``: multibase (``u``) base64url of the gzip-compressed bits."""
    return (
        "u"
        + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode()
    )


def decode_bits(encoded: str) -> bytes:
    """Inverse of :func:`encode_bits`.

    :raise ValueError: not base64url of gzip, or more than
        :data:`MAX_STATUS_LIST_BYTES` once decompressed.
    """
    raw = encoded[1:] if encoded.startswith("u") else encoded
    try:
        compressed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        inflater = zlib.decompressobj(wbits=31)  # gzip framing
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES + 1)
    except (zlib.error, ValueError) as error:
        raise ValueError("not a gzip-compressed, base64url-encoded list") from error
    if len(bits) > MAX_STATUS_LIST_BYTES or not inflater.eof:
        raise ValueError("the status list is larger than any this service accepts")
    return bits


def _require_index(bits: bytes, index: int) -> None:
    # Python would read bits[-1] for index -1: the last bit, not an error.
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"index {index} is outside the list of {len(bits) * 8} bits")


def bit_at(bits: bytes, index: int) -> bool:
    """Bit ``index``, counting from the most significant bit of the first byte.

    :raise ValueError: ``index`` is not within the list.
    """
    _require_index(bits, index)
    return bool(bits[index // 8] >> (7 - index % 8) & 1)


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    """``bits`` with bit ``index`` set to ``value``."""
    _require_index(bits, index)
    data = bytearray(bits)
    mask = 1 << (7 - index % 8)
    data[index // 8] = (
        (data[index // 8] | mask) if value else (data[index // 8] & ~mask)
    )
    return bytes(data)


#: How long a signed status list is served again while neither its bits nor the
#: school's key changed (its ``validFrom`` ages by at most this; verifiers cache it
#: for ``STATUS_TTL_MS`` anyway).
REUSE_SIGNED_LIST_SECONDS = 60
_signed_lists: dict[tuple[uuid.UUID, str, bytes], tuple[float, str]] = {}


def status_list_credential(status_list: StatusList) -> str:
    """The list as a signed BitstringStatusListCredential (VC-JWT).

    Signing costs more than the rest of the request, so what was signed is served
    again for :data:`REUSE_SIGNED_LIST_SECONDS` as long as the list's bits and the
    school's active key are the ones it was signed with.
    """
    active = keys.current_school_key(status_list.school_id)
    reuse = (
        (status_list.id, active.kid, hashlib.sha256(status_list.bits).digest())
        if active is not None
        else None
    )
    cached = _signed_lists.get(reuse) if reuse is not None else None
    if cached is not None and time.monotonic() - cached[0] < REUSE_SIGNED_LIST_SECONDS:
        return cached[1]
    signed = _sign_status_list(status_list)
    if reuse is not None:
        if len(_signed_lists) >= 1024:
            _signed_lists.clear()
        _signed_lists[reuse] = (time.monotonic(), signed)
    return signed


def _sign_status_list(status_list: StatusList) -> str:
    url = status_list_url(status_list.id)
    now = utcnow()
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(status_list.school_id),
        "validFrom": now.isoformat(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose.value,
            "encodedList": encode_bits(status_list.bits),
            "ttl": STATUS_TTL_MS,
        },
    }
    return sign_credential(status_list.school_id, credential)
