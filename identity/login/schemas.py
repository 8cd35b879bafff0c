"""Request and response bodies of the API login."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import Code, Uuid, WholeNumber
from identity.models import Role
from identity.schemas import CitizenSchema, MembershipSchema, WardSchema

ACR_CHOICES = ["urn:vneid:loa:1", "urn:vneid:loa:2"]

CODE_CHALLENGE_ERROR = (
    "Must be the S256 code challenge: 43 base64url characters (RFC 7636)."
)
CODE_CHALLENGE_METHOD_ERROR = "Only S256 is accepted."
CODE_VERIFIER_ERROR = (
    "Must be the PKCE code verifier: 43 to 128 characters "
    "of A-Z, a-z, 0-9, '-', '.', '_', '~' (RFC 7636)."
)


class LoginStartSchema(ma.Schema):
    """Where the phone will receive the code, and what the login must achieve."""

    redirect_uri = Code(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"example": "vn.congdan.app:/callback"},
    )
    acr_values = Code(
        load_default=None,
        validate=validate.OneOf(
            [*ACR_CHOICES, " ".join(ACR_CHOICES), " ".join(reversed(ACR_CHOICES))]
        ),
    )
    max_age = WholeNumber(load_default=None, validate=validate.Range(min=0, max=86400))
    prompt = Code(
        load_default=None, validate=validate.OneOf(["login", "consent", "none"])
    )
    code_challenge = Code(
        required=True,
        # SHA-256 is 32 bytes: its unpadded base64url is always 43 characters.
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{43}$", error=CODE_CHALLENGE_ERROR),
        metadata={
            "description": "BASE64URL(SHA256(code_verifier)) of a verifier the "
            "phone made and keeps; the API never sees the verifier before the finish.",
            "example": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        },
    )
    code_challenge_method = Code(
        load_default="S256",
        validate=validate.OneOf(["S256"], error=CODE_CHALLENGE_METHOD_ERROR),
    )


class LoginStartedSchema(ma.Schema):
    """Open ``authorization_url`` in the system browser; keep ``state``."""

    authorization_url = fields.String(required=True)
    state = fields.String(required=True)


class LoginFinishSchema(ma.Schema):
    """What arrived on the redirect URI."""

    code = Code(required=True, validate=validate.Length(min=1, max=512))
    state = Code(required=True, validate=validate.Length(min=1, max=64))
    code_verifier = Code(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9._~-]{43,128}$", error=CODE_VERIFIER_ERROR
        ),
        metadata={
            "description": "The verifier whose S256 challenge the phone sent to start.",
            "example": "dBjftJeZ4CK-pIr6qTN5SKt9IaCxgcK9gm2nG1qt0qY",
        },
    )


class BackchannelLogoutSchema(ma.Schema):
    """What the provider POSTs (OpenID Connect Back-Channel Logout 1.0 §2.5)."""

    # Not ``required``: a missing token is answered as the spec says (400, an
    # OAuth error body), not as a validation problem.
    logout_token = Code(load_default=None, validate=validate.Length(min=1, max=8192))


class TokenPairSchema(ma.Schema):
    """The API's tokens."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = WholeNumber(required=True)
    refresh_token = fields.String()
    refresh_expires_in = WholeNumber()


class RefreshSchema(ma.Schema):
    """A refresh token to exchange."""

    refresh_token = Code(required=True, validate=validate.Length(min=1, max=4096))


class ActAsSchema(ma.Schema):
    """The organisation (and, if several, the role) to act for."""

    org_id = Uuid(required=True)
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
    qr_png = fields.String(required=True)


class TotpCodeSchema(ma.Schema):
    """The first code the authenticator app shows."""

    code = Code(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))


class RecoveryCodesSchema(ma.Schema):
    """Ten single-use recovery codes; shown once."""

    recovery_codes = fields.List(fields.String(), required=True)


class OAuthErrorSchema(ma.Schema):
    """An OAuth 2.0 error body (RFC 6749 §5.2), as Back-Channel Logout §2.8 answers."""

    error = fields.String(required=True, metadata={"example": "invalid_request"})
    error_description = fields.String()


class CrossDeviceBrowserSchema(ma.Schema):
    """The browser that asks to be signed in, as the phone shows it."""

    address = fields.String(
        allow_none=True,
        metadata={"description": "Its IP address, as this server saw it."},
    )
    user_agent = fields.String(
        allow_none=True, metadata={"description": "What it says it is."}
    )


class CrossDeviceClaimSchema(ma.Schema):
    """One piece of information the service asks for."""

    claim = fields.String(
        required=True, metadata={"description": "The claim's name (OpenID Connect)."}
    )
    label = fields.String(
        required=True,
        metadata={"description": "How to show it, in the request's language."},
    )


class CrossDeviceLoginSchema(ma.Schema):
    """A QR login waiting on a computer: who asks, for what, from where and when."""

    user_code = fields.String(
        required=True,
        metadata={
            "description": "The code, as the computer shows it.",
            "example": "BCDF-GHJK",
        },
    )
    client_name = fields.String(
        required=True, metadata={"description": "The service the computer signs in to."}
    )
    claims = fields.List(
        fields.Nested(CrossDeviceClaimSchema),
        required=True,
        metadata={"description": "What the service asks to receive."},
    )
    browser = fields.Nested(
        CrossDeviceBrowserSchema,
        required=True,
        metadata={"description": "The browser that shows the code."},
    )
    requested_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the code was made."}
    )
    expires_at = fields.AwareDateTime(
        required=True, metadata={"description": "When it stops working (2 minutes)."}
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(["pending", "approved", "denied", "expired", "used"]),
        metadata={"description": "Waiting, decided, expired, or used by the browser."},
    )
