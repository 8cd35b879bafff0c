"""What the wallet's API accepts and returns: credential offers, presentation
requests (a DCQL query, OpenID4VP 1.0 §6) and their outcomes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from app import sd_jwt
from app.date_fields import DateTime
from app.fields import Boolean, Code, DecimalString, Text, between
from wallet.types import TYPES

QUERY_ID = r"^[A-Za-z0-9_-]{1,40}$"
NOT_OUR_TYPE_ERROR = "Only these credential types are verified here: {vcts}."
PATH_ERROR = "A claim path is 1 to 8 claim names, array positions (0 or more) or null."
VALUE_ERROR = "Values are strings, integers or booleans."
CHECK_ERROR = "A check tests a claim the query asks for."


class ClaimPath(fields.Field[list[Any]]):
    """A claims path pointer: names, non-negative positions and ``null``s."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> list[Any]:
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= 8
            or not all(
                item is None
                or (
                    isinstance(item, str)
                    and 0 < len(item) <= 100
                    and item.isprintable()
                )
                or (
                    isinstance(item, int)
                    and not isinstance(item, bool)
                    and 0 <= item < 1000
                )
                for item in value
            )
        ):
            raise ValidationError(PATH_ERROR)
        return value


class ClaimValue(fields.Field[Any]):
    """A value a claim may be asked to equal."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> Any:
        if isinstance(value, bool) or (isinstance(value, int) and abs(value) < 2**53):
            return value
        if isinstance(value, str) and len(value) <= 200 and value.isprintable():
            return value
        raise ValidationError(VALUE_ERROR)


def _says(text: str, **more: Any) -> dict[str, Any]:
    return {"description": text, **more}


_PATH = _says(
    "A claims path pointer (OpenID4VP 1.0 §7): claim names, array positions or "
    "null for every element.",
    type="array",
    items={},
)


class ClaimQuerySchema(ma.Schema):
    """One claim asked for (DCQL claims query)."""

    id = Code(validate=validate.Regexp(QUERY_ID), metadata=_says("The claim's id."))
    path = ClaimPath(required=True, metadata=_PATH)
    values = fields.List(
        ClaimValue(metadata=_says("A value the claim may equal.")),
        validate=validate.Length(min=1, max=20),
        metadata=_says("The values the claim must equal one of (exact match)."),
    )


class SdJwtMetaSchema(ma.Schema):
    """What kind of SD-JWT VC is asked for."""

    vct_values = fields.List(
        Code(validate=validate.Length(max=300)),
        required=True,
        validate=validate.Length(min=1, max=4),
        metadata=_says("The credential types (vct) accepted: this service's own."),
    )

    @ma.validates("vct_values")
    def _ours(self, value: list[str], **_: Any) -> None:
        known = {kind.vct for kind in TYPES.values()}
        if not set(value) <= known:
            raise ValidationError(
                NOT_OUR_TYPE_ERROR.format(vcts=", ".join(sorted(known)))
            )


class CredentialQuerySchema(ma.Schema):
    """One credential asked for (DCQL credential query)."""

    id = Code(
        required=True,
        validate=validate.Regexp(QUERY_ID),
        metadata=_says("The query's id: the key of its answer in the vp_token."),
    )
    format = Code(
        required=True,
        validate=validate.Equal(sd_jwt.CREDENTIAL_TYPE),
        metadata=_says("The credential format: dc+sd-jwt."),
    )
    meta = fields.Nested(
        SdJwtMetaSchema, required=True, metadata=_says("The credential type asked for.")
    )
    claims = fields.List(
        fields.Nested(ClaimQuerySchema),
        validate=validate.Length(min=1, max=30),
        metadata=_says("The claims asked for; nothing else is disclosed."),
    )
    multiple = Boolean(
        validate=validate.Equal(False), metadata=_says("Always false: one credential.")
    )
    require_cryptographic_holder_binding = Boolean(
        validate=validate.Equal(True),
        metadata=_says("Always true: the holder proves the credential's key."),
    )


class DcqlQuerySchema(ma.Schema):
    """A DCQL query (OpenID4VP 1.0 §6)."""

    credentials = fields.List(
        fields.Nested(CredentialQuerySchema),
        required=True,
        validate=validate.Length(min=1, max=3),
        metadata=_says("The credentials asked for, all of them required."),
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def _distinct(self, data: dict[str, Any], **_: Any) -> None:
        ids = [query["id"] for query in data["credentials"]]
        if len(set(ids)) != len(ids):
            raise ValidationError(
                {"credentials": ["Each credential query has its own id."]}
            )


class PresentationCheckSchema(ma.Schema):
    """A test of a disclosed number the verifier applies itself (never sent to
    the wallet: DCQL matches exact values only)."""

    query_id = Code(
        required=True,
        validate=validate.Regexp(QUERY_ID),
        metadata=_says("The credential query whose claim is tested."),
    )
    path = ClaimPath(required=True, metadata=_PATH)
    minimum = DecimalString(
        required=True,
        validate=between("0", "1000"),
        metadata=_says('The least value that meets the condition (e.g. "8.0").'),
    )


class PresentationRequestCreateSchema(ma.Schema):
    """What a verifier asks a wallet for, and why."""

    purpose = Text(
        required=True,
        validate=validate.Length(min=1, max=300),
        metadata=_says("Why the credential is asked for, shown on the page."),
    )
    dcql_query = fields.Nested(
        DcqlQuerySchema, required=True, metadata=_says("What is asked for (DCQL).")
    )
    checks = fields.List(
        fields.Nested(PresentationCheckSchema),
        load_default=list,
        validate=validate.Length(max=10),
        metadata=_says("The verifier's own tests of disclosed numbers."),
    )

    @ma.validates_schema(skip_on_field_errors=True)
    def _checks_name_asked_claims(self, data: dict[str, Any], **_: Any) -> None:
        asked = {
            (query["id"], tuple(claim["path"]))
            for query in data["dcql_query"]["credentials"]
            for claim in query.get("claims", [])
        }
        for position, check in enumerate(data["checks"]):
            if (check["query_id"], tuple(check["path"])) not in asked:
                raise ValidationError({f"checks.{position}.path": [CHECK_ERROR]})


class PresentationRequestSchema(ma.Schema):
    """A presentation request as its verifier sees it."""

    id = fields.UUID(metadata=_says("The request's id."))
    purpose = fields.String(metadata=_says("Why the credential is asked for."))
    dcql_query = fields.Dict(metadata=_says("What is asked for (DCQL)."))
    checks = fields.List(
        fields.Dict(), metadata=_says("The verifier's own tests of disclosed numbers.")
    )
    client_id = fields.String(
        metadata=_says("The verifier as an OpenID4VP client: the audience of answers.")
    )
    request_link = fields.String(
        metadata=_says("The request by value, as a link a wallet opens (openid4vp://).")
    )
    qr_svg = fields.String(metadata=_says("The link's QR code (SVG)."))
    page_url = fields.String(
        metadata=_says(
            "The page of the outcome; the link holds its key (given only once)."
        )
    )
    expires_at = DateTime(metadata=_says("Until when a wallet may answer."))
    outcome = fields.String(
        allow_none=True,
        metadata=_says("null while waiting; then verified, rejected or refused."),
    )
    result = fields.Dict(
        allow_none=True,
        metadata=_says(
            "verified: each credential's issuer, type and only its disclosed "
            "claims, and the checks; rejected: the reason; refused: the error."
        ),
    )


class OfferCreateSchema(ma.Schema):
    """Which credential to add to a wallet."""

    credential_identifier = Code(
        required=True,
        validate=validate.Length(min=1, max=80),
        metadata=_says("An identifier from GET /api/v1/wallet/credentials."),
    )


class OfferSchema(ma.Schema):
    """A credential offer as the app shows it: once, with its PIN."""

    id = fields.UUID(metadata=_says("The offer's id."))
    configuration_id = fields.String(
        metadata=_says("The credential configuration offered.")
    )
    credential_offer_uri = fields.String(
        metadata=_says("Where the wallet fetches the offer.")
    )
    deep_link = fields.String(
        metadata=_says(
            "The offer as a link a wallet opens (openid-credential-offer://)."
        )
    )
    qr_svg = fields.String(metadata=_says("The link's QR code (SVG)."))
    tx_code = fields.String(
        metadata=_says("The six-digit code to type into the wallet (shown only here).")
    )
    expires_at = DateTime(metadata=_says("Until when the wallet may redeem it."))


class OfferableSchema(ma.Schema):
    """A credential the caller may add to a wallet."""

    identifier = fields.String(metadata=_says("What POST /api/v1/wallet/offers takes."))
    configuration_id = fields.Function(
        lambda o: o.kind.configuration_id,
        metadata=_says("The credential configuration: hoc_ba_sd_jwt or bhyt_sd_jwt."),
    )
    subject_id = fields.UUID(metadata=_says("Whom it is about: the caller or a child."))
    label = fields.String(metadata=_says("What the app shows for it."))


class OfferableListSchema(ma.Schema):
    """The credentials the caller may add."""

    items = fields.List(
        fields.Nested(OfferableSchema), metadata=_says("Each credential.")
    )
