"""The shapes the verifier accepts: JOSE headers, transcript credentials, status
entries, status lists and published keys (one at a time: a verifier reads only the
keys a credential names, never a whole JWKS).

Everything in a credential is written by whoever presents it, so nothing of it is
used before it has passed one of these schemas: every value typed and bounded,
every URL absolute and plain, every enumeration closed. Unknown members are
refused, so nothing unvalidated can ride along into what the verifier shows.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import marshmallow as ma
from marshmallow import fields, validate

from school_records import content as transcript_content
from school_records.models import StatusPurpose

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
ALGORITHMS: Final = ("ES256",)
MAX_URL: Final = 500
#: A ``statusListIndex``: a decimal of at most 10 digits, without sign or leading
#: zeros; whether it is within its list is known once the list is read.
_INDEX = re.compile(r"^(0|[1-9][0-9]{0,9})$")
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
_ENCODED_LIST = re.compile(r"^u?[A-Za-z0-9_-]+$")
#: ``did:web:host[%3Aport](:segment)*`` (did:web 1.0): a host, then path segments.
_DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.-]+(%3A[0-9]{1,5})?(:[A-Za-z0-9._-]+)*$")
MAX_KID: Final = MAX_URL + 100
#: 9999-12-31T23:59:59Z: later NumericDates are no dates Python can hold.
_LAST_SECOND = 253_402_300_799

NOT_A_PLAIN_URL: Final = "Not an http(s) URL without query or fragment."
NOT_AN_ISSUER: Final = "Not an http(s) URL or a did:web identifier."
SAME_ORIGIN: Final = "Must be on the issuer's own site."
NOT_THE_ISSUER: Final = "Must be the issuer."
NOT_THIS_ENTRY: Final = "Must name the entry's list and index."
BOTH_PURPOSES: Final = "Needs one revocation and one suspension entry."
NOT_THE_ISSUERS_KEY: Final = "Must name a key in the issuer's JWKS."
WRONG_REGULATION: Final = "Must be the regulation of the grade."
RETIRED_KEY: Final = (
    "A retired or withdrawn key gives its retired_at, an active one none."
)
WITHDRAWN_KEY: Final = "A withdrawn key gives its withdrawn_since, no other key does."
#: Who a published key belongs to: the school itself, or one of its homeroom teachers.
SCHOOL_HOLDER: Final = "school"
TEACHER_HOLDER: Final = "teacher"


def plain_url(value: str) -> None:
    """An absolute http(s) URL with a host and no query, fragment or spaces."""
    parts = urlsplit(value)
    if (
        len(value) > MAX_URL
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise ma.ValidationError(NOT_A_PLAIN_URL)


def issuer_identifier(value: str) -> None:
    """An issuer: a school's URL in this API (credentials before did:web) or its
    ``did:web`` identifier."""
    if value.startswith("did:"):
        if len(value) > MAX_URL or not _DID_WEB.match(value):
            raise ma.ValidationError(NOT_AN_ISSUER)
    else:
        plain_url(value)


def issuer_location(issuer: str) -> str:
    """Where an issuer is, without scheme: ``host[:port]/path`` of its URL, or of
    the URL its ``did:web`` resolves to. A school's two spellings, as a URL and as
    a DID, have the same location."""
    if issuer.startswith("did:web:"):
        host, *path = issuer.removeprefix("did:web:").split(":")
        return "/".join([unquote(host), *path])
    parts = urlsplit(issuer)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def same_issuer(one: str, other: str) -> bool:
    """Whether two spellings name one issuer: equal, or a ``did:web`` and a URL of
    the same location (two URLs only when equal: ``http`` is not ``https``)."""
    if one == other:
        return True
    dids = one.startswith("did:web:") + other.startswith("did:web:")
    return dids == 1 and issuer_location(one) == issuer_location(other)


def names_issuers_key(reference: str, issuer: str) -> bool:
    """Whether ``reference`` names a key of ``issuer``: ``{issuer}/jwks#kid`` or
    ``{issuer}#kid``, the issuer spelt as itself or as its other spelling."""
    where, sep, kid = reference.rpartition("#")
    if not sep or not kid:
        return False
    if where.startswith("did:"):
        return same_issuer(where, issuer)
    parts = urlsplit(where)
    if parts.scheme not in ("http", "https") or not where.endswith("/jwks"):
        return False
    school = where.removesuffix("/jwks")
    return same_issuer(school, issuer)


