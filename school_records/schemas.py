"""Request and response bodies of school records."""

from __future__ import annotations

from typing import Any, Final

import marshmallow as ma
from marshmallow import fields, validate

from app.fields import Code, FreeForm, Text, Uuid, WholeNumber
from app.pagination import PageArgsSchema
from school_records.models import TranscriptStatus
from school_records.register_schemas import school_year_field

#: A transcript's content: about 15 subjects of two semesters each, comments, and
#: (grades 1-5) qualities and competences; never megabytes.
CONTENT_BOUNDS: Final = {"max_keys": 20, "max_depth": 6, "max_bytes": 64 * 1024}


class TranscriptCreateSchema(ma.Schema):
    """A new draft: a pupil enrolled in that class and grade that year, and the
    transcript's content."""

    pupil_id = Uuid(required=True)
    school_year = school_year_field(required=True)
    grade = WholeNumber(required=True, validate=validate.Range(min=1, max=12))
    class_name = Text(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"example": "6A1"},
    )
    content = FreeForm(
        **CONTENT_BOUNDS,
        required=True,
        metadata={
            "description": "Subjects, conduct, results… (Circular 22 or 27 by grade)"
        },
    )


class TranscriptUpdateSchema(ma.Schema):
    """A draft's new content."""

    class_name = Text(validate=validate.Length(min=1, max=20))
    content = FreeForm(**CONTENT_BOUNDS, required=True)


class TranscriptSchema(ma.Schema):
    """A transcript and where it stands."""

    id = fields.UUID()
    pupil_id = fields.UUID()
    pupil_name = fields.String(attribute="pupil.full_name")
    school_id = fields.UUID()
    school_name = fields.String(attribute="school.name")
    school_year = fields.String()
    grade = WholeNumber()
    class_name = fields.String()
    regulation = fields.String()
    content = fields.Dict()
    status = fields.Enum(TranscriptStatus, by_value=True)
    suspended = fields.Boolean()
    homeroom_teacher_id = fields.UUID(allow_none=True)
    homeroom_signed_at = fields.DateTime(allow_none=True)
    principal_id = fields.UUID(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    revocation_reason = fields.String(allow_none=True)
    suspension_reason = fields.String(allow_none=True)
    replaces_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class TranscriptQueryArgsSchema(PageArgsSchema):
    """Filter a school's transcripts by status."""

    status = fields.Enum(TranscriptStatus, by_value=True, load_default=None)


class ReasonSchema(ma.Schema):
    """Why (required for revocation and suspension)."""

    reason = Text(
        required=True, multiline=True, validate=validate.Length(min=3, max=500)
    )


class CredentialSchema(ma.Schema):
    """The transcript as a verifiable credential."""

    credential = fields.String(required=True, metadata={"description": "vc+jwt"})
    digest = fields.String(
        required=True, metadata={"description": "SHA-256 of the credential"}
    )
    verify_url = fields.String(required=True)


class VerifyRequestSchema(ma.Schema):
    """A credential to verify, or (from a printed QR code) a transcript id and digest."""

    credential = Code(load_default=None, validate=validate.Length(min=10, max=100_000))
    transcript_id = Uuid(load_default=None)
    digest = Code(load_default=None, validate=validate.Regexp(r"^[0-9a-f]{64}$"))

    @ma.validates_schema
    def _one_way(self, data: dict[str, Any], **_: Any) -> None:
        by_reference = (
            data.get("transcript_id") is not None and data.get("digest") is not None
        )
        if bool(data.get("credential")) == by_reference:
            raise ma.ValidationError(
                "Give either credential, or transcript_id with digest.",
                field_name="credential",
            )


class CheckSchema(ma.Schema):
    """One check of the report."""

    phase = fields.String(
        required=True,
        metadata={"description": "cryptographic | status | trust | semantic"},
    )
    id = fields.String(required=True)
    name = fields.String(
        required=True,
        metadata={"description": "What the check looks at, in the caller's language"},
    )
    status = fields.String(
        required=True, metadata={"description": "success | failure | skipped"}
    )
    problem = fields.String(
        allow_none=True,
        metadata={"description": "Stable code, e.g. INVALID_SIGNATURE, KEY_RETIRED"},
    )
    detail = fields.Raw(
        allow_none=True, metadata={"description": "Field path -> messages, if any"}
    )
    message = fields.String(
        required=True, metadata={"description": "The outcome, for a person to read"}
    )


def _score(description: str) -> fields.Raw:
    # Raw, not Float: a signed 8 stays 8 (as printed), never becomes 8.0.
    return fields.Raw(metadata={"type": "number", "description": description})


class SignedSemesterSchema(ma.Schema):
    """One semester of a subject, as signed: scores (Circular 22 scored subjects), a
    pass/fail result (Circular 22 comment-only subjects) or a level (Circular 27)."""

    regular = fields.List(
        fields.Raw(metadata={"type": "number"}),
        metadata={"description": "Regular assessment scores (ĐGTX)"},
    )
    midterm = _score("Mid-term score (ĐGGK)")
    final = _score("End-of-term score (ĐGCK)")
    average = _score("Semester average (ĐTBmhk)")
    result = fields.String(metadata={"description": "Đạt | Chưa đạt"})
    level = fields.String(
        metadata={"description": "Hoàn thành tốt | Hoàn thành | Chưa hoàn thành"}
    )
    score = fields.Integer(allow_none=True, metadata={"description": "Test score 1-10"})


class SignedSubjectSchema(ma.Schema):
    """A subject, as signed, with both semesters and the year."""

    code = fields.String()
    name = fields.String()
    assessment = fields.String(metadata={"description": "scored | comment"})
    periods_per_year = fields.Integer(allow_none=True)
    semester1 = fields.Nested(SignedSemesterSchema)
    semester2 = fields.Nested(SignedSemesterSchema)
    year_average = fields.Raw(
        allow_none=True, metadata={"type": "number", "description": "ĐTBmcn"}
    )
    year_result = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)


