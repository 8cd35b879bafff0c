"""Request and response bodies of the API login."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import WholeNumber
from identity.models import Role
from identity.schemas import CitizenSchema, MembershipSchema, WardSchema

ACR_CHOICES = ["urn:vneid:loa:1", "urn:vneid:loa:2"]


class LoginStartSchema(ma.Schema):
    """Where the phone will receive the code, and what the login must achieve."""

    redirect_uri = fields.String(
        required=True, metadata={"example": "vn.congdan.app:/callback"}
    )
    acr_values = fields.String(
        load_default=None,
        validate=validate.OneOf(
            [*ACR_CHOICES, " ".join(ACR_CHOICES), " ".join(reversed(ACR_CHOICES))]
        ),
    )
    max_age = WholeNumber(load_default=None, validate=validate.Range(min=0, max=86400))
    prompt = fields.String(
        load_default=None, validate=validate.OneOf(["login", "consent", "none"])
    )


class LoginStartedSchema(ma.Schema):
    """Open ``authorization_url`` in the system browser; keep ``state``."""

    authorization_url = fields.String(required=True)
    state = fields.String(required=True)


class LoginFinishSchema(ma.Schema):
    """What arrived on the redirect URI."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=512))
    state = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TokenPairSchema(ma.Schema):
    """The API's tokens."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = WholeNumber(required=True)
    refresh_token = fields.String()
    refresh_expires_in = WholeNumber()


class RefreshSchema(ma.Schema):
    """A refresh token to exchange."""

    refresh_token = fields.String(
        required=True, validate=validate.Length(min=1, max=4096)
    )


class ActAsSchema(ma.Schema):
    """The organisation (and, if several, the role) to act for."""

    org_id = fields.UUID(required=True)
    role = fields.Enum(Role, by_value=True, load_default=None)


class ActingSchema(ma.Schema):
    """The organisation and role the current token acts for."""

    org_id = fields.UUID(allow_none=True)
    role = fields.String(allow_none=True)


class MeSchema(ma.Schema):
    """The signed-in citizen: profile, roles, children, and current acting role."""

    profile = fields.Nested(CitizenSchema, required=True)
    memberships = fields.List(fields.Nested(MembershipSchema), required=True)
    children = fields.List(fields.Nested(WardSchema), required=True)
    acting = fields.Nested(ActingSchema, required=True)
    acr = fields.String(allow_none=True)


class TotpEnrolmentSchema(ma.Schema):
    """Scan ``qr_svg`` (or type ``secret``) into an authenticator app."""

    secret = fields.String(required=True)
    otpauth_uri = fields.String(required=True)
    qr_svg = fields.String(required=True, metadata={"description": "SVG image"})


class TotpCodeSchema(ma.Schema):
    """The first code the authenticator app shows."""

    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class RecoveryCodesSchema(ma.Schema):
    """Ten single-use recovery codes; shown once."""

    recovery_codes = fields.List(fields.String(), required=True)