def local_kid(issuer: str, kid: str) -> str:
    """The key id within the issuer's keys: the fragment of a DID URL naming the
    issuer (in either spelling), or ``kid`` itself (which then names no key if
    it is another DID's)."""
    did, sep, fragment = kid.rpartition("#")
    if sep and did.startswith("did:") and same_issuer(did, issuer):
        return fragment
    return kid


class StrictInteger(fields.Integer):
    """A JSON integer (never ``"20"``, ``20.0`` or ``true``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class NumericDate(StrictInteger):
    """A JWT NumericDate: whole seconds since 1970, up to the end of year 9999."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=validate.Range(min=0, max=_LAST_SECOND), **kwargs)


def _text(maximum: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=maximum), **kwargs)


def _url(**kwargs: Any) -> fields.String:
    return fields.String(validate=plain_url, **kwargs)


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class HeaderSchema(_Strict):
    """The protected header of a credential or status list (``vc+jwt``); ``kid``
    is a DID URL (``did:web:…#thumbprint``) or, before did:web, the thumbprint."""

    alg = fields.String(required=True, validate=validate.OneOf(ALGORITHMS))
    kid = _text(MAX_KID, required=True)
    typ = fields.String(required=True, validate=validate.Equal("vc+jwt"))
    cty = fields.String(validate=validate.Equal("vc"))


class HomeroomHeaderSchema(_Strict):
    """The protected header of the homeroom teacher's signature."""

    alg = fields.String(required=True, validate=validate.OneOf(ALGORITHMS))
    kid = _text(128, required=True)
    typ = fields.String(required=True, validate=validate.Equal("hocba-homeroom+jws"))


class EnvelopeSchema(ma.Schema):
    """What the signature check needs before the signature holds: the issuer."""

    class Meta:
        unknown = ma.EXCLUDE

    issuer = fields.Raw(required=True)

    @ma.validates("issuer")
    def _issuer(self, value: Any, **_: Any) -> None:
        identifier = value.get("id") if isinstance(value, dict) else value
        if not isinstance(identifier, str):
            raise ma.ValidationError(NOT_AN_ISSUER)
        issuer_identifier(identifier)


_ENVELOPE = EnvelopeSchema()  # made once; loading does not change it


def issuer_of(payload: dict[str, Any]) -> str:
    """The issuer URL of an unverified payload.

    :raise marshmallow.ValidationError: it names no plain http(s) issuer.
    """
    issuer = _ENVELOPE.load(payload)["issuer"]
    return str(issuer["id"] if isinstance(issuer, dict) else issuer)


class IssuerSchema(_Strict):
    id = fields.String(required=True, validate=issuer_identifier)
    name = _text(255, required=True)
    code = _text(32, required=True)


class StatusEntrySchema(_Strict):
    """A ``BitstringStatusListEntry``; ``statusListIndex`` loads as an ``int``."""

    id = _text(MAX_URL + 20)
    type = fields.String(
        required=True, validate=validate.Equal("BitstringStatusListEntry")
    )
    statusPurpose = fields.String(  # noqa: N815 - the W3C member name
        required=True, validate=validate.OneOf([p.value for p in StatusPurpose])
    )
    statusListIndex = fields.String(  # noqa: N815
        required=True, validate=validate.Regexp(_INDEX)
    )
    statusListCredential = _url(required=True)  # noqa: N815

    @ma.validates_schema(skip_on_field_errors=True)
    def _id(self, data: dict[str, Any], **_: Any) -> None:
        expected = f"{data['statusListCredential']}#{data['statusListIndex']}"
        if "id" in data and data["id"] != expected:
            raise ma.ValidationError(NOT_THIS_ENTRY, field_name="id")

    @ma.post_load
    def _index(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "statusListIndex": int(data["statusListIndex"])}