class SignedLevelsSchema(ma.Schema):
    """Conduct or learning result per semester and for the year (Tốt/Khá/Đạt/Chưa đạt)."""

    semester1 = fields.String()
    semester2 = fields.String()
    year = fields.String()


class SignedAbsencesSchema(ma.Schema):
    """Days absent in the year."""

    excused = fields.Integer()
    unexcused = fields.Integer()


class SignerSchema(ma.Schema):
    """Who signed, and when."""

    role = fields.String(metadata={"description": "homeroom_teacher | principal"})
    name = fields.String(allow_none=True)
    signed_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class SignedSchoolSchema(ma.Schema):
    """The issuing school."""

    id = fields.String(metadata={"description": "Issuer URL (its JWKS is id + /jwks)"})
    name = fields.String(allow_none=True)
    code = fields.String(allow_none=True)


class SignedPupilSchema(ma.Schema):
    """The pupil as named in the credential."""

    name = fields.String(allow_none=True)
    birth_date = fields.String(allow_none=True, metadata={"format": "date"})


class SignedTranscriptSchema(ma.Schema):
    """What the school signed: compare every grade of a paper copy with this."""

    credential_id = fields.String(allow_none=True)
    issued_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    school = fields.Nested(SignedSchoolSchema)
    pupil = fields.Nested(SignedPupilSchema)
    school_year = fields.String(allow_none=True)
    grade = fields.Integer(allow_none=True)
    class_name = fields.String(allow_none=True)
    regulation = fields.String(allow_none=True)
    subjects = fields.List(fields.Nested(SignedSubjectSchema))
    conduct = fields.Nested(SignedLevelsSchema, metadata={"description": "Rèn luyện"})
    learning_result = fields.Nested(
        SignedLevelsSchema, metadata={"description": "Học tập"}
    )
    qualities = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Circular 27 only"},
    )
    competences = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Circular 27 only"},
    )
    overall = fields.String(metadata={"description": "Circular 27 only"})
    absences = fields.Nested(SignedAbsencesSchema)
    promotion = fields.String(metadata={"description": "Xét lên lớp"})
    award = fields.String(allow_none=True)
    homeroom_comment = fields.String(allow_none=True)
    signers = fields.List(fields.Nested(SignerSchema))


class ReplacementSchema(ma.Schema):
    """The correction that replaced a revoked transcript."""

    transcript_id = fields.UUID(required=True)
    verify_url = fields.Url(
        required=True, metadata={"description": "The verify page opened on it"}
    )


class VerificationSchema(ma.Schema):
    """The phased verification report.

    ``summary`` and ``signed_content`` are present only when both signatures hold
    under the keys of a registered school (they are then what that school signed,
    even if it has since revoked or suspended the transcript: see ``verified``).
    Otherwise both are null: nothing the credential merely claims is returned.
    """

    verified = fields.Boolean(required=True)
    checks = fields.List(fields.Nested(CheckSchema), required=True)
    summary = fields.Dict(
        allow_none=True,
        metadata={"description": "Who, which school, which year (signed data only)"},
    )
    signed_content = fields.Nested(
        SignedTranscriptSchema,
        allow_none=True,
        metadata={
            "description": "Every signed grade, result and signer; null unless authentic"
        },
    )
    replaced_by = fields.Nested(
        ReplacementSchema,
        allow_none=True,
        metadata={
            "description": "The correction in force, when an authentic transcript "
            "was revoked because a correction replaced it"
        },
    )