class HomeroomProofSchema(_Strict):
    type = fields.String(required=True, validate=validate.Equal("JsonWebSignature"))
    proofPurpose = fields.String(  # noqa: N815
        required=True, validate=validate.Equal("assertionMethod")
    )
    verificationMethod = _text(MAX_URL + 140, required=True)  # noqa: N815
    signer = _text(255, required=True)
    created = fields.AwareDateTime(required=True)
    jws = fields.String(
        required=True,
        validate=[validate.Length(max=20_000), validate.Regexp(_COMPACT_JWS)],
    )


class PrincipalSignatureSchema(_Strict):
    signer = _text(255, required=True, allow_none=True)
    created = fields.AwareDateTime(required=True, allow_none=True)


class SubjectSchema(ma.Schema):
    """The pupil, the year, and the transcript's content under its circular."""

    class Meta:
        unknown = ma.INCLUDE  # the content members, checked by the content rules

    id = fields.String(required=True, validate=validate.Regexp(_UUID_URN))
    type = fields.String(required=True, validate=validate.Equal("HocBaSo"))
    name = _text(255, required=True)
    birthDate = fields.Date(required=True)  # noqa: N815
    schoolYear = fields.String(  # noqa: N815
        required=True, validate=validate.Regexp(r"^[0-9]{4}-[0-9]{4}\Z")
    )
    grade = StrictInteger(required=True, validate=validate.Range(min=1, max=12))
    className = _text(20, required=True)  # noqa: N815
    regulation = fields.String(
        required=True,
        validate=validate.OneOf([transcript_content.TT22, transcript_content.TT27]),
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def _content(self, data: dict[str, Any], **_: Any) -> None:
        if data["regulation"] != transcript_content.regulation_for(data["grade"]):
            raise ma.ValidationError(WRONG_REGULATION, field_name="regulation")
        rest = {k: v for k, v in data.items() if k not in self.fields}
        transcript_content.load(rest, data["grade"])


class CredentialSchema(_Strict):
    """A ``HocBaSoCredential`` as this service issues it."""

    context = fields.List(
        fields.String(validate=validate.Length(max=MAX_URL)),
        data_key="@context",
        required=True,
        validate=validate.Length(min=1, max=4),
    )
    id = fields.String(required=True, validate=validate.Regexp(_UUID_URN))
    type = fields.List(
        fields.String(),
        required=True,
        validate=validate.Equal(["VerifiableCredential", "HocBaSoCredential"]),
    )
    issuer = fields.Nested(IssuerSchema, required=True)
    validFrom = fields.AwareDateTime(required=True)  # noqa: N815
    #: The issuance instant the verifier judges the key by: the signer stamps it.
    iat = NumericDate(required=True)
    nbf = NumericDate()
    #: The JWT claim generic JWT libraries resolve the issuer by: its DID.
    iss = fields.String(validate=issuer_identifier)
    credentialSubject = fields.Nested(SubjectSchema, required=True)  # noqa: N815
    credentialStatus = fields.List(  # noqa: N815
        fields.Nested(StatusEntrySchema),
        required=True,
        validate=validate.Length(equal=2),
    )
    homeroomProof = fields.Nested(HomeroomProofSchema, required=True)  # noqa: N815
    principalSignature = fields.Nested(  # noqa: N815
        PrincipalSignatureSchema, required=True
    )

    @ma.validates("context")
    def _vc_context(self, value: list[str], **_: Any) -> None:
        if value[0] != VC_CONTEXT:
            raise ma.ValidationError(f"Must start with {VC_CONTEXT}.")

    @ma.validates_schema(skip_on_field_errors=True)
    def _links(self, data: dict[str, Any], **_: Any) -> None:
        issuer = data["issuer"]["id"]
        errors: dict[str, Any] = {}
        entries: dict[Any, Any] = {}
        if {e["statusPurpose"] for e in data["credentialStatus"]} != {
            p.value for p in StatusPurpose
        }:
            entries[ma.exceptions.SCHEMA] = [BOTH_PURPOSES]
        site = issuer_location(issuer).split("/")[0]
        for index, entry in enumerate(data["credentialStatus"]):
            if urlsplit(entry["statusListCredential"]).netloc != site:
                entries[index] = {"statusListCredential": [SAME_ORIGIN]}
        if entries:
            errors["credentialStatus"] = entries
        method = data["homeroomProof"]["verificationMethod"]
        if not names_issuers_key(method, issuer):
            errors["homeroomProof"] = {"verificationMethod": [NOT_THE_ISSUERS_KEY]}
        if data.get("iss", issuer) != issuer:
            errors["iss"] = [NOT_THE_ISSUER]
        if errors:
            raise ma.ValidationError(errors)


class StatusListSubjectSchema(_Strict):
    id = _text(MAX_URL + 10, required=True)
    type = fields.String(required=True, validate=validate.Equal("BitstringStatusList"))
    statusPurpose = fields.String(  # noqa: N815
        required=True, validate=validate.OneOf([p.value for p in StatusPurpose])
    )
    encodedList = fields.String(  # noqa: N815
        required=True,
        validate=[
            validate.Length(min=2, max=2_000_000),
            validate.Regexp(_ENCODED_LIST),
        ],
    )
    ttl = StrictInteger(validate=validate.Range(min=0, max=2**40))


class StatusListCredentialSchema(_Strict):
    """A ``BitstringStatusListCredential`` as this service issues it."""

    context = fields.List(
        fields.String(validate=validate.Length(max=MAX_URL)),
        data_key="@context",
        required=True,
        validate=validate.Length(min=1, max=4),
    )
    id = _url(required=True)
    type = fields.List(
        fields.String(),
        required=True,
        validate=validate.Equal(
            ["VerifiableCredential", "BitstringStatusListCredential"]
        ),
    )
    issuer = fields.String(required=True, validate=issuer_identifier)
    validFrom = fields.AwareDateTime(required=True)  # noqa: N815
    #: The issuance instant the verifier judges the key by: the signer stamps it.
    iat = NumericDate(required=True)
    nbf = NumericDate()
    #: The JWT claim generic JWT libraries resolve the issuer by (the same DID).
    iss = fields.String(validate=issuer_identifier)
    credentialSubject = fields.Nested(StatusListSubjectSchema, required=True)  # noqa: N815

    @ma.validates_schema(skip_on_field_errors=True)
    def _one_issuer(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("iss", data["issuer"]) != data["issuer"]:
            raise ma.ValidationError({"iss": [NOT_THE_ISSUER]})


class PublishedKeySchema(ma.Schema):
    """A key of a school's JWKS with its holder and its life (extension members,
    ISO 8601 instants): ``created_at``; ``retired_at`` once it signs no more;
    ``withdrawn_since`` once what it signed from that instant on is refused."""

    class Meta:
        unknown = ma.INCLUDE  # the JWK members themselves, checked by joserfc

    kid = _text(128, required=True)
    kty = fields.String(required=True, validate=validate.Equal("EC"))
    holder = fields.String(
        required=True, validate=validate.OneOf([SCHOOL_HOLDER, TEACHER_HOLDER])
    )
    status = fields.String(
        required=True, validate=validate.OneOf(["active", "retired", "withdrawn"])
    )
    created_at = fields.AwareDateTime(required=True)
    retired_at = fields.AwareDateTime()
    withdrawn_since = fields.AwareDateTime()

    @ma.validates_schema(skip_on_field_errors=True)
    def _life(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if (data["status"] == "active") == ("retired_at" in data):
            errors["retired_at"] = [RETIRED_KEY]
        if (data["status"] == "withdrawn") != ("withdrawn_since" in data):
            errors["withdrawn_since"] = [WITHDRAWN_KEY]
        if errors:
            raise ma.ValidationError(errors)


def stated_instants(claims: dict[str, Any]) -> tuple[datetime, datetime]:
    """The earliest and latest instants a signed credential or status list states
    (``validFrom``, ``iat``, ``nbf``, the principal's signature): its key must have
    been in force at every one of them."""
    instants: list[datetime] = [claims["validFrom"]] + [
        datetime.fromtimestamp(claims[name], tz=UTC)
        for name in ("iat", "nbf")
        if name in claims
    ]
    principal = claims.get("principalSignature", {}).get("created")
    if principal is not None:
        instants.append(principal)
    return min(instants), max(instants)
